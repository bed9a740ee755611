package dev.brook.broker.security;

import java.util.EnumSet;
import java.util.Set;

/**
 * What an ACL protects, with Kafka's wire codes, and the operations each type has (the bits an
 * authorized-operations field may hold). {@link #ANY} exists only in filters.
 */
public enum ResourceType {
  ANY(1, EnumSet.noneOf(Operation.class)),
  TOPIC(2, EnumSet.of(Operation.READ, Operation.WRITE, Operation.CREATE, Operation.DELETE, Operation.ALTER,
      Operation.DESCRIBE, Operation.DESCRIBE_CONFIGS, Operation.ALTER_CONFIGS)),
  GROUP(3, EnumSet.of(Operation.READ, Operation.DESCRIBE, Operation.DELETE, Operation.DESCRIBE_CONFIGS,
      Operation.ALTER_CONFIGS)),
  CLUSTER(4, EnumSet.of(Operation.CREATE, Operation.CLUSTER_ACTION, Operation.DESCRIBE_CONFIGS,
      Operation.ALTER_CONFIGS, Operation.IDEMPOTENT_WRITE, Operation.ALTER, Operation.DESCRIBE,
      Operation.CREATE_TOKENS, Operation.DESCRIBE_TOKENS)),
  TRANSACTIONAL_ID(5, EnumSet.of(Operation.DESCRIBE, Operation.WRITE, Operation.TWO_PHASE_COMMIT)),
  DELEGATION_TOKEN(6, EnumSet.of(Operation.DESCRIBE)),
  USER(7, EnumSet.of(Operation.CREATE_TOKENS, Operation.DESCRIBE_TOKENS));

  /** The one cluster resource's name, as Kafka names it. */
  public static final String CLUSTER_NAME = "kafka-cluster";

  private final byte code;
  private final Set<Operation> operations;

  ResourceType(int code, Set<Operation> operations) {
    this.code = (byte) code;
    this.operations = operations;
  }

  public byte code() {
    return code;
  }

  /** The operations an ACL on this type can mean (ALL aside). */
  public Set<Operation> operations() {
    return operations;
  }

  /** The type of a wire code; null for UNKNOWN (0) or a code this build does not know. */
  public static ResourceType forCode(byte code) {
    for (ResourceType t : values()) if (t.code == code) return t;
    return null;
  }
}
