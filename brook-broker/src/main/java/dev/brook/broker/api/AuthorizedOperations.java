package dev.brook.broker.api;

import java.util.List;
import org.apache.kafka.common.acl.AclOperation;

/**
 * The authorized-operations bit fields of Metadata and DescribeCluster. Brook has no authorizer yet,
 * so, as Kafka without one, every operation the resource type supports is allowed. A field not asked
 * for is {@link Integer#MIN_VALUE}.
 */
final class AuthorizedOperations {
  static final int NOT_REQUESTED = Integer.MIN_VALUE;

  static final int TOPIC = bits(List.of(AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE,
      AclOperation.DELETE, AclOperation.ALTER, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS,
      AclOperation.ALTER_CONFIGS));

  static final int CLUSTER = bits(List.of(AclOperation.CREATE, AclOperation.CLUSTER_ACTION,
      AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS, AclOperation.IDEMPOTENT_WRITE, AclOperation.ALTER,
      AclOperation.DESCRIBE, AclOperation.CREATE_TOKENS, AclOperation.DESCRIBE_TOKENS));

  private AuthorizedOperations() {}

  private static int bits(List<AclOperation> ops) {
    int b = 0;
    for (AclOperation op : ops) b |= 1 << op.code();
    return b;
  }
}
