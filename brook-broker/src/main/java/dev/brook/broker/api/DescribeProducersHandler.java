package dev.brook.broker.api;

import dev.brook.broker.replica.Partition;
import dev.brook.broker.replica.ProducerStateManager.BatchMetadata;
import dev.brook.broker.replica.ProducerStateManager.ProducerEntry;
import dev.brook.broker.replica.ReplicaManager;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersRequestData.TopicRequest;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.DescribeProducersResponseData.PartitionResponse;
import org.apache.kafka.common.message.DescribeProducersResponseData.ProducerState;
import org.apache.kafka.common.message.DescribeProducersResponseData.TopicResponse;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeProducers: the active producers of each partition from its producer state (epoch, last
 * sequence, last timestamp, first offset of the open transaction).
 */
public final class DescribeProducersHandler implements ApiHandler<DescribeProducersRequestData> {
  private final ReplicaManager replicas;

  public DescribeProducersHandler(ReplicaManager replicas) {
    this.replicas = replicas;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, DescribeProducersRequestData request) {
    DescribeProducersResponseData response = new DescribeProducersResponseData();
    for (TopicRequest t : request.topics()) {
      TopicResponse tr = new TopicResponse().setName(t.name());
      response.topics().add(tr);
      for (int index : t.partitionIndexes()) {
        PartitionResponse pr = new PartitionResponse().setPartitionIndex(index);
        tr.partitions().add(pr);
        Optional<Partition> p = replicas.partition(new TopicPartition(t.name(), index));
        if (p.isEmpty()) {
          pr.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()).setErrorMessage(null);
          continue;
        }
        pr.setErrorCode(Errors.NONE.code());
        for (ProducerEntry e : p.get().producerEntries()) {
          List<BatchMetadata> batches = e.batches();
          pr.activeProducers().add(new ProducerState()
              .setProducerId(e.producerId())
              .setProducerEpoch(e.epoch())
              .setLastSequence(batches.isEmpty() ? -1 : batches.get(batches.size() - 1).lastSeq())
              .setLastTimestamp(e.lastTimestamp())
              .setCoordinatorEpoch(-1)
              .setCurrentTxnStartOffset(e.currentTxnFirstOffset()));
        }
      }
    }
    return CompletableFuture.completedFuture(response);
  }
}
