package dev.brook.broker;

import dev.brook.broker.admin.TopicManager;
import dev.brook.broker.api.ApiDispatcher;
import dev.brook.broker.api.ElectLeadersHandler;
import dev.brook.broker.cluster.AdvertisedEndpoints;
import dev.brook.broker.cluster.BrokerEndpoint;
import dev.brook.broker.cluster.LocalCluster;
import dev.brook.broker.cluster.LocalLeaderListener;
import dev.brook.broker.cluster.LocalMetadataStore;
import dev.brook.broker.cluster.MetaProperties;
import dev.brook.broker.cluster.RandomIds;
import dev.brook.broker.cluster.ReplicaStateListener;
import dev.brook.broker.cluster.zk.ZkCluster;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.ReplicaManager;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The cluster area: in cluster mode the ZooKeeper session ({@link #connect}), on a single node the
 * local cluster of one ({@link #openLocal}); then, once the topic admin exists, who applies the
 * controller's partition states ({@link #wire} / {@link #wireLocal}). Registers ElectLeaders,
 * AlterPartitionReassignments and ListPartitionReassignments on the dispatcher; adds the ZooKeeper
 * session to {@code toClose}; {@link #openLocal} adds nothing.
 */
final class ClusterWiring {
  private ClusterWiring() {}

  /**
   * Cluster mode: the ZooKeeper session and cache (registration waits for the bound listener).
   * Owned by the cluster area.
   */
  static ZkCluster connect(BrokerConfig config, Deque<AutoCloseable> toClose) throws Exception {
    ZkCluster cluster = ZkCluster.connect(new ZkCluster.Settings(
        config.getString("zookeeper.connect"),
        config.nodeId(),
        config.getString("broker.rack"),
        config.getInt("zookeeper.session.timeout.ms"),
        config.getInt("zookeeper.connection.timeout.ms"),
        config.getBoolean("unclean.leader.election.enable"),
        config.getBoolean("auto.leader.rebalance.enable"),
        config.getLong("leader.imbalance.check.interval.seconds") * 1000,
        config.getString("cluster.id")));
    toClose.add(cluster);
    return cluster;
  }

  /**
   * Single node: a cluster of one (DESIGN.md), its topics and partition states in the local
   * metadata file; this broker is its one live broker and its controller. No ZooKeeper class loads.
   */
  static LocalCluster openLocal(BrokerConfig config, AtomicReference<AdvertisedEndpoints> bound)
      throws IOException {
    Files.createDirectories(config.logDir());
    MetaProperties meta = MetaProperties.loadOrCreate(config.logDir(), config.nodeId(), config.getString("cluster.id"),
        RandomIds::uuid);
    // A log directory Kafka used (its meta.properties was just checked like ours): its topics come
    // from Kafka's metadata log, once, before the store opens.
    dev.brook.broker.cluster.kafka.KafkaLogDirImport.importIfNeeded(config.logDir(), meta.clusterId());
    LocalMetadataStore store = LocalMetadataStore.open(config.logDir(), meta);
    AtomicReference<BrokerEndpoint> endpoint = new AtomicReference<>();
    return new LocalCluster(config.nodeId(), store, () -> {
      BrokerEndpoint e = endpoint.get();
      if (e != null) return e;
      e = advertised(config, bound).asBroker(config.nodeId(), config.getString("broker.rack"));
      if (bound.get() != null) endpoint.set(e); // final once the listener is bound
      return e;
    }, config.getBoolean("unclean.leader.election.enable"));
  }

  /**
   * Single node: the replica manager applies the local controller's partition states; topics are
   * created, grown and deleted through it; ElectLeaders and the reassignment APIs are answered by it
   * (as a one-broker Kafka answers them). Starting it makes every stored partition a leader again,
   * in a new leader epoch.
   */
  static void wireLocal(ApiDispatcher dispatcher, LocalCluster local, ReplicaManager replicas,
      TopicManager topics) throws IOException {
    LocalReplicaManager lrm = (LocalReplicaManager) replicas;
    lrm.setTopicSettings(name -> topics.topic(name)
        .map(t -> new LocalReplicaManager.TopicSettings(topics.logConfig(t), t.configs())));
    local.setListener(lrm);
    local.start(lrm::latestLogEpoch);
    dispatcher.register(ApiKeys.ELECT_LEADERS, new ElectLeadersHandler(local, topics.executor()));
    dispatcher.register(ApiKeys.ALTER_PARTITION_REASSIGNMENTS,
        new dev.brook.broker.api.AlterPartitionReassignmentsHandler(local));
    dispatcher.register(ApiKeys.LIST_PARTITION_REASSIGNMENTS,
        new dev.brook.broker.api.ListPartitionReassignmentsHandler(local, local));
  }

  /**
   * Cluster mode: who opens this broker's partitions as the controller decides (the replica manager
   * when it can follow, else {@link LocalLeaderListener}); topic config changes; ElectLeaders and
   * the partition reassignment APIs (answered by the controller).
   */
  static void wire(
      ApiDispatcher dispatcher, ZkCluster cluster, ReplicaManager replicas, TopicManager topics) {
    if (replicas instanceof LocalReplicaManager lrm) { // partitions assigned before the topic admin opened them
      lrm.setTopicSettings(name -> topics.topic(name)
          .map(t -> new LocalReplicaManager.TopicSettings(topics.logConfig(t), t.configs())));
    }
    ReplicaStateListener listener = replicas instanceof ReplicaStateListener l
        ? l : new LocalLeaderListener(cluster.localBrokerId(), replicas, topics::topic, topics::logConfig);
    cluster.setListener(listener);
    cluster.setConfigListener(topics::applyConfigs);
    dispatcher.register(ApiKeys.ELECT_LEADERS, new ElectLeadersHandler(cluster.controller(), topics.executor()));
    dispatcher.register(ApiKeys.ALTER_PARTITION_REASSIGNMENTS,
        new dev.brook.broker.api.AlterPartitionReassignmentsHandler(cluster.controller()));
    dispatcher.register(ApiKeys.LIST_PARTITION_REASSIGNMENTS,
        new dev.brook.broker.api.ListPartitionReassignmentsHandler(cluster.controller(), cluster));
  }

  /** This broker's advertised endpoints: as bound once the listeners are, as configured before. */
  static AdvertisedEndpoints advertised(BrokerConfig config, AtomicReference<AdvertisedEndpoints> bound) {
    AdvertisedEndpoints b = bound.get();
    return b != null ? b : AdvertisedEndpoints.configured(config.listenerConfig());
  }
}
