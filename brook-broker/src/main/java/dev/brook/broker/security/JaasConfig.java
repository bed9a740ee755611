package dev.brook.broker.security;

import dev.brook.broker.config.ConfigException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One JAAS login module entry as Kafka's {@code sasl.jaas.config} holds it: {@code <login module
 * class> required|requisite|sufficient|optional key="value" ... ;}. Brook reads only the options
 * (PLAIN's {@code user_<name>="<password>"}, the broker's own {@code username}/{@code password});
 * the module class names the mechanism family and is checked against it. Immutable.
 */
public record JaasConfig(String loginModule, Map<String, String> options) {

  /** Parses {@code text}; {@code key} names the setting in errors. */
  public static JaasConfig parse(String key, String text) {
    String t = text.trim();
    int i = 0;
    int start = i;
    while (i < t.length() && !Character.isWhitespace(t.charAt(i)) && t.charAt(i) != ';') i++;
    String module = t.substring(start, i);
    if (module.isEmpty()) throw new ConfigException(key, "expected '<LoginModule> required ...;'");
    i = skipSpace(t, i);
    start = i;
    while (i < t.length() && Character.isLetter(t.charAt(i))) i++;
    String flag = t.substring(start, i);
    if (!java.util.List.of("required", "requisite", "sufficient", "optional").contains(flag)) {
      throw new ConfigException(key, "expected a control flag (required, ...) after " + module + ", got '" + flag + "'");
    }
    Map<String, String> options = new LinkedHashMap<>();
    while (true) {
      i = skipSpace(t, i);
      if (i >= t.length()) throw new ConfigException(key, "must end with ';'");
      if (t.charAt(i) == ';') break;
      start = i;
      while (i < t.length() && t.charAt(i) != '=' && !Character.isWhitespace(t.charAt(i))) i++;
      String name = t.substring(start, i);
      i = skipSpace(t, i);
      if (i >= t.length() || t.charAt(i) != '=') throw new ConfigException(key, "expected name=value at '" + name + "'");
      i = skipSpace(t, i + 1);
      StringBuilder value = new StringBuilder();
      if (i < t.length() && t.charAt(i) == '"') {
        i++;
        while (i < t.length() && t.charAt(i) != '"') {
          if (t.charAt(i) == '\\' && i + 1 < t.length()) i++;
          value.append(t.charAt(i++));
        }
        if (i >= t.length()) throw new ConfigException(key, "unterminated quoted value of " + name);
        i++;
      } else {
        while (i < t.length() && !Character.isWhitespace(t.charAt(i)) && t.charAt(i) != ';') value.append(t.charAt(i++));
      }
      options.put(name, value.toString());
    }
    return new JaasConfig(module, Map.copyOf(options));
  }

  private static int skipSpace(String t, int i) {
    while (i < t.length() && Character.isWhitespace(t.charAt(i))) i++;
    return i;
  }

  @Override
  public String toString() {
    return "JaasConfig[" + loginModule + ", options=" + options.keySet() + "]"; // never the passwords
  }
}
