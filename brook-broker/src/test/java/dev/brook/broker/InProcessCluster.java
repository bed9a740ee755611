package dev.brook.broker;

import dev.brook.broker.config.BrokerConfig;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Collectors;
import org.apache.curator.test.TestingServer;

/**
 * Brokers in this JVM on one in-process ZooKeeper, for integration tests that need a cluster.
 *
 * <p>Every broker gets the same base settings (its node id, a log directory of its own under the
 * test's directory, an ephemeral loopback listener, this ZooKeeper, a 6 s session); the settings
 * given to the constructor apply to every broker on top of those, and a {@link #start(int, Map)}
 * override to one broker on top of both. A stopped broker keeps its log directory, so starting the
 * same id again brings it back with its data.
 *
 * <p>Brokers are kept ordered by id, so {@link #brokers()} and {@link #bootstrap()} list them in id
 * order and a test's "first broker" is the lowest running id, run after run. Start and stop from the test's thread; other threads (consumers on their own threads) may
 * read {@link #brokers()} and {@link #bootstrap()} meanwhile.
 */
public final class InProcessCluster implements AutoCloseable {
  private final Path dir;
  private final Map<String, String> settings;
  private final TestingServer zookeeper;
  private final NavigableMap<Integer, Broker> brokers = new ConcurrentSkipListMap<>();

  /** Starts the ZooKeeper; no broker is started yet. */
  public InProcessCluster(Path dir, Map<String, String> settings) throws Exception {
    this.dir = dir;
    this.settings = Map.copyOf(settings);
    this.zookeeper = new TestingServer(true);
  }

  /** Starts the ZooKeeper; brokers get only the base settings. */
  public InProcessCluster(Path dir) throws Exception {
    this(dir, Map.of());
  }

  public Broker start(int id) throws Exception {
    return start(id, Map.of());
  }

  /** Starts broker {@code id} with the cluster's settings plus {@code overrides}; returns once it accepts requests. */
  public Broker start(int id, Map<String, String> overrides) throws Exception {
    Map<String, String> s = new HashMap<>();
    s.put("node.id", Integer.toString(id));
    s.put("log.dirs", dir.resolve("broker-" + id).toString());
    s.put("listeners", "PLAINTEXT://127.0.0.1:0");
    s.put("zookeeper.connect", zookeeper.getConnectString());
    s.put("zookeeper.session.timeout.ms", "6000");
    s.putAll(settings);
    s.putAll(overrides);
    Broker b = Broker.start(BrokerConfig.of(s));
    brokers.put(id, b);
    return b;
  }

  /** Closes broker {@code id} (a controlled shutdown unless the settings disable it) and forgets it. */
  public void stop(int id) {
    Broker b = brokers.remove(id);
    if (b == null) throw new IllegalArgumentException("no running broker " + id);
    b.close();
  }

  /** The ZooKeeper's connect string (a test reading the cluster's znodes). */
  public String zookeeperConnect() {
    return zookeeper.getConnectString();
  }

  /** The running broker {@code id}, or null if it is not running. */
  public Broker broker(int id) {
    return brokers.get(id);
  }

  /** The running brokers, in id order. */
  public Collection<Broker> brokers() {
    return List.copyOf(brokers.values());
  }

  /** The ids of the running brokers, in ascending order. */
  public List<Integer> ids() {
    return List.copyOf(brokers.keySet());
  }

  /** bootstrap.servers naming every running broker, in id order. */
  public String bootstrap() {
    return brokers.values().stream().map(Broker::bootstrapServers).collect(Collectors.joining(","));
  }

  /**
   * Closes every running broker, then ZooKeeper (the brokers deregister from it as they close).
   * Every close is attempted even if one fails; the first failure is thrown, the others suppressed.
   */
  @Override
  public void close() throws Exception {
    Exception failure = null;
    for (Integer id : List.copyOf(brokers.keySet())) {
      try {
        brokers.remove(id).close(); // Broker.close is idempotent
      } catch (RuntimeException e) {
        failure = addTo(failure, e);
      }
    }
    try {
      zookeeper.close();
    } catch (Exception e) {
      failure = addTo(failure, e);
    }
    if (failure != null) throw failure;
  }

  private static Exception addTo(Exception first, Exception next) {
    if (first == null) return next;
    first.addSuppressed(next);
    return first;
  }
}
