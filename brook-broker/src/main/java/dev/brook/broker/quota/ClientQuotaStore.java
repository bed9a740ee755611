package dev.brook.broker.quota;

import java.io.IOException;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.function.Consumer;

/**
 * Where client quotas are kept: a file in the first log directory on a single node, ZooKeeper's
 * {@code /config/users} and {@code /config/clients} in a cluster (as Kafka keeps them), so every
 * broker meters with the same quotas and a restart keeps them.
 */
public interface ClientQuotaStore extends AutoCloseable {
  /** The quotas stored now. */
  ClientQuotaConfigs load() throws IOException;

  /**
   * Sets (a value) or removes (empty) quotas of several entities at once; other keys an entity has
   * (SCRAM credentials in ZooKeeper) are kept.
   */
  void alter(Map<QuotaEntity, Map<QuotaType, OptionalDouble>> changes) throws IOException;

  /** Hears every change, from this broker or another, with the quotas as they are after it. */
  void onChange(Consumer<ClientQuotaConfigs> listener);

  @Override
  default void close() throws IOException {}
}
