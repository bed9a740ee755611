package dev.brook.broker;

import dev.brook.broker.GroupsWiring.GroupsArea;
import dev.brook.broker.SecurityWiring.SecurityArea;
import dev.brook.broker.admin.TopicAdmin;
import dev.brook.broker.admin.TopicManager;
import dev.brook.broker.api.ApiDispatcher;
import dev.brook.broker.api.ApiVersionsHandler;
import dev.brook.broker.cluster.AdvertisedEndpoints;
import dev.brook.broker.cluster.LocalCluster;
import dev.brook.broker.cluster.zk.ZkCluster;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.config.Listener;
import dev.brook.broker.http.BrokerHttpServer;
import dev.brook.broker.metrics.BrokerMetrics;
import dev.brook.broker.metrics.PartitionGauges;
import dev.brook.broker.network.NetworkServer;
import dev.brook.broker.quota.ClientQuotas;
import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.ProducerIdManager;
import dev.brook.broker.replica.ReplicaManager;
import dev.brook.broker.txn.TransactionCoordinator;
import dev.brook.storage.Clock;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.protocol.ApiKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Brook broker: wires storage, metadata, partitions, coordinators and the network listener, and
 * shuts them down in reverse order. Single-node mode is a cluster of one (DESIGN.md).
 *
 * <p>{@link #start} returns once the listener accepts requests; {@link #close} is idempotent and
 * leaves the logs cleanly shut down (flushed, checkpointed, clean-shutdown marker).
 */
public final class Broker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Broker.class);

  private final BrokerConfig config;
  private final NetworkServer network;
  private final Deque<AutoCloseable> toClose;
  /** Cluster mode only (zookeeper.connect set); null on a single node, which loads no ZooKeeper class. */
  private final ZkCluster cluster;
  private volatile boolean closed;

  /** Null when http.port is -1. */
  private final BrokerHttpServer http;

  private Broker(BrokerConfig config, NetworkServer network, Deque<AutoCloseable> toClose, ZkCluster cluster, BrokerHttpServer http) {
    this.http = http;
    this.config = config;
    this.network = network;
    this.toClose = toClose;
    this.cluster = cluster;
  }

  public static Broker start(BrokerConfig config) throws Exception {
    return start(config, Clock.SYSTEM);
  }

  public static Broker start(BrokerConfig config, Clock clock) throws Exception {
    // Wiring is split by area (storage and partitions; topics and configs; groups; ...) so that work
    // on one area does not touch another's lines.
    // Each area registers its closeables on toClose as it starts; they close in reverse order
    // (network first, then groups, topics, partitions, logs).
    Deque<AutoCloseable> toClose = new ArrayDeque<>();
    // Before anything opens: a wrong authorizer.class.name or super.users fails the start naming the key.
    dev.brook.broker.security.Authorizer authorizer = dev.brook.broker.security.Authorizer.fromConfig(config);
    try {
      // The listeners as bound (their real ports when configured as 0) with advertised hosts resolved,
      // set once the network starts; ClusterWiring.advertised(config, bound) is the configured ones until then.
      AtomicReference<AdvertisedEndpoints> bound = new AtomicReference<>();
      ZkCluster cluster = config.clusterMode() ? ClusterWiring.connect(config, toClose) : null;
      LocalCluster local = cluster == null ? ClusterWiring.openLocal(config, bound) : null;
      // After the cluster: opening the directory needs no codec, and the first use of ApiKeys waits
      // for its initialization if another thread is still running it (NetworkServer.preloadCodec).
      BrokerMetrics metrics = MetricsWiring.start(toClose);
      ApiDispatcher dispatcher = new ApiDispatcher(metrics.requests());
      dispatcher.register(ApiKeys.API_VERSIONS, new ApiVersionsHandler(dispatcher));
      AtomicReference<ProducerIdManager> producerIds = new AtomicReference<>();
      SecurityArea security = SecurityWiring.start(dispatcher, config, cluster, toClose);
      ClientQuotas quotas = ClientQuotasWiring.start(dispatcher, config, cluster, toClose);
      // Work that may block (cold log reads for fetches, flush.messages, timestamp lookups): never on
      // an event loop. Closes after the network, which Broker.close stops first.
      BackgroundThreads background = new BackgroundThreads(config.getInt("background.threads"));
      toClose.add(background);
      ReplicaManager replicas = PartitionsWiring.start(dispatcher, config, clock, producerIds, toClose,
          cluster != null ? cluster : local, background, metrics, security.interBroker());
      TopicAdmin topics = TopicsWiring.start(dispatcher, config, clock, replicas, bound, toClose, cluster, local, quotas,
          security.dynamicConfigs());
      GroupsArea groups = GroupsWiring.start(dispatcher, config, clock, replicas, topics, bound, toClose, metrics);
      TransactionCoordinator txn = TransactionsWiring.start(dispatcher, config, clock, replicas, topics, groups,
          producerIds.get(), bound, toClose, background, metrics, security.interBroker());
      MirrorsWiring.start(config, local, cluster, (LocalReplicaManager) replicas, (TopicManager) topics, groups,
          producerIds.get(), security.interBroker(), toClose);
      NetworkServer.Settings net = NetworkSettings.from(config, quotas);
      metrics.requests().setNetworkThreads(net.eventLoopThreads());
      PartitionGauges gauges = MetricsWiring.startPartitionGauges(metrics, replicas, cluster, toClose);
      java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();
      BrokerHttpServer http = HttpWiring.start(config, metrics, gauges, (LocalReplicaManager) replicas, groups.coordinator(), txn,
          started, bound, toClose, authorizer, security);
      SecurityWiring.startAuthorization(dispatcher, config, authorizer, replicas, topics, cluster, toClose);
      NetworkServer network = NetworkServer.start(security.endpoints(), net, dispatcher);
      // Resolved here, once: with a wildcard listener (0.0.0.0) the advertised host is this machine's
      // name, a reverse DNS lookup that must not run per Metadata request on a network thread.
      bound.set(AdvertisedEndpoints.resolve(config.listenerConfig(), network.boundListeners()));
      if (cluster != null) cluster.register(bound.get().asBroker(config.nodeId(), config.getString("broker.rack")));
      started.set(true);
      metrics.publish();
      return new Broker(config, network, toClose, cluster, http);
    } catch (Exception | Error e) {
      closeAll(toClose);
      throw e;
    }
  }

  /** The partitions of this broker (for tests that create partitions before topics exist). */
  ReplicaManager replicaManager() {
    for (AutoCloseable c : toClose) {
      if (c instanceof ReplicaManager r) return r;
    }
    throw new IllegalStateException("no replica manager");
  }

  private static void closeAll(Deque<AutoCloseable> toClose) {
    while (!toClose.isEmpty()) {
      AutoCloseable c = toClose.pollLast();
      try {
        c.close();
      } catch (Exception e) {
        log.warn("Error while closing {}", c, e);
      }
    }
  }

  public BrokerConfig config() {
    return config;
  }

  /** The HTTP port as bound (metrics, health), or -1 when http.port is -1. */
  public int httpPort() {
    return http == null ? -1 : http.port();
  }

  /** The first listener as bound, with its real port. */
  public Listener listener() {
    return network.boundListener();
  }

  /** Every listener as bound (real ports), in configuration order. */
  public List<Listener> listeners() {
    return network.boundListeners();
  }

  public int port() {
    return network.boundListener().port();
  }

  /** host:port, for clients' bootstrap.servers. */
  public String bootstrapServers() {
    Listener l = listener();
    return l.host() + ":" + l.port();
  }

  public Path logDir() {
    return config.logDir();
  }

  public int nodeId() {
    return config.nodeId();
  }

  /** Cluster mode: this broker's view of the cluster; null on a single node. */
  public ZkCluster cluster() {
    return cluster;
  }

  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    if (cluster != null && config.getBoolean("controlled.shutdown.enable")) {
      try {
        cluster.controlledShutdown(java.time.Duration.ofMillis(Math.min(30_000, config.getInt("zookeeper.session.timeout.ms"))));
      } catch (Exception e) {
        log.warn("Controlled shutdown of broker {} failed; stopping anyway", config.nodeId(), e);
      }
    }
    network.close();
    if (cluster != null) cluster.close(); // deregister before the partitions close
    closeAll(toClose);
    log.info("Brook broker {} stopped", config.nodeId());
  }
}
