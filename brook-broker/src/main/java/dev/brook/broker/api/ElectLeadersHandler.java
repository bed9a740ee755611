package dev.brook.broker.api;

import dev.brook.broker.cluster.ClusterController;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.ElectLeadersResponseData.PartitionResult;
import org.apache.kafka.common.message.ElectLeadersResponseData.ReplicaElectionResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * ElectLeaders (both modes; a single node is its own controller): preferred (type 0, and every v0 request) or unclean (type 1) leader
 * election, done by the controller; a broker that is not the controller answers NOT_CONTROLLER so
 * the admin client finds the controller again. A null topic list means every partition.
 */
public final class ElectLeadersHandler implements ApiHandler<ElectLeadersRequestData> {
  private static final byte UNCLEAN = 1;

  private final ClusterController controller;
  private final Executor executor;

  public ElectLeadersHandler(ClusterController controller, Executor executor) {
    this.controller = controller;
    this.executor = executor;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, ElectLeadersRequestData request) {
    short version = ctx.apiVersion();
    boolean unclean = version >= 1 && request.electionType() == UNCLEAN;
    List<TopicPartition> partitions = null;
    if (request.topicPartitions() != null) {
      partitions = new ArrayList<>();
      for (ElectLeadersRequestData.TopicPartitions t : request.topicPartitions()) {
        for (int p : t.partitions()) partitions.add(new TopicPartition(t.topic(), p));
      }
    }
    if (!controller.isActive()) {
      ElectLeadersResponseData r = new ElectLeadersResponseData();
      if (version >= 1) return CompletableFuture.completedFuture(r.setErrorCode(Errors.NOT_CONTROLLER.code()));
      Map<TopicPartition, Errors> all = new LinkedHashMap<>();
      if (partitions != null) partitions.forEach(tp -> all.put(tp, Errors.NOT_CONTROLLER));
      return CompletableFuture.completedFuture(response(all));
    }
    List<TopicPartition> targets = partitions;
    return CompletableFuture.supplyAsync(() -> targets, executor)
        .thenCompose(tps -> controller.electLeaders(tps, unclean))
        .thenApply(ElectLeadersHandler::response);
  }

  private static ApiMessage response(Map<TopicPartition, Errors> results) {
    Map<String, ReplicaElectionResult> byTopic = new LinkedHashMap<>();
    results.forEach((tp, error) -> byTopic.computeIfAbsent(tp.topic(), t -> new ReplicaElectionResult().setTopic(t))
        .partitionResult().add(new PartitionResult().setPartitionId(tp.partition()).setErrorCode(error.code())
            .setErrorMessage(error == Errors.NONE ? null : error.message())));
    return new ElectLeadersResponseData().setReplicaElectionResults(new ArrayList<>(byTopic.values()));
  }
}
