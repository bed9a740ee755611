package dev.brook.broker.txn;

import dev.brook.broker.coordinator.PartitionTerms.Term;
import dev.brook.broker.txn.TxnStateMachine.Origin;
import dev.brook.storage.Clock;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * The requests of a transactional producer inside its transaction: AddPartitionsToTxn (and
 * AddOffsetsToTxn, which adds a group's {@code __consumer_offsets} partition), EndTxn, and the
 * checks of its identity and of a transactional batch at produce time.
 *
 * <p>Threading: {@link #addPartitions} and {@link #endTransaction} change state and run on the
 * coordinator thread; {@link #checkProducer}, {@link #verifyOnly} and {@link #verifyPartition} only
 * read and may run on any thread.
 */
final class TxnRequests {
  private final TxnStateStore store;
  private final MarkerCompletion completion;
  private final Predicate<TopicPartition> partitionExists;
  private final Clock clock;

  TxnRequests(TxnStateStore store, MarkerCompletion completion, Predicate<TopicPartition> partitionExists, Clock clock) {
    this.store = store;
    this.completion = completion;
    this.partitionExists = partitionExists;
    this.clock = clock;
  }

  /**
   * NONE if the producer is the current instance of the transactional id: else INVALID_REQUEST (no
   * id), NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS, INVALID_PRODUCER_ID_MAPPING (unknown id or
   * producer id) or PRODUCER_FENCED (another epoch).
   */
  Errors checkProducer(String transactionalId, long producerId, short epoch) {
    if (transactionalId == null || transactionalId.isEmpty()) return Errors.INVALID_REQUEST;
    Errors own = store.ownership(transactionalId);
    if (own != Errors.NONE) return own;
    TxnRecord r = store.get(transactionalId);
    if (r == null || r.producerId() != producerId) return Errors.INVALID_PRODUCER_ID_MAPPING;
    if (r.producerEpoch() != epoch) return Errors.PRODUCER_FENCED;
    return Errors.NONE;
  }

  /** AddPartitionsToTxn with verifyOnly: NONE for each partition in the ongoing transaction, else INVALID_TXN_STATE. */
  Map<TopicPartition, Errors> verifyOnly(String transactionalId, Collection<TopicPartition> partitions) {
    TxnRecord r = store.get(transactionalId);
    Map<TopicPartition, Errors> out = new LinkedHashMap<>();
    for (TopicPartition tp : partitions) out.put(tp, inOngoing(r, tp) ? Errors.NONE : Errors.INVALID_TXN_STATE);
    return out;
  }

  /**
   * Produce-time check of a transactional batch: NONE when {@code partition} is in the producer's
   * ongoing transaction; INVALID_PRODUCER_EPOCH for an older epoch; INVALID_TXN_STATE otherwise;
   * COORDINATOR_LOAD_IN_PROGRESS (retriable) while loading. A batch of an id this broker does not
   * coordinate is not verified here (NONE): its coordinator is another broker, as in Kafka without
   * transaction.partition.verification.
   */
  Errors verifyPartition(String transactionalId, long producerId, short epoch, TopicPartition partition) {
    Errors own = store.ownership(transactionalId);
    if (own == Errors.NOT_COORDINATOR) return Errors.NONE;
    if (own != Errors.NONE) return own;
    TxnRecord r = store.get(transactionalId);
    if (r == null || r.producerId() != producerId) return Errors.INVALID_TXN_STATE;
    if (epoch < r.producerEpoch()) return Errors.INVALID_PRODUCER_EPOCH;
    return r.producerEpoch() == epoch && inOngoing(r, partition) ? Errors.NONE : Errors.INVALID_TXN_STATE;
  }

  /** AddPartitionsToTxn: the partitions join the transaction (which opens if none is). */
  CompletableFuture<Map<TopicPartition, Errors>> addPartitions(
      String id, long producerId, short epoch, Collection<TopicPartition> partitions) {
    Errors error = checkNotBusy(id, producerId, epoch);
    if (error != Errors.NONE) return done(all(partitions, error));
    return store.withBusy(id, () -> add(id, partitions));
  }

  private CompletableFuture<Map<TopicPartition, Errors>> add(String id, Collection<TopicPartition> partitions) {
    if (!partitions.stream().allMatch(partitionExists)) {
      Map<TopicPartition, Errors> out = new LinkedHashMap<>();
      for (TopicPartition tp : partitions) {
        out.put(tp, partitionExists.test(tp) ? Errors.OPERATION_NOT_ATTEMPTED : Errors.UNKNOWN_TOPIC_OR_PARTITION);
      }
      return done(out);
    }
    TxnRecord r = store.get(id);
    boolean ongoing = r.state() == TxnState.ONGOING;
    if (ongoing && r.partitions().containsAll(partitions)) return done(all(partitions, Errors.NONE));
    long now = clock.milliseconds();
    Set<TopicPartition> union = new LinkedHashSet<>(ongoing ? r.partitions() : Set.of());
    union.addAll(partitions);
    TxnRecord next = TxnRecords.ongoing(r, union, ongoing ? r.startTimestamp() : now, now);
    return store.transition(r, next, store.loadedTerm(id), Origin.CLIENT).thenApply(e -> all(partitions, e));
  }

  /**
   * EndTxn. Completes NONE once the outcome (PREPARE_*) is durable and the transaction complete,
   * or, when its markers take longer, after a bounded wait (the completion goes on; the producer's
   * next request gets CONCURRENT_TRANSACTIONS until it is done).
   */
  CompletableFuture<Errors> endTransaction(String id, long producerId, short epoch, boolean commit) {
    Errors error = checkNotBusy(id, producerId, epoch);
    if (error != Errors.NONE) return done(error);
    TxnRecord r = store.get(id);
    Errors decided = TxnStateMachine.endTxnDecided(r.state(), commit);
    if (decided != null) return done(decided);
    Term term = store.loadedTerm(id);
    TxnRecord prepare = TxnRecords.withState(r, commit ? TxnState.PREPARE_COMMIT : TxnState.PREPARE_ABORT,
        clock.milliseconds());
    CompletableFuture<Errors> answer = new CompletableFuture<>();
    store.withBusy(id, () -> store.transition(r, prepare, term, Origin.CLIENT).thenCompose(e -> {
      if (e != Errors.NONE) return done(e);
      // The outcome is durable: the answer is NONE whatever the markers do (they are retried).
      answer.completeOnTimeout(Errors.NONE, TransactionCoordinator.MARKER_WAIT_MS, TimeUnit.MILLISECONDS);
      return completion.complete(prepare, term).handle((x, ex) -> Errors.NONE);
    })).whenComplete((e, ex) -> answer.complete(ex == null ? e : Errors.COORDINATOR_NOT_AVAILABLE));
    return answer;
  }

  /** {@link #checkProducer}, then CONCURRENT_TRANSACTIONS while a change of the id is in flight. */
  private Errors checkNotBusy(String id, long producerId, short epoch) {
    Errors error = checkProducer(id, producerId, epoch);
    return error == Errors.NONE && store.isBusy(id) ? Errors.CONCURRENT_TRANSACTIONS : error;
  }

  private static boolean inOngoing(TxnRecord r, TopicPartition tp) {
    return r != null && r.state() == TxnState.ONGOING && r.partitions().contains(tp);
  }

  static Map<TopicPartition, Errors> all(Collection<TopicPartition> partitions, Errors e) {
    Map<TopicPartition, Errors> out = new LinkedHashMap<>();
    for (TopicPartition tp : partitions) out.put(tp, e);
    return out;
  }

  private static <T> CompletableFuture<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
