package dev.brook.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.config.BrokerConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How many event loops serve requests: one per core, or Kafka's thread counts when a config sets them. */
class NetworkSettingsTest {

  private static int loops(Map<String, String> settings, int cores) {
    return NetworkSettings.eventLoops(BrokerConfig.of(settings), cores);
  }

  @Test
  void byDefaultOneEventLoopPerCore() {
    assertThat(loops(Map.of(), 1)).isEqualTo(1);
    assertThat(loops(Map.of(), 2)).isEqualTo(2);
    assertThat(loops(Map.of(), 32)).isEqualTo(32);
  }

  @Test
  void kafkasThreadCountsWhenSetAddUpAndAreCappedAtTheCores() {
    // Kafka's own defaults written out (3 network + 8 I/O threads): 11 threads' work on 11 loops.
    Map<String, String> kafkaDefaults = Map.of("num.network.threads", "3", "num.io.threads", "8");
    assertThat(loops(kafkaDefaults, 32)).isEqualTo(11);
    assertThat(loops(kafkaDefaults, 8)).isEqualTo(8);
    assertThat(loops(kafkaDefaults, 1)).isEqualTo(1);
    // One of the two set: the other is Kafka's default.
    assertThat(loops(Map.of("num.network.threads", "1"), 32)).isEqualTo(1 + 8);
    assertThat(loops(Map.of("num.io.threads", "2"), 32)).isEqualTo(3 + 2);
    assertThat(loops(Map.of("num.network.threads", "1", "num.io.threads", "1"), 32)).isEqualTo(2);
    assertThat(loops(Map.of("num.network.threads", "1", "num.io.threads", "1"), 1)).isEqualTo(1);
  }

  @Test
  void theListenerIsStartedWithTheRule() {
    BrokerConfig config = BrokerConfig.of(Map.of("num.io.threads", "1"));
    int cores = Runtime.getRuntime().availableProcessors();
    assertThat(NetworkSettings.from(config, null).eventLoopThreads()).isEqualTo(Math.min(cores, 4));
    assertThat(NetworkSettings.from(BrokerConfig.of(Map.of()), null).eventLoopThreads()).isEqualTo(cores);
  }
}
