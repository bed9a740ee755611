package dev.brook.broker.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.brook.broker.RestartableBroker;
import dev.brook.storage.LogManager;
import dev.brook.storage.LogSegment;
import dev.brook.storage.ProducerSnapshots;
import dev.brook.storage.TxnIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Aborted transactions spread over many small segments, read by the real kafka-clients consumer:
 * read_committed gets exactly the committed records from the per-segment {@code .txnindex} files,
 * before and after an unclean restart that also lost the newest snapshot and the active segment's
 * transaction index (the producer-state replay re-indexes it).
 */
class AbortedTransactionsAcrossSegmentsIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final TopicPartition TP = new TopicPartition("t", 0);
  @TempDir Path dir;
  RestartableBroker brook;

  @BeforeEach
  void fixture() {
    brook = new RestartableBroker(dir, Map.of(
        "log.segment.bytes", "2048",
        "offsets.topic.num.partitions", "1",
        "transaction.state.log.num.partitions", "1"));
  }

  @AfterEach
  void stop() {
    brook.close();
  }

  private String bootstrap() {
    return brook.bootstrap();
  }

  private void start() throws Exception {
    brook.start();
  }

  private KafkaProducer<String, String> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx");
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    brook.register(producer);
    return producer;
  }

  private List<String> readAll(String isolation) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 7);
    p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 3000); // many fetches, each across a few segments
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      c.assign(List.of(TP));
      c.seekToBeginning(List.of(TP));
      long end = c.endOffsets(List.of(TP)).get(TP);
      List<String> values = new ArrayList<>();
      await().atMost(WAIT).until(() -> {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) values.add(r.value());
        return c.position(TP) >= end;
      });
      return values;
    }
  }

  /** Runs transactions 0..n-1 of 5 records each; every third one aborts. Returns the committed values. */
  private List<String> transactions(KafkaProducer<String, String> p, int from, int n) {
    List<String> committed = new ArrayList<>();
    for (int t = from; t < from + n; t++) {
      p.beginTransaction();
      List<String> values = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        String v = "txn" + t + "-" + i + "-" + "x".repeat(60);
        values.add(v);
        p.send(new ProducerRecord<>("t", 0, "k" + i, v));
      }
      p.flush();
      if (t % 3 == 1) {
        p.abortTransaction();
      } else {
        p.commitTransaction();
        committed.addAll(values);
      }
    }
    return committed;
  }

  @Test
  void readCommittedSkipsEveryAbortedTransactionAcrossSegmentsAndAnUncleanRestart() throws Exception {
    start();
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
      admin.createTopics(List.of(new NewTopic("t", 1, (short) 1))).all().get();
    }
    KafkaProducer<String, String> p = producer();
    p.initTransactions();
    List<String> committed = transactions(p, 0, 21);
    assertThat(readAll("read_committed")).isEqualTo(committed);
    assertThat(readAll("read_uncommitted")).hasSize(105);

    Path partitionDir = dir.resolve("t-0");
    List<Path> txnIndexes;
    try (var files = Files.list(partitionDir)) {
      txnIndexes = files.filter(f -> f.getFileName().toString().endsWith(TxnIndex.SUFFIX)).sorted().toList();
    }
    assertThat(txnIndexes.size()).isGreaterThan(3); // seven aborts, spread over the segments' own indexes
    assertThat(partitionDir.resolve(TxnIndex.LEGACY_FILE)).doesNotExist();

    // Stop, then make it look like a crash after the last roll: no clean-shutdown marker, no
    // snapshot newer than the last roll's, and the active segment's transaction index gone.
    p.close();
    brook.stop();
    Files.delete(dir.resolve(LogManager.CLEAN_SHUTDOWN_MARKER));
    long activeBase;
    try (var files = Files.list(partitionDir)) {
      activeBase = files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(LogSegment.LOG_SUFFIX))
          .map(n -> Long.parseLong(n.substring(0, 20))).max(Comparator.naturalOrder()).orElseThrow();
    }
    try (var files = Files.list(partitionDir)) {
      for (Path f : files.filter(f -> f.getFileName().toString().endsWith(ProducerSnapshots.SUFFIX)).toList()) {
        if (Long.parseLong(f.getFileName().toString().substring(0, 20)) > activeBase) Files.delete(f);
      }
    }
    Files.deleteIfExists(partitionDir.resolve(LogSegment.fileName(activeBase, TxnIndex.SUFFIX)));
    start();

    assertThat(readAll("read_committed")).isEqualTo(committed);
    // The same transactional id goes on after the restart.
    KafkaProducer<String, String> again = producer();
    again.initTransactions();
    committed.addAll(transactions(again, 21, 3));
    assertThat(readAll("read_committed")).isEqualTo(committed);
  }
}
