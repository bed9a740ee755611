package dev.brook.broker.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.broker.admin.TopicManager.NewTopic;
import dev.brook.broker.admin.TopicManager.Outcome;
import dev.brook.broker.cluster.LocalMetadataStore;
import dev.brook.broker.cluster.MetaProperties;
import dev.brook.broker.config.BrokerConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TopicManagerTest {
  @TempDir Path dir;
  private FakeReplicaManager replicas;
  private TopicManager topics;

  @BeforeEach
  void start() throws Exception {
    topics = open(Map.of());
  }

  @AfterEach
  void stop() throws Exception {
    topics.close();
  }

  private TopicManager open(Map<String, String> settings) throws Exception {
    Map<String, String> s = new HashMap<>(settings);
    s.put("log.dir", dir.toString());
    BrokerConfig config = BrokerConfig.of(s);
    replicas = new FakeReplicaManager();
    TopicManager m = new TopicManager(config,
        LocalMetadataStore.open(dir, MetaProperties.loadOrCreate(dir, config.nodeId(), null, Uuid::randomUuid)),
        replicas, Uuid::randomUuid);
    m.openAll();
    return m;
  }

  private Outcome create(String name, int partitions, int rf, Map<String, String> configs) throws Exception {
    return topics.createTopic(new NewTopic(name, partitions, rf, Map.of(), configs), false);
  }

  @Test
  void createMakesTheTopicDurableAndOpensItsPartitions() throws Exception {
    Outcome o = create("orders", 3, 1, Map.of("retention.ms", "1000"));
    assertThat(o.isOk()).isTrue();
    assertThat(replicas.partitions).containsKeys(new TopicPartition("orders", 0), new TopicPartition("orders", 2));
    assertThat(replicas.configs.get(new TopicPartition("orders", 1)).retentionMs()).isEqualTo(1000);
    assertThat(replicas.overrides.get(new TopicPartition("orders", 1))).containsEntry("retention.ms", "1000");
    Uuid id = o.topic().id();
    topics.close();
    topics = open(Map.of());
    assertThat(topics.topicId("orders")).contains(id);
    assertThat(topics.partitionCount("orders")).contains(3);
    assertThat(replicas.partitions.get(new TopicPartition("orders", 2)).topicId()).isEqualTo(id);
    assertThat(replicas.configs.get(new TopicPartition("orders", 0)).retentionMs()).isEqualTo(1000);
  }

  @Test
  void defaultsComeFromNumPartitionsAndDefaultReplicationFactor() throws Exception {
    topics.close();
    topics = open(Map.of("num.partitions", "4"));
    assertThat(create("t", -1, -1, Map.of()).topic().partitions()).isEqualTo(4);
  }

  @Test
  void validateOnlyCreatesNothing() throws Exception {
    Outcome o = topics.createTopic(new NewTopic("t", 2, 1, Map.of(), Map.of()), true);
    assertThat(o.isOk()).isTrue();
    assertThat(topics.topic("t")).isEmpty();
    assertThat(replicas.partitions).isEmpty();
  }

  @Test
  void kafkasRulesGiveKafkasErrors() throws Exception {
    create("a.b", 1, 1, Map.of());
    assertThat(create("a.b", 1, 1, Map.of()).error()).isEqualTo(Errors.TOPIC_ALREADY_EXISTS);
    assertThat(create("a_b", 1, 1, Map.of()).error()).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION);
    assertThat(create("bad name", 1, 1, Map.of()).error()).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION);
    assertThat(create("..", 1, 1, Map.of()).error()).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION);
    assertThat(create("t", 0, 1, Map.of()).error()).isEqualTo(Errors.INVALID_PARTITIONS);
    assertThat(create("t", 1, 0, Map.of()).error()).isEqualTo(Errors.INVALID_REPLICATION_FACTOR);
    assertThat(create("t", 1, 3, Map.of()).error()).isEqualTo(Errors.INVALID_REPLICATION_FACTOR);
    assertThat(create("t", 1, 1, Map.of("retention.ms", "x")).error()).isEqualTo(Errors.INVALID_CONFIG);
    assertThat(create("t", 1, 1, Map.of("no.such.key", "1")).message()).isEqualTo("Unknown topic config name: no.such.key");
    assertThat(create("t", 20_000, 1, Map.of()).error()).isEqualTo(Errors.POLICY_VIOLATION);
    assertThat(topics.topic("t")).isEmpty();
  }

  @Test
  void manualAssignmentsMustNameThisBroker() throws Exception {
    Outcome ok = topics.createTopic(new NewTopic("t", -1, -1, Map.of(0, List.of(1), 1, List.of(1)), Map.of()), false);
    assertThat(ok.topic().partitions()).isEqualTo(2);
    assertThat(topics.createTopic(new NewTopic("u", -1, -1, Map.of(0, List.of(2)), Map.of()), false).error())
        .isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT);
    assertThat(topics.createTopic(new NewTopic("u", -1, -1, Map.of(1, List.of(1)), Map.of()), false).error())
        .isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT);
    assertThat(topics.createTopic(new NewTopic("u", 2, -1, Map.of(0, List.of(1)), Map.of()), false).error())
        .isEqualTo(Errors.INVALID_REQUEST);
  }

  @Test
  void deleteRemovesPartitionsThenTheTopic() throws Exception {
    create("t", 2, 1, Map.of());
    assertThat(topics.deleteTopic("t").isOk()).isTrue();
    assertThat(replicas.deleted).containsExactly(new TopicPartition("t", 0), new TopicPartition("t", 1));
    assertThat(topics.topic("t")).isEmpty();
    assertThat(topics.deleteTopic("t").error()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
    topics.close();
    topics = open(Map.of());
    assertThat(topics.topic("t")).isEmpty();
    assertThat(create("t", 1, 1, Map.of()).isOk()).isTrue();
  }

  @Test
  void deletionCanBeDisabled() throws Exception {
    topics.close();
    topics = open(Map.of("delete.topic.enable", "false"));
    create("t", 1, 1, Map.of());
    assertThat(topics.deleteTopic("t").error()).isEqualTo(Errors.TOPIC_DELETION_DISABLED);
  }

  @Test
  void partitionsOnlyGrow() throws Exception {
    create("t", 2, 1, Map.of());
    assertThat(topics.createPartitions("t", 2, null, false).error()).isEqualTo(Errors.INVALID_PARTITIONS);
    assertThat(topics.createPartitions("t", 1, null, false).error()).isEqualTo(Errors.INVALID_PARTITIONS);
    assertThat(topics.createPartitions("nope", 5, null, false).error()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
    assertThat(topics.createPartitions("t", 4, null, true).isOk()).isTrue();
    assertThat(topics.partitionCount("t")).contains(2);
    assertThat(topics.createPartitions("t", 4, List.of(List.of(1)), false).error())
        .isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT);
    assertThat(topics.createPartitions("t", 4, List.of(List.of(1), List.of(1)), false).isOk()).isTrue();
    assertThat(replicas.partitions).containsKey(new TopicPartition("t", 3));
    topics.close();
    topics = open(Map.of());
    assertThat(topics.partitionCount("t")).contains(4);
  }

  @Test
  void configChangesArePersistedAndReachTheLogs() throws Exception {
    create("t", 2, 1, Map.of("retention.ms", "1000"));
    assertThat(topics.replaceConfigs("t", Map.of("retention.ms", "bad"), false).error()).isEqualTo(Errors.INVALID_CONFIG);
    assertThat(topics.replaceConfigs("t", Map.of("segment.ms", "5"), true).isOk()).isTrue();
    assertThat(replicas.configs.get(new TopicPartition("t", 0)).segmentMs()).isNotEqualTo(5);
    assertThat(topics.replaceConfigs("t", Map.of("segment.ms", "5"), false).isOk()).isTrue();
    assertThat(replicas.configs.get(new TopicPartition("t", 1)).segmentMs()).isEqualTo(5);
    assertThat(replicas.configs.get(new TopicPartition("t", 1)).retentionMs()).isEqualTo(604_800_000L);
    topics.close();
    topics = open(Map.of());
    assertThat(topics.topic("t").orElseThrow().configs()).isEqualTo(Map.of("segment.ms", "5"));
  }

  @Test
  void ensureTopicCreatesOnceWithReplicationFactorOne() throws Exception {
    topics.close();
    topics = open(Map.of("default.replication.factor", "3"));
    Uuid id = topics.ensureTopic("__consumer_offsets", 5, Map.of("cleanup.policy", "compact"));
    assertThat(topics.ensureTopic("__consumer_offsets", 50, Map.of())).isEqualTo(id);
    assertThat(topics.partitionCount("__consumer_offsets")).contains(5);
    assertThat(replicas.configs.get(new TopicPartition("__consumer_offsets", 4)).compact()).isTrue();
    assertThatThrownBy(() -> topics.ensureTopic("bad name", 1, Map.of())).isInstanceOf(Exception.class);
  }
}
