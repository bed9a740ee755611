package dev.brook.broker.txn;

import dev.brook.broker.coordinator.CoordinatorThread;
import dev.brook.broker.replica.LeadershipListener;
import dev.brook.storage.Clock;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * The transaction coordinator: the state machine of every transactional id ({@link TxnState},
 * enforced by {@link TxnStateMachine}), kept in {@code __transaction_state} through a {@link
 * TxnLog}, with markers written through a {@link MarkerWriter}. This class is the façade the
 * handlers and the broker see; the work is done by one class per concern: {@link TxnLoader}
 * (ownership and loading), {@link TxnStateStore} (the state and its one transition), {@link
 * ProducerEpochs} (InitProducerId, epoch bumps), {@link TxnRequests} (AddPartitions, AddOffsets,
 * EndTxn, produce-time verification), {@link MarkerCompletion} (PREPARE_* to COMPLETE_*) and
 * {@link TxnExpiry} (timeouts, id expiry).
 *
 * <p>Ownership: this broker coordinates the transactional ids whose state partition it leads
 * ({@link #onBecomeLeader}; COORDINATOR_LOAD_IN_PROGRESS while it loads) until it resigns ({@link
 * #onResign}); other ids answer NOT_COORDINATOR. The coordinator epoch of an id is the leader epoch
 * of its state partition; markers carry it.
 *
 * <p>Invariants: a state change is durable (replicated to the state partition's ISR) before it is
 * applied in memory or answered; a transaction in PREPARE_* always reaches COMPLETE_*; a producer's
 * epoch only grows. Protocol errors are returned as {@link Errors}, never thrown.
 *
 * <p>Threading: every public method may be called from any thread and never blocks on disk,
 * replication or other brokers. State changes run on the coordinator thread ({@link
 * CoordinatorThread}, the single writer of the state) and every future they return completes: a
 * failure, or a coordinator already shut down, answers COORDINATOR_NOT_AVAILABLE (retriable). The
 * read-only methods ({@link #ownership}, {@link #verifyPartition}, {@link #describe}, {@link #list})
 * read concurrent maps of immutable records and answer at once.
 *
 * <p>Consumer offsets (sendOffsetsToTransaction): AddOffsetsToTxn adds the group's
 * __consumer_offsets partition to the transaction like any partition; the group's coordinator
 * (possibly another broker) holds the offsets sent by TxnOffsetCommit, and the marker this
 * coordinator writes to that partition commits or drops them.
 */
public final class TransactionCoordinator implements LeadershipListener {
  public static final String STATE_TOPIC = "__transaction_state";
  public static final String OFFSETS_TOPIC = "__consumer_offsets";
  /**
   * How long EndTxn (after the outcome is durable) and InitProducerId (aborting an open
   * transaction) wait for markers before answering anyway; the completion goes on in the background.
   */
  static final long MARKER_WAIT_MS = 10_000;

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

  private final TxnCoordinatorConfig config;
  private final GroupPartitions groups;
  private final CoordinatorThread thread;
  private final TxnStateStore store;
  private final MarkerCompletion completion;
  private final TxnLoader loader;
  private final ProducerEpochs epochs;
  private final TxnRequests requests;
  private final TxnExpiry expiry;

  /**
   * @param executor the coordinator's thread: runs every state change, one at a time, in order
   *     (tests may pass a direct executor)
   * @param reader reads state partitions when they are loaded (may block on disk; not the
   *     coordinator's thread in a broker)
   */
  public TransactionCoordinator(
      TxnCoordinatorConfig config,
      TxnLog txnLog,
      MarkerWriter markers,
      ProducerIds producerIds,
      GroupPartitions groups,
      Predicate<TopicPartition> partitionExists,
      Clock clock,
      Executor executor,
      Executor reader) {
    this.config = config;
    this.groups = groups;
    this.thread = new CoordinatorThread("Transaction coordinator", executor);
    TxnDeadlines deadlines = new TxnDeadlines(clock);
    this.store = new TxnStateStore(config.stateTopicPartitions(), txnLog, executor, deadlines);
    this.completion = new MarkerCompletion(store, markers, clock, executor);
    this.loader = new TxnLoader(store, txnLog, completion, thread, reader);
    this.epochs = new ProducerEpochs(store, completion, producerIds, clock);
    this.requests = new TxnRequests(store, completion, partitionExists, clock);
    this.expiry = new TxnExpiry(store, epochs, deadlines, clock, config.transactionalIdExpirationMs());
  }

  /** The {@code __transaction_state} partition of a transactional id (Kafka's mapping). */
  public int partitionFor(String transactionalId) {
    return store.partitionFor(transactionalId);
  }

  /** Whether this coordinator serves the ids of state partition {@code partition} now (led and loaded). Any thread. */
  public boolean serves(int partition) {
    return store.terms().isLoaded(partition);
  }

  /** Completes when the next state partition's load is applied, so {@link #serves} may answer otherwise. */
  public java.util.concurrent.CompletableFuture<Void> nextPartitionServed() {
    return store.terms().nextLoad();
  }

  /** True when no state partition is being loaded. */
  public boolean isLoaded() {
    return !store.terms().anyLoading();
  }

  /** Tells {@code listener} how long each state partition's load took, in µs (metrics). */
  public void onLoadTime(java.util.function.LongConsumer listener) {
    store.terms().onLoadTime(listener);
  }

  /** State partitions served and loaded ({@code true}) or still loading. Any thread. */
  public int partitionCount(boolean loaded) {
    return store.terms().count(loaded);
  }

  /**
   * NONE if this broker coordinates {@code transactionalId} now; COORDINATOR_LOAD_IN_PROGRESS while
   * its state partition loads; NOT_COORDINATOR otherwise.
   */
  public Errors ownership(String transactionalId) {
    return store.ownership(transactionalId);
  }

  /** The coordinator epoch of a loaded state partition, or -1. */
  public int coordinatorEpoch(int partition) {
    return store.terms().loadedEpoch(partition);
  }

  @Override
  public void onBecomeLeader(TopicPartition tp, int leaderEpoch) {
    if (tp.topic().equals(STATE_TOPIC)) loader.lead(tp.partition(), leaderEpoch);
  }

  @Override
  public void onResign(TopicPartition tp) {
    if (tp.topic().equals(STATE_TOPIC)) loader.resign(tp.partition());
  }

  /**
   * Loads every state partition at coordinator epoch 0 (a single node without leadership events:
   * tests). Returns once loaded when the executors run tasks at once, else once queued.
   */
  public void load() {
    for (int p = 0; p < config.stateTopicPartitions(); p++) loader.lead(p, 0);
  }

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
    return thread.call(() -> epochs.init(transactionalId, timeoutMs, expectedProducerId, expectedEpoch),
        e -> InitResult.error(Errors.COORDINATOR_NOT_AVAILABLE));
  }

  /**
   * AddPartitionsToTxn for one transaction. With {@code verifyOnly} nothing changes: each partition
   * answers NONE if it is in the ongoing transaction, else INVALID_TXN_STATE.
   */
  public CompletableFuture<Map<TopicPartition, Errors>> addPartitions(
      String transactionalId, long producerId, short epoch, Collection<TopicPartition> partitions, boolean verifyOnly) {
    Errors pre = requests.checkProducer(transactionalId, producerId, epoch);
    if (pre != Errors.NONE) return done(TxnRequests.all(partitions, pre));
    if (verifyOnly) return done(requests.verifyOnly(transactionalId, partitions));
    return thread.call(() -> requests.addPartitions(transactionalId, producerId, epoch, partitions),
        e -> TxnRequests.all(partitions, Errors.COORDINATOR_NOT_AVAILABLE));
  }

  /** AddOffsetsToTxn: adds the group's __consumer_offsets partition to the transaction. */
  public CompletableFuture<Errors> addOffsets(String transactionalId, long producerId, short epoch, String groupId) {
    if (groupId == null || groupId.isEmpty()) return done(Errors.INVALID_GROUP_ID);
    TopicPartition tp = new TopicPartition(OFFSETS_TOPIC, groups.partitionFor(groupId));
    return addPartitions(transactionalId, producerId, epoch, List.of(tp), false).thenApply(m -> m.get(tp));
  }

  /**
   * EndTxn. The future completes NONE once the outcome (PREPARE_*) is durable and the transaction
   * is complete, or, when its markers take longer, after a bounded wait (the completion goes on in
   * the background; the producer's next request gets CONCURRENT_TRANSACTIONS until it is done).
   */
  public CompletableFuture<Errors> endTransaction(String transactionalId, long producerId, short epoch, boolean commit) {
    Errors pre = requests.checkProducer(transactionalId, producerId, epoch);
    if (pre != Errors.NONE) return done(pre);
    return thread.call(() -> requests.endTransaction(transactionalId, producerId, epoch, commit),
        e -> Errors.COORDINATOR_NOT_AVAILABLE);
  }

  /** Retries the completion of prepared transactions whose markers failed before. */
  public void retryIncomplete() {
    thread.run(completion::retryIncomplete);
  }

  /**
   * Aborts every ongoing transaction open longer than its timeout, at a bumped epoch so that the
   * producer that left it open is fenced. Run every
   * {@code transaction.abort.timed.out.transaction.cleanup.interval.ms}; also retries incomplete
   * transactions. The future has the ids whose abort was started, once they are complete (or failed).
   */
  public CompletableFuture<List<String>> abortTimedOutTransactions() {
    retryIncomplete();
    return thread.call(expiry::abortTimedOut, e -> List.of());
  }

  /**
   * Forgets transactional ids idle (no transaction open or completing) for longer than
   * {@code transactional.id.expiration.ms}: each is tombstoned in the state topic and its next
   * InitProducerId starts afresh with a new producer id. The future has the ids expired.
   */
  public CompletableFuture<List<String>> expireTransactionalIds() {
    return thread.call(expiry::expireIds, e -> List.of());
  }

  /**
   * Produce-time check of a transactional batch: NONE when {@code partition} is in the producer's
   * ongoing transaction; INVALID_PRODUCER_EPOCH for an older epoch; INVALID_TXN_STATE otherwise;
   * COORDINATOR_LOAD_IN_PROGRESS (retriable) while loading; NONE for an id coordinated elsewhere.
   * Any thread; never blocks.
   */
  public Errors verifyPartition(String transactionalId, long producerId, short epoch, TopicPartition partition) {
    return requests.verifyPartition(transactionalId, producerId, epoch, partition);
  }

  /** The state of a transactional id coordinated here, or null when unknown. */
  public TxnRecord describe(String transactionalId) {
    return store.get(transactionalId);
  }

  /** Every transactional id's state, of the partitions coordinated here. */
  public List<TxnRecord> list() {
    return store.all();
  }

  private static <T> CompletableFuture<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
