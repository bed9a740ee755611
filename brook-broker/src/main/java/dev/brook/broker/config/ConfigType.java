package dev.brook.broker.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The type of a configuration value, with Kafka's names (as DescribeConfigs reports them). */
public enum ConfigType {
  BOOLEAN,
  STRING,
  INT,
  SHORT,
  LONG,
  DOUBLE,
  LIST,
  CLASS,
  PASSWORD;

  /** Parses {@code raw} or throws {@link ConfigException} naming {@code key}. */
  public Object parse(String key, String raw) {
    String v = raw.trim();
    try {
      return switch (this) {
        case BOOLEAN -> {
          if (v.equalsIgnoreCase("true")) yield Boolean.TRUE;
          if (v.equalsIgnoreCase("false")) yield Boolean.FALSE;
          throw new ConfigException(key, "expected true or false, got '" + raw + "'");
        }
        case STRING, CLASS, PASSWORD -> v;
        case INT -> Integer.parseInt(v);
        case SHORT -> Short.parseShort(v);
        case LONG -> Long.parseLong(v);
        case DOUBLE -> Double.parseDouble(v);
        case LIST -> {
          List<String> out = new ArrayList<>();
          for (String s : v.split(",")) {
            if (!s.isBlank()) out.add(s.trim());
          }
          yield List.copyOf(out);
        }
      };
    } catch (NumberFormatException e) {
      throw new ConfigException(key, "expected " + name().toLowerCase(Locale.ROOT) + ", got '" + raw + "'");
    }
  }
}
