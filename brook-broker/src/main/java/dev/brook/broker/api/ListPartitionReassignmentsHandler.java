package dev.brook.broker.api;

import dev.brook.broker.cluster.ClusterState;
import dev.brook.broker.cluster.ClusterController;
import dev.brook.broker.cluster.Reassignment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingPartitionReassignment;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingTopicReassignment;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * ListPartitionReassignments (both modes; a single node is its own controller): the ongoing reassignments (all, or those asked for),
 * each with its current replicas and the replicas being added and removed. Answered by the
 * controller; others say NOT_CONTROLLER.
 */
public final class ListPartitionReassignmentsHandler implements ApiHandler<ListPartitionReassignmentsRequestData> {
  private final ClusterController controller;
  private final ClusterState cluster;

  public ListPartitionReassignmentsHandler(ClusterController controller, ClusterState cluster) {
    this.controller = controller;
    this.cluster = cluster;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, ListPartitionReassignmentsRequestData request) {
    ListPartitionReassignmentsResponseData r = new ListPartitionReassignmentsResponseData();
    if (!controller.isActive()) {
      return CompletableFuture.completedFuture(r.setErrorCode(Errors.NOT_CONTROLLER.code())
          .setErrorMessage("This broker is not the controller."));
    }
    Map<TopicPartition, Reassignment> ongoing = controller.reassignments();
    List<TopicPartition> asked = new ArrayList<>();
    if (request.topics() == null) {
      asked.addAll(ongoing.keySet());
    } else {
      for (var t : request.topics()) for (int p : t.partitionIndexes()) asked.add(new TopicPartition(t.name(), p));
    }
    Map<String, OngoingTopicReassignment> byTopic = new LinkedHashMap<>();
    for (TopicPartition tp : asked) {
      Reassignment re = ongoing.get(tp);
      if (re == null) continue;
      List<Integer> replicas = cluster.partitionState(tp).map(s -> s.replicas()).orElse(re.original());
      byTopic.computeIfAbsent(tp.topic(), n -> new OngoingTopicReassignment().setName(n)).partitions()
          .add(new OngoingPartitionReassignment().setPartitionIndex(tp.partition()).setReplicas(replicas)
              .setAddingReplicas(re.target().stream().filter(b -> !re.original().contains(b)).toList())
              .setRemovingReplicas(re.original().stream().filter(b -> !re.target().contains(b)).toList()));
    }
    return CompletableFuture.completedFuture(r.setTopics(new ArrayList<>(byTopic.values())));
  }
}
