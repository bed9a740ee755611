package dev.brook.broker.api;

import dev.brook.broker.txn.MarkerWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarker;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarkerTopic;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerResult;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * WriteTxnMarkers (sent by a transaction coordinator to partition leaders): writes each marker to
 * the listed partitions this broker leads (a {@link dev.brook.broker.txn.LocalMarkerWriter}), each
 * answered once replicated to the partition's in-sync replicas. Partitions not hosted here answer
 * UNKNOWN_TOPIC_OR_PARTITION, not led here NOT_LEADER_OR_FOLLOWER.
 */
public final class WriteTxnMarkersHandler implements ApiHandler<WriteTxnMarkersRequestData> {
  private final MarkerWriter writer;

  public WriteTxnMarkersHandler(MarkerWriter writer) {
    this.writer = writer;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, WriteTxnMarkersRequestData request) {
    List<CompletableFuture<WritableTxnMarkerResult>> each = new ArrayList<>();
    for (WritableTxnMarker m : request.markers()) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (WritableTxnMarkerTopic t : m.topics()) {
        for (int p : t.partitionIndexes()) partitions.add(new TopicPartition(t.name(), p));
      }
      CompletableFuture<Map<TopicPartition, Errors>> written = m.producerId() < 0 || m.producerEpoch() < 0
          ? CompletableFuture.completedFuture(invalid(partitions))
          : writer.write(m.producerId(), m.producerEpoch(), m.coordinatorEpoch(), m.transactionResult(), partitions,
              () -> true);
      each.add(written.thenApply(w -> result(m.producerId(), w)));
    }
    return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(v -> {
      WriteTxnMarkersResponseData response = new WriteTxnMarkersResponseData();
      for (CompletableFuture<WritableTxnMarkerResult> f : each) response.markers().add(f.join());
      return response;
    });
  }

  private static WritableTxnMarkerResult result(long producerId, Map<TopicPartition, Errors> written) {
    WritableTxnMarkerResult r = new WritableTxnMarkerResult().setProducerId(producerId);
    Map<String, WritableTxnMarkerTopicResult> byTopic = new LinkedHashMap<>();
    written.forEach((tp, e) -> byTopic
        .computeIfAbsent(tp.topic(), n -> {
          WritableTxnMarkerTopicResult t = new WritableTxnMarkerTopicResult().setName(n);
          r.topics().add(t);
          return t;
        })
        .partitions()
        .add(new WritableTxnMarkerPartitionResult().setPartitionIndex(tp.partition()).setErrorCode(e.code())));
    return r;
  }

  private static Map<TopicPartition, Errors> invalid(List<TopicPartition> partitions) {
    Map<TopicPartition, Errors> out = new LinkedHashMap<>();
    for (TopicPartition tp : partitions) out.put(tp, Errors.INVALID_PRODUCER_EPOCH);
    return out;
  }
}
