package dev.brook.broker;

import dev.brook.broker.GroupsWiring.GroupsArea;
import dev.brook.broker.admin.InternalTopicOnFirstUse;
import dev.brook.broker.admin.TopicAdmin;
import dev.brook.broker.api.AddOffsetsToTxnHandler;
import dev.brook.broker.api.AddPartitionsToTxnHandler;
import dev.brook.broker.api.ApiDispatcher;
import dev.brook.broker.api.DescribeTransactionsHandler;
import dev.brook.broker.api.EndTxnHandler;
import dev.brook.broker.api.FindCoordinatorHandler;
import dev.brook.broker.api.InitProducerIdHandler;
import dev.brook.broker.api.ListTransactionsHandler;
import dev.brook.broker.api.ProduceHandler;
import dev.brook.broker.api.RequestContext;
import dev.brook.broker.api.TxnInitProducerIdHandler;
import dev.brook.broker.api.TxnOffsetCommitHandler;
import dev.brook.broker.api.WriteTxnMarkersHandler;
import dev.brook.broker.cluster.AdvertisedEndpoints;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.group.GroupCoordinator;
import dev.brook.broker.group.GroupCoordinatorConfig;
import dev.brook.broker.group.ReplicaGroupLog;
import dev.brook.broker.metrics.BrokerMetrics;
import dev.brook.broker.metrics.CoordinatorMetrics;
import dev.brook.broker.replica.BrokerConnector;
import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.ProducerIdManager;
import dev.brook.broker.replica.ReplicaManager;
import dev.brook.broker.txn.ClusterMarkerWriter;
import dev.brook.broker.txn.LocalMarkerWriter;
import dev.brook.broker.txn.MarkerWriter;
import dev.brook.broker.txn.ReplicaTxnLog;
import dev.brook.broker.txn.TransactionCoordinator;
import dev.brook.broker.txn.TxnCoordinatorConfig;
import dev.brook.storage.Clock;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transactions area: the transaction coordinator over __transaction_state (created on first
 * use), its marker writers and timers. Registers FindCoordinator (group and transaction keys),
 * InitProducerId, Produce (which verifies transactional batches), AddPartitionsToTxn,
 * AddOffsetsToTxn, EndTxn, TxnOffsetCommit, WriteTxnMarkers, DescribeTransactions and
 * ListTransactions on the dispatcher; adds the coordinator's and loader's threads, the cluster
 * marker writer (cluster mode), and the removal of its marker and leadership listeners to
 * {@code toClose}.
 */
final class TransactionsWiring {
  private static final Logger log = LoggerFactory.getLogger(Broker.class); // log lines keep the name they had

  private TransactionsWiring() {}

  /**
   * Transactions: TransactionCoordinator over __transaction_state; InitProducerId (transactional
   * ids), AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, TxnOffsetCommit, WriteTxnMarkers,
   * DescribeTransactions, ListTransactions; FindCoordinator answers transaction
   * keys; Produce verifies transactional batches. Owned by the txn area.
   */
  static TransactionCoordinator start(
      ApiDispatcher dispatcher,
      BrokerConfig config,
      Clock clock,
      ReplicaManager replicas,
      TopicAdmin topics,
      GroupsArea groupsArea,
      ProducerIdManager producerIds,
      AtomicReference<AdvertisedEndpoints> bound,
      Deque<AutoCloseable> toClose,
      java.util.concurrent.Executor background,
      BrokerMetrics metrics,
      BrokerConnector interBroker)
      throws Exception {
    TxnCoordinatorConfig txnConfig = TxnCoordinatorConfig.from(config);
    // An existing __transaction_state keeps its partition count: ids must map where they were.
    Optional<Integer> existing = topics.partitionCount(ReplicaTxnLog.TOPIC);
    if (existing.isPresent()) txnConfig = txnConfig.withStateTopicPartitions(existing.get());
    TxnCoordinatorConfig stateConfig = txnConfig;
    GroupCoordinator groups = groupsArea.coordinator();
    LocalReplicaManager local = (LocalReplicaManager) replicas;
    // The coordinator's own thread: every state change, the state appends and the marker writes
    // start here; the waits for the in-sync replicas are delayed produces (no thread blocks).
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().name("brook-txn-coordinator").daemon().factory());
    toClose.add(timer::shutdownNow);
    // Loading a state partition reads it from disk: on its own thread, never the coordinator's.
    ExecutorService loader = Executors.newSingleThreadExecutor(
        Thread.ofPlatform().name("brook-txn-loader").daemon().factory());
    toClose.add(loader::shutdownNow);
    long appendTimeoutMs = 30_000; // Kafka's request.timeout.ms for coordinator appends and markers
    LocalMarkerWriter localMarkers = new LocalMarkerWriter(local, clock, appendTimeoutMs);
    MarkerWriter markers = localMarkers;
    if (local.cluster().isPresent()) {
      ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("brook-txn-markers").daemon().factory());
      ClusterMarkerWriter remote = new ClusterMarkerWriter(local.cluster().get(), localMarkers, sender,
          100, (int) appendTimeoutMs, interBroker);
      toClose.add(remote);
      markers = remote;
    }
    // Transactional offsets: the group's coordinator keeps them pending until the transaction's
    // marker lands on the group's __consumer_offsets partition (this broker leads it).
    // The offsets change only once the marker is replicated (Kafka completes the transaction in the
    // group coordinator after the marker's acks=all write): a marker only this leader has must not make
    // offsets visible that a new leader would not have.
    local.setMarkerListener(ReplicaGroupLog.TOPIC, (tp, producerId, commit, markerOffset) -> {
      groups.onTxnMarker(tp.partition(), producerId, commit, markerOffset);
      local.partition(tp).ifPresent(p -> dev.brook.broker.replica.DelayedProduce.park(local,
              java.util.List.of(new dev.brook.broker.replica.DelayedProduce.Pending(p, markerOffset + 1)), MARKER_REPLICATION_WAIT_MS)
          .thenAccept(errors -> {
            // Leadership lost: the next leader's load decides. Otherwise what the high watermark has
            // passed is replicated (all of the marker, or after the wait's timeout what came before it).
            if (errors.get(0) == Errors.NOT_LEADER_OR_FOLLOWER) return;
            groups.onTxnMarkersReplicated(tp.partition(), p.highWatermark());
          }));
    });
    toClose.add(() -> local.setMarkerListener(ReplicaGroupLog.TOPIC, null));
    TransactionCoordinator coordinator = new TransactionCoordinator(
        txnConfig, new ReplicaTxnLog(local, clock, appendTimeoutMs), markers, producerIds::nextProducerId, groups::partitionFor,
        tp -> tp.topic().equals(TransactionCoordinator.OFFSETS_TOPIC)
            || topics.partitionCount(tp.topic()).map(n -> tp.partition() < n).orElse(false),
        clock, timer, loader);
    CoordinatorMetrics.transactions(metrics, coordinator);
    // Loads each state partition this broker leads (now and later), unloads it on resign.
    local.addLeadershipListener(coordinator);
    toClose.add(() -> local.removeLeadershipListener(coordinator)); // before its thread stops
    // __transaction_state is created on first use (as Kafka does), so brokers without transactions
    // never pay for its partitions. In a cluster it has transaction.state.log.replication.factor
    // replicas, and appends are acknowledged by transaction.state.log.min.isr of them.
    InternalTopicOnFirstUse stateTopic = new InternalTopicOnFirstUse(
        ReplicaTxnLog.TOPIC,
        existing.isPresent(),
        first -> topics.ensureTopic(ReplicaTxnLog.TOPIC, stateConfig.stateTopicPartitions(),
            config.getInt("transaction.state.log.replication.factor"), Map.of(
            "cleanup.policy", "compact",
            "segment.bytes", Integer.toString(stateConfig.stateTopicSegmentBytes()),
            "compression.type", "producer",
            "min.insync.replicas", Integer.toString(stateTopicMinIsr(config, local))), first),
        timer);
    FindCoordinatorHandler.Serving served = FindCoordinatorHandler.Serving.of(coordinator::serves, coordinator::nextPartitionServed);
    // An id's coordinator may be found (and asked) while the topic's other partitions are still being made.
    java.util.function.Predicate<String> stateTopicReady = id -> {
      int partition = coordinator.partitionFor(id);
      return stateTopic.ensureReady(partition) || coordinator.serves(partition);
    };
    long interval = txnConfig.abortTimedOutIntervalMs();
    timer.scheduleWithFixedDelay(() -> {
      try {
        coordinator.abortTimedOutTransactions();
        coordinator.expireTransactionalIds();
      } catch (RuntimeException e) {
        log.warn("Aborting timed-out transactions failed", e);
      }
    }, interval, interval, TimeUnit.MILLISECONDS);
    // Transaction keys: the leader of the key's __transaction_state partition (contract §2).
    dispatcher.register(ApiKeys.FIND_COORDINATOR, new FindCoordinatorHandler(groupsArea.groupCoordinators(),
        FindCoordinatorHandler.partitionLeader(ReplicaTxnLog.TOPIC, coordinator::partitionFor, stateTopic, served,
            groupsArea.leaderOf())).onListener(groupsArea.onListener()));
    // Allocating an id may write the block file or claim a block in ZooKeeper: never on a network
    // thread, so idempotent producers' InitProducerId runs on the coordinator's thread too.
    InitProducerIdHandler idempotent = new InitProducerIdHandler(producerIds);
    TxnInitProducerIdHandler init = new TxnInitProducerIdHandler(coordinator,
        (ctx, r) -> CompletableFuture.supplyAsync(() -> idempotent.handle(ctx, r), timer).thenCompose(f -> f));
    dispatcher.register(ApiKeys.INIT_PRODUCER_ID, (RequestContext ctx, InitProducerIdRequestData r) -> {
      if (r.transactionalId() != null && !stateTopicReady.test(r.transactionalId())) { // being created: clients retry
        return CompletableFuture.completedFuture(new org.apache.kafka.common.message.InitProducerIdResponseData()
            .setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()).setProducerId(-1).setProducerEpoch((short) -1));
      }
      return init.handle(ctx, r);
    });
    dispatcher.register(ApiKeys.PRODUCE, new ProduceHandler(local, clock, coordinator::verifyPartition, background,
        metrics.topics()));
    dispatcher.register(ApiKeys.ADD_PARTITIONS_TO_TXN, new AddPartitionsToTxnHandler(coordinator));
    dispatcher.register(ApiKeys.ADD_OFFSETS_TO_TXN, new AddOffsetsToTxnHandler(coordinator));
    dispatcher.register(ApiKeys.END_TXN, ApiKeys.END_TXN.oldestVersion(), (short) 4, new EndTxnHandler(coordinator));
    dispatcher.register(ApiKeys.TXN_OFFSET_COMMIT,
        new TxnOffsetCommitHandler(groups, coordinator::verifyPartition, clock, GroupCoordinatorConfig.DEFAULT_OFFSET_METADATA_MAX_BYTES));
    dispatcher.register(ApiKeys.WRITE_TXN_MARKERS, new WriteTxnMarkersHandler(localMarkers));
    dispatcher.register(ApiKeys.DESCRIBE_TRANSACTIONS, new DescribeTransactionsHandler(coordinator));
    dispatcher.register(ApiKeys.LIST_TRANSACTIONS, new ListTransactionsHandler(coordinator, clock));
    return coordinator;
  }

  /**
   * How long a transaction marker on __consumer_offsets is watched for its replication before the
   * group coordinator is told what the high watermark has passed so far (a later marker's
   * replication applies the rest).
   */
  private static final long MARKER_REPLICATION_WAIT_MS = 600_000;

  /**
   * min.insync.replicas of __transaction_state: transaction.state.log.min.isr, capped at the
   * replication factor the topic gets (1 on a single node), so a replication factor of 1 still works.
   */
  private static int stateTopicMinIsr(BrokerConfig config, LocalReplicaManager local) {
    int rf = local.cluster().isPresent() ? config.getInt("transaction.state.log.replication.factor") : 1;
    return Math.max(1, Math.min(config.getInt("transaction.state.log.min.isr"), rf));
  }
}
