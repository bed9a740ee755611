package dev.brook.broker;

import dev.brook.broker.api.ApiDispatcher;
import dev.brook.broker.api.DeleteRecordsHandler;
import dev.brook.broker.api.DescribeProducersHandler;
import dev.brook.broker.api.FetchHandler;
import dev.brook.broker.api.ListOffsetsHandler;
import dev.brook.broker.api.OffsetForLeaderEpochHandler;
import dev.brook.broker.cluster.MetaProperties;
import dev.brook.broker.cluster.RandomIds;
import dev.brook.broker.cluster.zk.ZkCluster;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.config.TopicConfigs;
import dev.brook.broker.metrics.BrokerMetrics;
import dev.brook.broker.replica.BrokerConnector;
import dev.brook.broker.replica.FetchSessionCache;
import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.Partition;
import dev.brook.broker.replica.ProducerIdManager;
import dev.brook.broker.replica.RecordPolicy;
import dev.brook.broker.replica.ReplicaManager;
import dev.brook.broker.storage.CleanerSettings;
import dev.brook.broker.storage.KafkaRecordCodec;
import dev.brook.storage.Clock;
import dev.brook.storage.LogDirFailureChannel;
import dev.brook.storage.LogDirs;
import dev.brook.storage.LogManager;
import java.io.IOException;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The partitions area (storage and replicas): the log directories with their background duties,
 * the replica manager and the producer id allocator. Registers Fetch, ListOffsets,
 * OffsetForLeaderEpoch, DeleteRecords and DescribeProducers on the dispatcher; adds the log
 * directories (closed last) and the replica manager to {@code toClose}.
 */
final class PartitionsWiring {
  private PartitionsWiring() {}

  /** The transaction view of a log whose partition is not open yet: nothing is stable. */
  private static final dev.brook.storage.cleaner.TransactionView NOTHING_CLEANABLE = new dev.brook.storage.cleaner.TransactionView() {
    @Override
    public long lastStableOffset() {
      return 0;
    }
  };

  /**
   * Storage and partitions: LogManager, ReplicaManager; Fetch, ListOffsets, OffsetForLeaderEpoch,
   * DeleteRecords, DescribeProducers. Owned by the replica area. Produce and InitProducerId are
   * registered by the transactions area, which verifies transactional batches and owns
   * transactional ids.
   */
  static ReplicaManager start(
      ApiDispatcher dispatcher,
      BrokerConfig config,
      Clock clock,
      AtomicReference<ProducerIdManager> producerIdsOut,
      Deque<AutoCloseable> toClose,
      dev.brook.broker.cluster.ClusterState cluster,
      java.util.concurrent.Executor background,
      BrokerMetrics metrics,
      BrokerConnector interBroker)
      throws Exception {
    checkMetaProperties(config, cluster);
    // One failure channel for every log directory: an I/O error takes its directory offline (one
    // log line), the replica manager takes that directory's partitions out of service.
    LogDirFailureChannel failures = new LogDirFailureChannel();
    LogDirs dirs = LogDirs.open(config.logDirs(), TopicConfigs.toLogConfig(config, Map.of()), clock,
        CleanerSettings.from(config), KafkaRecordCodec.INSTANCE, failures); // the cleaner reads every codec
    toClose.add(dirs); // closes last: flush, checkpoints, clean-shutdown marker (online directories)
    // Before any partition serves: where an older Brook's coordinator record layouts end.
    dev.brook.broker.recordformat.LegacyRecordBoundary.markOnUpgrade(config.logDir(), dirs.all());
    for (LogManager logs : dirs.managers()) {
      logs.startBackgroundDuties(config.getLong("log.retention.check.interval.ms"),
          config.getLong("log.flush.scheduler.interval.ms"),
          config.getInt("log.flush.offset.checkpoint.interval.ms"),
          config.getInt("log.flush.start.offset.checkpoint.interval.ms"));
    }
    // Both modes: the manager follows the controller's decisions (ClusterWiring.wire / wireLocal
    // register it as the ReplicaStateListener); a single node's cluster state is its LocalCluster.
    LocalReplicaManager replicas = new LocalReplicaManager(dirs, RecordPolicy.of(config, Map.of()), clock,
        config.getInt("producer.id.expiration.ms"), config.nodeId(), cluster, LocalReplicaManager.ReplicationSettings.from(config).withConnector(interBroker));
    toClose.add(replicas);
    for (LogManager logs : dirs.managers()) {
      wireLogDuties(logs, replicas);
    }
    FetchSessionCache sessions =
        new FetchSessionCache(config.getInt("max.incremental.fetch.session.cache.slots"), clock, RandomIds::nextInt);
    // Cluster mode: blocks of ids claimed in ZooKeeper, unique across brokers (transactional ids move).
    ProducerIdManager producerIds = cluster instanceof ZkCluster zk
        ? ProducerIdManager.fromBlocks(zk::claimProducerIdBlock, zk::producerIdFloor)
        : ProducerIdManager.open(config.logDir());
    producerIdsOut.set(producerIds); // shared with the transaction coordinator
    dispatcher.register(ApiKeys.FETCH, new FetchHandler(replicas, sessions, config.nodeId(), background,
        FetchHandler.HOT_TAIL_BYTES, metrics.topics()));
    dispatcher.register(ApiKeys.LIST_OFFSETS, new ListOffsetsHandler(replicas, background));
    dispatcher.register(ApiKeys.OFFSET_FOR_LEADER_EPOCH, new OffsetForLeaderEpochHandler(replicas));
    dispatcher.register(ApiKeys.DELETE_RECORDS, new DeleteRecordsHandler(replicas, background));
    dispatcher.register(ApiKeys.DESCRIBE_PRODUCERS, new DescribeProducersHandler(replicas));
    return replicas;
  }

  /**
   * meta.properties in every log directory, all of one node and one cluster: a directory of another
   * node or cluster is a startup error naming it (node.id / cluster.id), as in Kafka. A directory
   * without one gets one.
   */
  private static void checkMetaProperties(BrokerConfig config, dev.brook.broker.cluster.ClusterState cluster)
      throws IOException {
    String clusterId = cluster instanceof ZkCluster zk ? zk.clusterId() : config.getString("cluster.id");
    MetaProperties first = MetaProperties.loadOrCreate(config.logDir(), config.nodeId(), clusterId, RandomIds::uuid);
    for (java.nio.file.Path dir : config.logDirs().subList(1, config.logDirs().size())) {
      MetaProperties.loadOrCreate(dir, config.nodeId(), first.clusterId(), RandomIds::uuid);
    }
  }

  /** The seams between one log directory's duties and the partitions' state. */
  private static void wireLogDuties(LogManager logs, LocalReplicaManager replicas) {
    // The cleaner keeps each remembered producer's last batch; a log whose partition is not open
    // (yet) is not cleaned, since its producers are not known.
    logs.setActiveProducers(id -> replicas.partition(new TopicPartition(id.topic(), id.partition()))
        .map(Partition::lastOffsetsOfProducers)
        .orElse(null));
    // Retention moving a log start evicts the producers wholly below it, as DeleteRecords does.
    logs.setLogStartListener((id, start) -> replicas.partition(new TopicPartition(id.topic(), id.partition()))
        .ifPresent(Partition::onLogStartAdvanced));
    // The cleaner stops at each log's last stable offset (txn area); the aborted transactions whose
    // records it drops come from the log's own per-segment .txnindex files.
    logs.setTransactions(id -> replicas.partition(new org.apache.kafka.common.TopicPartition(id.topic(), id.partition()))
        .<dev.brook.storage.cleaner.TransactionView>map(p -> new dev.brook.storage.cleaner.TransactionView() {
          @Override
          public long lastStableOffset() {
            return p.lastStableOffset();
          }
        })
        .orElse(NOTHING_CLEANABLE)); // a log whose partition is not open yet: its state is unknown
  }
}
