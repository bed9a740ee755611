package dev.brook.broker.admin;

import java.util.Optional;
import java.util.Set;

/**
 * Kafka's topic-name rules: 1 to 249 characters from {@code [a-zA-Z0-9._-]}, not "." or "..".
 * Because metric names replace '.' with '_', two topics whose names differ only there collide
 * ({@code a.b} and {@code a_b}); the second one cannot be created.
 */
public final class TopicNames {
  public static final int MAX_LENGTH = 249;
  public static final String CONSUMER_OFFSETS = "__consumer_offsets";
  public static final String TRANSACTION_STATE = "__transaction_state";
  private static final Set<String> INTERNAL = Set.of(CONSUMER_OFFSETS, TRANSACTION_STATE);

  private TopicNames() {}

  /** Why {@code name} is not a legal topic name (Kafka's wording), or empty if it is. */
  public static Optional<String> invalidReason(String name) {
    if (name == null || name.isEmpty()) return Optional.of("Topic name is illegal, it can't be empty");
    if (name.equals(".") || name.equals("..")) {
      return Optional.of("Topic name cannot be \".\" or \"..\"");
    }
    if (name.length() > MAX_LENGTH) {
      return Optional.of("Topic name is illegal, it can't be longer than " + MAX_LENGTH + " characters, topic name: "
          + name);
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '_' || c == '-';
      if (!legal) {
        return Optional.of("Topic name \"" + name + "\" is illegal, it contains a character other than "
            + "ASCII alphanumerics, '.', '_' and '-'");
      }
    }
    return Optional.empty();
  }

  public static boolean isValid(String name) {
    return invalidReason(name).isEmpty();
  }

  /** The name with '.' mapped to '_': two topics with equal keys collide. */
  public static String collisionKey(String name) {
    return name.replace('.', '_');
  }

  public static boolean hasCollisionChars(String name) {
    return name.indexOf('.') >= 0 || name.indexOf('_') >= 0;
  }

  /** Kafka's internal topics (flagged is_internal in Metadata). */
  public static boolean isInternal(String name) {
    return INTERNAL.contains(name);
  }
}
