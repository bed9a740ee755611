package dev.brook.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.brook.broker.cluster.PartitionState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replication through the real controller: three in-process brokers on one in-process ZooKeeper,
 * RF=3, min.insync.replicas=2, an idempotent acks=all producer. The leader stops without moving its
 * leadership first; the controller elects a follower from the ISR, the producer carries on, and
 * every acknowledged record is read back exactly once, in order. The stopped broker returns,
 * catches up and rejoins the ISR.
 */
class ReplicatedClusterIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String TOPIC = "replicated";
  private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

  @TempDir Path dir;
  private InProcessCluster cluster;

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) cluster.close();
  }

  private PartitionState state() {
    return cluster.brokers().iterator().next().cluster().partitionState(TP).orElseThrow();
  }

  @Test
  void leaderKillLosesNoAckedRecord() throws Exception {
    cluster = new InProcessCluster(dir, Map.of(
        "controlled.shutdown.enable", "false", // the leader just goes away
        "replica.fetch.wait.max.ms", "100"));
    for (int id = 1; id <= 3; id++) cluster.start(id);
    try (Admin admin = admin(cluster.broker(1))) {
      admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 3).configs(Map.of("min.insync.replicas", "2"))))
          .all().get();
    }
    await().atMost(WAIT).until(() -> cluster.brokers().stream().allMatch(b -> b.cluster().partitionState(TP)
        .map(s -> s.leader() >= 0 && s.isr().size() == 3).orElse(false)));

    List<String> acked = Collections.synchronizedList(new ArrayList<>());
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    int leader;
    try (KafkaProducer<String, String> producer = producer()) {
      for (int i = 0; i < 200; i++) sent.add(send(producer, acked, "before-" + i));
      for (Future<RecordMetadata> f : sent) f.get();
      leader = state().leader();
      int oldEpoch = state().leaderEpoch();
      long stopped = System.nanoTime();
      cluster.stop(leader);
      for (int i = 0; i < 200; i++) sent.add(send(producer, acked, "after-" + i));
      sent.get(200).get();
      long failoverMs = (System.nanoTime() - stopped) / 1_000_000;
      producer.flush();
      for (Future<RecordMetadata> f : sent) f.get();
      System.out.printf("ReplicatedClusterIT: first acks=all record acknowledged %d ms after leader %d stopped%n",
          failoverMs, leader);
      assertThat(state().leader()).isNotEqualTo(leader);
      assertThat(state().leaderEpoch()).isGreaterThan(oldEpoch);
    }
    assertThat(acked).hasSize(400);
    List<String> read = consumeAll(cluster.brokers().iterator().next(), 400);
    // Exactly once and in the order produced (one idempotent producer, one partition).
    assertThat(read).containsExactlyElementsOf(expectedOrder());

    cluster.start(leader);
    await().atMost(WAIT).untilAsserted(() -> assertThat(state().isr()).containsExactlyInAnyOrder(1, 2, 3));
  }

  private static List<String> expectedOrder() {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < 200; i++) out.add("before-" + i);
    for (int i = 0; i < 200; i++) out.add("after-" + i);
    return out;
  }

  private static Future<RecordMetadata> send(KafkaProducer<String, String> producer, List<String> acked, String value) {
    return producer.send(new ProducerRecord<>(TOPIC, 0, null, value), (md, e) -> {
      if (e == null) acked.add(value);
    });
  }

  private Admin admin(Broker via) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, via.bootstrapServers());
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    return Admin.create(p);
  }

  private KafkaProducer<String, String> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 100);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    return new KafkaProducer<>(p);
  }

  private static List<String> consumeAll(Broker via, int expected) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, via.bootstrapServers());
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<String> out = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
      consumer.assign(List.of(TP));
      consumer.seekToBeginning(List.of(TP));
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (out.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) out.add(r.value());
      }
    }
    return out;
  }
}
