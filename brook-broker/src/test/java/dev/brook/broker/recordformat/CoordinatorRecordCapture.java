package dev.brook.broker.recordformat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Regenerates the golden coordinator records under {@code src/test/resources/coordinator-records}:
 * drives a broker the way applications do (a classic group committing offsets with metadata
 * strings, optionally a KIP-848 consumer group, a transaction committed with TxnOffsetCommit, one
 * left open), then reads {@code __consumer_offsets} and {@code __transaction_state} raw and writes
 * each record as one line {@code partition offset keyHex valueHex|null}.
 *
 * <pre>
 * ANCHOR_DIR=/tmp/codec-anchor ../shared/anchor/kafka-anchor.sh start 29192
 * java -cp brook-broker/target/test-classes:$(deps) dev.brook.broker.recordformat.CoordinatorRecordCapture \
 *     127.0.0.1:29192 brook-broker/src/test/resources/coordinator-records/kafka-4.1.1 consumer
 * </pre>
 *
 * With an output directory of {@code -}, it only runs the workload. That is how the data directory
 * of an older Brook ({@code brook-f73d531-data-dir.tar.gz}, for {@link LegacyDataDirIT}) was made:
 *
 * <pre>
 * git clone . /tmp/brook-old &amp;&amp; cd /tmp/brook-old &amp;&amp; git checkout f73d531
 * BROOK_AOT=off bin/brook server --override log.dirs=/tmp/legacy-dir \
 *     --override listeners=PLAINTEXT://127.0.0.1:29392 &amp;
 * java -cp ... CoordinatorRecordCapture 127.0.0.1:29392 -     # then SIGTERM the server
 * tar czf brook-f73d531-data-dir.tar.gz -C /tmp/legacy-dir .
 * </pre>
 *
 * The last argument {@code consumer} adds the KIP-848 group. Not a test: a tool kept so the
 * fixtures can be made again.
 */
public final class CoordinatorRecordCapture {
  static final String TOPIC = "golden";
  static final String CLASSIC_GROUP = "classic-group";
  static final String CONSUMER_GROUP = "consumer-group";
  static final String TXN_GROUP = "txn-group";
  static final String TXN_DONE = "txn-complete";
  static final String TXN_OPEN = "txn-ongoing";

  private CoordinatorRecordCapture() {}

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String out = args[1];
    boolean consumerGroup = args.length > 2 && args[2].equals("consumer");
    createTopic(bootstrap);
    produce(bootstrap);
    classicGroup(bootstrap);
    if (consumerGroup) consumerGroup(bootstrap);
    transaction(bootstrap, TXN_DONE, true);
    try (KafkaProducer<String, String> open = transaction(bootstrap, TXN_OPEN, false)) {
      if (!out.equals("-")) {
        Path dir = Path.of(out);
        Files.createDirectories(dir);
        dump(bootstrap, "__consumer_offsets", dir.resolve("consumer-offsets.txt"));
        dump(bootstrap, "__transaction_state", dir.resolve("transaction-state.txt"));
      }
      open.abortTransaction();
    }
  }

  private static void createTopic(String bootstrap) throws InterruptedException {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin.createTopics(List.of(new NewTopic(TOPIC, 3, (short) 1))).all().get();
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) throw new IllegalStateException(e);
    }
  }

  private static Properties producerProps(String bootstrap) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    return p;
  }

  private static void produce(String bootstrap) throws Exception {
    try (KafkaProducer<String, String> p = new KafkaProducer<>(producerProps(bootstrap))) {
      for (int i = 0; i < 30; i++) p.send(new ProducerRecord<>(TOPIC, i % 3, "k" + i, "v" + i)).get();
    }
  }

  private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, String group, String protocol) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("group.id", group);
    p.put("group.protocol", protocol);
    p.put("client.id", group + "-client");
    p.put("enable.auto.commit", "false");
    p.put("auto.offset.reset", "earliest");
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    return new KafkaConsumer<>(p);
  }

  /** Joins, waits (bounded) for an assignment, commits three offsets with metadata, leaves. */
  private static void classicGroup(String bootstrap) {
    joinAndCommit(bootstrap, CLASSIC_GROUP, "classic", Map.of(
        new TopicPartition(TOPIC, 0), new OffsetAndMetadata(5, "meta-0"),
        new TopicPartition(TOPIC, 1), new OffsetAndMetadata(7, "métadonnée"),
        new TopicPartition(TOPIC, 2), new OffsetAndMetadata(3)));
  }

  private static void consumerGroup(String bootstrap) {
    joinAndCommit(bootstrap, CONSUMER_GROUP, "consumer", Map.of(
        new TopicPartition(TOPIC, 0), new OffsetAndMetadata(2, "kip-848")));
  }

  private static void joinAndCommit(String bootstrap, String group, String protocol,
      Map<TopicPartition, OffsetAndMetadata> offsets) {
    try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap, group, protocol)) {
      c.subscribe(List.of(TOPIC));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (c.assignment().size() < 3) {
        if (System.nanoTime() > deadline) throw new IllegalStateException(group + " got no assignment in 60 s");
        c.poll(Duration.ofMillis(200));
      }
      c.commitSync(offsets, Duration.ofSeconds(30));
    }
  }

  /** A transaction with a record and TxnOffsetCommit; committed, or left open and returned. */
  private static KafkaProducer<String, String> transaction(String bootstrap, String id, boolean commit)
      throws Exception {
    Properties props = producerProps(bootstrap);
    props.put("transactional.id", id);
    props.put("transaction.timeout.ms", "60000");
    KafkaProducer<String, String> p = new KafkaProducer<>(props);
    p.initTransactions();
    p.beginTransaction();
    p.send(new ProducerRecord<>(TOPIC, 0, "tk", "tv")).get();
    p.send(new ProducerRecord<>(TOPIC, 2, "tk", "tv")).get();
    if (!commit) return p;
    p.sendOffsetsToTransaction(Map.of(new TopicPartition(TOPIC, 1), new OffsetAndMetadata(11, "in-txn")),
        new ConsumerGroupMetadata(TXN_GROUP));
    p.commitTransaction();
    p.close();
    return null;
  }

  /** Reads a whole internal topic raw (bounded: 60 s) and writes one line per record. */
  private static void dump(String bootstrap, String topic, Path file) throws IOException {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("exclude.internal.topics", "false");
    p.put("enable.auto.commit", "false");
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    HexFormat hex = HexFormat.of();
    List<String> lines = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      List<TopicPartition> parts = new ArrayList<>();
      for (PartitionInfo info : c.partitionsFor(topic, Duration.ofSeconds(30))) {
        parts.add(new TopicPartition(topic, info.partition()));
      }
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!caughtUp(c, end)) {
        if (System.nanoTime() > deadline) throw new IllegalStateException(topic + " not read in 60 s");
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          lines.add(r.partition() + " " + r.offset() + " " + hex.formatHex(r.key()) + " "
              + (r.value() == null ? "null" : hex.formatHex(r.value())));
        }
      }
    }
    Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    System.out.println(file + ": " + lines.size() + " records");
  }

  private static boolean caughtUp(KafkaConsumer<?, ?> c, Map<TopicPartition, Long> end) {
    Set<TopicPartition> parts = end.keySet();
    for (TopicPartition tp : parts) {
      if (c.position(tp, Duration.ofSeconds(10)) < end.get(tp)) return false;
    }
    return true;
  }
}
