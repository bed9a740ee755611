package dev.brook.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.brook.broker.config.BrokerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole broker (storage, partitions, topic admin) with real clients: topics, configs, restarts. */
class BrokerTopicsIT {
  @TempDir Path dir;
  private Broker broker;

  private Broker start(Map<String, String> extra) throws Exception {
    Map<String, String> s = new java.util.HashMap<>(extra);
    s.put("log.dirs", dir.toString());
    s.put("listeners", "PLAINTEXT://127.0.0.1:0");
    broker = Broker.start(BrokerConfig.of(s));
    return broker;
  }

  @AfterEach
  void stop() {
    if (broker != null) broker.close();
  }

  private Admin admin() {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    return Admin.create(p);
  }

  private KafkaProducer<String, String> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
    return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
  }

  private List<ConsumerRecord<String, String>> readAll(TopicPartition tp, int expected) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    List<ConsumerRecord<String, String>> out = new ArrayList<>();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      await().atMost(Duration.ofSeconds(20)).until(() -> {
        c.poll(Duration.ofMillis(100)).forEach(out::add);
        return out.size() >= expected;
      });
    }
    return out;
  }

  @Test
  void producerAutoCreatesATopicWithNumPartitions() throws Exception {
    start(Map.of("num.partitions", "3"));
    try (KafkaProducer<String, String> p = producer()) {
      RecordMetadata m = p.send(new ProducerRecord<>("auto", 2, "k", "v")).get();
      assertThat(m.offset()).isZero();
    }
    try (Admin admin = admin()) {
      TopicDescription d = admin.describeTopics(List.of("auto")).allTopicNames().get().get("auto");
      assertThat(d.partitions()).hasSize(3);
      assertThat(d.topicId()).isNotEqualTo(Uuid.ZERO_UUID);
    }
    assertThat(readAll(new TopicPartition("auto", 2), 1)).extracting(ConsumerRecord::value).containsExactly("v");
  }

  @Test
  void autoCreationCanBeTurnedOff() throws Exception {
    start(Map.of("auto.create.topics.enable", "false"));
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000);
    try (KafkaProducer<String, String> p = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> p.send(new ProducerRecord<>("none", "v")).get())
          .hasMessageContaining("not present in metadata");
    }
    try (Admin admin = admin()) {
      assertThat(admin.listTopics().names().get()).isEmpty();
    }
  }

  @Test
  void topicsConfigsAndDataSurviveARestart() throws Exception {
    start(Map.of());
    Uuid id;
    try (Admin admin = admin()) {
      id = admin.createTopics(List.of(new NewTopic("t", 2, (short) 1))).topicId("t").get();
      ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, "t");
      admin.incrementalAlterConfigs(Map.of(r, List.of(
          new AlterConfigOp(new ConfigEntry("retention.ms", "3600000"), AlterConfigOp.OpType.SET)))).all().get();
    }
    try (KafkaProducer<String, String> p = producer()) {
      for (int i = 0; i < 10; i++) p.send(new ProducerRecord<>("t", 1, "k" + i, "v" + i)).get();
    }
    assertThat(broker.config()).isNotNull();
    broker.close();
    start(Map.of());
    try (Admin admin = admin()) {
      TopicDescription d = admin.describeTopics(List.of("t")).allTopicNames().get().get("t");
      assertThat(d.topicId()).isEqualTo(id);
      assertThat(d.partitions()).hasSize(2);
      ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, "t");
      ConfigEntry retention = admin.describeConfigs(List.of(r)).all().get().get(r).get("retention.ms");
      assertThat(retention.value()).isEqualTo("3600000");
      assertThat(retention.source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
      Map<String, LogDirDescription> dirs = admin.describeLogDirs(List.of(broker.nodeId())).allDescriptions().get()
          .get(broker.nodeId());
      long size = dirs.values().iterator().next().replicaInfos().get(new TopicPartition("t", 1)).size();
      assertThat(size).isPositive();
    }
    assertThat(readAll(new TopicPartition("t", 1), 10)).hasSize(10);
  }

  @Test
  void deletedTopicIsGoneAfterRestartAndCanBeRecreatedEmpty() throws Exception {
    start(Map.of());
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic("d", 1, (short) 1))).all().get();
    }
    try (KafkaProducer<String, String> p = producer()) {
      p.send(new ProducerRecord<>("d", "old")).get();
    }
    try (Admin admin = admin()) {
      admin.deleteTopics(List.of("d")).all().get();
    }
    broker.close();
    start(Map.of());
    try (Admin admin = admin()) {
      assertThat(admin.listTopics().names().get()).doesNotContain("d");
      admin.createTopics(List.of(new NewTopic("d", 1, (short) 1))).all().get();
      Map<TopicPartition, org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo> end =
          admin.listOffsets(Map.of(new TopicPartition("d", 0), org.apache.kafka.clients.admin.OffsetSpec.latest()))
              .all().get();
      assertThat(end.get(new TopicPartition("d", 0)).offset()).isZero();
    }
  }
}
