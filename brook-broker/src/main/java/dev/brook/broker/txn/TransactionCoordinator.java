package dev.brook.broker.txn;

import dev.brook.broker.txn.TxnRecord.PendingOffset;
import dev.brook.storage.Clock;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transaction coordinator: the state machine of every transactional id (see {@link TxnState}),
 * kept in {@code __transaction_state} through a {@link TxnLog}, with markers written through a
 * {@link MarkerWriter}.
 *
 * <p>Invariants: a state change is durable (appended) before it is applied in memory or answered;
 * a transaction in PREPARE_* always reaches COMPLETE_* (retried after marker failures, completed
 * after a restart by {@link #load}); a producer's epoch only grows, so an older instance is
 * fenced (PRODUCER_FENCED) by every request after a newer InitProducerId. Protocol errors are
 * returned as {@link Errors}, never thrown.
 *
 * <p>Threading: every public method may be called from any thread; state is guarded by this
 * object's monitor, held across the (short, local) appends. Completion of a commit that carries
 * consumer offsets continues on the group coordinator's thread.
 */
public final class TransactionCoordinator {
  private static final Logger log = LoggerFactory.getLogger(TransactionCoordinator.class);
  /** A single node's coordinator epoch never changes. */
  static final int COORDINATOR_EPOCH = 0;

  /** Hands out producer ids unique across restarts. */
  @FunctionalInterface
  public interface ProducerIds {
    long next() throws IOException;
  }

  /** The group coordinator's side of transactional offset commits. */
  public interface GroupOffsets {
    /** The __consumer_offsets partition of a group. */
    int partitionFor(String groupId);

    /** NONE, or why a member may not commit offsets for the group now (KIP-447 checks). */
    CompletableFuture<Errors> validate(String groupId, String memberId, int generationId, String groupInstanceId);

    /** Makes the offsets of a committed transaction visible (as ordinary commits). */
    CompletableFuture<Errors> commit(String groupId, List<PendingOffset> offsets);
  }

  /** The answer to InitProducerId. */
  public record InitResult(Errors error, long producerId, short producerEpoch) {
    static InitResult error(Errors e) {
      return new InitResult(e, -1, (short) -1);
    }
  }

  public static final String OFFSETS_TOPIC = "__consumer_offsets";

  private final TxnCoordinatorConfig config;
  private final TxnLog txnLog;
  private final MarkerWriter markers;
  private final ProducerIds producerIds;
  private final GroupOffsets groups;
  private final Predicate<TopicPartition> partitionExists;
  private final Clock clock;
  private final Map<String, TxnRecord> txns = new HashMap<>();
  /** Transactional ids whose PREPARE_* → COMPLETE_* step is running. */
  private final Set<String> completing = new HashSet<>();
  private volatile boolean loaded;

  public TransactionCoordinator(
      TxnCoordinatorConfig config,
      TxnLog txnLog,
      MarkerWriter markers,
      ProducerIds producerIds,
      GroupOffsets groups,
      Predicate<TopicPartition> partitionExists,
      Clock clock) {
    this.config = config;
    this.txnLog = txnLog;
    this.markers = markers;
    this.producerIds = producerIds;
    this.groups = groups;
    this.partitionExists = partitionExists;
    this.clock = clock;
  }

  /** The {@code __transaction_state} partition of a transactional id (Kafka's mapping). */
  public int partitionFor(String transactionalId) {
    return Utils.abs(transactionalId.hashCode()) % config.stateTopicPartitions();
  }

  public boolean isLoaded() {
    return loaded;
  }

  /**
   * Loads every partition of the state topic, then completes the transactions that were prepared
   * but not completed. Until it returns, requests get COORDINATOR_LOAD_IN_PROGRESS.
   */
  public void load() throws IOException {
    Map<String, TxnRecord> all = new HashMap<>();
    for (int p = 0; p < config.stateTopicPartitions(); p++) all.putAll(txnLog.read(p));
    List<TxnRecord> prepared = new ArrayList<>();
    synchronized (this) {
      txns.clear();
      txns.putAll(all);
      for (TxnRecord r : all.values()) {
        if (r.state().isPrepare()) prepared.add(r);
      }
      loaded = true;
    }
    for (TxnRecord r : prepared) {
      log.info("Completing transaction {} left in {} at the last shutdown", r.transactionalId(), r.state());
      synchronized (this) {
        completing.add(r.transactionalId());
      }
      complete(r);
    }
    if (!all.isEmpty()) {
      log.info("Transaction coordinator loaded {} transactional ids ({} prepared)", all.size(), prepared.size());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // InitProducerId

  /**
   * InitProducerId with a transactional id. {@code expectedProducerId}/{@code expectedEpoch} are -1
   * for a new producer instance, or the producer's current id and epoch when it asks for an epoch
   * bump after an abortable error (KIP-360).
   */
  public synchronized InitResult initProducerId(
      String transactionalId, int timeoutMs, long expectedProducerId, short expectedEpoch) {
    if (!loaded) return InitResult.error(Errors.COORDINATOR_LOAD_IN_PROGRESS);
    if (transactionalId == null || transactionalId.isEmpty()) return InitResult.error(Errors.INVALID_REQUEST);
    if (timeoutMs <= 0 || timeoutMs > config.maxTimeoutMs()) return InitResult.error(Errors.INVALID_TRANSACTION_TIMEOUT);
    long now = clock.milliseconds();
    TxnRecord r = txns.get(transactionalId);
    try {
      if (r == null || r.state() == TxnState.DEAD) {
        long pid = producerIds.next();
        r = new TxnRecord(transactionalId, pid, -1, (short) -1, (short) -1, timeoutMs, TxnState.EMPTY,
            Set.of(), Map.of(), -1, now);
      } else {
        if (completing.contains(transactionalId) || r.state().isPrepare()) {
          return InitResult.error(Errors.CONCURRENT_TRANSACTIONS);
        }
        if (expectedProducerId >= 0) {
          boolean current = r.producerId() == expectedProducerId && r.producerEpoch() == expectedEpoch;
          boolean retry = r.state() == TxnState.EMPTY
              && r.lastProducerEpoch() == expectedEpoch
              && (r.producerId() == expectedProducerId || r.lastProducerId() == expectedProducerId);
          if (retry) return new InitResult(Errors.NONE, r.producerId(), r.producerEpoch());
          if (!current) return InitResult.error(Errors.PRODUCER_FENCED);
        }
        if (r.state() == TxnState.ONGOING) {
          // A new instance (or a bump) fences the open transaction: abort it at a higher epoch first.
          r = bumpEpoch(r);
          r = abortNow(r, now);
        }
      }
      TxnRecord next = bumpEpoch(r);
      next = new TxnRecord(transactionalId, next.producerId(), next.lastProducerId(), next.producerEpoch(),
          next.lastProducerEpoch(), timeoutMs, TxnState.EMPTY, Set.of(), Map.of(), -1, now);
      persist(next);
      return new InitResult(Errors.NONE, next.producerId(), next.producerEpoch());
    } catch (IOException | RuntimeException e) {
      log.warn("InitProducerId for {} could not be stored", transactionalId, e);
      return InitResult.error(Errors.COORDINATOR_NOT_AVAILABLE);
    }
  }

  /** The next epoch; a new producer id at epoch 0 when the epoch is exhausted. */
  private TxnRecord bumpEpoch(TxnRecord r) throws IOException {
    long pid = r.producerId();
    long lastPid = r.lastProducerId();
    short epoch;
    if (r.producerEpoch() >= Short.MAX_VALUE - 1) {
      lastPid = pid;
      pid = producerIds.next();
      epoch = 0;
    } else {
      epoch = (short) (r.producerEpoch() + 1);
    }
    return new TxnRecord(r.transactionalId(), pid, lastPid, epoch, r.producerEpoch(), r.timeoutMs(), r.state(),
        r.partitions(), r.pendingOffsets(), r.startTimestamp(), r.lastUpdateTimestamp());
  }

  /** Aborts an ongoing transaction in place (PREPARE_ABORT, markers, COMPLETE_ABORT). Holds the lock. */
  private TxnRecord abortNow(TxnRecord r, long now) throws IOException {
    TxnRecord prepare = withState(r, TxnState.PREPARE_ABORT, now);
    persist(prepare);
    Map<TopicPartition, Errors> written = markers.write(
        prepare.producerId(), prepare.producerEpoch(), COORDINATOR_EPOCH, false, prepare.partitions());
    if (!allWritten(written)) throw new IOException("abort markers not written: " + written);
    TxnRecord done = new TxnRecord(r.transactionalId(), prepare.producerId(), prepare.lastProducerId(),
        prepare.producerEpoch(), prepare.lastProducerEpoch(), prepare.timeoutMs(), TxnState.COMPLETE_ABORT,
        Set.of(), Map.of(), prepare.startTimestamp(), now);
    persist(done);
    return done;
  }

  // ---------------------------------------------------------------------------------------------
  // AddPartitionsToTxn / AddOffsetsToTxn

  /**
   * AddPartitionsToTxn for one transaction. With {@code verifyOnly} nothing changes: each partition
   * answers NONE if it is in the ongoing transaction, else INVALID_TXN_STATE.
   */
  public synchronized Map<TopicPartition, Errors> addPartitions(
      String transactionalId, long producerId, short epoch, Collection<TopicPartition> partitions, boolean verifyOnly) {
    Errors error = checkProducer(transactionalId, producerId, epoch);
    if (error != Errors.NONE) return all(partitions, error);
    TxnRecord r = txns.get(transactionalId);
    if (verifyOnly) {
      Map<TopicPartition, Errors> out = new LinkedHashMap<>();
      for (TopicPartition tp : partitions) {
        out.put(tp, r.state() == TxnState.ONGOING && r.partitions().contains(tp) ? Errors.NONE : Errors.INVALID_TXN_STATE);
      }
      return out;
    }
    if (completing.contains(transactionalId) || r.state().isPrepare()) return all(partitions, Errors.CONCURRENT_TRANSACTIONS);
    Set<TopicPartition> unknown = new HashSet<>();
    for (TopicPartition tp : partitions) {
      if (!partitionExists.test(tp)) unknown.add(tp);
    }
    if (!unknown.isEmpty()) {
      Map<TopicPartition, Errors> out = new LinkedHashMap<>();
      for (TopicPartition tp : partitions) {
        out.put(tp, unknown.contains(tp) ? Errors.UNKNOWN_TOPIC_OR_PARTITION : Errors.OPERATION_NOT_ATTEMPTED);
      }
      return out;
    }
    if (r.state() == TxnState.ONGOING && r.partitions().containsAll(partitions)) return all(partitions, Errors.NONE);
    long now = clock.milliseconds();
    Set<TopicPartition> union = new LinkedHashSet<>(r.state() == TxnState.ONGOING ? r.partitions() : Set.of());
    union.addAll(partitions);
    TxnRecord next = new TxnRecord(transactionalId, r.producerId(), r.lastProducerId(), r.producerEpoch(),
        r.lastProducerEpoch(), r.timeoutMs(), TxnState.ONGOING, Set.copyOf(union),
        r.state() == TxnState.ONGOING ? r.pendingOffsets() : Map.of(),
        r.state() == TxnState.ONGOING ? r.startTimestamp() : now, now);
    try {
      persist(next);
      return all(partitions, Errors.NONE);
    } catch (IOException | RuntimeException e) {
      log.warn("AddPartitionsToTxn for {} could not be stored", transactionalId, e);
      return all(partitions, Errors.COORDINATOR_NOT_AVAILABLE);
    }
  }

  /** AddOffsetsToTxn: adds the group's __consumer_offsets partition to the transaction. */
  public Errors addOffsets(String transactionalId, long producerId, short epoch, String groupId) {
    if (groupId == null || groupId.isEmpty()) return Errors.INVALID_GROUP_ID;
    TopicPartition tp = new TopicPartition(OFFSETS_TOPIC, groups.partitionFor(groupId));
    return addPartitions(transactionalId, producerId, epoch, List.of(tp), false).get(tp);
  }

  /**
   * NONE if the producer is the current instance of the transactional id: else
   * COORDINATOR_LOAD_IN_PROGRESS, INVALID_PRODUCER_ID_MAPPING (unknown id or producer id) or
   * PRODUCER_FENCED (another epoch).
   */
  private Errors checkProducer(String transactionalId, long producerId, short epoch) {
    if (!loaded) return Errors.COORDINATOR_LOAD_IN_PROGRESS;
    if (transactionalId == null || transactionalId.isEmpty()) return Errors.INVALID_REQUEST;
    TxnRecord r = txns.get(transactionalId);
    if (r == null || r.state() == TxnState.DEAD || r.producerId() != producerId) return Errors.INVALID_PRODUCER_ID_MAPPING;
    if (r.producerEpoch() != epoch) return Errors.PRODUCER_FENCED;
    return Errors.NONE;
  }

  // ---------------------------------------------------------------------------------------------
  // TxnOffsetCommit

  /**
   * TxnOffsetCommit: after the group's member checks, the offsets join the transaction's pending
   * offsets (durably); they become the group's committed offsets when the transaction commits.
   */
  public CompletableFuture<Errors> commitOffsets(
      String transactionalId, long producerId, short epoch, String groupId, String memberId, int generationId,
      String groupInstanceId, List<PendingOffset> offsets) {
    if (groupId == null || groupId.isEmpty()) return CompletableFuture.completedFuture(Errors.INVALID_GROUP_ID);
    Errors pre = precheckOffsets(transactionalId, producerId, epoch, groupId);
    if (pre != Errors.NONE) return CompletableFuture.completedFuture(pre);
    return groups.validate(groupId, memberId, generationId, groupInstanceId)
        .thenApply(groupError -> groupError != Errors.NONE
            ? groupError
            : addPendingOffsets(transactionalId, producerId, epoch, groupId, offsets));
  }

  private synchronized Errors precheckOffsets(String transactionalId, long producerId, short epoch, String groupId) {
    Errors error = checkProducer(transactionalId, producerId, epoch);
    if (error != Errors.NONE) return error;
    TxnRecord r = txns.get(transactionalId);
    if (completing.contains(transactionalId) || r.state().isPrepare()) return Errors.CONCURRENT_TRANSACTIONS;
    TopicPartition offsetsPartition = new TopicPartition(OFFSETS_TOPIC, groups.partitionFor(groupId));
    if (r.state() != TxnState.ONGOING || !r.partitions().contains(offsetsPartition)) return Errors.INVALID_TXN_STATE;
    return Errors.NONE;
  }

  private synchronized Errors addPendingOffsets(
      String transactionalId, long producerId, short epoch, String groupId, List<PendingOffset> offsets) {
    Errors error = precheckOffsets(transactionalId, producerId, epoch, groupId);
    if (error != Errors.NONE) return error;
    TxnRecord r = txns.get(transactionalId);
    Map<TopicPartition, PendingOffset> merged = new LinkedHashMap<>();
    for (PendingOffset o : r.pendingOffsets().getOrDefault(groupId, List.of())) merged.put(o.partition(), o);
    for (PendingOffset o : offsets) merged.put(o.partition(), o);
    Map<String, List<PendingOffset>> pending = new LinkedHashMap<>(r.pendingOffsets());
    pending.put(groupId, List.copyOf(merged.values()));
    TxnRecord next = new TxnRecord(transactionalId, r.producerId(), r.lastProducerId(), r.producerEpoch(),
        r.lastProducerEpoch(), r.timeoutMs(), r.state(), r.partitions(), Map.copyOf(pending), r.startTimestamp(),
        clock.milliseconds());
    try {
      persist(next);
      return Errors.NONE;
    } catch (IOException | RuntimeException e) {
      log.warn("TxnOffsetCommit for {} could not be stored", transactionalId, e);
      return Errors.COORDINATOR_NOT_AVAILABLE;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // EndTxn

  /**
   * EndTxn. The future completes once the outcome is durable and, when the markers could be written
   * at once, the transaction is complete; otherwise completion is retried in the background and
   * the producer's next request gets CONCURRENT_TRANSACTIONS until it is done.
   */
  public CompletableFuture<Errors> endTransaction(String transactionalId, long producerId, short epoch, boolean commit) {
    TxnRecord prepare;
    synchronized (this) {
      Errors error = checkProducer(transactionalId, producerId, epoch);
      if (error != Errors.NONE) return CompletableFuture.completedFuture(error);
      TxnRecord r = txns.get(transactionalId);
      if (completing.contains(transactionalId)) return CompletableFuture.completedFuture(Errors.CONCURRENT_TRANSACTIONS);
      Errors byState = switch (r.state()) {
        case ONGOING -> null;
        case COMPLETE_COMMIT -> commit ? Errors.NONE : Errors.INVALID_TXN_STATE;
        case COMPLETE_ABORT -> commit ? Errors.INVALID_TXN_STATE : Errors.NONE;
        case PREPARE_COMMIT -> commit ? Errors.CONCURRENT_TRANSACTIONS : Errors.INVALID_TXN_STATE;
        case PREPARE_ABORT -> commit ? Errors.INVALID_TXN_STATE : Errors.CONCURRENT_TRANSACTIONS;
        case EMPTY -> Errors.INVALID_TXN_STATE;
        case DEAD -> Errors.INVALID_PRODUCER_ID_MAPPING;
      };
      if (byState != null) return CompletableFuture.completedFuture(byState);
      prepare = withState(r, commit ? TxnState.PREPARE_COMMIT : TxnState.PREPARE_ABORT, clock.milliseconds());
      try {
        persist(prepare);
      } catch (IOException | RuntimeException e) {
        log.warn("EndTxn for {} could not be stored", transactionalId, e);
        return CompletableFuture.completedFuture(Errors.COORDINATOR_NOT_AVAILABLE);
      }
      completing.add(transactionalId);
    }
    return complete(prepare).handle((v, e) -> Errors.NONE);
  }

  /**
   * Drives a prepared transaction to COMPLETE_*: markers, then (commit) the pending offsets, then
   * the COMPLETE record. On failure it stays prepared and is retried by {@link #retryIncomplete}.
   * The caller has put the id in {@link #completing}.
   */
  private CompletableFuture<Void> complete(TxnRecord prepare) {
    boolean commit = prepare.state() == TxnState.PREPARE_COMMIT;
    Map<TopicPartition, Errors> written;
    try {
      written = markers.write(prepare.producerId(), prepare.producerEpoch(), COORDINATOR_EPOCH, commit, prepare.partitions());
    } catch (RuntimeException e) {
      log.warn("Writing markers of {} failed", prepare.transactionalId(), e);
      written = Map.of(new TopicPartition(OFFSETS_TOPIC, -1), Errors.UNKNOWN_SERVER_ERROR);
    }
    if (!allWritten(written)) {
      log.warn("Markers of {} not all written ({}); will retry", prepare.transactionalId(), written);
      return giveUpForNow(prepare);
    }
    List<CompletableFuture<Errors>> offsetCommits = new ArrayList<>();
    if (commit) {
      prepare.pendingOffsets().forEach((group, offsets) -> offsetCommits.add(groups.commit(group, offsets)));
    }
    return CompletableFuture.allOf(offsetCommits.toArray(CompletableFuture[]::new))
        .handle((v, e) -> {
          boolean ok = e == null && offsetCommits.stream().allMatch(f -> f.join() == Errors.NONE);
          if (!ok) {
            log.warn("Offsets of {} not committed to their groups; will retry", prepare.transactionalId(), e);
            giveUpForNow(prepare);
            return null;
          }
          finish(prepare);
          return null;
        });
  }

  private synchronized CompletableFuture<Void> giveUpForNow(TxnRecord prepare) {
    completing.remove(prepare.transactionalId());
    return CompletableFuture.completedFuture(null);
  }

  private synchronized void finish(TxnRecord prepare) {
    TxnState done = prepare.state() == TxnState.PREPARE_COMMIT ? TxnState.COMPLETE_COMMIT : TxnState.COMPLETE_ABORT;
    TxnRecord complete = new TxnRecord(prepare.transactionalId(), prepare.producerId(), prepare.lastProducerId(),
        prepare.producerEpoch(), prepare.lastProducerEpoch(), prepare.timeoutMs(), done, Set.of(), Map.of(),
        prepare.startTimestamp(), clock.milliseconds());
    try {
      persist(complete);
    } catch (IOException | RuntimeException e) {
      log.warn("Completion of {} could not be stored; will retry", prepare.transactionalId(), e);
    } finally {
      completing.remove(prepare.transactionalId());
    }
  }

  /** Retries the completion of prepared transactions whose markers or offsets failed before. */
  public void retryIncomplete() {
    List<TxnRecord> todo = new ArrayList<>();
    synchronized (this) {
      if (!loaded) return;
      for (TxnRecord r : txns.values()) {
        if (r.state().isPrepare() && completing.add(r.transactionalId())) todo.add(r);
      }
    }
    for (TxnRecord r : todo) complete(r);
  }

  // ---------------------------------------------------------------------------------------------
  // Timeouts

  /**
   * Aborts every ongoing transaction open longer than its timeout, at a bumped epoch so that the
   * producer that left it open is fenced. Run every
   * {@code transaction.abort.timed.out.transaction.cleanup.interval.ms}; also retries incomplete
   * transactions. Returns the ids aborted.
   */
  public List<String> abortTimedOutTransactions() {
    retryIncomplete();
    List<String> aborted = new ArrayList<>();
    synchronized (this) {
      if (!loaded) return aborted;
      long now = clock.milliseconds();
      for (TxnRecord r : List.copyOf(txns.values())) {
        if (r.state() != TxnState.ONGOING || completing.contains(r.transactionalId())) continue;
        if (r.startTimestamp() + r.timeoutMs() > now) continue;
        try {
          abortNow(bumpEpoch(r), now);
          aborted.add(r.transactionalId());
          log.info("Aborted transaction {} (producer {}) after its timeout of {} ms", r.transactionalId(),
              r.producerId(), r.timeoutMs());
        } catch (IOException | RuntimeException e) {
          log.warn("Could not abort timed-out transaction {}", r.transactionalId(), e);
        }
      }
    }
    return aborted;
  }

  /**
   * Produce-time check of a transactional batch: NONE when {@code partition} is in the producer's
   * ongoing transaction; INVALID_PRODUCER_EPOCH for an older epoch; INVALID_TXN_STATE otherwise;
   * COORDINATOR_LOAD_IN_PROGRESS (retriable) while loading.
   */
  public synchronized Errors verifyPartition(String transactionalId, long producerId, short epoch, TopicPartition partition) {
    if (!loaded) return Errors.COORDINATOR_LOAD_IN_PROGRESS;
    TxnRecord r = txns.get(transactionalId);
    if (r == null || r.producerId() != producerId) return Errors.INVALID_TXN_STATE;
    if (epoch < r.producerEpoch()) return Errors.INVALID_PRODUCER_EPOCH;
    if (r.producerEpoch() == epoch && r.state() == TxnState.ONGOING && r.partitions().contains(partition)) return Errors.NONE;
    return Errors.INVALID_TXN_STATE;
  }

  /**
   * Forgets transactional ids idle (no transaction open or completing) for longer than
   * {@code transactional.id.expiration.ms}: each is tombstoned in the state topic and its next
   * InitProducerId starts afresh with a new producer id. Returns the ids expired.
   */
  public synchronized List<String> expireTransactionalIds() {
    List<String> expired = new ArrayList<>();
    if (!loaded) return expired;
    long now = clock.milliseconds();
    for (TxnRecord r : List.copyOf(txns.values())) {
      boolean idle = r.state() == TxnState.EMPTY || r.state() == TxnState.COMPLETE_COMMIT
          || r.state() == TxnState.COMPLETE_ABORT;
      if (!idle || completing.contains(r.transactionalId())) continue;
      if (r.lastUpdateTimestamp() + config.transactionalIdExpirationMs() > now) continue;
      try {
        txnLog.append(partitionFor(r.transactionalId()), r.transactionalId(), null);
        txns.remove(r.transactionalId());
        expired.add(r.transactionalId());
      } catch (IOException | RuntimeException e) {
        log.warn("Could not expire transactional id {}", r.transactionalId(), e);
      }
    }
    if (!expired.isEmpty()) log.info("Expired {} idle transactional id(s)", expired.size());
    return expired;
  }

  // ---------------------------------------------------------------------------------------------
  // Describe / list

  /** The state of a transactional id, or null when unknown. */
  public synchronized TxnRecord describe(String transactionalId) {
    return txns.get(transactionalId);
  }

  /** Whether an open or completing transaction holds an offset of {@code partition} for {@code groupId}. */
  public synchronized boolean hasPendingOffset(String groupId, TopicPartition partition) {
    for (TxnRecord r : txns.values()) {
      for (PendingOffset o : r.pendingOffsets().getOrDefault(groupId, List.of())) {
        if (o.partition().equals(partition)) return true;
      }
    }
    return false;
  }

  /** Every transactional id's state. */
  public synchronized List<TxnRecord> list() {
    return List.copyOf(txns.values());
  }

  // ---------------------------------------------------------------------------------------------

  private void persist(TxnRecord r) throws IOException {
    txnLog.append(partitionFor(r.transactionalId()), r.transactionalId(), r);
    txns.put(r.transactionalId(), r);
  }

  private static TxnRecord withState(TxnRecord r, TxnState state, long now) {
    return new TxnRecord(r.transactionalId(), r.producerId(), r.lastProducerId(), r.producerEpoch(),
        r.lastProducerEpoch(), r.timeoutMs(), state, r.partitions(), r.pendingOffsets(), r.startTimestamp(), now);
  }

  private static boolean allWritten(Map<TopicPartition, Errors> written) {
    return written.values().stream().allMatch(e -> e == Errors.NONE || e == Errors.UNKNOWN_TOPIC_OR_PARTITION);
  }

  private static Map<TopicPartition, Errors> all(Collection<TopicPartition> partitions, Errors e) {
    Map<TopicPartition, Errors> out = new LinkedHashMap<>();
    for (TopicPartition tp : partitions) out.put(tp, e);
    return out;
  }
}
