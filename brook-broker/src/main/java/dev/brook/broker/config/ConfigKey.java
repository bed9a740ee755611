package dev.brook.broker.config;

import java.util.function.Predicate;

/**
 * One known configuration key: its Kafka name, type, default (as text, null when none) and the rule a
 * value must satisfy.
 *
 * @param rule checks a parsed value; {@code ruleText} says what it requires, for the error message
 */
public record ConfigKey(
    String name, ConfigType type, String defaultValue, Predicate<Object> rule, String ruleText, String doc) {

  public static ConfigKey of(String name, ConfigType type, String defaultValue, String doc) {
    return new ConfigKey(name, type, defaultValue, v -> true, "", doc);
  }

  public static ConfigKey atLeast(String name, ConfigType type, String defaultValue, long min, String doc) {
    return new ConfigKey(
        name, type, defaultValue, v -> ((Number) v).doubleValue() >= min, "must be at least " + min, doc);
  }

  public static ConfigKey between(String name, ConfigType type, String defaultValue, double min, double max, String doc) {
    return new ConfigKey(
        name,
        type,
        defaultValue,
        v -> ((Number) v).doubleValue() >= min && ((Number) v).doubleValue() <= max,
        "must be between " + min + " and " + max,
        doc);
  }

  public static ConfigKey oneOf(String name, String defaultValue, java.util.List<String> allowed, String doc) {
    return new ConfigKey(name, ConfigType.STRING, defaultValue, allowed::contains, "must be one of " + allowed, doc);
  }

  /** Parses and checks {@code raw}. */
  public Object parse(String raw) {
    Object v = type.parse(name, raw);
    if (!rule.test(v)) {
      throw new ConfigException(name, "'" + raw + "' " + ruleText);
    }
    return v;
  }
}
