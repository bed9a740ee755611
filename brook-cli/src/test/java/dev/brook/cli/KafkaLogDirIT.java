package dev.brook.cli;

import static dev.brook.cli.KafkaWorkload.CLASSIC_GROUP;
import static dev.brook.cli.KafkaWorkload.CONSUMER_GROUP;
import static dev.brook.cli.KafkaWorkload.ORDERS;
import static dev.brook.cli.KafkaWorkload.TXN;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kafka 4.1.1 log directory opens in Brook: a real Kafka (the anchor, KRaft, single node) is
 * driven with the real clients ({@link KafkaWorkload}), stopped cleanly, and the packaged Brook
 * starts on a copy of its directory. Topics (names, ids, partition counts, configs), every record
 * at its offset, the groups' committed offsets, the idempotent producer's state and the
 * transactions must all be there, and stock consumers resume where they left off.
 *
 * <p>Kafka starts once for the class (about 5 s and a 1 GB heap); so does Brook. The test fails,
 * never skips, when Kafka or Brook cannot run.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaLogDirIT {
  @TempDir static Path work;
  static KafkaWorkload.Expected expected;
  static byte[] metadataLogDigest;
  static List<Path> kafkasTxnIndexes;
  static BrookProcess brook;
  static String bootstrap;

  @BeforeAll
  static void kafkaWritesADirectoryAndBrookOpensIt() throws Exception {
    Path copy = work.resolve("brook-data");
    try (AnchorKafka kafka = AnchorKafka.start(work.resolve("anchor"))) {
      expected = KafkaWorkload.run(kafka.bootstrap());
      kafka.stopCleanly();
      KafkaWorkload.closeAbandoned();
      copyTree(kafka.dataDir(), copy);
      copyTree(kafka.dataDir(), work.resolve("garbled-data"));
    }
    metadataLogDigest = digest(copy.resolve("__cluster_metadata-0"));
    try (Stream<Path> files = Files.walk(copy)) {
      kafkasTxnIndexes = files.filter(p -> p.toString().endsWith(".txnindex")).toList();
    }
    brook = BrookProcess.server(copy,
        "--override", "transaction.abort.timed.out.transaction.cleanup.interval.ms=1000");
    bootstrap = brook.bootstrap();
  }

  @AfterAll
  static void stopBrook() throws Exception {
    if (brook != null) brook.close();
  }

  @Test
  @Order(1)
  void topicsKeepTheirIdsPartitionCountsAndTheClusterItsId() throws Exception {
    try (Admin admin = admin()) {
      assertThat(admin.describeCluster().clusterId().get()).isEqualTo(expected.clusterId());
      Map<String, TopicDescription> topics = admin.describeTopics(KafkaWorkload.TOPICS).allTopicNames().get();
      for (String t : KafkaWorkload.TOPICS) {
        assertThat(topics.get(t).topicId()).as(t).isEqualTo(expected.topicIds().get(t));
        assertThat(topics.get(t).partitions()).as(t).hasSize(KafkaWorkload.PARTITIONS.get(t));
      }
      var all = admin.listTopics(new org.apache.kafka.clients.admin.ListTopicsOptions().listInternal(true)).names().get();
      assertThat(all).contains("__consumer_offsets", "__transaction_state").doesNotContain("__cluster_metadata");
      assertThat(admin.describeTopics(List.of("__consumer_offsets")).allTopicNames().get()
          .get("__consumer_offsets").partitions()).hasSize(50); // Kafka's, though Brook was told 5
    }
    assertThat(brook.stderr()).containsOnlyOnce("Imported the Kafka log directory");
  }

  @Test
  @Order(2)
  void topicConfigsComeOverAsTopicOverrides() throws Exception {
    try (Admin admin = admin()) {
      for (String t : KafkaWorkload.TOPICS) {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, t);
        Config config = admin.describeConfigs(List.of(r)).all().get().get(r);
        Map<String, String> overrides = new TreeMap<>();
        for (ConfigEntry e : config.entries()) {
          if (e.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG) overrides.put(e.name(), e.value());
        }
        assertThat(overrides).as(t).isEqualTo(new TreeMap<>(KafkaWorkload.CONFIGS.get(t)));
      }
    }
  }

  @Test
  @Order(3)
  void everyRecordIsReadableAtTheSameOffset() {
    Map<String, String> read = KafkaWorkload.readEverything(bootstrap, "read_uncommitted");
    // Brook may add records (the open transaction's abort marker) but never move or lose one.
    assertThat(read).containsAllEntriesOf(expected.records());
    assertThat(expected.records()).hasSize(60 + 60 + 6 + 2 + 4);
  }

  @Test
  @Order(4)
  void theIdempotentProducersStateComesOver() throws Exception {
    try (Admin admin = admin()) {
      for (int p = 0; p < 3; p++) {
        TopicPartition tp = new TopicPartition(ORDERS, p);
        List<ProducerState> before = expected.producers().get(tp);
        List<ProducerState> after = admin.describeProducers(List.of(tp)).partitionResult(tp).get().activeProducers();
        assertThat(summary(after)).as(tp.toString()).isEqualTo(summary(before)).isNotEmpty();
      }
    }
    // New producers append after Kafka's log end.
    Map<String, Object> props = new HashMap<>(Map.of("bootstrap.servers", bootstrap,
        "key.serializer", org.apache.kafka.common.serialization.StringSerializer.class.getName(),
        "value.serializer", org.apache.kafka.common.serialization.StringSerializer.class.getName()));
    try (KafkaProducer<String, String> p = new KafkaProducer<>(props)) {
      long before = endOffset(new TopicPartition(ORDERS, 0));
      RecordMetadata md = p.send(new ProducerRecord<>(ORDERS, 0, "after", "brook")).get();
      assertThat(md.offset()).isEqualTo(before);
    }
  }

  @Test
  @Order(5)
  void theClassicGroupResumesAtItsCommittedOffsets() throws Exception {
    assertResumes(CLASSIC_GROUP, "classic");
  }

  @Test
  @Order(6)
  void theConsumerProtocolGroupResumesAtItsCommittedOffsets() throws Exception {
    assertResumes(CONSUMER_GROUP, "consumer");
  }

  @Test
  @Order(7)
  void readCommittedSeesOnlyTheCommittedTransactionNeverTheAbortedOrTheOpenOne() throws Exception {
    assertThat(kafkasTxnIndexes).as("the .txnindex files Kafka wrote for its aborted transaction").isNotEmpty();
    List<TopicPartition> tps = List.of(new TopicPartition(TXN, 0), new TopicPartition(TXN, 1));
    Map<TopicPartition, Long> logEnd = new HashMap<>();
    for (TopicPartition tp : tps) {
      logEnd.put(tp, expected.records().keySet().stream()
          .filter(k -> k.startsWith(tp.topic() + "-" + tp.partition() + "@"))
          .mapToLong(k -> Long.parseLong(k.substring(k.indexOf('@') + 1))).max().orElseThrow() + 1);
    }
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> c = KafkaWorkload.consumer(bootstrap, null, null, "read_committed")) {
      c.assign(tps);
      c.seekToBeginning(tps);
      // The consumer gets past the open transaction's records only once Brook's coordinator aborted
      // it (its timeout ran out while Kafka was stopped).
      long deadline = System.nanoTime() + Duration.ofMillis(KafkaWorkload.OPEN_TXN_TIMEOUT_MS + 90_000).toNanos();
      while (tps.stream().anyMatch(tp -> c.position(tp) < logEnd.get(tp)) && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) values.add(r.value());
      }
      for (TopicPartition tp : tps) {
        assertThat(c.position(tp)).as("read_committed position of %s (the open transaction never ended?)", tp)
            .isGreaterThanOrEqualTo(logEnd.get(tp));
      }
    }
    assertThat(values).containsExactlyInAnyOrder(
        "committed-0", "committed-1", "committed-2", "committed-3", "committed-4", "committed-5");
  }

  @Test
  @Order(8)
  void kafkasMetadataLogIsLeftUntouched() throws Exception {
    assertThat(digest(work.resolve("brook-data").resolve("__cluster_metadata-0"))).isEqualTo(metadataLogDigest);
  }

  @Test
  @Order(9)
  void aTornMetadataLogStopsTheStartNamingTheFileAndImportsNothing() throws Exception {
    Path dir = work.resolve("garbled-data");
    Path log = dir.resolve("__cluster_metadata-0").resolve("00000000000000000000.log");
    byte[] all = Files.readAllBytes(log);
    Files.write(log, java.util.Arrays.copyOf(all, all.length - 7));
    try (BrookProcess p = BrookProcess.start(null, "server", "--override", "listeners=PLAINTEXT://127.0.0.1:0",
        "--override", "log.dirs=" + dir)) {
      assertThat(p.waitFor(120)).as("exit code; stderr:%n%s", p.stderr()).isNotZero();
      assertThat(p.stderr()).contains(log.toString()).contains("truncated or torn");
      assertThat(p.stdout()).doesNotContain("ready");
    }
    assertThat(dir.resolve("metadata.properties")).doesNotExist();
  }

  @Test
  @Order(10)
  void aRestartKeepsEverythingAndDoesNotImportAgain() throws Exception {
    assertThat(brook.terminate()).isZero();
    brook = BrookProcess.server(work.resolve("brook-data"));
    bootstrap = brook.bootstrap();
    assertThat(brook.stderr()).doesNotContain("Imported the Kafka log directory");
    try (Admin admin = admin()) {
      Map<String, TopicDescription> topics = admin.describeTopics(KafkaWorkload.TOPICS).allTopicNames().get();
      for (String t : KafkaWorkload.TOPICS) assertThat(topics.get(t).topicId()).as(t).isEqualTo(expected.topicIds().get(t));
      assertThat(admin.listConsumerGroupOffsets(CLASSIC_GROUP).partitionsToOffsetAndMetadata().get())
          .isEqualTo(expected.committed().get(CLASSIC_GROUP));
    }
    assertThat(KafkaWorkload.readEverything(bootstrap, "read_uncommitted")).containsAllEntriesOf(expected.records());
  }

  /**
   * The group's committed offsets are Kafka's, and a stock consumer of the group (auto.offset.reset
   * none: no silent reset) gets, as its first record of each partition, the one at the commit.
   */
  private static void assertResumes(String group, String protocol) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed = expected.committed().get(group);
    try (Admin admin = admin()) {
      assertThat(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get())
          .isEqualTo(committed);
    }
    Map<TopicPartition, Long> first = new HashMap<>();
    try (KafkaConsumer<String, String> c = KafkaWorkload.consumer(bootstrap, group, protocol, "read_uncommitted")) {
      c.subscribe(List.of(ORDERS));
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (first.size() < 3 && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
          first.putIfAbsent(new TopicPartition(r.topic(), r.partition()), r.offset());
        }
      }
    }
    Map<TopicPartition, Long> expectedFirst = new HashMap<>();
    committed.forEach((tp, om) -> expectedFirst.put(tp, om.offset()));
    assertThat(first).isEqualTo(expectedFirst);
  }

  private static List<String> summary(List<ProducerState> producers) {
    return producers.stream()
        .map(s -> s.producerId() + "/" + s.producerEpoch() + "/" + s.lastSequence() + "/" + s.currentTransactionStartOffset())
        .sorted().toList();
  }

  private static long endOffset(TopicPartition tp) {
    try (KafkaConsumer<String, String> c = KafkaWorkload.consumer(bootstrap, null, null, "read_uncommitted")) {
      return c.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
    }
  }

  private static Admin admin() {
    return Admin.create(Map.of("bootstrap.servers", bootstrap));
  }

  private static void copyTree(Path from, Path to) throws Exception {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : all.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) Files.createDirectories(target);
        else Files.copy(p, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
  }

  private static byte[] digest(Path dir) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.filter(Files::isRegularFile).sorted().toList()) {
        md.update(dir.relativize(p).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        md.update(Files.readAllBytes(p));
      }
    }
    return md.digest();
  }
}
