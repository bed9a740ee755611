package dev.brook.broker.security;

/**
 * How an ACL's resource name matches: LITERAL (the name, or {@code *} for every name) or PREFIXED
 * (every name starting with it). ANY and MATCH exist only in filters: ANY matches the patterns
 * themselves, MATCH the patterns that would apply to a name. Kafka's wire codes.
 */
public enum PatternType {
  ANY(1),
  MATCH(2),
  LITERAL(3),
  PREFIXED(4);

  private final byte code;

  PatternType(int code) {
    this.code = (byte) code;
  }

  public byte code() {
    return code;
  }

  public static PatternType forCode(byte code) {
    for (PatternType t : values()) if (t.code == code) return t;
    return null;
  }
}
