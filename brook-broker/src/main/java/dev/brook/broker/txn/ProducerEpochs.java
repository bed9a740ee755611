package dev.brook.broker.txn;

import dev.brook.broker.coordinator.PartitionTerms.Term;
import dev.brook.broker.txn.TransactionCoordinator.InitResult;
import dev.brook.broker.txn.TransactionCoordinator.ProducerIds;
import dev.brook.broker.txn.TxnStateMachine.Origin;
import dev.brook.storage.Clock;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * InitProducerId for transactional ids, and the epoch bump it and the timeouts share. A producer's
 * epoch only grows: each InitProducerId of a new instance bumps it, which fences every older
 * instance (PRODUCER_FENCED); a transaction the old instance left open is first aborted at the
 * bumped epoch. An exhausted epoch moves the id to a new producer id at epoch 0. KIP-360: a producer
 * may ask for a bump of its own current id and epoch, and a retry of that request gets the same
 * answer.
 *
 * <p>Threading: on the coordinator thread.
 */
final class ProducerEpochs {
  private static final Logger log = LoggerFactory.getLogger(ProducerEpochs.class);

  private final TxnStateStore store;
  private final MarkerCompletion completion;
  private final ProducerIds producerIds;
  private final Clock clock;

  ProducerEpochs(TxnStateStore store, MarkerCompletion completion, ProducerIds producerIds, Clock clock) {
    this.store = store;
    this.completion = completion;
    this.producerIds = producerIds;
    this.clock = clock;
  }

  /**
   * InitProducerId. {@code expectedProducerId}/{@code expectedEpoch} are -1 for a new instance, or
   * the producer's id and epoch when it asks for a bump after an abortable error. Aborting an open
   * transaction may wait on markers for long (a partition without a leader): the answer is then
   * CONCURRENT_TRANSACTIONS after a bounded wait (the client retries) while the abort goes on.
   */
  CompletableFuture<InitResult> init(String id, int timeoutMs, long expectedProducerId, short expectedEpoch) {
    Errors error = store.ownership(id);
    if (error == Errors.NONE && store.isBusy(id)) error = Errors.CONCURRENT_TRANSACTIONS;
    if (error != Errors.NONE) return done(InitResult.error(error));
    CompletableFuture<InitResult> answer = new CompletableFuture<>();
    store.withBusy(id, () -> initBusy(id, timeoutMs, expectedProducerId, expectedEpoch))
        .whenComplete((r, e) -> answer.complete(e == null ? r : InitResult.error(Errors.COORDINATOR_NOT_AVAILABLE)));
    return answer.completeOnTimeout(InitResult.error(Errors.CONCURRENT_TRANSACTIONS),
        TransactionCoordinator.MARKER_WAIT_MS, TimeUnit.MILLISECONDS);
  }

  private CompletableFuture<InitResult> initBusy(String id, int timeoutMs, long expectedProducerId, short expectedEpoch) {
    Term term = store.loadedTerm(id);
    TxnRecord r = store.get(id);
    if (r == null) {
      try {
        return toEmpty(null, TxnRecords.fresh(id, producerIds.next(), timeoutMs, clock.milliseconds()), timeoutMs, term);
      } catch (IOException | RuntimeException e) {
        return done(initFailed(id, e));
      }
    }
    if (expectedProducerId >= 0) {
      boolean current = r.producerId() == expectedProducerId && r.producerEpoch() == expectedEpoch;
      boolean retry = r.state() == TxnState.EMPTY
          && r.lastProducerEpoch() == expectedEpoch
          && (r.producerId() == expectedProducerId || r.lastProducerId() == expectedProducerId);
      if (retry) return done(new InitResult(Errors.NONE, r.producerId(), r.producerEpoch()));
      if (!current) return done(InitResult.error(Errors.PRODUCER_FENCED));
    }
    // PREPARE_*: the transition to EMPTY is refused with CONCURRENT_TRANSACTIONS (the client retries).
    if (r.state() != TxnState.ONGOING) return toEmpty(r, r, timeoutMs, term);
    // A new instance (or a bump) fences the open transaction: it is aborted at a higher epoch first.
    return fenceAndAbort(r, term).thenCompose(e -> {
      if (e != Errors.NONE) return done(InitResult.error(e == Errors.NOT_COORDINATOR ? e : Errors.CONCURRENT_TRANSACTIONS));
      TxnRecord aborted = store.get(id);
      return toEmpty(aborted, aborted, timeoutMs, term);
    });
  }

  /**
   * Aborts {@code ongoing} at the next epoch, so that the producer that left it open is fenced:
   * PREPARE_ABORT, then the markers and COMPLETE_ABORT. The caller holds the id busy.
   */
  CompletableFuture<Errors> fenceAndAbort(TxnRecord ongoing, Term term) {
    TxnRecord prepare;
    try {
      prepare = TxnRecords.withState(bump(ongoing), TxnState.PREPARE_ABORT, clock.milliseconds());
    } catch (IOException | RuntimeException e) {
      log.warn("Could not abort the transaction of {}: no producer id for the bump", ongoing.transactionalId(), e);
      return done(Errors.COORDINATOR_NOT_AVAILABLE);
    }
    return store.transition(ongoing, prepare, term, Origin.COORDINATOR)
        .thenCompose(e -> e != Errors.NONE ? done(e) : completion.complete(prepare, term));
  }

  /**
   * Moves the id from {@code from} (null: unknown here) to EMPTY at the epoch after {@code base}'s,
   * stored, as the answer to InitProducerId.
   */
  private CompletableFuture<InitResult> toEmpty(TxnRecord from, TxnRecord base, int timeoutMs, Term term) {
    TxnRecord next;
    try {
      next = TxnRecords.emptied(bump(base), timeoutMs, clock.milliseconds());
    } catch (IOException | RuntimeException e) {
      return done(initFailed(base.transactionalId(), e));
    }
    return store.transition(from, next, term, Origin.CLIENT).thenApply(e -> e != Errors.NONE
        ? InitResult.error(e)
        : new InitResult(Errors.NONE, next.producerId(), next.producerEpoch()));
  }

  /** The next epoch (the state unchanged); a new producer id at epoch 0 when the epoch is exhausted. */
  private TxnRecord bump(TxnRecord r) throws IOException {
    if (r.producerEpoch() >= Short.MAX_VALUE - 1) return TxnRecords.withProducer(r, producerIds.next(), r.producerId(), (short) 0);
    return TxnRecords.withProducer(r, r.producerId(), r.lastProducerId(), (short) (r.producerEpoch() + 1));
  }

  private static InitResult initFailed(String id, Exception e) {
    log.warn("InitProducerId for {} failed", id, e);
    return InitResult.error(Errors.COORDINATOR_NOT_AVAILABLE);
  }

  private static <T> CompletableFuture<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
