package dev.brook.broker;

import dev.brook.broker.api.ApiDispatcher;
import dev.brook.broker.api.ApiVersionsHandler;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.config.Listener;
import dev.brook.broker.network.NetworkServer;
import dev.brook.storage.Clock;
import java.nio.file.Path;
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
  private volatile boolean closed;

  private Broker(BrokerConfig config, NetworkServer network) {
    this.config = config;
    this.network = network;
  }

  public static Broker start(BrokerConfig config) throws Exception {
    return start(config, Clock.SYSTEM);
  }

  public static Broker start(BrokerConfig config, Clock clock) throws Exception {
    // Wiring is split by area (storage and partitions; topics and configs; groups; ...) so that work
    // on one area does not touch another's lines.
    ApiDispatcher dispatcher = new ApiDispatcher();
    dispatcher.register(ApiKeys.API_VERSIONS, new ApiVersionsHandler(dispatcher));
    registerPartitionApis(dispatcher, config, clock);
    registerTopicAndConfigApis(dispatcher, config, clock);
    registerGroupApis(dispatcher, config, clock);
    NetworkServer network = NetworkServer.start(config.listener(), networkSettings(config), dispatcher);
    return new Broker(config, network);
  }

  /** Storage and partitions: LogManager, ReplicaManager; Produce, Fetch, ListOffsets, ... */
  private static void registerPartitionApis(ApiDispatcher dispatcher, BrokerConfig config, Clock clock) {}

  /** Topics, metadata and configs: MetadataStore; Metadata, CreateTopics, DescribeConfigs, ... */
  private static void registerTopicAndConfigApis(ApiDispatcher dispatcher, BrokerConfig config, Clock clock) {}

  /** Consumer groups: GroupCoordinator; FindCoordinator, JoinGroup, OffsetCommit, ... */
  private static void registerGroupApis(ApiDispatcher dispatcher, BrokerConfig config, Clock clock) {}

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
    log.info("Brook broker {} stopped", config.nodeId());
  }
}
