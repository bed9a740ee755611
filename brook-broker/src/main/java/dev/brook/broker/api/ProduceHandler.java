package dev.brook.broker.api;

import dev.brook.broker.cluster.BrokerEndpoint;
import dev.brook.broker.metrics.BrokerTopicMetrics;
import dev.brook.broker.replica.AppendOrigin;
import dev.brook.broker.replica.AppendOutcome;
import dev.brook.broker.replica.BatchValidator.RecordFault;
import dev.brook.broker.replica.DelayedProduce;
import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.Partition;
import dev.brook.broker.replica.TransactionVerifier;
import dev.brook.storage.RecordBatchHeader;
import dev.brook.storage.Clock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
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
 * are short and ordered per partition). acks=0 gets no response; acks=1 is answered once appended;
 * acks=all once the high watermark passes the batch ({@link DelayedProduce}: at once when this broker
 * is the only in-sync replica; else when the followers have fetched it, or REQUEST_TIMED_OUT after
 * the request's timeout). A broker that does not lead the partition answers NOT_LEADER_OR_FOLLOWER
 * with the current leader (KIP-951, v10+). Other acks values get INVALID_REQUIRED_ACKS; the internal topics
 * (__consumer_offsets, __transaction_state) are written only by their coordinators
 * (INVALID_TOPIC_EXCEPTION).
 *
 * <p>Transactional batches are appended like idempotent ones; the transaction coordinator (a later
 * area) adds their verification and the last stable offset.
 */
public final class ProduceHandler implements ApiHandler<ProduceRequestData> {
  private final LocalReplicaManager replicas;
  private final Clock clock;

  private final TransactionVerifier verifier;
  /** Where flush.messages fsyncs run; null: on the calling thread. */
  private final Executor background;
  private final BrokerTopicMetrics metrics;

  public ProduceHandler(LocalReplicaManager replicas, Clock clock) {
    this(replicas, clock, TransactionVerifier.NONE);
  }

  /** With a transaction coordinator: transactional batches are verified first (txn area). */
  public ProduceHandler(LocalReplicaManager replicas, Clock clock, TransactionVerifier verifier) {
    this(replicas, clock, verifier, null, BrokerTopicMetrics.disabled());
  }

  /** Counting each partition's append in Kafka's BrokerTopicMetrics. */
  public ProduceHandler(LocalReplicaManager replicas, Clock clock, TransactionVerifier verifier, BrokerTopicMetrics metrics) {
    this(replicas, clock, verifier, null, metrics);
  }

  /**
   * @param background where a partition's {@code flush.messages} fsync runs after the append on the
   *     event loop, before the acknowledgement (the broker's background threads); null: inline
   */
  public ProduceHandler(LocalReplicaManager replicas, Clock clock, TransactionVerifier verifier, Executor background) {
    this(replicas, clock, verifier, background, BrokerTopicMetrics.disabled());
  }

  public ProduceHandler(LocalReplicaManager replicas, Clock clock, TransactionVerifier verifier, Executor background,
      BrokerTopicMetrics metrics) {
    this.replicas = replicas;
    this.clock = clock;
    this.verifier = verifier;
    this.background = background;
    this.metrics = metrics;
  }

  /** A partition appended to by this request whose flush.messages fsync is due. */
  private record Flush(Partition partition, PartitionProduceResponse response) {}

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, ProduceRequestData request) {
    short version = ctx.apiVersion();
    short acks = request.acks();
    long now = clock.milliseconds();
    ProduceResponseData response = new ProduceResponseData();
    List<DelayedProduce.Pending> pending = new ArrayList<>();
    List<PartitionProduceResponse> waiting = new ArrayList<>();
    List<Flush> flushes = new ArrayList<>(0);
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
        Optional<Partition> p = name.flatMap(n -> replicas.partition(new TopicPartition(n, pd.index())));
        AppendOutcome outcome = produceOne(version, name, p, pd, acks, now, request.transactionalId());
        count(name, pd, outcome);
        PartitionProduceResponse pr = partitionResponse(pd.index(), outcome);
        if (outcome.error() == Errors.NOT_LEADER_OR_FOLLOWER) addCurrentLeader(response, pr, p.get(), version, ctx.listenerName());
        tr.partitionResponses().add(pr);
        if (background != null && outcome.error() == Errors.NONE && p.get().flushDue()) flushes.add(new Flush(p.get(), pr));
        // acks=all: answered once the in-sync replicas have the records (the HW passed them).
        if (acks == -1 && outcome.error() == Errors.NONE && p.get().highWatermark() <= outcome.lastOffset()) {
          pending.add(new DelayedProduce.Pending(p.get(), outcome.lastOffset() + 1));
          waiting.add(pr);
        }
      }
      response.responses().add(tr);
    }
    // flush.messages: the fsync runs off the event loop, and the answer waits for it.
    CompletableFuture<Void> flushed = flushes.isEmpty()
        ? CompletableFuture.completedFuture(null)
        : CompletableFuture.runAsync(() -> flushAll(flushes), background);
    if (acks == 0) {
      if (anyError(response)) {
        // As Kafka: a failed acks=0 produce closes the connection, the one signal such a client sees.
        return CompletableFuture.failedFuture(new CloseConnectionException("acks=0 produce failed"));
      }
      return CompletableFuture.completedFuture(null);
    }
    if (pending.isEmpty()) return flushed.thenApply(v -> response);
    return flushed.thenCompose(v -> DelayedProduce.park(replicas, pending, request.timeoutMs())).thenApply(errors -> {
      for (int i = 0; i < errors.size(); i++) {
        Errors e = errors.get(i);
        if (e == Errors.NONE) continue;
        PartitionProduceResponse pr = waiting.get(i);
        pr.setErrorCode(e.code()).setErrorMessage(e.message());
        if (e == Errors.NOT_LEADER_OR_FOLLOWER) addCurrentLeader(response, pr, pending.get(i).partition(), version, ctx.listenerName());
      }
      return response;
    });
  }

  /** On the background executor: forces each partition; a failed fsync fails that partition's answer. */
  private static void flushAll(List<Flush> flushes) {
    for (Flush f : flushes) {
      try {
        f.partition().flushIfDue();
      } catch (IOException | RuntimeException e) {
        f.response().setErrorCode(Errors.KAFKA_STORAGE_ERROR.code()).setErrorMessage("flush failed: " + e.getMessage());
      }
    }
  }

  private void count(Optional<String> topic, ProduceRequestData.PartitionProduceData pd, AppendOutcome outcome) {
    if (outcome.error() != Errors.NONE) {
      metrics.produceFailed(topic.orElse(null));
    } else {
      metrics.produced(topic.get(), outcome.lastOffset() - outcome.baseOffset() + 1, pd.records() == null ? 0 : pd.records().sizeInBytes());
    }
  }

  private static boolean anyError(ProduceResponseData response) {
    for (TopicProduceResponse t : response.responses()) {
      for (var p : t.partitionResponses()) {
        if (p.errorCode() != Errors.NONE.code()) return true;
      }
    }
    return false;
  }

  private AppendOutcome produceOne(
      short version, Optional<String> topic, Optional<Partition> p, ProduceRequestData.PartitionProduceData pd, short acks, long now,
      String transactionalId) {
    if (acks != 0 && acks != 1 && acks != -1) {
      return AppendOutcome.error(Errors.INVALID_REQUIRED_ACKS, "acks must be 0, 1 or -1, got " + acks);
    }
    if (topic.isPresent() && Topic.isInternal(topic.get())) {
      return AppendOutcome.error(Errors.INVALID_TOPIC_EXCEPTION, "clients may not produce to the internal topic " + topic.get());
    }
    if (p.isEmpty()) {
      return AppendOutcome.error(version >= 13 && topic.isEmpty() ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION, null);
    }
    ByteBuffer records = pd.records() instanceof MemoryRecords m ? m.buffer() : ByteBuffer.allocate(0);
    if (records.remaining() >= RecordBatchHeader.SIZE && RecordBatchHeader.isTransactional(records, records.position())) {
      // Transactional batches without a transactional id: Kafka answers TRANSACTIONAL_ID_AUTHORIZATION_FAILED
      // (its authorization check fails for a null id, with or without an authorizer).
      Errors txnError = transactionalId == null
          ? Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
          : verifier.verify(transactionalId, RecordBatchHeader.producerId(records, records.position()),
              RecordBatchHeader.producerEpoch(records, records.position()), p.get().topicPartition());
      if (txnError != Errors.NONE) return AppendOutcome.error(txnError, "transactional batch rejected: " + txnError.message());
    }
    return p.get().appendRecordsAsLeader(records, AppendOrigin.CLIENT, acks, now, background == null);
  }

  /** KIP-951 (v10+): the leader as this broker knows it, and its endpoint, so the client re-routes at once. */
  private void addCurrentLeader(ProduceResponseData response, PartitionProduceResponse pr, Partition p, short version,
      String listenerName) {
    if (version < 10) return;
    int leader = p.leaderId();
    if (leader < 0 || leader == replicas.localBrokerId() && !p.isLeader()) return;
    pr.currentLeader().setLeaderId(leader).setLeaderEpoch(p.leaderEpoch());
    Optional<BrokerEndpoint> ep = replicas.leaderEndpoint(p).map(e -> e.on(listenerName));
    if (ep.isPresent() && response.nodeEndpoints().find(leader) == null) {
      response.nodeEndpoints().add(new ProduceResponseData.NodeEndpoint()
          .setNodeId(leader).setHost(ep.get().host()).setPort(ep.get().port()).setRack(ep.get().rack()));
    }
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
