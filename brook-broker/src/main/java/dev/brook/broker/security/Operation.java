package dev.brook.broker.security;

/**
 * What an ACL allows or denies, with Kafka's wire codes (the bit positions of the
 * authorized-operations fields). {@link #ANY} exists only in filters.
 */
public enum Operation {
  ANY(1),
  ALL(2),
  READ(3),
  WRITE(4),
  CREATE(5),
  DELETE(6),
  ALTER(7),
  DESCRIBE(8),
  CLUSTER_ACTION(9),
  DESCRIBE_CONFIGS(10),
  ALTER_CONFIGS(11),
  IDEMPOTENT_WRITE(12),
  CREATE_TOKENS(13),
  DESCRIBE_TOKENS(14),
  TWO_PHASE_COMMIT(15);

  private static final Operation[] BY_CODE = new Operation[16];

  static {
    for (Operation o : values()) BY_CODE[o.code] = o;
  }

  private final byte code;

  Operation(int code) {
    this.code = (byte) code;
  }

  public byte code() {
    return code;
  }

  /** The operation of a wire code; null for UNKNOWN (0) or a code this build does not know. */
  public static Operation forCode(byte code) {
    return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
  }

  /**
   * Whether an ALLOW for {@code this} also allows {@code wanted}: ALL allows everything; READ, WRITE,
   * DELETE and ALTER allow DESCRIBE; ALTER_CONFIGS allows DESCRIBE_CONFIGS (Kafka's implied operations).
   * A DENY does not imply: only the same operation or ALL denies.
   */
  boolean allows(Operation wanted) {
    if (this == wanted || this == ALL) return true;
    return switch (wanted) {
      case DESCRIBE -> this == READ || this == WRITE || this == DELETE || this == ALTER;
      case DESCRIBE_CONFIGS -> this == ALTER_CONFIGS;
      default -> false;
    };
  }
}
