package dev.brook.broker.quota;

/**
 * Who a client quota applies to, as Kafka names it: a user, a client id, or a user and a client id
 * together; either part may be the default ({@link #DEFAULT}) or absent (null). Immutable.
 */
public record QuotaEntity(String user, String clientId) {
  /** The name Kafka gives the default entity of a type (ZooKeeper's {@code <default>}). */
  public static final String DEFAULT = "<default>";

  public QuotaEntity {
    if (user == null && clientId == null) throw new IllegalArgumentException("a quota entity names a user or a client id");
  }

  @Override
  public String toString() {
    return (user == null ? "" : "user=" + user) + (user != null && clientId != null ? "," : "")
        + (clientId == null ? "" : "client-id=" + clientId);
  }
}
