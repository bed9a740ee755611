package dev.brook.broker.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.cluster.TopicMetadata;
import dev.brook.broker.config.BrokerConfig;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

/**
 * What {@code kafka-configs --describe --all} prints for a topic, line by line as Kafka 4.1.1 prints
 * it (captured from the anchor broker): {@code name=value sensitive=false synonyms={SOURCE:key=value, ...}}.
 */
class ConfigDescriberTest {
  private static Map<String, String> lines(BrokerConfig broker, TopicMetadata t) {
    return ConfigDescriber.topic(broker, t).stream().collect(Collectors.toMap(ConfigDescriber.Entry::name,
        e -> e.name() + "=" + e.value() + " sensitive=" + e.sensitive() + " synonyms={" + e.synonyms().stream()
            .map(s -> s.source().name().replace("TOPIC_CONFIG", "DYNAMIC_TOPIC_CONFIG") + ":" + s.name() + "=" + s.value())
            .collect(Collectors.joining(", ")) + "}"));
  }

  @Test
  void topicDescribeMatchesKafka() {
    TopicMetadata t = new TopicMetadata("ref", Uuid.randomUuid(), 2, Map.of("retention.ms", "1000"));
    Map<String, String> l = lines(BrokerConfig.of(Map.of()), t);
    assertThat(l.get("cleanup.policy")).isEqualTo("cleanup.policy=delete sensitive=false synonyms={DEFAULT_CONFIG:log.cleanup.policy=delete}");
    assertThat(l.get("compression.gzip.level")).isEqualTo("compression.gzip.level=-1 sensitive=false synonyms={DEFAULT_CONFIG:compression.gzip.level=-1}");
    assertThat(l.get("flush.ms")).isEqualTo("flush.ms=9223372036854775807 sensitive=false synonyms={}");
    assertThat(l.get("follower.replication.throttled.replicas")).isEqualTo("follower.replication.throttled.replicas= sensitive=false synonyms={}");
    assertThat(l.get("local.retention.ms")).isEqualTo("local.retention.ms=-2 sensitive=false synonyms={DEFAULT_CONFIG:log.local.retention.ms=-2}");
    assertThat(l.get("max.compaction.lag.ms")).isEqualTo("max.compaction.lag.ms=9223372036854775807 sensitive=false synonyms={DEFAULT_CONFIG:log.cleaner.max.compaction.lag.ms=9223372036854775807}");
    assertThat(l.get("max.message.bytes")).isEqualTo("max.message.bytes=1048588 sensitive=false synonyms={DEFAULT_CONFIG:message.max.bytes=1048588}");
    assertThat(l.get("min.cleanable.dirty.ratio")).isEqualTo("min.cleanable.dirty.ratio=0.5 sensitive=false synonyms={DEFAULT_CONFIG:log.cleaner.min.cleanable.ratio=0.5}");
    assertThat(l.get("remote.storage.enable")).isEqualTo("remote.storage.enable=false sensitive=false synonyms={}");
    assertThat(l.get("retention.ms")).isEqualTo("retention.ms=1000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=1000}");
    assertThat(l.get("segment.ms")).isEqualTo("segment.ms=604800000 sensitive=false synonyms={}");
    assertThat(l.get("segment.jitter.ms")).isEqualTo("segment.jitter.ms=0 sensitive=false synonyms={}");
    assertThat(l.get("unclean.leader.election.enable")).isEqualTo("unclean.leader.election.enable=false sensitive=false synonyms={DEFAULT_CONFIG:unclean.leader.election.enable=false}");
    assertThat(l).hasSize(33).doesNotContainKey("message.downconversion.enable").doesNotContainKey("mirror.link");
  }

  @Test
  void aMirrorTopicAlsoShowsItsMirrorKeys() {
    TopicMetadata t = new TopicMetadata("m", Uuid.randomUuid(), 1,
        Map.of("mirror.link", "east", "mirror.source.topic", "orders", "mirror.state", "active"));
    Map<String, String> l = lines(BrokerConfig.of(Map.of()), t);
    assertThat(l).hasSize(36);
    assertThat(l.get("mirror.link")).isEqualTo("mirror.link=east sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:mirror.link=east}");
  }

  @Test
  void brokerSettingsShowAsStaticSynonyms() {
    BrokerConfig broker = BrokerConfig.of(Map.of("log.cleanup.policy", "compact", "log.retention.hours", "2"));
    Map<String, String> l = lines(broker, new TopicMetadata("t", Uuid.randomUuid(), 1, Map.of("cleanup.policy", "compact,delete")));
    assertThat(l.get("cleanup.policy")).isEqualTo("cleanup.policy=compact,delete sensitive=false synonyms={"
        + "DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact,delete, STATIC_BROKER_CONFIG:log.cleanup.policy=compact, "
        + "DEFAULT_CONFIG:log.cleanup.policy=delete}");
    // Kafka reports only the primary synonym (log.retention.ms), even when hours decide the value.
    assertThat(l.get("retention.ms")).isEqualTo("retention.ms=7200000 sensitive=false synonyms={}");
    ConfigDescriber.Entry policy = ConfigDescriber.topic(broker, new TopicMetadata("t", Uuid.randomUuid(), 1, Map.of()))
        .stream().filter(e -> e.name().equals("cleanup.policy")).findFirst().orElseThrow();
    assertThat(policy.source().name()).isEqualTo("STATIC_BROKER_CONFIG");
  }

  @Test
  void brokerEntriesAreReadOnlyWithSources() {
    List<ConfigDescriber.Entry> entries = ConfigDescriber.broker(BrokerConfig.of(Map.of("num.partitions", "3")));
    ConfigDescriber.Entry n = entries.stream().filter(e -> e.name().equals("num.partitions")).findFirst().orElseThrow();
    assertThat(n.value()).isEqualTo("3");
    assertThat(n.source().name()).isEqualTo("STATIC_BROKER_CONFIG");
    assertThat(n.readOnly()).isTrue();
    ConfigDescriber.Entry ms = entries.stream().filter(e -> e.name().equals("log.retention.ms")).findFirst().orElseThrow();
    assertThat(ms.value()).isNull();
    assertThat(ms.synonyms()).isEmpty();
    ConfigDescriber.Entry id = entries.stream().filter(e -> e.name().equals("broker.id")).findFirst().orElseThrow();
    assertThat(id.value()).isEqualTo("1");
  }
}
