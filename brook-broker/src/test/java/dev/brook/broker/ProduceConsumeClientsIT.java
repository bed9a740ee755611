package dev.brook.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The real kafka-clients producer and consumer (assign/seek) against Brook. */
class ProduceConsumeClientsIT {
  @TempDir Path dir;
  Broker broker;

  @BeforeEach
  void start() throws Exception {
    broker = PartitionTestSupport.start(dir, Map.of());
  }

  @AfterEach
  void stop() {
    if (broker != null) broker.close();
  }

  private void createTopic(String name, int partitions) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
  }

  private KafkaProducer<String, String> producer(Map<String, Object> extra) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 20_000);
    p.putAll(extra);
    return new KafkaProducer<>(p);
  }

  private KafkaConsumer<String, String> consumer(Map<String, Object> extra) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.putAll(extra);
    return new KafkaConsumer<>(p);
  }

  private static List<ConsumerRecord<String, String>> pollUntil(KafkaConsumer<String, String> c, int count) {
    List<ConsumerRecord<String, String>> out = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (out.size() < count && System.nanoTime() < deadline) {
      c.poll(Duration.ofMillis(500)).forEach(out::add);
    }
    return out;
  }

  private static List<RecordMetadata> sendAll(KafkaProducer<String, String> p, String topic, int n) throws Exception {
    List<Future<RecordMetadata>> futures = new ArrayList<>();
    for (int i = 0; i < n; i++) futures.add(p.send(new ProducerRecord<>(topic, 0, "k" + i, "v" + i)));
    p.flush();
    List<RecordMetadata> out = new ArrayList<>();
    for (Future<RecordMetadata> f : futures) out.add(f.get(30, TimeUnit.SECONDS));
    return out;
  }

  @Test
  void defaultIdempotentProducerAndAssignedConsumerRoundTrip() throws Exception {
    createTopic("orders", 1);
    try (KafkaProducer<String, String> p = producer(Map.of())) {
      List<RecordMetadata> md = sendAll(p, "orders", 200);
      assertThat(md).extracting(RecordMetadata::offset).containsExactlyElementsOf(java.util.stream.LongStream.range(0, 200).boxed().toList());
    }
    try (KafkaConsumer<String, String> c = consumer(Map.of())) {
      TopicPartition tp = new TopicPartition("orders", 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      List<ConsumerRecord<String, String>> got = pollUntil(c, 200);
      assertThat(got).hasSize(200);
      assertThat(got.get(199).value()).isEqualTo("v199");
      assertThat(c.endOffsets(List.of(tp))).containsEntry(tp, 200L);
      assertThat(c.beginningOffsets(List.of(tp))).containsEntry(tp, 0L);
      // seek into the middle of a batch: the consumer skips what is before its position
      c.seek(tp, 137);
      List<ConsumerRecord<String, String>> fromMiddle = pollUntil(c, 63);
      assertThat(fromMiddle.get(0).offset()).isEqualTo(137);
      assertThat(fromMiddle).hasSize(63);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "1", "all"})
  void everyAcksSettingDelivers(String acks) throws Exception {
    createTopic("acks", 1);
    Map<String, Object> cfg = Map.of(ProducerConfig.ACKS_CONFIG, acks, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "all".equals(acks));
    try (KafkaProducer<String, String> p = producer(cfg)) {
      sendAll(p, "acks", 50);
    }
    try (KafkaConsumer<String, String> c = consumer(Map.of())) {
      TopicPartition tp = new TopicPartition("acks", 0);
      c.assign(List.of(tp));
      c.seek(tp, 0);
      assertThat(pollUntil(c, 50)).extracting(ConsumerRecord::value).startsWith("v0", "v1").hasSize(50);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"gzip", "snappy", "lz4", "zstd"})
  void compressedProduceIsConsumable(String codec) throws Exception {
    createTopic("z", 1);
    try (KafkaProducer<String, String> p = producer(Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec, ProducerConfig.LINGER_MS_CONFIG, 20))) {
      List<RecordMetadata> md = sendAll(p, "z", 300);
      assertThat(md.get(299).offset()).isEqualTo(299);
    }
    try (KafkaConsumer<String, String> c = consumer(Map.of())) {
      TopicPartition tp = new TopicPartition("z", 0);
      c.assign(List.of(tp));
      c.seek(tp, 150);
      List<ConsumerRecord<String, String>> got = pollUntil(c, 150);
      assertThat(got.get(0).offset()).isEqualTo(150);
      assertThat(got.get(0).value()).isEqualTo("v150");
      assertThat(got).hasSize(150);
    }
  }

  @Test
  void longPollingConsumerIsWokenByAProduce() throws Exception {
    createTopic("lp", 1);
    Map<String, Object> cfg = Map.of(
        ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 60_000,
        ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 90_000,
        ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 90_000);
    KafkaConsumer<String, String> c = consumer(cfg);
    try (KafkaProducer<String, String> p = producer(Map.of())) {
      TopicPartition tp = new TopicPartition("lp", 0);
      c.assign(List.of(tp));
      c.seek(tp, 0);
      c.poll(Duration.ofMillis(200)); // the first fetch is now parked (nothing to read)
      CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
        try {
          sendAll(p, "lp", 1);
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      // Without a wake-up the parked fetch would answer only after 60 s.
      List<ConsumerRecord<String, String>> got = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (got.isEmpty() && System.nanoTime() < deadline) c.poll(Duration.ofMillis(500)).forEach(got::add);
      sent.get(30, TimeUnit.SECONDS);
      assertThat(got).extracting(ConsumerRecord::value).containsExactly("v0");
    } finally {
      c.close(Duration.ZERO); // its next fetch is parked for a minute: do not wait for it
    }
  }

  @Test
  void concurrentIdempotentProducersLoseAndDuplicateNothing() throws Exception {
    createTopic("many", 1);
    int producers = 3;
    int each = 2000;
    List<CompletableFuture<Void>> runs = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      String id = "p" + p;
      runs.add(CompletableFuture.runAsync(() -> {
        try (KafkaProducer<String, String> pr = producer(Map.of(ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.BATCH_SIZE_CONFIG, 4096))) {
          for (int i = 0; i < each; i++) pr.send(new ProducerRecord<>("many", 0, id, id + ":" + i));
          pr.flush();
        }
      }));
    }
    CompletableFuture.allOf(runs.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
    try (KafkaConsumer<String, String> c = consumer(Map.of())) {
      TopicPartition tp = new TopicPartition("many", 0);
      c.assign(List.of(tp));
      c.seek(tp, 0);
      List<ConsumerRecord<String, String>> got = pollUntil(c, producers * each);
      assertThat(got).hasSize(producers * each);
      Map<String, Integer> next = new java.util.HashMap<>();
      long expectedOffset = 0;
      for (ConsumerRecord<String, String> r : got) {
        assertThat(r.offset()).isEqualTo(expectedOffset++);
        int n = Integer.parseInt(r.value().substring(r.value().indexOf(':') + 1));
        assertThat(n).as("order of %s", r.key()).isEqualTo(next.getOrDefault(r.key(), 0));
        next.put(r.key(), n + 1);
      }
    }
  }

  /**
   * close() ends the consumer's fetch session with a fetch of no partitions; Kafka answers it at
   * once. Brook parked it for the consumer's fetch.max.wait.ms, so every close took that long (and
   * the full 30 s request timeout with a long poll of 30 s or more).
   */
  @Test
  void consumerCloseDoesNotWaitForItsFetchMaxWait() throws Exception {
    createTopic("closing", 2);
    try (KafkaProducer<String, String> p = producer(Map.of())) {
      sendAll(p, "closing", 100);
    }
    KafkaConsumer<String, String> c = consumer(Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20_000));
    List<TopicPartition> tps = List.of(new TopicPartition("closing", 0), new TopicPartition("closing", 1));
    try {
      c.assign(tps);
      c.seekToBeginning(tps);
      assertThat(pollUntil(c, 100)).hasSize(100); // the fetch session is open
      // No fetch in flight at close (a response Kafka would make close wait for too): paused
      // partitions are not fetched, and the long poll still out is answered once a record arrives.
      c.pause(tps);
      try (KafkaProducer<String, String> p = producer(Map.of())) {
        sendAll(p, "closing", 1);
      }
      awaitNothingInFlight(c);
    } catch (RuntimeException | AssertionError e) {
      c.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ZERO));
      throw e;
    }
    long start = System.nanoTime();
    c.close();
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertThat(ms).as("close() took %d ms with fetch.max.wait.ms = 20000", ms).isLessThan(10_000);
  }

  /** Polls (bounded: 30 s) until every request the consumer sent has its response. */
  private static void awaitNothingInFlight(KafkaConsumer<String, String> c) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (inFlight(c) > 0 && System.nanoTime() < deadline) c.poll(Duration.ofMillis(100));
    assertThat(inFlight(c)).as("requests without a response after 30 s").isZero();
  }

  private static double inFlight(KafkaConsumer<String, String> c) {
    double sent = 0;
    double answered = 0;
    for (var e : c.metrics().entrySet()) {
      if (!e.getKey().group().equals("consumer-metrics")) continue;
      if (e.getKey().name().equals("request-total")) sent = (Double) e.getValue().metricValue();
      if (e.getKey().name().equals("response-total")) answered = (Double) e.getValue().metricValue();
    }
    assertThat(sent).as("the consumer's request-total metric").isPositive();
    return sent - answered;
  }

  @Test
  void smallFetchSizesStillMakeProgress() throws Exception {
    createTopic("big", 1);
    String big = "x".repeat(5000);
    try (KafkaProducer<String, String> p = producer(Map.of())) {
      for (int i = 0; i < 5; i++) p.send(new ProducerRecord<>("big", 0, "k", big + i));
      p.flush();
    }
    Map<String, Object> cfg = Map.of(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 100, ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 200);
    try (KafkaConsumer<String, String> c = consumer(cfg)) {
      TopicPartition tp = new TopicPartition("big", 0);
      c.assign(List.of(tp));
      c.seek(tp, 0);
      assertThat(pollUntil(c, 5)).extracting(ConsumerRecord::value).containsExactly(big + 0, big + 1, big + 2, big + 3, big + 4);
    }
  }

  @Test
  void restartKeepsRecordsAndTheIdempotentProducerCarriesOn() throws Exception {
    createTopic("keep", 2);
    try (KafkaProducer<String, String> p = producer(Map.of())) {
      sendAll(p, "keep", 20);
    }
    broker.close();
    broker = PartitionTestSupport.start(dir, Map.of());
    try (KafkaProducer<String, String> p = producer(Map.of())) {
      List<RecordMetadata> md = sendAll(p, "keep", 5);
      assertThat(md.get(0).offset()).isEqualTo(20);
    }
    try (KafkaConsumer<String, String> c = consumer(Map.of())) {
      TopicPartition tp = new TopicPartition("keep", 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      List<ConsumerRecord<String, String>> got = pollUntil(c, 25);
      assertThat(got).hasSize(25);
      assertThat(got.get(19).value()).isEqualTo("v19");
      assertThat(got.get(20).value()).isEqualTo("v0");
    }
  }
}
