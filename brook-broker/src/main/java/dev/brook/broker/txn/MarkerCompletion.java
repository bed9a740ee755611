package dev.brook.broker.txn;

import dev.brook.broker.coordinator.PartitionTerms.Term;
import dev.brook.broker.txn.TxnStateMachine.Origin;
import dev.brook.storage.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.IntPredicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives a prepared transaction (PREPARE_*) to its end (COMPLETE_*): the COMMIT or ABORT marker
 * to every partition of the transaction (the groups' transactional offsets commit or drop with the
 * marker on their {@code __consumer_offsets} partition), then the COMPLETE record. A transaction
 * whose markers fail stays prepared and is tried again ({@link #retryIncomplete}), by the next
 * leader of its state partition if this broker resigns: a decided outcome always completes.
 *
 * <p>Threading: on the coordinator thread; the caller holds the id busy during {@link #complete}.
 */
final class MarkerCompletion {
  private static final Logger log = LoggerFactory.getLogger(MarkerCompletion.class);

  private final TxnStateStore store;
  private final MarkerWriter markers;
  private final Clock clock;
  private final Executor coordinator;

  /** @param coordinator the coordinator thread's executor: the markers' answer is handled there */
  MarkerCompletion(TxnStateStore store, MarkerWriter markers, Clock clock, Executor coordinator) {
    this.store = store;
    this.markers = markers;
    this.clock = clock;
    this.coordinator = coordinator;
  }

  /**
   * Writes the markers of {@code prepare} and then its COMPLETE record. NONE once complete;
   * NOT_COORDINATOR when the term ended meanwhile; COORDINATOR_NOT_AVAILABLE when a marker or the
   * record could not be written (the transaction stays prepared).
   */
  CompletableFuture<Errors> complete(TxnRecord prepare, Term term) {
    String id = prepare.transactionalId();
    return writeMarkers(prepare, term).thenComposeAsync(written -> {
      if (!store.isCurrent(id, term)) return CompletableFuture.completedFuture(Errors.NOT_COORDINATOR);
      if (!allWritten(written)) {
        log.warn("Markers of {} not all written ({}); will retry", id, written);
        return CompletableFuture.completedFuture(Errors.COORDINATOR_NOT_AVAILABLE);
      }
      return store.transition(prepare, TxnRecords.completed(prepare, clock.milliseconds()), term, Origin.COORDINATOR);
    }, coordinator);
  }

  /** Starts the completion of every prepared transaction of {@code partition} not being completed yet. */
  void completePrepared(int partition) {
    completePrepared(p -> p == partition);
  }

  /** Tries again to complete the prepared transactions of every loaded partition. */
  void retryIncomplete() {
    completePrepared(p -> true);
  }

  private void completePrepared(IntPredicate partitions) {
    for (TxnRecord r : store.all()) {
      String id = r.transactionalId();
      if (!r.state().isPrepare() || store.isBusy(id) || !partitions.test(store.partitionFor(id))) continue;
      Term term = store.loadedTerm(id);
      if (term == null) continue;
      log.info("Completing transaction {} found in {}", id, r.state());
      store.withBusy(id, () -> complete(r, term));
    }
  }

  /** The markers' outcome; a writer that throws or fails counts as every marker not written. */
  private CompletableFuture<Map<TopicPartition, Errors>> writeMarkers(TxnRecord prepare, Term term) {
    boolean commit = prepare.state() == TxnState.PREPARE_COMMIT;
    String id = prepare.transactionalId();
    CompletableFuture<Map<TopicPartition, Errors>> written;
    try {
      written = Objects.requireNonNull(markers.write(prepare.producerId(), prepare.producerEpoch(), term.epoch(), commit,
          prepare.partitions(), () -> store.isCurrent(id, term)), "MarkerWriter.write returned null");
    } catch (RuntimeException e) {
      written = CompletableFuture.failedFuture(e);
    }
    return written.exceptionally(e -> {
      log.warn("Writing markers of {} failed", id, e);
      return Map.of(new TopicPartition(TransactionCoordinator.OFFSETS_TOPIC, -1), Errors.UNKNOWN_SERVER_ERROR);
    });
  }

  /** Written, or not needed: a partition deleted since needs no marker. */
  private static boolean allWritten(Map<TopicPartition, Errors> written) {
    return written.values().stream().allMatch(e -> e == Errors.NONE || e == Errors.UNKNOWN_TOPIC_OR_PARTITION);
  }
}
