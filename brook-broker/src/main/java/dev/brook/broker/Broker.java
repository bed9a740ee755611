package dev.brook.broker;

import dev.brook.broker.admin.TopicAdmin;
import dev.brook.broker.admin.TopicManager;
import dev.brook.broker.api.ApiDispatcher;
import dev.brook.broker.api.ApiVersionsHandler;
import dev.brook.broker.cluster.LocalMetadataStore;
import dev.brook.broker.cluster.MetaProperties;
import dev.brook.broker.api.DeleteRecordsHandler;
import dev.brook.broker.api.FetchHandler;
import dev.brook.broker.api.InitProducerIdHandler;
import dev.brook.broker.api.ListOffsetsHandler;
import dev.brook.broker.api.OffsetForLeaderEpochHandler;
import dev.brook.broker.api.ProduceHandler;
import dev.brook.broker.api.TopicApis;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.config.TopicConfigs;
import dev.brook.broker.config.Listener;
import dev.brook.broker.network.NetworkServer;
import dev.brook.broker.replica.FetchSessionCache;
import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.ProducerIdManager;
import dev.brook.broker.replica.RecordPolicy;
import dev.brook.broker.replica.ReplicaManager;
import dev.brook.storage.Clock;
import dev.brook.storage.LogManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.Uuid;
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
  private volatile boolean closed;

  private Broker(BrokerConfig config, NetworkServer network, Deque<AutoCloseable> toClose) {
    this.config = config;
    this.network = network;
    this.toClose = toClose;
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
    try {
      ApiDispatcher dispatcher = new ApiDispatcher();
      dispatcher.register(ApiKeys.API_VERSIONS, new ApiVersionsHandler(dispatcher));
      // The listener as bound (its real port when configured as 0), set once the network starts.
      AtomicReference<Listener> bound = new AtomicReference<>();
      ReplicaManager replicas = startPartitions(dispatcher, config, clock, toClose);
      TopicAdmin topics = startTopicsAndConfigs(dispatcher, config, clock, replicas, bound, toClose);
      startGroups(dispatcher, config, clock, replicas, topics, toClose);
      NetworkServer network =
          NetworkServer.start(config.listener(), networkSettings(config), dispatcher);
      bound.set(network.boundListener());
      return new Broker(config, network, toClose);
    } catch (Exception | Error e) {
      closeAll(toClose);
      throw e;
    }
  }

  /**
   * Storage and partitions: LogManager, ReplicaManager; Produce, Fetch, ListOffsets,
   * OffsetForLeaderEpoch, DeleteRecords, InitProducerId. Owned by the replica area.
   */
  private static ReplicaManager startPartitions(
      ApiDispatcher dispatcher, BrokerConfig config, Clock clock, Deque<AutoCloseable> toClose)
      throws Exception {
    Files.createDirectories(config.logDir());
    LogManager logs = LogManager.open(config.logDir(), TopicConfigs.toLogConfig(config, Map.of()), clock);
    toClose.add(logs); // closes last: flush, checkpoints, clean-shutdown marker
    logs.startBackgroundDuties(config.getLong("log.retention.check.interval.ms"));
    LocalReplicaManager replicas =
        new LocalReplicaManager(logs, RecordPolicy.of(config, Map.of()), clock, config.getInt("producer.id.expiration.ms"));
    toClose.add(replicas);
    FetchSessionCache sessions =
        new FetchSessionCache(config.getInt("max.incremental.fetch.session.cache.slots"), clock, new SecureRandom());
    ProducerIdManager producerIds = ProducerIdManager.open(config.logDir());
    dispatcher.register(ApiKeys.PRODUCE, new ProduceHandler(replicas, clock));
    dispatcher.register(ApiKeys.FETCH, new FetchHandler(replicas, sessions, config.nodeId()));
    dispatcher.register(ApiKeys.LIST_OFFSETS, new ListOffsetsHandler(replicas));
    dispatcher.register(ApiKeys.OFFSET_FOR_LEADER_EPOCH, new OffsetForLeaderEpochHandler(replicas));
    dispatcher.register(ApiKeys.DELETE_RECORDS, new DeleteRecordsHandler(replicas));
    dispatcher.register(ApiKeys.INIT_PRODUCER_ID, new InitProducerIdHandler(producerIds));
    return replicas;
  }

  /** The partitions of this broker (for tests that create partitions before topics exist). */
  ReplicaManager replicaManager() {
    for (AutoCloseable c : toClose) {
      if (c instanceof ReplicaManager r) return r;
    }
    throw new IllegalStateException("no replica manager");
  }

  /**
   * Topics, metadata and configs: MetadataStore; Metadata, CreateTopics, DeleteTopics,
   * CreatePartitions, DescribeConfigs, AlterConfigs, DescribeCluster, DescribeLogDirs. Owned by the
   * admin area.
   */
  private static TopicAdmin startTopicsAndConfigs(
      ApiDispatcher dispatcher,
      BrokerConfig config,
      Clock clock,
      ReplicaManager replicas,
      AtomicReference<Listener> bound,
      Deque<AutoCloseable> toClose)
      throws Exception {
    MetaProperties meta = MetaProperties.loadOrCreate(
        config.logDir(), config.nodeId(), config.getString("cluster.id"), Uuid::randomUuid);
    TopicManager topics =
        new TopicManager(config, LocalMetadataStore.open(config.logDir(), meta), replicas, Uuid::randomUuid);
    toClose.add(topics);
    topics.openAll();
    TopicApis.register(dispatcher, topics, () -> advertisedListener(config, bound.get()));
    return topics;
  }

  /**
   * The listener clients are told about: advertised.listeners when set, else the bound listener
   * (its real port), with a wildcard host replaced by this machine's name.
   */
  static Listener advertisedListener(BrokerConfig config, Listener bound) {
    if (config.isExplicit("advertised.listeners") || bound == null) return config.advertisedListener();
    String host = bound.host();
    if (host.isEmpty() || host.equals("0.0.0.0") || host.equals("::")) {
      try {
        host = java.net.InetAddress.getLocalHost().getCanonicalHostName();
      } catch (java.net.UnknownHostException e) {
        host = "localhost";
      }
    }
    return new Listener(bound.name(), host, bound.port());
  }

  /** Consumer groups: GroupCoordinator; FindCoordinator, JoinGroup, OffsetCommit, ... */
  private static void startGroups(
      ApiDispatcher dispatcher,
      BrokerConfig config,
      Clock clock,
      ReplicaManager replicas,
      TopicAdmin topics,
      Deque<AutoCloseable> toClose)
      throws Exception {}

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

  static NetworkServer.Settings networkSettings(BrokerConfig config) {
    int cores = Runtime.getRuntime().availableProcessors();
    return new NetworkServer.Settings(
        config.getInt("socket.request.max.bytes"),
        config.getInt("queued.max.requests"),
        Math.min(config.getInt("num.network.threads"), cores),
        config.getInt("socket.send.buffer.bytes"),
        config.getInt("socket.receive.buffer.bytes"),
        config.getLong("connections.max.idle.ms"));
  }

  public BrokerConfig config() {
    return config;
  }

  /** The listener as bound, with its real port. */
  public Listener listener() {
    return network.boundListener();
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

  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    network.close();
    closeAll(toClose);
    log.info("Brook broker {} stopped", config.nodeId());
  }
}
