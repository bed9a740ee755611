package dev.brook.broker.storage;

import dev.brook.broker.config.BrokerConfig;
import dev.brook.storage.cleaner.CleanerConfig;

/**
 * Maps the broker's {@code log.cleaner.*} properties to the storage module's {@link CleanerConfig}.
 * (Read buffer and load factor keep Kafka's defaults; Brook does not expose those two keys.)
 */
public final class CleanerSettings {
  private CleanerSettings() {}

  public static CleanerConfig from(BrokerConfig config) {
    CleanerConfig d = CleanerConfig.defaults();
    return new CleanerConfig(
        config.getBoolean("log.cleaner.enable"),
        config.getInt("log.cleaner.threads"),
        config.getLong("log.cleaner.dedupe.buffer.size"),
        d.ioBufferLoadFactor(),
        d.ioBufferSize(),
        config.getDouble("log.cleaner.io.max.bytes.per.second"),
        config.getLong("log.cleaner.backoff.ms"));
  }
}
