package dev.brook.broker.api;

import dev.brook.broker.cluster.ClusterController;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignablePartitionResponse;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignableTopicResponse;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * AlterPartitionReassignments (both modes; a single node is its own controller): hands the wanted replica lists (null: cancel) to the
 * controller, which records them and carries them out in the background; the response says whether
 * each was accepted. A broker that is not the controller answers NOT_CONTROLLER.
 */
public final class AlterPartitionReassignmentsHandler implements ApiHandler<AlterPartitionReassignmentsRequestData> {
  private final ClusterController controller;

  public AlterPartitionReassignmentsHandler(ClusterController controller) {
    this.controller = controller;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, AlterPartitionReassignmentsRequestData request) {
    if (!controller.isActive()) {
      return CompletableFuture.completedFuture(new AlterPartitionReassignmentsResponseData()
          .setErrorCode(Errors.NOT_CONTROLLER.code()).setErrorMessage("This broker is not the controller."));
    }
    Map<TopicPartition, Optional<List<Integer>>> wanted = new LinkedHashMap<>();
    for (var t : request.topics()) {
      for (var p : t.partitions()) {
        wanted.put(new TopicPartition(t.name(), p.partitionIndex()), Optional.ofNullable(p.replicas()));
      }
    }
    return controller.alterReassignments(wanted).thenApply(results -> {
      Map<String, ReassignableTopicResponse> byTopic = new LinkedHashMap<>();
      results.forEach((tp, r) -> byTopic.computeIfAbsent(tp.topic(), n -> new ReassignableTopicResponse().setName(n))
          .partitions().add(new ReassignablePartitionResponse().setPartitionIndex(tp.partition())
              .setErrorCode(r.error().code()).setErrorMessage(r.message())));
      return new AlterPartitionReassignmentsResponseData()
          .setAllowReplicationFactorChange(request.allowReplicationFactorChange())
          .setResponses(new ArrayList<>(byTopic.values()));
    });
  }
}
