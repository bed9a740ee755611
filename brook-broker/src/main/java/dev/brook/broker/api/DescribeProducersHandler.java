package dev.brook.broker.api;

import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.Partition;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.DescribeProducersResponseData.PartitionResponse;
import org.apache.kafka.common.message.DescribeProducersResponseData.ProducerState;
import org.apache.kafka.common.message.DescribeProducersResponseData.TopicResponse;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeProducers ({@code kafka-transactions --describe-producers}): the idempotent and
 * transactional producers each partition's producer state remembers.
 */
public final class DescribeProducersHandler implements ApiHandler<DescribeProducersRequestData> {
  private final LocalReplicaManager replicas;

  public DescribeProducersHandler(LocalReplicaManager replicas) {
    this.replicas = replicas;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, DescribeProducersRequestData request) {
    DescribeProducersResponseData response = new DescribeProducersResponseData();
    for (DescribeProducersRequestData.TopicRequest t : request.topics()) {
      TopicResponse tr = new TopicResponse().setName(t.name());
      for (int index : t.partitionIndexes()) {
        PartitionResponse pr = new PartitionResponse().setPartitionIndex(index);
        Optional<Partition> p = replicas.partition(new TopicPartition(t.name(), index));
        if (p.isEmpty()) {
          pr.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        } else if (!p.get().isLeader()) {
          pr.setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code());
        } else {
          for (Partition.ActiveProducer a : p.get().activeProducers()) {
            pr.activeProducers().add(new ProducerState()
                .setProducerId(a.producerId())
                .setProducerEpoch(a.epoch())
                .setLastSequence(a.lastSequence())
                .setLastTimestamp(a.lastTimestamp())
                .setCoordinatorEpoch(-1)
                .setCurrentTxnStartOffset(a.currentTxnStartOffset()));
          }
        }
        tr.partitions().add(pr);
      }
      response.topics().add(tr);
    }
    return CompletableFuture.completedFuture(response);
  }
}
