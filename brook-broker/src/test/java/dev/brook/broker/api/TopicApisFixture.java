package dev.brook.broker.api;

import dev.brook.broker.admin.FakeReplicaManager;
import dev.brook.broker.admin.TopicManager;
import dev.brook.broker.cluster.LocalMetadataStore;
import dev.brook.broker.cluster.MetaProperties;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.config.Listener;
import dev.brook.broker.network.NetworkServer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The topic admin and its APIs behind a real listener on an ephemeral port, over a fake
 * ReplicaManager: what the admin area serves, testable with real Kafka clients before storage and
 * replication exist. {@link #restart} reopens everything on the same log directory.
 */
final class TopicApisFixture implements AutoCloseable {
  final Path dir;
  final Map<String, String> settings;
  FakeReplicaManager replicas;
  TopicManager topics;
  NetworkServer server;

  TopicApisFixture(Path dir, Map<String, String> extra) throws Exception {
    this.dir = dir;
    this.settings = new HashMap<>(extra);
    settings.put("log.dir", dir.toString());
    settings.put("listeners", "PLAINTEXT://127.0.0.1:0");
    start();
  }

  private void start() throws Exception {
    BrokerConfig config = BrokerConfig.of(settings);
    replicas = new FakeReplicaManager();
    topics = new TopicManager(config,
        LocalMetadataStore.open(dir, MetaProperties.loadOrCreate(dir, config.nodeId(), null, Uuid::randomUuid)),
        replicas, Uuid::randomUuid);
    topics.openAll();
    ApiDispatcher d = new ApiDispatcher();
    d.register(ApiKeys.API_VERSIONS, new ApiVersionsHandler(d));
    AtomicReference<Listener> advertised = new AtomicReference<>();
    TopicApis.register(d, topics, listenerName -> advertised.get());
    server = NetworkServer.start(config.listenerConfig().listeners().get(0), new NetworkServer.Settings(100 << 20, 100, 1, -1, -1, 0), d);
    advertised.set(server.boundListener());
  }

  String bootstrap() {
    return "127.0.0.1:" + server.boundListener().port();
  }

  /** Stops and starts again on the same directory; the port changes. */
  void restart() throws Exception {
    close();
    start();
  }

  @Override
  public void close() throws java.io.IOException {
    server.close();
    topics.close();
  }
}
