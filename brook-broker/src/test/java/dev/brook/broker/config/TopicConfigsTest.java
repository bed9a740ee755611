package dev.brook.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.storage.LogConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicConfigsTest {
  private static BrokerConfig broker(Map<String, String> settings) {
    return BrokerConfig.of(settings);
  }

  @Test
  void defaultsMatchKafkasWhenTheBrokerSetsNothing() {
    LogConfig c = TopicConfigs.toLogConfig(broker(Map.of()), Map.of());
    assertThat(c).isEqualTo(LogConfig.defaults());
  }

  @Test
  void retentionDefaultsFromMsThenMinutesThenHours() {
    assertThat(TopicConfigs.toLogConfig(broker(Map.of("log.retention.hours", "2")), Map.of()).retentionMs())
        .isEqualTo(7_200_000L);
    assertThat(TopicConfigs.toLogConfig(
            broker(Map.of("log.retention.hours", "2", "log.retention.minutes", "3")), Map.of()).retentionMs())
        .isEqualTo(180_000L);
    assertThat(TopicConfigs.toLogConfig(
            broker(Map.of("log.retention.ms", "5", "log.retention.minutes", "3")), Map.of()).retentionMs())
        .isEqualTo(5L);
    assertThat(TopicConfigs.toLogConfig(broker(Map.of("log.retention.hours", "-1")), Map.of()).retentionMs())
        .isEqualTo(-1L);
  }

  @Test
  void segmentMsDefaultsFromRollHours() {
    assertThat(TopicConfigs.toLogConfig(broker(Map.of("log.roll.hours", "1")), Map.of()).segmentMs())
        .isEqualTo(3_600_000L);
  }

  @Test
  void overridesWinOverBrokerDefaults() {
    LogConfig c = TopicConfigs.toLogConfig(
        broker(Map.of("log.retention.ms", "5", "log.cleanup.policy", "compact")),
        Map.of("retention.ms", "1000", "cleanup.policy", "compact,delete", "segment.bytes", "2097152",
            "min.cleanable.dirty.ratio", "0.1", "preallocate", "true"));
    assertThat(c.retentionMs()).isEqualTo(1000);
    assertThat(c.compact()).isTrue();
    assertThat(c.delete()).isTrue();
    assertThat(c.segmentBytes()).isEqualTo(2097152);
    assertThat(c.minCleanableDirtyRatio()).isEqualTo(0.1);
    assertThat(c.preallocate()).isTrue(); // a stored value (a topic imported from Kafka) still reads
  }

  @Test
  void brokerCleanupPolicyIsTheDefault() {
    LogConfig c = TopicConfigs.toLogConfig(broker(Map.of("log.cleanup.policy", "compact")), Map.of());
    assertThat(c.compact()).isTrue();
    assertThat(c.delete()).isFalse();
  }

  @Test
  void validationRejectsUnknownKeysAndBadValuesNamingTheKey() {
    assertThatThrownBy(() -> TopicConfigs.validate(Map.of("retention.mss", "1")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("retention.mss");
    assertThatThrownBy(() -> TopicConfigs.validate(Map.of("retention.ms", "abc")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("retention.ms");
    assertThatThrownBy(() -> TopicConfigs.validate(Map.of("retention.ms", "-2")))
        .isInstanceOf(ConfigException.class);
    assertThatThrownBy(() -> TopicConfigs.validate(Map.of("cleanup.policy", "compact,shred")))
        .isInstanceOf(ConfigException.class);
    assertThatThrownBy(() -> TopicConfigs.validate(Map.of("segment.bytes", "1000")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("1048576");
    assertThatThrownBy(() -> TopicConfigs.validate(Map.of("min.cleanable.dirty.ratio", "1.5")))
        .isInstanceOf(ConfigException.class);
    assertThatThrownBy(() -> TopicConfigs.validate(Map.of("message.timestamp.type", "Now")))
        .isInstanceOf(ConfigException.class);
    assertThatThrownBy(() -> TopicConfigs.validate(Map.of("compression.gzip.level", "0")))
        .isInstanceOf(ConfigException.class);
    assertThatThrownBy(() -> TopicConfigs.validate(Map.of("remote.storage.enable", "true")))
        .isInstanceOf(ConfigException.class);
    assertThatThrownBy(() -> TopicConfigs.validate(Map.of("preallocate", "true")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("preallocate");
    TopicConfigs.validate(Map.of("retention.ms", "-1", "compression.type", "zstd", "max.message.bytes", "10",
        "message.timestamp.type", "LogAppendTime", "min.insync.replicas", "1", "compression.gzip.level", "-1"));
  }

  @Test
  void brokerKeysBrookCannotHonourAreRefusedNamingTheKey() {
    assertThatThrownBy(() -> broker(Map.of("log.preallocate", "true")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("log.preallocate").hasMessageContaining("not supported");
    assertThat(TopicConfigs.toLogConfig(broker(Map.of("log.preallocate", "false")), Map.of()).preallocate()).isFalse();
  }

  @Test
  void resolveGivesEveryKeyTyped() {
    Map<String, Object> v = TopicConfigs.resolve(broker(Map.of("message.max.bytes", "2000")), Map.of());
    assertThat(v).containsKeys(TopicConfigs.all().keySet().toArray(String[]::new));
    assertThat(v.get("max.message.bytes")).isEqualTo(2000);
    assertThat(v.get("message.timestamp.type")).isEqualTo("CreateTime");
    assertThat(v.get("unclean.leader.election.enable")).isEqualTo(false);
  }

  @Test
  void primarySynonymIsTheFirstBrokerKey() {
    assertThat(TopicConfigs.get("retention.ms").orElseThrow().primarySynonym().orElseThrow().brokerKey())
        .isEqualTo("log.retention.ms");
    assertThat(TopicConfigs.get("remote.storage.enable").orElseThrow().primarySynonym()).isEmpty();
  }
}
