package dev.brook.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.storage.LogConfig;
import java.util.List;
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
  void topicKeysForFeaturesBrookLacksAreRefusedUnlessOffNamingTheKey() {
    for (String key : List.of("leader.replication.throttled.replicas", "follower.replication.throttled.replicas")) {
      assertThatThrownBy(() -> TopicConfigs.validate(Map.of(key, "0:1,1:2")))
          .isInstanceOf(ConfigException.class).hasMessageContaining(key).hasMessageContaining("throttle");
      assertThatThrownBy(() -> TopicConfigs.validate(Map.of(key, "*")))
          .isInstanceOf(ConfigException.class).hasMessageContaining(key);
      TopicConfigs.validate(Map.of(key, ""));
    }
    // KIP-390 levels: Brook rewrites batches into a topic's compression.type, so every Kafka level works.
    TopicConfigs.validate(Map.of("compression.gzip.level", "6", "compression.lz4.level", "12", "compression.zstd.level", "-5"));
    TopicConfigs.validate(Map.of("compression.gzip.level", "9", "compression.lz4.level", "1", "compression.zstd.level", "22"));
    for (Map.Entry<String, String> outOfRange : Map.of("compression.gzip.level", "10", "compression.lz4.level", "18",
        "compression.zstd.level", "23").entrySet()) {
      assertThatThrownBy(() -> TopicConfigs.validate(Map.of(outOfRange.getKey(), outOfRange.getValue())))
          .isInstanceOf(ConfigException.class).hasMessageContaining(outOfRange.getKey());
    }
    assertThatThrownBy(() -> TopicConfigs.validate(Map.of("min.compaction.lag.ms", "5000", "max.compaction.lag.ms", "1000")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("max.compaction.lag.ms");
    // A stored value from elsewhere (a topic imported from Kafka) still opens.
    assertThat(TopicConfigs.resolve(broker(Map.of()), Map.of("leader.replication.throttled.replicas", "*")))
        .containsEntry("leader.replication.throttled.replicas", List.of("*"));
  }

  @Test
  void segmentJitterAndMaxCompactionLagReachTheLogFromTopicAndBroker() {
    LogConfig fromTopic = TopicConfigs.toLogConfig(broker(Map.of()),
        Map.of("segment.jitter.ms", "5000", "max.compaction.lag.ms", "60000", "cleanup.policy", "compact"));
    assertThat(fromTopic.segmentJitterMs()).isEqualTo(5000);
    assertThat(fromTopic.maxCompactionLagMs()).isEqualTo(60000);
    assertThat(fromTopic.maxSegmentMs()).isEqualTo(60000);
    LogConfig fromBroker = TopicConfigs.toLogConfig(
        broker(Map.of("log.roll.jitter.hours", "2", "log.cleaner.max.compaction.lag.ms", "7000")), Map.of());
    assertThat(fromBroker.segmentJitterMs()).isEqualTo(7_200_000);
    assertThat(fromBroker.maxCompactionLagMs()).isEqualTo(7000);
    assertThat(fromBroker.maxSegmentMs()).isEqualTo(fromBroker.segmentMs()); // delete policy: no bound
    assertThat(TopicConfigs.toLogConfig(broker(Map.of("log.roll.jitter.ms", "300", "log.roll.jitter.hours", "2")), Map.of())
        .segmentJitterMs()).isEqualTo(300);
    LogConfig none = TopicConfigs.toLogConfig(broker(Map.of()), Map.of());
    assertThat(none.segmentJitterMs()).isZero();
    assertThat(none.maxCompactionLagMs()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void brokerKeysForFeaturesBrookLacksFailStartupUnlessOffNamingTheKey() {
    for (String key : List.of("leader.replication.throttled.rate", "follower.replication.throttled.rate")) {
      assertThatThrownBy(() -> broker(Map.of(key, "1048576"))).isInstanceOf(ConfigException.class)
          .hasMessageContaining(key).hasMessageContaining("not supported");
      broker(Map.of(key, Long.toString(Long.MAX_VALUE)));
    }
    assertThatThrownBy(() -> broker(Map.of("compression.zstd.level", "23"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("compression.zstd.level");
    assertThatThrownBy(() -> broker(Map.of("compression.gzip.level", "0"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("compression.gzip.level");
    broker(Map.of("compression.gzip.level", "9", "compression.lz4.level", "17", "compression.zstd.level", "-7"));
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
