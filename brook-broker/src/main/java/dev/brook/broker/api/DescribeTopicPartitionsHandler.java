package dev.brook.broker.api;

import dev.brook.broker.admin.TopicManager;
import dev.brook.broker.admin.TopicNames;
import dev.brook.broker.cluster.TopicMetadata;
import dev.brook.broker.replica.Partition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponsePartition;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeTopicPartitions (KIP-966), which Kafka 3.8+ admin clients prefer over Metadata for
 * describeTopics: topics in name order (all of them when none are named), paged by a cursor and a
 * partition limit. Eligible leader replicas are always empty (a single node has no ELR).
 */
public final class DescribeTopicPartitionsHandler implements ApiHandler<DescribeTopicPartitionsRequestData> {
  /** Kafka's max.request.partition.size.limit default. */
  static final int MAX_PARTITIONS = 2000;

  private final TopicManager topics;

  public DescribeTopicPartitionsHandler(TopicManager topics) {
    this.topics = topics;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, DescribeTopicPartitionsRequestData request) {
    TreeSet<String> names = new TreeSet<>();
    if (request.topics().isEmpty()) {
      topics.store().topics().forEach(t -> names.add(t.name()));
    } else {
      request.topics().forEach(t -> names.add(t.name()));
    }
    DescribeTopicPartitionsResponseData response = new DescribeTopicPartitionsResponseData();
    DescribeTopicPartitionsRequestData.Cursor cursor = request.cursor();
    if (cursor != null && (!names.contains(cursor.topicName()) || cursor.partitionIndex() < 0)) {
      // Kafka fails the whole request for a cursor outside the requested topics.
      return CompletableFuture.failedFuture(
          new org.apache.kafka.common.errors.InvalidRequestException("The cursor topic is not in the request"));
    }
    int budget = Math.max(1, Math.min(request.responsePartitionLimit(), MAX_PARTITIONS));
    for (String name : cursor == null ? names : names.tailSet(cursor.topicName(), true)) {
      int first = cursor != null && name.equals(cursor.topicName()) ? cursor.partitionIndex() : 0;
      if (budget == 0) {
        response.setNextCursor(new DescribeTopicPartitionsResponseData.Cursor().setTopicName(name).setPartitionIndex(first));
        break;
      }
      Optional<TopicMetadata> t = topics.topic(name);
      if (t.isEmpty()) {
        Errors e = TopicNames.isValid(name) ? Errors.UNKNOWN_TOPIC_OR_PARTITION : Errors.INVALID_TOPIC_EXCEPTION;
        response.topics().add(new DescribeTopicPartitionsResponseTopic().setName(name).setErrorCode(e.code())
            .setTopicId(Uuid.ZERO_UUID).setIsInternal(TopicNames.isInternal(name)));
        continue;
      }
      List<DescribeTopicPartitionsResponsePartition> partitions = new ArrayList<>();
      int p = first;
      for (; p < t.get().partitions() && budget > 0; p++, budget--) partitions.add(partition(name, p));
      response.topics().add(new DescribeTopicPartitionsResponseTopic().setName(name).setTopicId(t.get().id())
          .setIsInternal(TopicNames.isInternal(name)).setPartitions(partitions)
          .setTopicAuthorizedOperations(AuthorizedOperations.TOPIC));
      if (p < t.get().partitions()) {
        response.setNextCursor(new DescribeTopicPartitionsResponseData.Cursor().setTopicName(name).setPartitionIndex(p));
        break;
      }
    }
    return CompletableFuture.completedFuture(response);
  }

  private DescribeTopicPartitionsResponsePartition partition(String topic, int index) {
    dev.brook.broker.cluster.ClusterState cluster = topics.cluster();
    if (cluster != null) return partition(cluster, new TopicPartition(topic, index));
    List<Integer> self = List.of(topics.nodeId());
    Optional<Partition> part = topics.replicas().partition(new TopicPartition(topic, index));
    DescribeTopicPartitionsResponsePartition out = new DescribeTopicPartitionsResponsePartition()
        .setPartitionIndex(index).setReplicaNodes(self).setEligibleLeaderReplicas(List.of())
        .setLastKnownElr(List.of()).setOfflineReplicas(List.of());
    if (part.isPresent()) {
      return out.setLeaderId(topics.nodeId()).setLeaderEpoch(part.get().leaderEpoch()).setIsrNodes(self);
    }
    return out.setErrorCode(Errors.LEADER_NOT_AVAILABLE.code()).setLeaderId(-1).setIsrNodes(List.of());
  }

  /** Cluster mode: the partition as the controller decided it; offline replicas are the dead ones. */
  private static DescribeTopicPartitionsResponsePartition partition(
      dev.brook.broker.cluster.ClusterState cluster, TopicPartition tp) {
    DescribeTopicPartitionsResponsePartition out = new DescribeTopicPartitionsResponsePartition()
        .setPartitionIndex(tp.partition()).setEligibleLeaderReplicas(List.of()).setLastKnownElr(List.of());
    Optional<dev.brook.broker.cluster.PartitionState> found = cluster.partitionState(tp);
    if (found.isEmpty()) {
      return out.setErrorCode(Errors.LEADER_NOT_AVAILABLE.code()).setLeaderId(-1).setReplicaNodes(List.of())
          .setIsrNodes(List.of()).setOfflineReplicas(List.of());
    }
    dev.brook.broker.cluster.PartitionState s = found.get();
    boolean leaderLive = s.leader() >= 0 && cluster.broker(s.leader()).isPresent();
    out.setLeaderId(leaderLive ? s.leader() : -1).setLeaderEpoch(s.leaderEpoch()).setReplicaNodes(s.replicas())
        .setIsrNodes(s.isr()).setOfflineReplicas(s.replicas().stream().filter(b -> cluster.broker(b).isEmpty()).toList());
    return leaderLive ? out : out.setErrorCode(Errors.LEADER_NOT_AVAILABLE.code());
  }
}
