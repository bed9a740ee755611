package dev.brook.broker.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.config.BrokerConfig;
import dev.brook.storage.cleaner.CleanerConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CleanerSettingsTest {
  @Test
  void defaultsAreKafkasAndOverridesApply() {
    CleanerConfig d = CleanerSettings.from(BrokerConfig.of(Map.of()));
    assertThat(d).isEqualTo(CleanerConfig.defaults());
    CleanerConfig c = CleanerSettings.from(BrokerConfig.of(Map.of(
        "log.cleaner.enable", "false", "log.cleaner.threads", "2", "log.cleaner.dedupe.buffer.size", "1048576",
        "log.cleaner.io.max.bytes.per.second", "5000", "log.cleaner.backoff.ms", "100")));
    assertThat(c.enable()).isFalse();
    assertThat(c.threads()).isEqualTo(2);
    assertThat(c.mapBytesPerThread()).isEqualTo(524288);
    assertThat(c.ioMaxBytesPerSecond()).isEqualTo(5000.0);
    assertThat(c.backoffMs()).isEqualTo(100);
  }
}
