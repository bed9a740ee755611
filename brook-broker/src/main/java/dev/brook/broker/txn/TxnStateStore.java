package dev.brook.broker.txn;

import dev.brook.broker.coordinator.CoordinatorThread;
import dev.brook.broker.coordinator.PartitionTerms;
import dev.brook.broker.coordinator.PartitionTerms.Term;
import dev.brook.broker.txn.TxnStateMachine.Origin;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state of the transactional ids whose {@code __transaction_state} partition this broker
 * coordinates, the terms in which it coordinates them, and the one way that state changes: {@link
 * #transition}, which refuses what {@link TxnStateMachine} forbids, writes the record through the
 * {@link TxnLog}, and applies it in memory only once durable and only if the term it was decided in
 * is still current.
 *
 * <p>Threading: the maps are written on the coordinator thread only (transitions, loads, unloads)
 * and read from any thread; records are immutable. An id is <em>busy</em> while a change of it is
 * in flight: other changes of it answer CONCURRENT_TRANSACTIONS meanwhile.
 */
final class TxnStateStore {
  private static final Logger log = LoggerFactory.getLogger(TxnStateStore.class);

  private final int partitionCount;
  private final TxnLog txnLog;
  private final Executor coordinator;
  private final TxnDeadlines deadlines;
  private final PartitionTerms terms = new PartitionTerms(TransactionCoordinator.STATE_TOPIC);
  private final Map<String, TxnRecord> txns = new ConcurrentHashMap<>();
  private final Set<String> busy = ConcurrentHashMap.newKeySet();

  /**
   * @param coordinator the coordinator thread's executor: a durable write is applied there. Once it
   *     is shut down it refuses the task, which fails the write's future (and the operation answers
   *     its error) instead of leaving it pending.
   * @param deadlines told every state applied or loaded, so that each open transaction has its deadline
   */
  TxnStateStore(int partitionCount, TxnLog txnLog, Executor coordinator, TxnDeadlines deadlines) {
    this.partitionCount = partitionCount;
    this.txnLog = txnLog;
    this.coordinator = coordinator;
    this.deadlines = deadlines;
  }

  /** The {@code __transaction_state} partition of a transactional id (Kafka's mapping). */
  int partitionFor(String transactionalId) {
    return Utils.abs(transactionalId.hashCode()) % partitionCount;
  }

  int partitionCount() {
    return partitionCount;
  }

  PartitionTerms terms() {
    return terms;
  }

  /** NONE, COORDINATOR_LOAD_IN_PROGRESS or NOT_COORDINATOR for {@code transactionalId}. */
  Errors ownership(String transactionalId) {
    return terms.availability(partitionFor(transactionalId));
  }

  /** The loaded term of the id's partition, or null when it is not coordinated (yet) here. */
  Term loadedTerm(String transactionalId) {
    return terms.term(partitionFor(transactionalId)).filter(Term::loaded).orElse(null);
  }

  /** Whether {@code term} is still the term of the id's partition. */
  boolean isCurrent(String transactionalId, Term term) {
    return terms.isCurrent(partitionFor(transactionalId), term);
  }

  TxnRecord get(String transactionalId) {
    return txns.get(transactionalId);
  }

  List<TxnRecord> all() {
    return List.copyOf(txns.values());
  }

  boolean isBusy(String transactionalId) {
    return busy.contains(transactionalId);
  }

  /**
   * Runs {@code op} with {@code id} busy (on the coordinator thread) and frees the id when the op's
   * future completes, whatever it completes with. The future returned completes after that.
   */
  <T> CompletableFuture<T> withBusy(String id, Supplier<CompletableFuture<T>> op) {
    busy.add(id);
    CompletableFuture<T> f;
    try {
      f = op.get();
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    return f.whenComplete((v, e) -> {
      if (e != null) log.error("Transaction operation on {} failed", id, CoordinatorThread.unwrap(e));
      busy.remove(id);
    });
  }

  /** The ids of partition {@code p} become {@code read} (a load); on the coordinator thread. */
  void replacePartition(int p, Map<String, TxnRecord> read) {
    dropPartition(p);
    read.forEach((id, r) -> {
      // Kafka never writes Dead (an expired id is a tombstone); if one is read, the id is unknown.
      if (r.state() != TxnState.DEAD) txns.put(id, r);
      deadlines.update(id, r.state() != TxnState.DEAD ? r : null);
    });
  }

  /**
   * Forgets the ids of partition {@code p}; on the coordinator thread. Their open transactions'
   * deadlines are kept ({@link TxnDeadlines}): if this broker leads {@code p} again, they still hold.
   */
  void dropPartition(int p) {
    txns.keySet().removeIf(id -> partitionFor(id) == p);
  }

  /**
   * Changes the state of {@code to.transactionalId()} from {@code from} (null: an id not known
   * here) to {@code to}, decided in {@code term}. Refused without writing anything when {@link
   * TxnStateMachine#allowed} says no or {@code from} is no longer the id's state: the answer is the
   * refusal's error, and a refused step of the coordinator's own is logged as the bug it is.
   * Otherwise the record is appended ({@link TxnState#DEAD}: a tombstone) and, once durable, applied
   * if {@code term} is still current. Answers NONE, NOT_COORDINATOR (the term ended), or
   * COORDINATOR_NOT_AVAILABLE (the write failed: the client retries). On the coordinator thread.
   */
  CompletableFuture<Errors> transition(TxnRecord from, TxnRecord to, Term term, Origin origin) {
    String id = to.transactionalId();
    Errors refused = refusal(from, to, origin);
    if (refused != Errors.NONE) return CompletableFuture.completedFuture(refused);
    boolean tombstone = to.state() == TxnState.DEAD;
    return append(partitionFor(id), id, tombstone ? null : to).handleAsync((v, e) -> {
      if (!isCurrent(id, term)) return Errors.NOT_COORDINATOR;
      if (e != null) return writeFailed(to, CoordinatorThread.unwrap(e));
      if (tombstone) {
        txns.remove(id);
      } else {
        txns.put(id, to);
      }
      deadlines.update(id, tombstone ? null : to);
      return Errors.NONE;
    }, coordinator);
  }

  private Errors refusal(TxnRecord from, TxnRecord to, Origin origin) {
    String id = to.transactionalId();
    TxnRecord current = txns.get(id);
    if (current != from) {
      // Changes of an id are serialized (busy), so a stale "from" means a caller skipped that.
      log.error("Bug: state change of {} to {} decided on a stale state ({} is now {}); not written", id, to.state(),
          from == null ? "none" : from.state(), current == null ? "none" : current.state());
      return Errors.CONCURRENT_TRANSACTIONS;
    }
    // An id unknown here (never seen, or expired) comes into being EMPTY, and only so.
    boolean allowed = from == null ? to.state() == TxnState.EMPTY : TxnStateMachine.allowed(from.state(), to.state());
    if (allowed) return Errors.NONE;
    Errors answer = from == null ? Errors.INVALID_TXN_STATE : TxnStateMachine.refusal(from.state());
    Object fromState = from == null ? "(none)" : from.state();
    if (origin == Origin.COORDINATOR) {
      log.error("Bug: the coordinator asked for the illegal transition {} -> {} of {}; not written", fromState,
          to.state(), id);
    } else {
      log.debug("Refused transition {} -> {} of {}: {}", fromState, to.state(), id, answer);
    }
    return answer;
  }

  private static Errors writeFailed(TxnRecord to, Throwable cause) {
    log.warn("State change of {} to {} could not be stored: {}", to.transactionalId(), to.state(), cause.toString());
    Errors error = Errors.forException(cause);
    return error == Errors.NOT_LEADER_OR_FOLLOWER || error == Errors.NOT_COORDINATOR
        ? Errors.NOT_COORDINATOR : Errors.COORDINATOR_NOT_AVAILABLE;
  }

  private CompletableFuture<Void> append(int p, String id, TxnRecord r) {
    try {
      CompletableFuture<Void> f = txnLog.append(p, id, r);
      return f != null ? f : CompletableFuture.failedFuture(new IllegalStateException("TxnLog.append returned null"));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
