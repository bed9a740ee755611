package dev.brook.broker;

import dev.brook.broker.admin.TopicAdmin;
import dev.brook.broker.admin.TopicManager;
import dev.brook.broker.api.ApiDispatcher;
import dev.brook.broker.api.TopicApis;
import dev.brook.broker.cluster.AdvertisedEndpoints;
import dev.brook.broker.cluster.LocalCluster;
import dev.brook.broker.cluster.MetaProperties;
import dev.brook.broker.cluster.MetadataStore;
import dev.brook.broker.cluster.RandomIds;
import dev.brook.broker.cluster.zk.ZkCluster;
import dev.brook.broker.cluster.zk.ZkMetadataStore;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.quota.ClientQuotas;
import dev.brook.broker.replica.ReplicaManager;
import dev.brook.storage.Clock;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The topics area (topics, metadata and configs): the metadata store and the topic admin, wired to
 * the cluster area ({@link ClusterWiring#wire} / {@link ClusterWiring#wireLocal}). Registers the
 * topic APIs ({@link TopicApis}) on the dispatcher; adds the topic admin to {@code toClose}.
 */
final class TopicsWiring {
  private TopicsWiring() {}

  /**
   * Topics, metadata and configs: MetadataStore; Metadata, CreateTopics, DeleteTopics,
   * CreatePartitions, DescribeConfigs, AlterConfigs, DescribeCluster, DescribeLogDirs. Owned by the
   * admin area.
   */
  static TopicAdmin start(
      ApiDispatcher dispatcher,
      BrokerConfig config,
      Clock clock,
      ReplicaManager replicas,
      AtomicReference<AdvertisedEndpoints> bound,
      Deque<AutoCloseable> toClose,
      ZkCluster cluster,
      LocalCluster local,
      ClientQuotas quotas,
      dev.brook.broker.admin.DynamicBrokerConfigs dynamicConfigs)
      throws Exception {
    MetadataStore store;
    if (cluster != null) {
      MetaProperties.loadOrCreate(config.logDir(), config.nodeId(), cluster.clusterId(), RandomIds::uuid);
      store = new ZkMetadataStore(cluster);
    } else {
      store = local.store(); // meta.properties checked when the local cluster opened
    }
    TopicManager topics = new TopicManager(config, store, replicas, RandomIds::uuid, cluster, local);
    toClose.add(topics);
    if (cluster != null) ClusterWiring.wire(dispatcher, cluster, replicas, topics);
    if (local != null) ClusterWiring.wireLocal(dispatcher, local, replicas, topics);
    TopicApis.register(dispatcher, topics, listenerName -> ClusterWiring.advertised(config, bound).on(listenerName),
        new dev.brook.broker.api.ControllerMutationQuota(quotas), dynamicConfigs);
    return topics;
  }
}
