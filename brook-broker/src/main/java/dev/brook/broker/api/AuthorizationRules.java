package dev.brook.broker.api;

import dev.brook.broker.security.Operation;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * The authorization rule of every API, as Kafka's KafkaApis applies it, put in front of the
 * API's handler when an authorizer is configured ({@link ApiDispatcher#authorizeWith}). Without
 * one nothing is wrapped: the request path is exactly as before. An API registered without a rule
 * here is a wiring error at startup, so a new API cannot be served unauthorized by omission.
 */
final class AuthorizationRules {
  private AuthorizationRules() {}

  static ApiHandler<ApiMessage> wrap(ApiKeys key, ApiHandler<ApiMessage> h, Access a) {
    return switch (key) {
      case API_VERSIONS, SASL_HANDSHAKE, SASL_AUTHENTICATE -> h; // before and during authentication
      case PRODUCE -> TopicRules.produce(a, h);
      case FETCH -> TopicRules.fetch(a, h);
      case LIST_OFFSETS -> TopicRules.listOffsets(a, h);
      case METADATA -> TopicRules.metadata(a, h);
      case OFFSET_FOR_LEADER_EPOCH -> TopicRules.offsetForLeaderEpoch(a, h);
      case DESCRIBE_TOPIC_PARTITIONS -> TopicRules.describeTopicPartitions(a, h);
      case CREATE_TOPICS -> TopicRules.createTopics(a, h);
      case DELETE_TOPICS -> TopicRules.deleteTopics(a, h);
      case CREATE_PARTITIONS -> TopicRules.createPartitions(a, h);
      case DELETE_RECORDS -> TopicRules.deleteRecords(a, h);
      case DESCRIBE_PRODUCERS -> TopicRules.describeProducers(a, h);
      case DESCRIBE_CONFIGS -> TopicRules.describeConfigs(a, h);
      case ALTER_CONFIGS -> TopicRules.alterConfigs(a, h);
      case INCREMENTAL_ALTER_CONFIGS -> TopicRules.incrementalAlterConfigs(a, h);
      case DESCRIBE_CLUSTER -> TopicRules.describeCluster(a, h);
      case DESCRIBE_LOG_DIRS -> TopicRules.describeLogDirs(a, h);
      case JOIN_GROUP, SYNC_GROUP, HEARTBEAT, LEAVE_GROUP -> GroupRules.membership(a, h);
      case CONSUMER_GROUP_HEARTBEAT -> GroupRules.consumerGroupHeartbeat(a, h);
      case OFFSET_COMMIT -> GroupRules.offsetCommit(a, h);
      case OFFSET_FETCH -> GroupRules.offsetFetch(a, h);
      case FIND_COORDINATOR -> GroupRules.findCoordinator(a, h);
      case DESCRIBE_GROUPS -> GroupRules.describeGroups(a, h);
      case CONSUMER_GROUP_DESCRIBE -> GroupRules.consumerGroupDescribe(a, h);
      case LIST_GROUPS -> GroupRules.listGroups(a, h);
      case DELETE_GROUPS -> GroupRules.deleteGroups(a, h);
      case OFFSET_DELETE -> GroupRules.offsetDelete(a, h);
      case INIT_PRODUCER_ID -> TxnRules.initProducerId(a, h);
      case ADD_PARTITIONS_TO_TXN -> TxnRules.addPartitionsToTxn(a, h);
      case ADD_OFFSETS_TO_TXN -> TxnRules.addOffsetsToTxn(a, h);
      case END_TXN -> TxnRules.endTxn(a, h);
      case TXN_OFFSET_COMMIT -> TxnRules.txnOffsetCommit(a, h);
      case DESCRIBE_TRANSACTIONS -> TxnRules.describeTransactions(a, h);
      case LIST_TRANSACTIONS -> TxnRules.listTransactions(a, h);
      // Broker-to-broker: only brokers (CLUSTER_ACTION on the cluster).
      case WRITE_TXN_MARKERS -> cluster(Operation.CLUSTER_ACTION, a, h);
      case ELECT_LEADERS, ALTER_PARTITION_REASSIGNMENTS -> cluster(Operation.ALTER, a, h);
      case LIST_PARTITION_REASSIGNMENTS -> cluster(Operation.DESCRIBE, a, h);
      case DESCRIBE_CLIENT_QUOTAS -> cluster(Operation.DESCRIBE_CONFIGS, a, h);
      case ALTER_CLIENT_QUOTAS -> cluster(Operation.ALTER_CONFIGS, a, h);
      // SCRAM credentials, as Kafka: DESCRIBE / ALTER on the cluster.
      case DESCRIBE_USER_SCRAM_CREDENTIALS -> cluster(Operation.DESCRIBE, a, h);
      case ALTER_USER_SCRAM_CREDENTIALS -> cluster(Operation.ALTER, a, h);
      // The ACL APIs check ALTER / DESCRIBE on the cluster themselves (they exist only with an authorizer).
      case CREATE_ACLS, DELETE_ACLS, DESCRIBE_ACLS -> h;
      default -> throw new IllegalStateException(key + " is served but has no authorization rule");
    };
  }

  /** A request-level cluster operation: refused whole with CLUSTER_AUTHORIZATION_FAILED. */
  static ApiHandler<ApiMessage> cluster(Operation op, Access a, ApiHandler<ApiMessage> h) {
    return (ctx, msg) -> a.cluster(ctx, op)
        ? h.handle(ctx, msg)
        : Access.refuse(new ClusterAuthorizationException("Cluster authorization failed"));
  }
}
