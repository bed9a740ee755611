package dev.brook.broker;

import dev.brook.broker.config.BrokerConfig;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One broker for a test that restarts it: a fixed loopback port (a free one, picked at the first start)
 * and log directory, so a restart keeps its address and its data as a process restart would. Clients
 * registered here are closed before the broker.
 */
public final class RestartableBroker implements AutoCloseable {
  private final Path logDir;
  private final Map<String, String> settings;
  private final List<AutoCloseable> clients = new ArrayList<>();
  private int port;
  private Broker broker;

  /** A broker on {@code logDir} with {@code settings} (listeners and log.dirs are the fixture's). */
  public RestartableBroker(Path logDir, Map<String, String> settings) {
    this.logDir = logDir;
    this.settings = settings;
  }

  public void start() throws Exception {
    start(Map.of());
  }

  /** Starts the broker (again), with {@code extra} over the fixture's settings. */
  public void start(Map<String, String> extra) throws Exception {
    if (port == 0) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = s.getLocalPort();
      }
    }
    Map<String, String> all = new HashMap<>(settings);
    all.put("listeners", "PLAINTEXT://127.0.0.1:" + port);
    all.put("log.dirs", logDir.toString());
    all.putAll(extra);
    broker = Broker.start(BrokerConfig.of(all));
  }

  /** Shuts the broker down cleanly; {@link #start} brings it back on the same port and data. */
  public void stop() {
    if (broker != null) broker.close();
    broker = null;
  }

  public String bootstrap() {
    return "127.0.0.1:" + port;
  }

  /** Closes {@code client} at {@link #close}, before the broker. */
  public <T extends AutoCloseable> T register(T client) {
    clients.add(client);
    return client;
  }

  @Override
  public void close() {
    for (AutoCloseable c : clients) {
      try {
        c.close();
      } catch (Exception ignored) {
        // already closed, or its broker is gone
      }
    }
    stop();
  }
}
