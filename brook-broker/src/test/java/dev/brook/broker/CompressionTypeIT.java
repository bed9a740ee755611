package dev.brook.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A topic's compression.type with the real clients: the stored batches (read from the segment files,
 * as kafka-dump-log would) are in the topic's codec, consumers read back exactly what was sent, and
 * IncrementalAlterConfigs changes the codec live.
 */
class CompressionTypeIT {
  @TempDir Path dir;
  Broker broker;
  Admin admin;

  @AfterEach
  void stop() {
    if (admin != null) admin.close();
    if (broker != null) broker.close();
  }

  private void start(Map<String, String> brokerConfig) throws Exception {
    broker = PartitionTestSupport.start(dir, brokerConfig);
    admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()));
  }

  private void createTopic(String name, Map<String, String> configs) throws Exception {
    admin.createTopics(List.of(new NewTopic(name, 1, (short) 1).configs(configs))).all().get(30, TimeUnit.SECONDS);
  }

  private void setTopicConfig(String topic, String key, String value) throws Exception {
    ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    admin.incrementalAlterConfigs(Map.of(r, List.of(new AlterConfigOp(new ConfigEntry(key, value), AlterConfigOp.OpType.SET))))
        .all().get(30, TimeUnit.SECONDS);
  }

  private KafkaProducer<String, String> producer(Map<String, Object> extra) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 20_000);
    p.putAll(extra);
    return new KafkaProducer<>(p);
  }

  /** Sends {@code count} records (keys, headers, one null value) from {@code first}; returns them with their offsets. */
  private List<ProducerRecord<String, String>> send(KafkaProducer<String, String> p, String topic, int first, int count,
      List<Long> offsets) throws Exception {
    List<ProducerRecord<String, String>> sent = new ArrayList<>();
    List<Future<RecordMetadata>> acks = new ArrayList<>();
    for (int i = first; i < first + count; i++) {
      ProducerRecord<String, String> r = new ProducerRecord<>(topic, 0, 1_700_000_000_000L + i, i % 5 == 0 ? null : "key-" + i,
          i % 7 == 3 ? null : "value-" + i + "-" + "abc".repeat(i % 40),
          List.of(new RecordHeader("n", Integer.toString(i).getBytes(StandardCharsets.UTF_8))));
      sent.add(r);
      acks.add(p.send(r));
    }
    for (Future<RecordMetadata> f : acks) offsets.add(f.get(30, TimeUnit.SECONDS).offset());
    return sent;
  }

  /** Every record up to the end (the last stable offset for read_committed), from the start. */
  private List<ConsumerRecord<String, String>> readAll(String topic, boolean readCommitted) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    if (readCommitted) p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    TopicPartition tp = new TopicPartition(topic, 0);
    List<ConsumerRecord<String, String>> out = new ArrayList<>();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long end = c.endOffsets(List.of(tp)).get(tp);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (c.position(tp) < end && System.nanoTime() < deadline) c.poll(Duration.ofMillis(200)).forEach(out::add);
    }
    return out;
  }

  /** The batches of the topic's partition-0 segment files, in offset order, CRC-checked. */
  private List<RecordBatch> storedBatches(String topic) throws Exception {
    List<Path> segments;
    try (Stream<Path> files = Files.list(dir.resolve(topic + "-0"))) {
      segments = files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList();
    }
    List<RecordBatch> out = new ArrayList<>();
    for (Path segment : segments) {
      try (FileRecords records = FileRecords.open(segment.toFile(), false)) {
        for (RecordBatch b : records.batches()) {
          b.ensureValid();
          out.add(b);
        }
      } catch (NoSuchFileException e) {
        // the cleaner replaced it meanwhile: the caller retries
        throw new AssertionError("segment " + segment + " went away", e);
      }
    }
    return out;
  }

  private static List<CompressionType> codecsOf(List<RecordBatch> batches, boolean data) {
    return batches.stream().filter(b -> b.isControlBatch() != data).map(RecordBatch::compressionType).toList();
  }

  private static void assertSameRecords(List<ConsumerRecord<String, String>> read, List<ProducerRecord<String, String>> sent) {
    assertThat(read).hasSize(sent.size());
    for (int i = 0; i < sent.size(); i++) {
      ConsumerRecord<String, String> r = read.get(i);
      ProducerRecord<String, String> s = sent.get(i);
      assertThat(r.key()).isEqualTo(s.key());
      assertThat(r.value()).isEqualTo(s.value());
      assertThat(r.timestamp()).isEqualTo(s.timestamp());
      assertThat(r.headers().toArray()).containsExactly(s.headers().toArray());
    }
  }

  @Test
  void topicCodecIsStoredAndChangesLiveWithIncrementalAlterConfigs() throws Exception {
    start(Map.of());
    createTopic("t", Map.of("compression.type", "zstd"));
    List<Long> offsets = new ArrayList<>();
    List<ProducerRecord<String, String>> sent = new ArrayList<>();
    try (KafkaProducer<String, String> gzip = producer(Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip"))) {
      sent.addAll(send(gzip, "t", 0, 200, offsets));
      assertThat(codecsOf(storedBatches("t"), true)).isNotEmpty().containsOnly(CompressionType.ZSTD);

      setTopicConfig("t", "compression.type", "producer");
      int before = storedBatches("t").size();
      sent.addAll(send(gzip, "t", 200, 100, offsets));
      assertThat(codecsOf(storedBatches("t"), true).subList(before, storedBatches("t").size())).containsOnly(CompressionType.GZIP);

      setTopicConfig("t", "compression.type", "uncompressed");
      before = storedBatches("t").size();
      sent.addAll(send(gzip, "t", 300, 100, offsets));
      assertThat(codecsOf(storedBatches("t"), true).subList(before, storedBatches("t").size())).containsOnly(CompressionType.NONE);
    }
    try (KafkaProducer<String, String> plain = producer(Map.of())) {
      setTopicConfig("t", "compression.lz4.level", "17");
      setTopicConfig("t", "compression.type", "lz4");
      int before = storedBatches("t").size();
      sent.addAll(send(plain, "t", 400, 100, offsets));
      assertThat(codecsOf(storedBatches("t"), true).subList(before, storedBatches("t").size())).containsOnly(CompressionType.LZ4);
    }
    // The produce responses' offsets are the log's: 0..499 in order, and the consumer reads every
    // record back as sent, whatever codec its batch was stored in.
    List<Long> expected = new ArrayList<>();
    for (long i = 0; i < 500; i++) expected.add(i);
    assertThat(offsets).isEqualTo(expected);
    List<ConsumerRecord<String, String>> read = readAll("t", false);
    assertThat(read).extracting(ConsumerRecord::offset).isEqualTo(expected);
    assertSameRecords(read, sent);
    assertThat(storedBatches("t").stream().mapToLong(b -> b.lastOffset() - b.baseOffset() + 1).sum()).isEqualTo(500);
  }

  @Test
  void brokerDefaultAppliesToTopicsWithoutAnOverrideAndTransactionsStillWork() throws Exception {
    start(Map.of("compression.type", "gzip", "compression.gzip.level", "1",
        "transaction.state.log.replication.factor", "1", "transaction.state.log.min.isr", "1"));
    createTopic("tx", Map.of());
    List<ProducerRecord<String, String>> committed;
    List<Long> offsets = new ArrayList<>();
    try (KafkaProducer<String, String> p = producer(Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, "snappy",
        ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-1"))) {
      p.initTransactions();
      p.beginTransaction();
      send(p, "tx", 0, 50, new ArrayList<>());
      p.abortTransaction();
      p.beginTransaction();
      committed = send(p, "tx", 50, 50, offsets);
      p.commitTransaction();
    }
    List<RecordBatch> stored = storedBatches("tx");
    assertThat(codecsOf(stored, true)).isNotEmpty().containsOnly(CompressionType.GZIP);
    assertThat(stored.stream().filter(b -> !b.isControlBatch())).allMatch(RecordBatch::isTransactional);
    assertThat(codecsOf(stored, false)).hasSize(2).containsOnly(CompressionType.NONE); // abort and commit markers
    // read_committed sees only the committed half, exactly as sent.
    List<ConsumerRecord<String, String>> read = readAll("tx", true);
    assertSameRecords(read, committed);
    assertThat(read).extracting(ConsumerRecord::offset).isEqualTo(offsets);
  }

  @Test
  void theCleanerKeepsTheTopicsCodecWhenItRewritesBatches() throws Exception {
    start(Map.of("log.cleaner.backoff.ms", "50"));
    createTopic("c", Map.of("cleanup.policy", "compact", "compression.type", "lz4", "segment.ms", "50",
        "min.cleanable.dirty.ratio", "0.01"));
    Map<String, String> latest = new HashMap<>();
    // Four waves of 100 records over 10 keys, each wave one batch (sent together, then flushed) in
    // its own segment: the cleaner drops the first two waves and keeps the last value of each key of
    // the third, which it must rebuild as a smaller batch, compressed again.
    try (KafkaProducer<String, String> p = producer(Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip",
        ProducerConfig.LINGER_MS_CONFIG, 200))) {
      for (int wave = 0; wave < 4; wave++) {
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
          String key = "k" + (i % 10);
          String value = "value-" + wave + "-" + i;
          acks.add(p.send(new ProducerRecord<>("c", 0, key, value)));
          latest.put(key, value);
        }
        p.flush();
        for (Future<RecordMetadata> f : acks) f.get(30, TimeUnit.SECONDS);
        Thread.sleep(60); // segment.ms passes: the next wave rolls a new segment
      }
    }
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
      List<RecordBatch> stored = storedBatches("c");
      long records = 0;
      boolean rebuilt = false;
      List<CompressionType> codecs = new ArrayList<>();
      for (RecordBatch b : stored) {
        long n = 0;
        for (var r : b) n++;
        records += n;
        rebuilt |= !b.isControlBatch() && n > 0 && n < b.lastOffset() - b.baseOffset() + 1;
        // (an emptied batch kept for its producer's sequence is written uncompressed, as Kafka's is)
        if (n > 0) codecs.add(b.compressionType());
      }
      assertThat(records).isLessThan(200); // compacted
      assertThat(rebuilt).as("the cleaner rebuilt a batch that kept some of its records").isTrue();
      assertThat(codecs).containsOnly(CompressionType.LZ4);
    });
    Map<String, String> seen = new HashMap<>();
    for (ConsumerRecord<String, String> r : readAll("c", false)) seen.put(r.key(), r.value());
    assertThat(seen).isEqualTo(latest);
  }
}
