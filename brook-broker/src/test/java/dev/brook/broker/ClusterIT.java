package dev.brook.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three in-process brokers on one in-process ZooKeeper, driven by Kafka's own clients. */
class ClusterIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  private InProcessCluster cluster;

  @BeforeEach
  void startCluster() throws Exception {
    cluster = new InProcessCluster(dir);
    for (int id = 1; id <= 3; id++) cluster.start(id);
    // Registrations reach the other brokers through their ZooKeeper watches.
    await().atMost(WAIT).until(() -> cluster.brokers().stream().allMatch(b -> b.cluster().liveBrokers().size() == 3));
  }

  @AfterEach
  void stopCluster() throws Exception {
    if (cluster != null) cluster.close();
  }

  private Admin admin(Broker via) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, via.bootstrapServers());
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    return Admin.create(p);
  }

  private static Map<Integer, String> layout(TopicDescription d) {
    return d.partitions().stream().collect(Collectors.toMap(TopicPartitionInfo::partition,
        p -> p.leader() + " " + p.replicas().stream().map(Node::id).toList() + " " + p.isr().stream().map(Node::id).toList()));
  }

  @Test
  void topicsCreatedOnOneBrokerAreDescribedAlikeByEveryBroker() throws Exception {
    try (Admin admin = admin(cluster.broker(2))) {
      admin.createTopics(List.of(new NewTopic("replicated", 6, (short) 3), new NewTopic("single", 3, (short) 1)))
          .all().get();
      await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
        TopicDescription d = admin.describeTopics(List.of("replicated")).allTopicNames().get().get("replicated");
        assertThat(d.partitions()).hasSize(6).allSatisfy(p -> {
          assertThat(p.replicas()).hasSize(3);
          assertThat(p.isr()).hasSize(3);
          assertThat(p.leader()).isEqualTo(p.replicas().get(0));
        });
        // Leadership is spread: every broker leads two of the six partitions.
        assertThat(d.partitions().stream().collect(Collectors.groupingBy(p -> p.leader().id(), Collectors.counting())))
            .containsOnly(Map.entry(1, 2L), Map.entry(2, 2L), Map.entry(3, 2L));
      });
      Map<Integer, String> seenBy2 = layout(admin.describeTopics(List.of("replicated")).allTopicNames().get()
          .get("replicated"));
      for (int id : List.of(1, 3)) {
        try (Admin other = admin(cluster.broker(id))) {
          assertThat(other.describeCluster().nodes().get()).extracting(Node::id).containsExactlyInAnyOrder(1, 2, 3);
          await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> assertThat(layout(other.describeTopics(List.of("replicated"))
              .allTopicNames().get().get("replicated"))).isEqualTo(seenBy2));
        }
      }
      int controller = admin.describeCluster().controller().get().id();
      assertThat(cluster.broker(controller).cluster().controller().isActive()).isTrue();
      // Preferred leaders already lead: nothing to elect.
      var election = admin.electLeaders(ElectionType.PREFERRED, Set.of(new TopicPartition("replicated", 0)))
          .partitions().get();
      assertThat(election.get(new TopicPartition("replicated", 0))).isPresent();
    }
    // Records go to each partition's leader wherever it is, and come back.
    try (KafkaProducer<String, String> producer = producer(cluster.broker(1))) {
      for (int i = 0; i < 30; i++) producer.send(new ProducerRecord<>("single", i % 3, null, "r" + i)).get();
    }
    List<String> read = consumeAll(cluster.broker(3), "single", 3, 30);
    assertThat(read).hasSize(30).containsExactlyInAnyOrderElementsOf(
        java.util.stream.IntStream.range(0, 30).mapToObj(i -> "r" + i).toList());
  }

  @Test
  void leadersMoveWhenABrokerStopsAndDeletedTopicsLeaveEveryBroker() throws Exception {
    try (Admin admin = admin(cluster.broker(1))) {
      admin.createTopics(List.of(new NewTopic("moving", 3, (short) 3), new NewTopic("gone", 3, (short) 1))).all().get();
      await().atMost(WAIT).ignoreExceptions().until(() -> admin.describeTopics(List.of("moving", "gone")).allTopicNames().get().values()
          .stream().allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null)));
      int controller = admin.describeCluster().controller().get().id();
      int victim = controller == 3 ? 2 : 3;
      cluster.stop(victim);
      await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
        assertThat(admin.describeCluster().nodes().get()).extracting(Node::id).doesNotContain(victim);
        TopicDescription d = admin.describeTopics(List.of("moving")).allTopicNames().get().get("moving");
        assertThat(d.partitions()).allSatisfy(p -> {
          assertThat(p.leader()).isNotNull();
          assertThat(p.leader().id()).isNotEqualTo(victim);
          assertThat(p.isr()).extracting(Node::id).doesNotContain(victim);
        });
      });
      // Every partition the victim led has a new leader epoch on the survivors' view.
      for (Broker b : cluster.brokers()) {
        for (int p = 0; p < 3; p++) {
          var s = b.cluster().partitionState(new TopicPartition("moving", p)).orElseThrow();
          if (s.replicas().get(0) == victim) assertThat(s.leaderEpoch()).isGreaterThan(0);
        }
      }
      // The returning broker registers again and is a replica once more.
      cluster.start(victim);
      await().atMost(WAIT).ignoreExceptions().untilAsserted(() ->
          assertThat(admin.describeCluster().nodes().get()).extracting(Node::id).contains(victim));

      List<Path> goneLogs = new ArrayList<>();
      for (Broker b : cluster.brokers()) {
        try (var files = Files.list(b.logDir())) {
          files.filter(f -> f.getFileName().toString().startsWith("gone-")).forEach(goneLogs::add);
        }
      }
      assertThat(goneLogs).isNotEmpty();
      admin.deleteTopics(List.of("gone")).all().get();
      for (Broker b : cluster.brokers()) {
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> assertThat(b.cluster().partitionState(new TopicPartition("gone", 0)))
            .isEmpty());
      }
      await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> assertThat(goneLogs).noneMatch(Files::exists));
      assertThat(admin.listTopics().names().get()).doesNotContain("gone").contains("moving");
    }
  }

  @Test
  void reassignmentMovesReplicasAndPreferredElectionBringsLeadershipBack() throws Exception {
    TopicPartition tp = new TopicPartition("moved", 0);
    try (Admin admin = admin(cluster.broker(1))) {
      admin.createTopics(List.of(new NewTopic("moved", Map.of(0, List.of(1, 2))))).all().get();
      await().atMost(WAIT).ignoreExceptions().until(() -> cluster.broker(3).cluster().partitionState(tp).map(s -> s.isr().size() == 2)
          .orElse(false));
      try (KafkaProducer<String, String> producer = producer(cluster.broker(1))) {
        for (int i = 0; i < 20; i++) producer.send(new ProducerRecord<>("moved", 0, null, "m" + i)).get();
      }
      admin.alterPartitionReassignments(Map.of(tp, java.util.Optional.of(
          new org.apache.kafka.clients.admin.NewPartitionReassignment(List.of(3, 2))))).all().get();
      await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
        assertThat(admin.listPartitionReassignments().reassignments().get()).isEmpty();
        TopicPartitionInfo p = admin.describeTopics(List.of("moved")).allTopicNames().get().get("moved").partitions().get(0);
        assertThat(p.replicas()).extracting(Node::id).containsExactly(3, 2);
        assertThat(p.isr()).extracting(Node::id).containsExactlyInAnyOrder(3, 2);
      });
      // Broker 1 dropped its replica; broker 3 has every record.
      await().atMost(WAIT).ignoreExceptions().until(() -> !Files.exists(cluster.broker(1).logDir().resolve("moved-0")));
      assertThat(consumeAll(cluster.broker(3), "moved", 1, 20)).hasSize(20);

      // Leadership leaves broker 3 while it is away, and comes back on a preferred election.
      cluster.stop(3);
      await().atMost(WAIT).ignoreExceptions().until(() -> cluster.broker(1).cluster().partitionState(tp).map(s -> s.leader() == 2)
          .orElse(false));
      cluster.start(3);
      await().atMost(WAIT).ignoreExceptions().until(() -> cluster.broker(1).cluster().partitionState(tp)
          .map(s -> s.isr().contains(3)).orElse(false));
      await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
        var result = admin.electLeaders(ElectionType.PREFERRED, Set.of(tp)).partitions().get();
        assertThat(result.get(tp)).isEmpty(); // no error
      });
      await().atMost(WAIT).ignoreExceptions().untilAsserted(() ->
          assertThat(cluster.broker(1).cluster().partitionState(tp).orElseThrow().leader()).isEqualTo(3));
      assertThat(consumeAll(cluster.broker(2), "moved", 1, 20)).hasSize(20);
    }
  }

  private static KafkaProducer<String, String> producer(Broker via) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, via.bootstrapServers());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    return new KafkaProducer<>(p);
  }

  private static List<String> consumeAll(Broker via, String topic, int partitions, int expected) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, via.bootstrapServers());
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<String> out = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
      List<TopicPartition> tps = new ArrayList<>();
      for (int i = 0; i < partitions; i++) tps.add(new TopicPartition(topic, i));
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (out.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) out.add(r.value());
      }
    }
    return out;
  }
}
