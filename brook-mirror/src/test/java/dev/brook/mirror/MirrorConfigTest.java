package dev.brook.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MirrorConfigTest {
  private static Map<String, String> base() {
    Map<String, String> m = new HashMap<>();
    m.put("clusters", "A, B");
    m.put("A.bootstrap.servers", "a:9092");
    m.put("B.bootstrap.servers", "b:9092");
    m.put("A->B.enabled", "true");
    return m;
  }

  private static void assertFails(Map<String, String> props, String message) {
    assertThatThrownBy(() -> MirrorConfig.parse(props)).isInstanceOf(MirrorConfigException.class).hasMessageContaining(message);
  }

  @Test
  void readsAnMm2FileWithMm2Defaults() {
    Map<String, String> m = base();
    m.put("tasks.max", "4"); // MM2 key without meaning here: accepted
    m.put("A.security.protocol", "PLAINTEXT");
    m.put("B.producer.compression.type", "lz4");
    m.put("A->B.topics", "orders.*, payments");
    MirrorConfig c = MirrorConfig.parse(m);
    assertThat(c.flows()).hasSize(1);
    MirrorConfig.Flow f = c.flows().get(0);
    assertThat(f.name()).isEqualTo("A->B");
    assertThat(f.source().adminProps()).containsEntry("security.protocol", "PLAINTEXT").containsEntry("bootstrap.servers", "a:9092");
    assertThat(f.target().producerProps()).containsEntry("compression.type", "lz4");
    assertThat(f.target().consumerProps()).doesNotContainKey("compression.type");
    assertThat(f.mirrorsTopic("orders-eu")).isTrue();
    assertThat(f.mirrorsTopic("payments")).isTrue();
    assertThat(f.mirrorsTopic("refunds")).isFalse();
    assertThat(f.policy().targetTopic("A", "orders")).isEqualTo("A.orders");
    assertThat(f.checkpointsTopic()).isEqualTo("A.checkpoints.internal");
    assertThat(f.offsetSyncsTopic()).isEqualTo("mm2-offset-syncs.A.internal");
    assertThat(f.syncTopicConfigs()).isTrue();
    assertThat(f.emitCheckpoints()).isTrue();
    assertThat(f.syncGroupOffsets()).isFalse();
  }

  @Test
  void excludesInternalTopicsAndTopicsThatCameFromTheTarget() {
    Map<String, String> m = base();
    m.put("B->A.enabled", "true");
    MirrorConfig c = MirrorConfig.parse(m);
    MirrorConfig.Flow ab = c.flows().stream().filter(f -> f.name().equals("A->B")).findFirst().orElseThrow();
    assertThat(ab.mirrorsTopic("B.orders")).as("came from B: a cycle").isFalse();
    assertThat(ab.mirrorsTopic("C.orders")).isTrue();
    assertThat(ab.mirrorsTopic("__consumer_offsets")).isFalse();
    assertThat(ab.mirrorsTopic("mm2-offset-syncs.B.internal")).isFalse();
    assertThat(ab.mirrorsTopic("B.checkpoints.internal")).isFalse();
    assertThat(ab.mirrorsTopic("C.B.orders")).as("came from B two hops up: a cycle").isFalse();
    assertThat(ab.mirrorsGroup("billing")).isTrue();
    assertThat(ab.mirrorsGroup("console-consumer-123")).isFalse();
    assertThat(ab.mirrorsGroup("brook-mirror.B->A")).isFalse();
  }

  @Test
  void heartbeatsAreOnByDefaultAndMirroredOnwardPastTheTopicFilter() {
    Map<String, String> m = base();
    m.put("topics", "orders");
    m.put("C.bootstrap.servers", "c:9092");
    m.put("clusters", "A, B, C");
    MirrorConfig.Flow f = MirrorConfig.parse(m).flows().get(0);
    assertThat(f.emitHeartbeats()).isTrue();
    assertThat(f.heartbeatInterval()).hasSeconds(1);
    assertThat(f.mirrorsTopic("heartbeats")).isTrue();
    assertThat(f.mirrorsTopic("C.heartbeats")).isTrue();
    assertThat(f.mirrorsTopic("B.heartbeats")).as("B's own heartbeats, back to B").isFalse();
    assertThat(f.mirrorsTopic("C.B.heartbeats")).as("a cycle two hops long").isFalse();
    assertThat(f.mirrorsTopic("payments")).isFalse();

    m.put("heartbeats.replication.enabled", "false");
    m.put("A->B.emit.heartbeats.enabled", "false");
    f = MirrorConfig.parse(m).flows().get(0);
    assertThat(f.emitHeartbeats()).isFalse();
    assertThat(f.mirrorsTopic("heartbeats")).isFalse();

    m.put("emit.heartbeats.interval.seconds", "0");
    assertThatThrownBy(() -> MirrorConfig.parse(m)).hasMessageContaining("emit.heartbeats.interval.seconds: expected an integer >= 1");
  }

  @Test
  void identityPolicyNamesHeartbeatsAsMm2Does() {
    Map<String, String> m = base();
    m.put("replication.policy.class", ReplicationPolicy.IDENTITY_CLASS);
    MirrorConfig.Flow f = MirrorConfig.parse(m).flows().get(0);
    assertThat(f.policy().targetTopic("A", "orders")).isEqualTo("orders");
    assertThat(f.policy().targetTopic("A", "heartbeats")).isEqualTo("A.heartbeats");
    assertThat(f.policy().targetTopic("A", "C.heartbeats")).isEqualTo("A.C.heartbeats");
    assertThat(f.mirrorsTopic("B.heartbeats")).isFalse();
  }

  @Test
  void identityPolicyKeepsNames() {
    Map<String, String> m = base();
    m.put("replication.policy.class", "org.apache.kafka.connect.mirror.IdentityReplicationPolicy");
    MirrorConfig.Flow f = MirrorConfig.parse(m).flows().get(0);
    assertThat(f.policy().targetTopic("A", "orders")).isEqualTo("orders");
  }

  @Test
  void flowSettingsOverrideGlobalOnes() {
    Map<String, String> m = base();
    m.put("topics", "x");
    m.put("A->B.topics", "y");
    m.put("refresh.topics.interval.seconds", "2");
    MirrorConfig.Flow f = MirrorConfig.parse(m).flows().get(0);
    assertThat(f.mirrorsTopic("y")).isTrue();
    assertThat(f.mirrorsTopic("x")).isFalse();
    assertThat(f.refreshTopicsInterval().toSeconds()).isEqualTo(2);
  }

  @Test
  void everyMistakeNamesItsKey() {
    record Case(String key, String value, String message) {}
    for (Case c : List.of(
        new Case("A.bootstrap.server", "x:1", "A.bootstrap.server: unknown client setting 'bootstrap.server' for cluster A"),
        new Case("B.producer.linger", "5", "B.producer.linger: unknown producer setting 'linger'"),
        new Case("topics.blacklist", "x", "topics.blacklist: unknown key"),
        new Case("A->C.enabled", "true", "A->C.enabled: 'C' is not one of the clusters"),
        new Case("A->B.enabeld", "true", "A->B.enabeld: unknown flow setting 'enabeld'"),
        new Case("A->B.enabled", "yes", "A->B.enabled: expected true or false, got 'yes'"),
        new Case("topics", "orders(", "topics: not a regular expression"),
        new Case("refresh.topics.interval.seconds", "0", "refresh.topics.interval.seconds: expected an integer >= 1"),
        new Case("replication.policy.class", "com.example.Mine", "replication.policy.class: 'com.example.Mine' is not supported"),
        new Case("offset-syncs.topic.location", "source", "offset-syncs.topic.location: brook mirror keeps offset syncs on the target"),
        new Case("B.transactional.id", "x", "B.transactional.id: brook mirror sets transactional.id itself"),
        new Case("A->B.enabled", "false", "no flow is enabled"))) {
      Map<String, String> m = base();
      m.put(c.key(), c.value());
      assertFails(m, c.message());
    }
    Map<String, String> m = base();
    m.remove("B.bootstrap.servers");
    assertFails(m, "B.bootstrap.servers: required");
    assertFails(Map.of("A.bootstrap.servers", "x"), "clusters: required");
  }
}
