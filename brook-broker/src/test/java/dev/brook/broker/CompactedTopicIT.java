package dev.brook.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A compacted topic through the real clients: the broker's cleaner compacts zstd batches. */
class CompactedTopicIT {
  static final String TOPIC = "latest-values";
  static final TopicPartition TP = new TopicPartition(TOPIC, 0);

  @TempDir Path dir;
  Broker broker;

  @AfterEach
  void stop() {
    if (broker != null) broker.close();
  }

  @Test
  void consumersSeeTheLatestValuePerKeyAfterCompaction() throws Exception {
    broker = PartitionTestSupport.start(dir, Map.of("log.cleaner.backoff.ms", "50"));
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      NewTopic topic = new NewTopic(TOPIC, 1, (short) 1).configs(Map.of(
          "cleanup.policy", "compact", "segment.ms", "50", "min.cleanable.dirty.ratio", "0.01"));
      admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
    }
    Map<String, String> latest = new HashMap<>();
    try (KafkaProducer<String, String> p = producer()) {
      for (int i = 0; i < 600; i++) {
        String key = "k" + (i % 12);
        String value = "value-" + i + "-" + "x".repeat(20);
        p.send(new ProducerRecord<>(TOPIC, 0, key, value)).get(30, TimeUnit.SECONDS);
        latest.put(key, value);
        if (i % 100 == 99) {
          Thread.sleep(60); // segment.ms passes: the next append rolls a new segment
        }
      }
    }

    // Wait until the cleaner has removed most of the history (the active segment keeps some).
    List<ConsumerRecord<String, String>>[] last = new List[1];
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
      last[0] = readAll();
      return last[0].size() < 200;
    });

    List<ConsumerRecord<String, String>> records = last[0];
    Map<String, String> seen = new HashMap<>();
    long previous = -1;
    for (ConsumerRecord<String, String> r : records) {
      assertThat(r.offset()).isGreaterThan(previous);
      previous = r.offset();
      seen.put(r.key(), r.value());
    }
    assertThat(seen).isEqualTo(latest);
    assertThat(records.get(records.size() - 1).offset()).isEqualTo(599);
    // Below the first record of the active part, every key appears once.
    Set<String> keys = new HashSet<>();
    long firstDuplicate = records.stream().filter(r -> !keys.add(r.key())).mapToLong(ConsumerRecord::offset).min().orElse(600);
    assertThat(records.stream().filter(r -> r.offset() < firstDuplicate).count()).isLessThanOrEqualTo(12);
  }

  private List<ConsumerRecord<String, String>> readAll() {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<ConsumerRecord<String, String>> out = new ArrayList<>();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
      c.assign(List.of(TP));
      c.seekToBeginning(List.of(TP));
      long end = c.endOffsets(List.of(TP)).get(TP);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (c.position(TP) < end && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }

  private KafkaProducer<String, String> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 20_000);
    return new KafkaProducer<>(p);
  }
}
