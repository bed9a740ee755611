package dev.brook.broker.config;

import java.io.IOException;
import java.util.Map;

/**
 * Where this broker's dynamic configs live (the keys changed at runtime with IncrementalAlterConfigs
 * on its BROKER resource, e.g. {@code listener.name.ssl.ssl.keystore.location}), so that they
 * survive a restart, as Kafka keeps them: a file beside the single node's metadata ({@link
 * LocalDynamicBrokerConfigStore}), ZooKeeper's {@code /config/brokers/<id>} in a cluster. Values are
 * stored as given, passwords included (Kafka's KRaft metadata log keeps them so too; its ZooKeeper
 * mode encrypted them with {@code password.encoder.secret}, which Brook uses only for cluster links' passwords). A change
 * returns once it is durable. Thread-safe; calls may block (fsync, ZooKeeper): never on an event loop.
 */
public interface DynamicBrokerConfigStore {
  /** The stored configs, empty when none. */
  Map<String, String> load() throws IOException;

  /** Replaces the stored configs with {@code configs} (empty: none). */
  void store(Map<String, String> configs) throws IOException;
}
