package dev.brook.broker.security;

import dev.brook.broker.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code ssl.principal.mapping.rules}: from a client certificate's distinguished name (RFC 2253, as
 * {@code X500Principal.getName()} gives it) to a user name. Rules are tried in order, comma
 * separated: {@code RULE:<regex>/<replacement>/[L|U]} applies to a name the regex matches whole
 * (replacement with {@code $1}…, then lower- or upper-cased), {@code DEFAULT} keeps the name. A
 * name no rule matches cannot authenticate. Immutable, thread-safe.
 */
public final class SslPrincipalMapper {
  private record Rule(Pattern pattern, String replacement, char caseChange) {
    boolean isDefault() {
      return pattern == null;
    }
  }

  private final List<Rule> rules;

  private SslPrincipalMapper(List<Rule> rules) {
    this.rules = rules;
  }

  /** Parses the rules; {@code key} names the setting in errors. */
  public static SslPrincipalMapper parse(String key, String text) {
    List<Rule> rules = new ArrayList<>();
    String t = text == null ? "DEFAULT" : text;
    int i = 0;
    while (i < t.length()) {
      while (i < t.length() && (Character.isWhitespace(t.charAt(i)) || t.charAt(i) == ',')) i++;
      if (i >= t.length()) break;
      if (t.startsWith("DEFAULT", i)) {
        rules.add(new Rule(null, null, ' '));
        i += "DEFAULT".length();
      } else if (t.startsWith("RULE:", i)) {
        int patternEnd = unescapedSlash(t, i + 5);
        int replacementEnd = patternEnd < 0 ? -1 : unescapedSlash(t, patternEnd + 1);
        if (replacementEnd < 0) throw new ConfigException(key, "expected RULE:pattern/replacement/[LU] at '" + t.substring(i) + "'");
        String pattern = t.substring(i + 5, patternEnd);
        String replacement = t.substring(patternEnd + 1, replacementEnd);
        i = replacementEnd + 1;
        char caseChange = ' ';
        if (i < t.length() && (t.charAt(i) == 'L' || t.charAt(i) == 'U')) caseChange = t.charAt(i++);
        try {
          rules.add(new Rule(Pattern.compile(pattern), replacement, caseChange));
        } catch (PatternSyntaxException e) {
          throw new ConfigException(key, "bad pattern '" + pattern + "': " + e.getDescription());
        }
      } else {
        throw new ConfigException(key, "expected DEFAULT or RULE:... at '" + t.substring(i) + "'");
      }
      while (i < t.length() && Character.isWhitespace(t.charAt(i))) i++;
      if (i < t.length() && t.charAt(i) != ',') throw new ConfigException(key, "expected ',' at '" + t.substring(i) + "'");
    }
    if (rules.isEmpty()) throw new ConfigException(key, "no rules");
    return new SslPrincipalMapper(List.copyOf(rules));
  }

  private static int unescapedSlash(String t, int from) {
    for (int j = from; j < t.length(); j++) {
      if (t.charAt(j) == '\\') j++;
      else if (t.charAt(j) == '/') return j;
    }
    return -1;
  }

  /** The user name of {@code distinguishedName}, or empty when no rule matches it. */
  public Optional<String> map(String distinguishedName) {
    for (Rule r : rules) {
      if (r.isDefault()) return Optional.of(distinguishedName);
      if (r.pattern.matcher(distinguishedName).matches()) {
        String out = r.pattern.matcher(distinguishedName).replaceAll(r.replacement);
        if (r.caseChange == 'L') out = out.toLowerCase(Locale.ROOT);
        if (r.caseChange == 'U') out = out.toUpperCase(Locale.ROOT);
        return Optional.of(out);
      }
    }
    return Optional.empty();
  }
}
