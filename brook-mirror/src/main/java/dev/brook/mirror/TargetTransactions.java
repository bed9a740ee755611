package dev.brook.mirror;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest.CoordinatorType;

/**
 * The flow's transactional producer on the target, spoken in protocol requests: what KafkaProducer's
 * transaction manager does for {@code initTransactions}, the partitions a transaction adds,
 * {@code sendOffsetsToTransaction} and {@code commitTransaction}, with the same fencing: {@link
 * #init} bumps the transactional id's epoch (fencing an earlier instance and having the coordinator
 * abort its open transaction), and any request that finds a newer epoch throws {@link
 * ProducerFencedException}. Uses the pre-KIP-890 (transaction version 1) requests, which Brook and
 * Kafka 4 both serve: AddPartitionsToTxn before the first write to a partition, EndTxn v3.
 *
 * <p>Owned by one flow's thread. Retriable coordinator errors and broken connections are retried
 * for up to {@link #RETRY_NANOS}; anything else throws, and the flow starts again (its next {@link #init} aborts).
 */
final class TargetTransactions implements AutoCloseable {
  static final long RETRY_NANOS = 60_000_000_000L;
  private static final short FIND_COORDINATOR_VERSION = 3;
  private static final short INIT_PRODUCER_ID_VERSION = 3;
  private static final short ADD_PARTITIONS_VERSION = 3;
  private static final short ADD_OFFSETS_VERSION = 3;
  private static final short TXN_OFFSET_COMMIT_VERSION = 3;
  private static final short END_TXN_VERSION = 3;

  private final String transactionalId;
  private final int transactionTimeoutMs;
  private final String clientId;
  private final Supplier<Node> anyNode;
  private final int timeoutMs;
  private BrokerConnection coordinator;
  private BrokerConnection groupCoordinator;
  private String groupCoordinatorOf;
  private long producerId = -1;
  private short epoch = -1;

  TargetTransactions(String transactionalId, int transactionTimeoutMs, String clientId, Supplier<Node> anyNode, int timeoutMs) {
    this.transactionalId = transactionalId;
    this.transactionTimeoutMs = transactionTimeoutMs;
    this.clientId = clientId;
    this.anyNode = anyNode;
    this.timeoutMs = timeoutMs;
  }

  long producerId() {
    return producerId;
  }

  short epoch() {
    return epoch;
  }

  /** InitProducerId: fences every earlier producer of the transactional id and aborts its open transaction. */
  void init() throws IOException, InterruptedException {
    InitProducerIdRequestData req = new InitProducerIdRequestData().setTransactionalId(transactionalId)
        .setTransactionTimeoutMs(transactionTimeoutMs).setProducerId(-1).setProducerEpoch((short) -1);
    InitProducerIdResponseData r = retrying("InitProducerId", () -> {
      InitProducerIdResponseData resp = (InitProducerIdResponseData) coordinator().call(ApiKeys.INIT_PRODUCER_ID, INIT_PRODUCER_ID_VERSION, req);
      return new Answer<>(Errors.forCode(resp.errorCode()), resp);
    });
    producerId = r.producerId();
    epoch = r.producerEpoch();
  }

  /** AddPartitionsToTxn: {@code partitions} join the open transaction (needed before writing to them). */
  void addPartitions(Collection<TopicPartition> partitions) throws IOException, InterruptedException {
    if (partitions.isEmpty()) return;
    Map<String, List<Integer>> byTopic = new TreeMap<>();
    for (TopicPartition tp : partitions) byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
    AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection topics = new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection();
    byTopic.forEach((t, ps) -> topics.add(new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic().setName(t).setPartitions(ps)));
    AddPartitionsToTxnRequestData req = new AddPartitionsToTxnRequestData().setV3AndBelowTransactionalId(transactionalId)
        .setV3AndBelowProducerId(producerId).setV3AndBelowProducerEpoch(epoch).setV3AndBelowTopics(topics);
    retrying("AddPartitionsToTxn", () -> {
      AddPartitionsToTxnResponseData resp = (AddPartitionsToTxnResponseData) coordinator().call(ApiKeys.ADD_PARTITIONS_TO_TXN, ADD_PARTITIONS_VERSION, req);
      Errors worst = Errors.forCode(resp.errorCode());
      for (var t : resp.resultsByTopicV3AndBelow()) {
        for (var p : t.resultsByPartition()) {
          Errors e = Errors.forCode(p.partitionErrorCode());
          // OPERATION_NOT_ATTEMPTED: another partition's error stopped the request; that one decides.
          if (e != Errors.NONE && e != Errors.OPERATION_NOT_ATTEMPTED) worst = e;
        }
      }
      return new Answer<>(worst, resp);
    });
  }

  /** AddOffsetsToTxn then TxnOffsetCommit: {@code offsets} of {@code group} commit with the transaction. */
  void commitOffsets(String group, Map<TopicPartition, Long> offsets) throws IOException, InterruptedException {
    if (offsets.isEmpty()) return;
    AddOffsetsToTxnRequestData add = new AddOffsetsToTxnRequestData().setTransactionalId(transactionalId)
        .setProducerId(producerId).setProducerEpoch(epoch).setGroupId(group);
    retrying("AddOffsetsToTxn", () -> {
      AddOffsetsToTxnResponseData resp = (AddOffsetsToTxnResponseData) coordinator().call(ApiKeys.ADD_OFFSETS_TO_TXN, ADD_OFFSETS_VERSION, add);
      return new Answer<>(Errors.forCode(resp.errorCode()), resp);
    });
    Map<String, List<TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition>> byTopic = new TreeMap<>();
    offsets.forEach((tp, o) -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>())
        .add(new TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition().setPartitionIndex(tp.partition())
            .setCommittedOffset(o).setCommittedLeaderEpoch(-1).setCommittedMetadata("")));
    List<TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic> topics = new ArrayList<>();
    byTopic.forEach((t, ps) -> topics.add(new TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic().setName(t).setPartitions(ps)));
    TxnOffsetCommitRequestData commit = new TxnOffsetCommitRequestData().setTransactionalId(transactionalId).setGroupId(group)
        .setProducerId(producerId).setProducerEpoch(epoch).setGenerationId(-1).setMemberId("").setGroupInstanceId(null).setTopics(topics);
    retrying("TxnOffsetCommit", () -> {
      TxnOffsetCommitResponseData resp = (TxnOffsetCommitResponseData) groupCoordinator(group).call(ApiKeys.TXN_OFFSET_COMMIT, TXN_OFFSET_COMMIT_VERSION, commit);
      Errors worst = Errors.NONE;
      for (var t : resp.topics()) {
        for (var p : t.partitions()) {
          Errors e = Errors.forCode(p.errorCode());
          if (e != Errors.NONE) worst = e;
        }
      }
      if (worst == Errors.NOT_COORDINATOR || worst == Errors.COORDINATOR_NOT_AVAILABLE) closeGroupCoordinator();
      return new Answer<>(worst, resp);
    });
  }

  /** EndTxn: commits the open transaction (every partition and offset added to it). */
  void commit() throws IOException, InterruptedException {
    EndTxnRequestData req = new EndTxnRequestData().setTransactionalId(transactionalId).setProducerId(producerId)
        .setProducerEpoch(epoch).setCommitted(true);
    retrying("EndTxn", () -> {
      EndTxnResponseData resp = (EndTxnResponseData) coordinator().call(ApiKeys.END_TXN, END_TXN_VERSION, req);
      return new Answer<>(Errors.forCode(resp.errorCode()), resp);
    });
  }

  private record Answer<T>(Errors error, T response) {}

  private interface Attempt<T> {
    Answer<T> run() throws IOException;
  }

  private <T> T retrying(String what, Attempt<T> attempt) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + RETRY_NANOS;
    long backoffMs = 5;
    while (true) {
      Answer<T> a;
      try {
        a = attempt.run();
      } catch (IOException e) {
        // A broken connection: as KafkaProducer, reconnect (finding the coordinator again) and retry.
        if (System.nanoTime() > deadline) throw e;
        closeCoordinator();
        closeGroupCoordinator();
        a = new Answer<>(Errors.NETWORK_EXCEPTION, null);
      }
      switch (a.error()) {
        case NONE -> {
          return a.response();
        }
        case PRODUCER_FENCED, INVALID_PRODUCER_EPOCH ->
            throw new ProducerFencedException(what + " for " + transactionalId + ": " + a.error().message());
        case NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE -> closeCoordinator();
        case CONCURRENT_TRANSACTIONS, COORDINATOR_LOAD_IN_PROGRESS, REQUEST_TIMED_OUT, NETWORK_EXCEPTION -> { }
        default -> throw new KafkaException(what + " for " + transactionalId + " failed: " + a.error(), a.error().exception());
      }
      if (System.nanoTime() > deadline) throw new KafkaException(what + " for " + transactionalId + " still " + a.error() + " after 60 s");
      Thread.sleep(backoffMs);
      backoffMs = Math.min(100, backoffMs * 2);
    }
  }

  private BrokerConnection coordinator() throws IOException {
    if (coordinator == null) coordinator = new BrokerConnection(find(transactionalId, CoordinatorType.TRANSACTION), clientId, timeoutMs);
    return coordinator;
  }

  private BrokerConnection groupCoordinator(String group) throws IOException {
    if (groupCoordinator != null && !group.equals(groupCoordinatorOf)) closeGroupCoordinator();
    if (groupCoordinator == null) {
      groupCoordinator = new BrokerConnection(find(group, CoordinatorType.GROUP), clientId, timeoutMs);
      groupCoordinatorOf = group;
    }
    return groupCoordinator;
  }

  /** FindCoordinator through any broker; retried while the coordinator is not there yet. */
  private Node find(String key, CoordinatorType type) throws IOException {
    long deadline = System.nanoTime() + RETRY_NANOS;
    while (true) {
      FindCoordinatorResponseData r;
      try (BrokerConnection any = new BrokerConnection(anyNode.get(), clientId, timeoutMs)) {
        r = (FindCoordinatorResponseData) any.call(ApiKeys.FIND_COORDINATOR, FIND_COORDINATOR_VERSION,
            new FindCoordinatorRequestData().setKey(key).setKeyType(type.id()));
      }
      Errors e = Errors.forCode(r.errorCode());
      if (e == Errors.NONE) return new Node(r.nodeId(), r.host(), r.port());
      if (e != Errors.COORDINATOR_NOT_AVAILABLE && e != Errors.COORDINATOR_LOAD_IN_PROGRESS && e != Errors.NOT_COORDINATOR) {
        throw new KafkaException("FindCoordinator(" + type + ", " + key + ") failed: " + e, e.exception());
      }
      if (System.nanoTime() > deadline) throw new KafkaException("FindCoordinator(" + type + ", " + key + ") still " + e + " after 60 s");
      try {
        Thread.sleep(50);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw new KafkaException("interrupted", ie);
      }
    }
  }

  private void closeCoordinator() {
    if (coordinator != null) coordinator.close();
    coordinator = null;
  }

  private void closeGroupCoordinator() {
    if (groupCoordinator != null) groupCoordinator.close();
    groupCoordinator = null;
    groupCoordinatorOf = null;
  }

  @Override
  public void close() {
    closeCoordinator();
    closeGroupCoordinator();
  }
}
