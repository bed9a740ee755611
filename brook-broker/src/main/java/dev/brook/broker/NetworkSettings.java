package dev.brook.broker;

import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.config.ConfigException;
import dev.brook.broker.network.ConnectionLimits;
import dev.brook.broker.network.NetworkServer;
import dev.brook.broker.network.RequestMemoryPool;
import dev.brook.broker.quota.ClientQuotas;
import java.util.Map;

/**
 * The network area's settings, read from the broker config: the listener's limits (request size,
 * queued requests, request memory, connections) and how many event loops serve requests. Registers
 * nothing on the dispatcher and adds nothing to {@code toClose}; mistakes fail at startup naming the
 * key.
 */
final class NetworkSettings {
  private NetworkSettings() {}

  /** The listener's settings; {@code quotas} meters its clients. */
  static NetworkServer.Settings from(BrokerConfig config, ClientQuotas quotas) {
    return new NetworkServer.Settings(
        config.getInt("socket.request.max.bytes"),
        config.getInt("queued.max.requests"),
        eventLoops(config, Runtime.getRuntime().availableProcessors()),
        config.getInt("socket.send.buffer.bytes"),
        config.getInt("socket.receive.buffer.bytes"),
        config.getLong("connections.max.idle.ms"),
        new RequestMemoryPool(requestMemoryBytes(config)),
        new ConnectionLimits(connectionLimits(config)),
        quotas);
  }

  /**
   * queued.max.request.bytes, or by default three quarters of the memory Netty's buffers come from,
   * so that requests queue before the broker runs out of it. An explicit value must hold the
   * largest request.
   */
  static long requestMemoryBytes(BrokerConfig config) {
    long explicit = config.getLong("queued.max.request.bytes");
    if (explicit > 0) {
      if (explicit < config.getInt("socket.request.max.bytes")) {
        throw new ConfigException("queued.max.request.bytes", "must be at least socket.request.max.bytes ("
            + config.getInt("socket.request.max.bytes") + ") so that the largest request can be read");
      }
      return explicit;
    }
    if (explicit == 0) throw new ConfigException("queued.max.request.bytes", "must be positive, or -1 for the default");
    long source = io.netty.util.internal.PlatformDependent.directBufferPreferred()
        ? io.netty.util.internal.PlatformDependent.maxDirectMemory() : Runtime.getRuntime().maxMemory();
    return source / 4 * 3;
  }

  static ConnectionLimits.Settings connectionLimits(BrokerConfig config) {
    Map<java.net.InetAddress, Integer> overrides = new java.util.HashMap<>();
    for (String entry : config.getString("max.connections.per.ip.overrides").split(",")) {
      if (entry.isBlank()) continue;
      int colon = entry.lastIndexOf(':');
      try {
        overrides.put(java.net.InetAddress.getByName(entry.substring(0, colon).trim()),
            Integer.parseInt(entry.substring(colon + 1).trim()));
      } catch (RuntimeException | java.net.UnknownHostException e) {
        throw new ConfigException("max.connections.per.ip.overrides", "expected host:count, got '" + entry.trim() + "'");
      }
    }
    return new ConnectionLimits.Settings(config.getInt("max.connections"), config.getInt("max.connections.per.ip"),
        overrides, config.getInt("max.connection.creation.rate"));
  }

  /**
   * How many event loops serve requests on a machine with {@code cores} cores. Each loop runs its
   * connections' requests to completion (thread per core; docs/ARCHITECTURE.md says why), so by
   * default there is one per core. A config that sets {@code num.network.threads} or {@code
   * num.io.threads} (a server.properties brought from Kafka) gets as many loops as Kafka would run
   * threads for the same work, {@code num.network.threads + num.io.threads}, never more than the
   * cores: a loop per core is the most that helps.
   */
  static int eventLoops(BrokerConfig config, int cores) {
    if (!config.isExplicit("num.network.threads") && !config.isExplicit("num.io.threads")) return cores;
    return Math.max(1, Math.min(cores, config.getInt("num.network.threads") + config.getInt("num.io.threads")));
  }
}
