package dev.brook.broker.txn;

import dev.brook.broker.replica.LeadershipListener;
import dev.brook.storage.Clock;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.Supplier;
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
 * <p>Ownership: this broker coordinates the transactional ids whose state partition it leads. A
 * partition is loaded when this broker becomes its leader ({@link #onBecomeLeader}; requests for its
 * ids get COORDINATOR_LOAD_IN_PROGRESS meanwhile) and dropped when it stops leading ({@link
 * #onResign}); ids of partitions not loaded here get NOT_COORDINATOR. The coordinator epoch of an id
 * is the leader epoch of its state partition; markers carry it.
 *
 * <p>Invariants: a state change is durable (replicated to the state partition's ISR) before it is
 * applied in memory or answered; a transaction in PREPARE_* always reaches COMPLETE_* (retried after
 * marker failures, completed by the next leader of its partition after a failover); a producer's
 * epoch only grows, so an older instance is fenced (PRODUCER_FENCED) by every request after a newer
 * InitProducerId. Protocol errors are returned as {@link Errors}, never thrown.
 *
 * <p>Threading: every public method may be called from any thread and never blocks on disk,
 * replication or other brokers: state changes run on the coordinator's executor (one thread: the
 * single writer of the state) and answer futures; an id with a change in flight answers
 * CONCURRENT_TRANSACTIONS. The read-only methods ({@link #verifyPartition}, {@link #describe}, ...)
 * read a concurrent map.
 *
 * <p>Consumer offsets (sendOffsetsToTransaction): AddOffsetsToTxn adds the group's
 * __consumer_offsets partition to the transaction like any partition; the group's coordinator
 * (possibly another broker) holds the offsets sent by TxnOffsetCommit, and the marker this
 * coordinator writes to that partition commits or drops them.
 */
public final class TransactionCoordinator implements LeadershipListener {
  private static final Logger log = LoggerFactory.getLogger(TransactionCoordinator.class);
  public static final String STATE_TOPIC = "__transaction_state";
  /**
   * How long EndTxn (after the outcome is durable) and InitProducerId (aborting an open
   * transaction) wait for markers before answering anyway; the completion goes on in the background.
   */
  private static final long MARKER_WAIT_MS = 10_000;

  /** Hands out producer ids unique across restarts (and brokers, in a cluster). */
  @FunctionalInterface
  public interface ProducerIds {
    long next() throws IOException;
  }

  /** Where a group's offsets live: its partition of __consumer_offsets. */
  @FunctionalInterface
  public interface GroupPartitions {
    int partitionFor(String groupId);
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
  private final GroupPartitions groups;
  private final Predicate<TopicPartition> partitionExists;
  private final Clock clock;
  private final Executor executor;
  /** The state of every id of a loaded partition. Written on the executor only. */
  private final Map<String, TxnRecord> txns = new ConcurrentHashMap<>();
  /** Ids with a state change or a completion in flight. Added on the executor only. */
  private final Set<String> busy = ConcurrentHashMap.newKeySet();
  /** Loaded state partitions and their coordinator epoch. */
  private final Map<Integer, Integer> owned = new ConcurrentHashMap<>();
  /** State partitions being loaded, with the token of the load that may finish. */
  private final Map<Integer, Long> loading = new ConcurrentHashMap<>();
  private final AtomicLong loadTokens = new AtomicLong();

  /**
   * @param executor the coordinator's thread: runs every state change, in order (tests may pass a
   *     direct executor)
   */
  public TransactionCoordinator(
      TxnCoordinatorConfig config,
      TxnLog txnLog,
      MarkerWriter markers,
      ProducerIds producerIds,
      GroupPartitions groups,
      Predicate<TopicPartition> partitionExists,
      Clock clock,
      Executor executor) {
    this.config = config;
    this.txnLog = txnLog;
    this.markers = markers;
    this.producerIds = producerIds;
    this.groups = groups;
    this.partitionExists = partitionExists;
    this.clock = clock;
    this.executor = executor;
  }

  /** The {@code __transaction_state} partition of a transactional id (Kafka's mapping). */
  public int partitionFor(String transactionalId) {
    return Utils.abs(transactionalId.hashCode()) % config.stateTopicPartitions();
  }

  /** True when no state partition is being loaded. */
  public boolean isLoaded() {
    return loading.isEmpty();
  }

  /**
   * NONE if this broker coordinates {@code transactionalId} now; COORDINATOR_LOAD_IN_PROGRESS while
   * its state partition loads; NOT_COORDINATOR otherwise.
   */
  public Errors ownership(String transactionalId) {
    int p = partitionFor(transactionalId);
    if (loading.containsKey(p)) return Errors.COORDINATOR_LOAD_IN_PROGRESS;
    return owned.containsKey(p) ? Errors.NONE : Errors.NOT_COORDINATOR;
  }

  /** The coordinator epoch of a loaded state partition, or -1. */
  public int coordinatorEpoch(int partition) {
    return owned.getOrDefault(partition, -1);
  }

  // ---------------------------------------------------------------------------------------------
  // Loading and unloading

  @Override
  public void onBecomeLeader(TopicPartition tp, int leaderEpoch) {
    if (!tp.topic().equals(STATE_TOPIC)) return;
    int p = tp.partition();
    long token = loadTokens.incrementAndGet();
    loading.put(p, token);
    owned.remove(p);
    run(() -> load(p, leaderEpoch, token));
  }

  @Override
  public void onResign(TopicPartition tp) {
    if (!tp.topic().equals(STATE_TOPIC)) return;
    int p = tp.partition();
    loading.remove(p);
    if (owned.remove(p) != null) log.info("No longer coordinating the transactional ids of {}", tp);
    run(() -> {
      if (!owned.containsKey(p)) dropPartition(p);
    });
  }

  /**
   * Loads every state partition at coordinator epoch 0 (a single node without leadership events:
   * tests). Returns once loaded when the executor runs tasks at once, else once queued.
   */
  public void load() {
    for (int p = 0; p < config.stateTopicPartitions(); p++) onBecomeLeader(new TopicPartition(STATE_TOPIC, p), 0);
  }

  /** On the executor: reads a state partition, takes its ids, completes its prepared transactions. */
  private void load(int p, int epoch, long token) {
    if (!Objects.equals(loading.get(p), token)) return; // resigned or re-led meanwhile
    Map<String, TxnRecord> read;
    try {
      read = txnLog.read(p);
    } catch (IOException | RuntimeException e) {
      log.error("Loading {}-{} failed; its transactional ids get COORDINATOR_LOAD_IN_PROGRESS", STATE_TOPIC, p, e);
      return;
    }
    dropPartition(p);
    txns.putAll(read);
    if (!loading.remove(p, token)) {
      dropPartition(p);
      return;
    }
    owned.put(p, epoch);
    List<TxnRecord> prepared = new ArrayList<>();
    for (TxnRecord r : read.values()) {
      if (r.state().isPrepare() && !busy.contains(r.transactionalId())) prepared.add(r);
    }
    log.info("Coordinating the {} transactional id(s) of {}-{} at coordinator epoch {} ({} prepared)", read.size(),
        STATE_TOPIC, p, epoch, prepared.size());
    for (TxnRecord r : prepared) {
      log.info("Completing transaction {} found in {}", r.transactionalId(), r.state());
      withBusy(r.transactionalId(), () -> complete(r, epoch));
    }
  }

  private void dropPartition(int p) {
    txns.keySet().removeIf(id -> partitionFor(id) == p);
  }

  // ---------------------------------------------------------------------------------------------
  // InitProducerId

  /**
   * InitProducerId with a transactional id. {@code expectedProducerId}/{@code expectedEpoch} are -1
   * for a new producer instance, or the producer's current id and epoch when it asks for an epoch
   * bump after an abortable error (KIP-360). An open transaction is aborted first, at a bumped epoch.
   */
  public CompletableFuture<InitResult> initProducerId(
      String transactionalId, int timeoutMs, long expectedProducerId, short expectedEpoch) {
    if (transactionalId == null || transactionalId.isEmpty()) return done(InitResult.error(Errors.INVALID_REQUEST));
    if (timeoutMs <= 0 || timeoutMs > config.maxTimeoutMs()) return done(InitResult.error(Errors.INVALID_TRANSACTION_TIMEOUT));
    Errors own = ownership(transactionalId);
    if (own != Errors.NONE) return done(InitResult.error(own));
    return onExecutor(() -> {
      Errors error = ownedNotBusy(transactionalId);
      if (error != Errors.NONE) return done(InitResult.error(error));
      // Aborting an open transaction may wait on markers for long (a partition without a leader):
      // the answer is then CONCURRENT_TRANSACTIONS (clients retry) while the abort goes on.
      CompletableFuture<InitResult> answer = new CompletableFuture<>();
      withBusy(transactionalId, () -> init(transactionalId, timeoutMs, expectedProducerId, expectedEpoch))
          .whenComplete((r, e) -> answer.complete(e == null ? r : InitResult.error(Errors.COORDINATOR_NOT_AVAILABLE)));
      return answer.completeOnTimeout(InitResult.error(Errors.CONCURRENT_TRANSACTIONS), MARKER_WAIT_MS, TimeUnit.MILLISECONDS);
    }, InitResult.error(Errors.COORDINATOR_NOT_AVAILABLE));
  }

  private CompletableFuture<InitResult> init(String id, int timeoutMs, long expectedProducerId, short expectedEpoch) {
    int epoch = coordinatorEpoch(partitionFor(id));
    long now = clock.milliseconds();
    TxnRecord r = txns.get(id);
    try {
      if (r == null || r.state() == TxnState.DEAD) {
        r = new TxnRecord(id, producerIds.next(), -1, (short) -1, (short) -1, timeoutMs, TxnState.EMPTY,
            Set.of(), -1, now);
        return bumpToEmpty(r, timeoutMs, epoch);
      }
      if (r.state().isPrepare()) return done(InitResult.error(Errors.CONCURRENT_TRANSACTIONS));
      if (expectedProducerId >= 0) {
        boolean current = r.producerId() == expectedProducerId && r.producerEpoch() == expectedEpoch;
        boolean retry = r.state() == TxnState.EMPTY
            && r.lastProducerEpoch() == expectedEpoch
            && (r.producerId() == expectedProducerId || r.lastProducerId() == expectedProducerId);
        if (retry) return done(new InitResult(Errors.NONE, r.producerId(), r.producerEpoch()));
        if (!current) return done(InitResult.error(Errors.PRODUCER_FENCED));
      }
      if (r.state() != TxnState.ONGOING) return bumpToEmpty(r, timeoutMs, epoch);
      // A new instance (or a bump) fences the open transaction: abort it at a higher epoch first.
      TxnRecord prepare = withState(bumpEpoch(r), TxnState.PREPARE_ABORT, now);
      return persist(prepare, epoch)
          .thenCompose(e -> e != Errors.NONE ? done(e) : complete(prepare, epoch))
          .thenCompose(e -> {
            if (e != Errors.NONE) return done(InitResult.error(e == Errors.NOT_COORDINATOR ? e : Errors.CONCURRENT_TRANSACTIONS));
            try {
              return bumpToEmpty(txns.get(id), timeoutMs, epoch);
            } catch (IOException | RuntimeException ex) {
              return done(initFailed(id, ex));
            }
          });
    } catch (IOException | RuntimeException e) {
      return done(initFailed(id, e));
    }
  }

  private static InitResult initFailed(String id, Exception e) {
    log.warn("InitProducerId for {} failed", id, e);
    return InitResult.error(Errors.COORDINATOR_NOT_AVAILABLE);
  }

  /** The next epoch in state EMPTY, stored; on the executor. */
  private CompletableFuture<InitResult> bumpToEmpty(TxnRecord r, int timeoutMs, int epoch) throws IOException {
    TxnRecord b = bumpEpoch(r);
    TxnRecord next = new TxnRecord(b.transactionalId(), b.producerId(), b.lastProducerId(), b.producerEpoch(),
        b.lastProducerEpoch(), timeoutMs, TxnState.EMPTY, Set.of(), -1, clock.milliseconds());
    return persist(next, epoch).thenApply(e -> e != Errors.NONE
        ? InitResult.error(e)
        : new InitResult(Errors.NONE, next.producerId(), next.producerEpoch()));
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
        r.partitions(), r.startTimestamp(), r.lastUpdateTimestamp());
  }

  // ---------------------------------------------------------------------------------------------
  // AddPartitionsToTxn / AddOffsetsToTxn

  /**
   * AddPartitionsToTxn for one transaction. With {@code verifyOnly} nothing changes: each partition
   * answers NONE if it is in the ongoing transaction, else INVALID_TXN_STATE.
   */
  public CompletableFuture<Map<TopicPartition, Errors>> addPartitions(
      String transactionalId, long producerId, short epoch, Collection<TopicPartition> partitions, boolean verifyOnly) {
    Errors pre = checkProducer(transactionalId, producerId, epoch);
    if (pre != Errors.NONE) return done(all(partitions, pre));
    if (verifyOnly) {
      TxnRecord r = txns.get(transactionalId);
      Map<TopicPartition, Errors> out = new LinkedHashMap<>();
      for (TopicPartition tp : partitions) {
        out.put(tp, r != null && r.state() == TxnState.ONGOING && r.partitions().contains(tp) ? Errors.NONE : Errors.INVALID_TXN_STATE);
      }
      return done(out);
    }
    return onExecutor(() -> {
      Errors error = checkProducer(transactionalId, producerId, epoch);
      if (error == Errors.NONE) error = notBusyOrPrepared(transactionalId);
      if (error != Errors.NONE) return done(all(partitions, error));
      return withBusy(transactionalId, () -> add(transactionalId, partitions));
    }, all(partitions, Errors.COORDINATOR_NOT_AVAILABLE));
  }

  private CompletableFuture<Map<TopicPartition, Errors>> add(String id, Collection<TopicPartition> partitions) {
    TxnRecord r = txns.get(id);
    Set<TopicPartition> unknown = new HashSet<>();
    for (TopicPartition tp : partitions) {
      if (!partitionExists.test(tp)) unknown.add(tp);
    }
    if (!unknown.isEmpty()) {
      Map<TopicPartition, Errors> out = new LinkedHashMap<>();
      for (TopicPartition tp : partitions) {
        out.put(tp, unknown.contains(tp) ? Errors.UNKNOWN_TOPIC_OR_PARTITION : Errors.OPERATION_NOT_ATTEMPTED);
      }
      return done(out);
    }
    if (r.state() == TxnState.ONGOING && r.partitions().containsAll(partitions)) return done(all(partitions, Errors.NONE));
    long now = clock.milliseconds();
    Set<TopicPartition> union = new LinkedHashSet<>(r.state() == TxnState.ONGOING ? r.partitions() : Set.of());
    union.addAll(partitions);
    TxnRecord next = new TxnRecord(id, r.producerId(), r.lastProducerId(), r.producerEpoch(),
        r.lastProducerEpoch(), r.timeoutMs(), TxnState.ONGOING, Set.copyOf(union),
        r.state() == TxnState.ONGOING ? r.startTimestamp() : now, now);
    return persist(next, coordinatorEpoch(partitionFor(id))).thenApply(e -> all(partitions, e));
  }

  /** AddOffsetsToTxn: adds the group's __consumer_offsets partition to the transaction. */
  public CompletableFuture<Errors> addOffsets(String transactionalId, long producerId, short epoch, String groupId) {
    if (groupId == null || groupId.isEmpty()) return done(Errors.INVALID_GROUP_ID);
    TopicPartition tp = new TopicPartition(OFFSETS_TOPIC, groups.partitionFor(groupId));
    return addPartitions(transactionalId, producerId, epoch, List.of(tp), false).thenApply(m -> m.get(tp));
  }

  /**
   * NONE if the producer is the current instance of the transactional id: else
   * NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS, INVALID_PRODUCER_ID_MAPPING (unknown id or
   * producer id) or PRODUCER_FENCED (another epoch). Any thread.
   */
  private Errors checkProducer(String transactionalId, long producerId, short epoch) {
    if (transactionalId == null || transactionalId.isEmpty()) return Errors.INVALID_REQUEST;
    Errors own = ownership(transactionalId);
    if (own != Errors.NONE) return own;
    TxnRecord r = txns.get(transactionalId);
    if (r == null || r.state() == TxnState.DEAD || r.producerId() != producerId) return Errors.INVALID_PRODUCER_ID_MAPPING;
    if (r.producerEpoch() != epoch) return Errors.PRODUCER_FENCED;
    return Errors.NONE;
  }

  /** On the executor: NONE if the id is owned here and no change of it is in flight. */
  private Errors ownedNotBusy(String id) {
    Errors own = ownership(id);
    if (own != Errors.NONE) return own;
    return busy.contains(id) ? Errors.CONCURRENT_TRANSACTIONS : Errors.NONE;
  }

  /** On the executor: CONCURRENT_TRANSACTIONS while a change is in flight or the transaction completes. */
  private Errors notBusyOrPrepared(String id) {
    TxnRecord r = txns.get(id);
    return busy.contains(id) || r.state().isPrepare() ? Errors.CONCURRENT_TRANSACTIONS : Errors.NONE;
  }

  // ---------------------------------------------------------------------------------------------
  // EndTxn

  /**
   * EndTxn. The future completes NONE once the outcome (PREPARE_*) is durable and the transaction
   * is complete, or, when its markers take longer, after a bounded wait (the completion goes on in
   * the background; the producer's next request gets CONCURRENT_TRANSACTIONS until it is done).
   */
  public CompletableFuture<Errors> endTransaction(String transactionalId, long producerId, short epoch, boolean commit) {
    Errors pre = checkProducer(transactionalId, producerId, epoch);
    if (pre != Errors.NONE) return done(pre);
    return onExecutor(() -> {
      Errors error = checkProducer(transactionalId, producerId, epoch);
      if (error == Errors.NONE && busy.contains(transactionalId)) error = Errors.CONCURRENT_TRANSACTIONS;
      if (error != Errors.NONE) return done(error);
      TxnRecord r = txns.get(transactionalId);
      Errors byState = switch (r.state()) {
        case ONGOING -> null;
        case COMPLETE_COMMIT -> commit ? Errors.NONE : Errors.INVALID_TXN_STATE;
        case COMPLETE_ABORT -> commit ? Errors.INVALID_TXN_STATE : Errors.NONE;
        case PREPARE_COMMIT -> commit ? Errors.CONCURRENT_TRANSACTIONS : Errors.INVALID_TXN_STATE;
        case PREPARE_ABORT -> commit ? Errors.INVALID_TXN_STATE : Errors.CONCURRENT_TRANSACTIONS;
        case EMPTY -> Errors.INVALID_TXN_STATE;
        case DEAD -> Errors.INVALID_PRODUCER_ID_MAPPING;
      };
      if (byState != null) return done(byState);
      int coordinatorEpoch = coordinatorEpoch(partitionFor(transactionalId));
      TxnRecord prepare = withState(r, commit ? TxnState.PREPARE_COMMIT : TxnState.PREPARE_ABORT, clock.milliseconds());
      CompletableFuture<Errors> answer = new CompletableFuture<>();
      withBusy(transactionalId, () -> persist(prepare, coordinatorEpoch).thenCompose(e -> {
        if (e != Errors.NONE) return done(e);
        answer.completeOnTimeout(Errors.NONE, MARKER_WAIT_MS, TimeUnit.MILLISECONDS);
        return complete(prepare, coordinatorEpoch).thenApply(x -> Errors.NONE);
      })).whenComplete((e, ex) -> answer.complete(ex == null ? e : Errors.COORDINATOR_NOT_AVAILABLE));
      return answer;
    }, Errors.COORDINATOR_NOT_AVAILABLE);
  }

  /**
   * Drives a prepared transaction to COMPLETE_*: markers (the groups' offsets commit or abort with
   * them), then the COMPLETE record. NONE once complete; on failure it stays prepared (retried by {@link
   * #retryIncomplete}). On the executor; the caller holds the id busy.
   */
  private CompletableFuture<Errors> complete(TxnRecord prepare, int coordinatorEpoch) {
    boolean commit = prepare.state() == TxnState.PREPARE_COMMIT;
    int p = partitionFor(prepare.transactionalId());
    CompletableFuture<Map<TopicPartition, Errors>> written;
    try {
      written = markers.write(prepare.producerId(), prepare.producerEpoch(), coordinatorEpoch, commit,
          prepare.partitions(), () -> isCurrent(p, coordinatorEpoch));
    } catch (RuntimeException e) {
      written = CompletableFuture.failedFuture(e);
    }
    return written
        .exceptionally(e -> {
          log.warn("Writing markers of {} failed", prepare.transactionalId(), e);
          return Map.of(new TopicPartition(OFFSETS_TOPIC, -1), Errors.UNKNOWN_SERVER_ERROR);
        })
        .thenComposeAsync(w -> {
          if (!isCurrent(p, coordinatorEpoch)) return done(Errors.NOT_COORDINATOR);
          if (!allWritten(w)) {
            log.warn("Markers of {} not all written ({}); will retry", prepare.transactionalId(), w);
            return done(Errors.COORDINATOR_NOT_AVAILABLE);
          }
          return persist(completed(prepare), coordinatorEpoch);
        }, executor);
  }

  private TxnRecord completed(TxnRecord prepare) {
    TxnState done = prepare.state() == TxnState.PREPARE_COMMIT ? TxnState.COMPLETE_COMMIT : TxnState.COMPLETE_ABORT;
    return new TxnRecord(prepare.transactionalId(), prepare.producerId(), prepare.lastProducerId(),
        prepare.producerEpoch(), prepare.lastProducerEpoch(), prepare.timeoutMs(), done, Set.of(),
        prepare.startTimestamp(), clock.milliseconds());
  }

  /** Retries the completion of prepared transactions whose markers failed before. */
  public void retryIncomplete() {
    run(() -> {
      for (TxnRecord r : List.copyOf(txns.values())) {
        Integer epoch = owned.get(partitionFor(r.transactionalId()));
        if (epoch == null || !r.state().isPrepare() || busy.contains(r.transactionalId())) continue;
        withBusy(r.transactionalId(), () -> complete(r, epoch));
      }
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Timeouts

  /**
   * Aborts every ongoing transaction open longer than its timeout, at a bumped epoch so that the
   * producer that left it open is fenced. Run every
   * {@code transaction.abort.timed.out.transaction.cleanup.interval.ms}; also retries incomplete
   * transactions. The future has the ids whose abort was started, once they are complete (or failed).
   */
  public CompletableFuture<List<String>> abortTimedOutTransactions() {
    retryIncomplete();
    return onExecutor(() -> {
      List<String> aborted = new ArrayList<>();
      List<CompletableFuture<Errors>> aborts = new ArrayList<>();
      long now = clock.milliseconds();
      for (TxnRecord r : List.copyOf(txns.values())) {
        Integer epoch = owned.get(partitionFor(r.transactionalId()));
        if (epoch == null || r.state() != TxnState.ONGOING || busy.contains(r.transactionalId())) continue;
        if (r.startTimestamp() + r.timeoutMs() > now) continue;
        TxnRecord prepare;
        try {
          prepare = withState(bumpEpoch(r), TxnState.PREPARE_ABORT, now);
        } catch (IOException | RuntimeException e) {
          log.warn("Could not abort timed-out transaction {}", r.transactionalId(), e);
          continue;
        }
        aborted.add(r.transactionalId());
        log.info("Aborting transaction {} (producer {}) after its timeout of {} ms", r.transactionalId(),
            r.producerId(), r.timeoutMs());
        aborts.add(withBusy(r.transactionalId(), () -> persist(prepare, epoch)
            .thenCompose(e -> e != Errors.NONE ? done(e) : complete(prepare, epoch))));
      }
      return CompletableFuture.allOf(aborts.toArray(CompletableFuture[]::new)).thenApply(v -> aborted);
    }, List.of());
  }

  /**
   * Produce-time check of a transactional batch: NONE when {@code partition} is in the producer's
   * ongoing transaction; INVALID_PRODUCER_EPOCH for an older epoch; INVALID_TXN_STATE otherwise;
   * COORDINATOR_LOAD_IN_PROGRESS (retriable) while loading. A batch of a transactional id this
   * broker does not coordinate is not verified here (NONE): its coordinator is another broker, as
   * in Kafka without transaction.partition.verification. Any thread; never blocks.
   */
  public Errors verifyPartition(String transactionalId, long producerId, short epoch, TopicPartition partition) {
    Errors own = ownership(transactionalId);
    if (own == Errors.NOT_COORDINATOR) return Errors.NONE;
    if (own != Errors.NONE) return own;
    TxnRecord r = txns.get(transactionalId);
    if (r == null || r.producerId() != producerId) return Errors.INVALID_TXN_STATE;
    if (epoch < r.producerEpoch()) return Errors.INVALID_PRODUCER_EPOCH;
    if (r.producerEpoch() == epoch && r.state() == TxnState.ONGOING && r.partitions().contains(partition)) return Errors.NONE;
    return Errors.INVALID_TXN_STATE;
  }

  /**
   * Forgets transactional ids idle (no transaction open or completing) for longer than
   * {@code transactional.id.expiration.ms}: each is tombstoned in the state topic and its next
   * InitProducerId starts afresh with a new producer id. The future has the ids expired.
   */
  public CompletableFuture<List<String>> expireTransactionalIds() {
    return onExecutor(() -> {
      List<String> expired = new ArrayList<>();
      List<CompletableFuture<Void>> tombstones = new ArrayList<>();
      long now = clock.milliseconds();
      for (TxnRecord r : List.copyOf(txns.values())) {
        String id = r.transactionalId();
        int p = partitionFor(id);
        Integer epoch = owned.get(p);
        boolean idle = r.state() == TxnState.EMPTY || r.state() == TxnState.COMPLETE_COMMIT
            || r.state() == TxnState.COMPLETE_ABORT;
        if (epoch == null || !idle || busy.contains(id)) continue;
        if (r.lastUpdateTimestamp() + config.transactionalIdExpirationMs() > now) continue;
        tombstones.add(withBusy(id, () -> append(p, id, null).handleAsync((v, e) -> {
          if (e != null) {
            log.warn("Could not expire transactional id {}", id, unwrap(e));
          } else if (isCurrent(p, epoch)) {
            txns.remove(id);
            synchronized (expired) {
              expired.add(id);
            }
          }
          return null;
        }, executor)));
      }
      return CompletableFuture.allOf(tombstones.toArray(CompletableFuture[]::new)).thenApply(v -> {
        if (!expired.isEmpty()) log.info("Expired {} idle transactional id(s)", expired.size());
        return expired;
      });
    }, List.of());
  }

  // ---------------------------------------------------------------------------------------------
  // Describe / list

  /** The state of a transactional id coordinated here, or null when unknown. */
  public TxnRecord describe(String transactionalId) {
    return txns.get(transactionalId);
  }

  /** Every transactional id's state, of the partitions coordinated here. */
  public List<TxnRecord> list() {
    return List.copyOf(txns.values());
  }

  // ---------------------------------------------------------------------------------------------

  private boolean isCurrent(int partition, int coordinatorEpoch) {
    Integer e = owned.get(partition);
    return e != null && e == coordinatorEpoch;
  }

  /**
   * Appends {@code r} and, once durable and if the partition is still coordinated here at {@code
   * coordinatorEpoch}, applies it in memory (on the executor). NONE, NOT_COORDINATOR, or
   * COORDINATOR_NOT_AVAILABLE (the append failed: the client retries).
   */
  private CompletableFuture<Errors> persist(TxnRecord r, int coordinatorEpoch) {
    String id = r.transactionalId();
    int p = partitionFor(id);
    return append(p, id, r).handleAsync((v, e) -> {
      if (!isCurrent(p, coordinatorEpoch)) return Errors.NOT_COORDINATOR;
      if (e != null) {
        Throwable cause = unwrap(e);
        Errors error = Errors.forException(cause);
        log.warn("State change of {} to {} could not be stored: {}", id, r.state(), cause.toString());
        return error == Errors.NOT_LEADER_OR_FOLLOWER || error == Errors.NOT_COORDINATOR
            ? Errors.NOT_COORDINATOR : Errors.COORDINATOR_NOT_AVAILABLE;
      }
      txns.put(id, r);
      return Errors.NONE;
    }, executor);
  }

  private CompletableFuture<Void> append(int p, String id, TxnRecord r) {
    try {
      return txnLog.append(p, id, r);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Runs {@code op} with {@code id} busy (on the executor); frees it when the op's future completes.
   * The future returned completes after the id is free.
   */
  private <T> CompletableFuture<T> withBusy(String id, Supplier<CompletableFuture<T>> op) {
    busy.add(id);
    CompletableFuture<T> f;
    try {
      f = op.get();
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    return f.whenComplete((v, e) -> {
      if (e != null) log.error("Transaction operation on {} failed", id, unwrap(e));
      busy.remove(id);
    });
  }

  /** Runs {@code op} on the executor; the answer is {@code onRejected} if the coordinator is shut down. */
  private <T> CompletableFuture<T> onExecutor(Supplier<CompletableFuture<T>> op, T onFailure) {
    CompletableFuture<T> out = new CompletableFuture<>();
    Runnable task = () -> {
      CompletableFuture<T> f;
      try {
        f = op.get();
      } catch (RuntimeException e) {
        log.error("Transaction coordinator operation failed", e);
        f = done(onFailure);
      }
      f.whenComplete((v, e) -> {
        if (e != null) log.error("Transaction coordinator operation failed", unwrap(e));
        out.complete(e == null ? v : onFailure);
      });
    };
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      out.complete(onFailure);
    }
    return out;
  }

  private void run(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      log.debug("Transaction coordinator is shut down; task dropped");
    }
  }

  private static Throwable unwrap(Throwable e) {
    return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
  }

  private static <T> CompletableFuture<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }

  private static TxnRecord withState(TxnRecord r, TxnState state, long now) {
    return new TxnRecord(r.transactionalId(), r.producerId(), r.lastProducerId(), r.producerEpoch(),
        r.lastProducerEpoch(), r.timeoutMs(), state, r.partitions(), r.startTimestamp(), now);
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
