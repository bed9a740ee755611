package dev.brook.broker.api;

import dev.brook.broker.replica.AppendOrigin;
import dev.brook.broker.replica.AppendOutcome;
import dev.brook.broker.replica.BatchValidator.RecordFault;
import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.Partition;
import dev.brook.storage.Clock;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.BatchIndexAndErrorMessage;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;

/**
 * Produce, v3 to the newest the codec defines (v13 addresses topics by id). Each partition's batch
 * is validated, checked against the producer state and appended on the calling event loop (appends
 * are short and ordered per partition). acks=0 gets no response; acks=1 and acks=all are answered
 * once appended — with this broker as the only in-sync replica the high watermark has then already
 * passed the batch. Other acks values get INVALID_REQUIRED_ACKS; the internal topics
 * (__consumer_offsets, __transaction_state) are written only by their coordinators
 * (INVALID_TOPIC_EXCEPTION).
 *
 * <p>Transactional batches are appended like idempotent ones; the transaction coordinator (a later
 * area) adds their verification and the last stable offset.
 */
public final class ProduceHandler implements ApiHandler<ProduceRequestData> {
  private final LocalReplicaManager replicas;
  private final Clock clock;

  public ProduceHandler(LocalReplicaManager replicas, Clock clock) {
    this.replicas = replicas;
    this.clock = clock;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, ProduceRequestData request) {
    short version = ctx.apiVersion();
    short acks = request.acks();
    long now = clock.milliseconds();
    ProduceResponseData response = new ProduceResponseData();
    for (ProduceRequestData.TopicProduceData t : request.topicData()) {
      TopicProduceResponse tr = new TopicProduceResponse();
      Optional<String> name;
      if (version >= 13) {
        tr.setTopicId(t.topicId());
        name = replicas.topicName(t.topicId());
      } else {
        tr.setName(t.name());
        name = Optional.of(t.name());
      }
      for (ProduceRequestData.PartitionProduceData pd : t.partitionData()) {
        AppendOutcome outcome = produceOne(version, name, pd, acks, now);
        tr.partitionResponses().add(partitionResponse(pd.index(), outcome));
      }
      response.responses().add(tr);
    }
    if (acks == 0) {
      if (anyError(response)) {
        // As Kafka: a failed acks=0 produce closes the connection, the one signal such a client sees.
        return CompletableFuture.failedFuture(new CloseConnectionException("acks=0 produce failed"));
      }
      return CompletableFuture.completedFuture(null);
    }
    return CompletableFuture.completedFuture(response);
  }

  private static boolean anyError(ProduceResponseData response) {
    for (TopicProduceResponse t : response.responses()) {
      for (var p : t.partitionResponses()) {
        if (p.errorCode() != Errors.NONE.code()) return true;
      }
    }
    return false;
  }

  private AppendOutcome produceOne(short version, Optional<String> topic, ProduceRequestData.PartitionProduceData pd, short acks, long now) {
    if (acks != 0 && acks != 1 && acks != -1) {
      return AppendOutcome.error(Errors.INVALID_REQUIRED_ACKS, "acks must be 0, 1 or -1, got " + acks);
    }
    if (topic.isPresent() && Topic.isInternal(topic.get())) {
      return AppendOutcome.error(Errors.INVALID_TOPIC_EXCEPTION, "clients may not produce to the internal topic " + topic.get());
    }
    Optional<Partition> p = topic.flatMap(n -> replicas.partition(new TopicPartition(n, pd.index())));
    if (p.isEmpty()) {
      return AppendOutcome.error(version >= 13 && topic.isEmpty() ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION, null);
    }
    ByteBuffer records = pd.records() instanceof MemoryRecords m ? m.buffer() : ByteBuffer.allocate(0);
    return p.get().appendRecordsAsLeader(records, AppendOrigin.CLIENT, acks, now);
  }

  private static PartitionProduceResponse partitionResponse(int index, AppendOutcome o) {
    PartitionProduceResponse r = new PartitionProduceResponse()
        .setIndex(index)
        .setErrorCode(o.error().code())
        .setErrorMessage(o.error() == Errors.NONE ? null : o.message())
        .setBaseOffset(o.baseOffset())
        .setLogAppendTimeMs(o.logAppendTime())
        .setLogStartOffset(o.logStartOffset());
    for (RecordFault f : o.recordFaults()) {
      r.recordErrors().add(new BatchIndexAndErrorMessage().setBatchIndex(f.batchIndex()).setBatchIndexErrorMessage(f.message()));
    }
    return r;
  }
}
