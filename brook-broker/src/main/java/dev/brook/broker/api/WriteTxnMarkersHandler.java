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
 * the listed partitions this broker leads, through the same {@link MarkerWriter} the local
 * coordinator uses. Partitions not hosted here answer UNKNOWN_TOPIC_OR_PARTITION.
 */
public final class WriteTxnMarkersHandler implements ApiHandler<WriteTxnMarkersRequestData> {
  private final MarkerWriter writer;

  public WriteTxnMarkersHandler(MarkerWriter writer) {
    this.writer = writer;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, WriteTxnMarkersRequestData request) {
    WriteTxnMarkersResponseData response = new WriteTxnMarkersResponseData();
    for (WritableTxnMarker m : request.markers()) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (WritableTxnMarkerTopic t : m.topics()) {
        for (int p : t.partitionIndexes()) partitions.add(new TopicPartition(t.name(), p));
      }
      Map<TopicPartition, Errors> written = m.producerId() < 0 || m.producerEpoch() < 0
          ? invalid(partitions)
          : writer.write(m.producerId(), m.producerEpoch(), m.coordinatorEpoch(), m.transactionResult(), partitions);
      WritableTxnMarkerResult r = new WritableTxnMarkerResult().setProducerId(m.producerId());
      Map<String, WritableTxnMarkerTopicResult> byTopic = new LinkedHashMap<>();
      written.forEach((tp, e) -> byTopic
          .computeIfAbsent(tp.topic(), n -> {
            WritableTxnMarkerTopicResult t = new WritableTxnMarkerTopicResult().setName(n);
            r.topics().add(t);
            return t;
          })
          .partitions()
          .add(new WritableTxnMarkerPartitionResult().setPartitionIndex(tp.partition()).setErrorCode(e.code())));
      response.markers().add(r);
    }
    return CompletableFuture.completedFuture(response);
  }

  private static Map<TopicPartition, Errors> invalid(List<TopicPartition> partitions) {
    Map<TopicPartition, Errors> out = new LinkedHashMap<>();
    for (TopicPartition tp : partitions) out.put(tp, Errors.INVALID_PRODUCER_EPOCH);
    return out;
  }
}
