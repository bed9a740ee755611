package dev.brook.broker.txn;

import dev.brook.broker.coordinator.PartitionTerms.Term;
import dev.brook.broker.txn.TxnStateMachine.Origin;
import dev.brook.storage.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What time does to transactional ids: a transaction open longer than its timeout is aborted (at a
 * bumped epoch, fencing the producer that left it open), and an id idle longer than {@code
 * transactional.id.expiration.ms} is forgotten (tombstoned; its next InitProducerId starts afresh
 * with a new producer id). Both are run periodically by the broker.
 *
 * <p>Threading: on the coordinator thread.
 */
final class TxnExpiry {
  private static final Logger log = LoggerFactory.getLogger(TxnExpiry.class);

  private final TxnStateStore store;
  private final ProducerEpochs epochs;
  private final TxnDeadlines deadlines;
  private final Clock clock;
  private final long idExpirationMs;

  TxnExpiry(TxnStateStore store, ProducerEpochs epochs, TxnDeadlines deadlines, Clock clock, long idExpirationMs) {
    this.store = store;
    this.epochs = epochs;
    this.deadlines = deadlines;
    this.clock = clock;
    this.idExpirationMs = idExpirationMs;
  }

  /**
   * Aborts every ongoing transaction past its timeout, judged on the monotonic clock ({@link
   * TxnDeadlines}: a wall clock that jumps neither postpones nor hastens it); completes with their
   * ids once each is done or failed.
   */
  CompletableFuture<List<String>> abortTimedOut() {
    deadlines.prune(id -> store.loadedTerm(id) != null);
    return forEachIdle(
        deadlines::isPast,
        (r, term) -> {
          log.info("Aborting transaction {} (producer {}) after its timeout of {} ms", r.transactionalId(),
              r.producerId(), r.timeoutMs());
          return epochs.fenceAndAbort(r, term);
        },
        false);
  }

  /** Tombstones every id idle past the expiration; completes with the ids forgotten. */
  CompletableFuture<List<String>> expireIds() {
    long now = clock.milliseconds();
    return forEachIdle(
        // The states an id may die from are exactly those without a transaction open or completing.
        r -> TxnStateMachine.allowed(r.state(), TxnState.DEAD) && r.lastUpdateTimestamp() + idExpirationMs <= now,
        (r, term) -> store.transition(r, TxnRecords.withState(r, TxnState.DEAD, now), term, Origin.COORDINATOR),
        true).thenApply(expired -> {
          if (!expired.isEmpty()) log.info("Expired {} idle transactional id(s)", expired.size());
          return expired;
        });
  }

  /**
   * Runs {@code change} (holding the id busy) on every id of a loaded partition that is not busy
   * and matches {@code due}; completes once every change is done, with the ids changed ({@code
   * onlySucceeded}) or started.
   */
  private CompletableFuture<List<String>> forEachIdle(
      Predicate<TxnRecord> due, BiFunction<TxnRecord, Term, CompletableFuture<Errors>> change, boolean onlySucceeded) {
    List<String> started = new ArrayList<>();
    List<CompletableFuture<String>> changes = new ArrayList<>();
    for (TxnRecord r : store.all()) {
      String id = r.transactionalId();
      Term term = store.loadedTerm(id);
      if (term == null || store.isBusy(id) || !due.test(r)) continue;
      started.add(id);
      changes.add(store.withBusy(id, () -> change.apply(r, term))
          .handle((e, ex) -> ex == null && e == Errors.NONE ? id : null));
    }
    return CompletableFuture.allOf(changes.toArray(CompletableFuture[]::new)).thenApply(v -> onlySucceeded
        ? changes.stream().map(CompletableFuture::join).filter(Objects::nonNull).toList()
        : started);
  }
}
