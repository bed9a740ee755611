package dev.brook.broker.security;

/** Whether an ACL allows or denies; DENY wins. ANY only in filters. Kafka's wire codes. */
public enum Permission {
  ANY(1),
  DENY(2),
  ALLOW(3);

  private final byte code;

  Permission(int code) {
    this.code = (byte) code;
  }

  public byte code() {
    return code;
  }

  public static Permission forCode(byte code) {
    for (Permission p : values()) if (p.code == code) return p;
    return null;
  }
}
