package dev.brook.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.brook.cli.MirrorClients.*;
import static org.awaitility.Awaitility.await;

import dev.brook.testkit.BrookTestBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.mirror.RemoteClusterUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code brook mirror} as users run it: the packaged jar in a child JVM (killed with SIGKILL mid
 * stream), between two real Brook brokers, checked with real clients and with MM2's own
 * RemoteClusterUtils.
 */
class MirrorIT {
  @TempDir Path tmp;
  private BrookTestBroker a;
  private BrookTestBroker b;
  private final List<BrookProcess> mirrors = new ArrayList<>();

  @BeforeEach
  void brokers() {
    a = BrookTestBroker.start();
    b = BrookTestBroker.start();
  }

  @AfterEach
  void stop() throws Exception {
    for (BrookProcess m : mirrors) {
      m.close();
      System.out.println("--- mirror stderr:\n" + m.stderr());
    }
    if (a != null) a.close();
    if (b != null) b.close();
  }

  @Test
  void killNineMidStreamMirrorsEveryRecordExactlyOnceInOrder() throws Exception {
    killNineMidStream("", "copying whole record batches");
  }

  /** The same through the record-by-record path (what a flow with security settings takes). */
  @Test
  void killNineMidStreamMirrorsEveryRecordExactlyOnceInOrderRecordByRecord() throws Exception {
    killNineMidStream("batch.copy.enabled = false\n", "record by record through kafka-clients");
  }

  private void killNineMidStream(String extraConfig, String pathLogged) throws Exception {
    createTopic(a.bootstrapServers(), "orders", 3, Map.of("retention.ms", "86400000"));
    int total = 15_000;
    produce(a.bootstrapServers(), "orders", 0, 5_000);
    abortedTransaction(a.bootstrapServers(), "orders", 300);
    Path config = config(extraConfig);
    BrookProcess mirror = startMirror(config);
    Thread producer = new Thread(() -> produce(a.bootstrapServers(), "orders", 5_000, total));
    producer.start();
    // Kill the mirror twice, each time at a later point of the stream (target end offsets count
    // records of open and aborted transactions too: the kill comes mid-transaction).
    for (long atLeast : new long[] {3_000, 10_000}) {
      await().atMost(Duration.ofSeconds(40)).until(() -> targetEnd(b.bootstrapServers(), "A.orders") >= atLeast);
      assertThat(mirror.kill9()).isEqualTo(137);
      // The first mirror moved records, so it logged its path (a later one may die before it logs).
      if (atLeast == 3_000) assertThat(mirror.stderr()).contains(pathLogged);
      mirror = startMirror(config);
    }
    producer.join(60_000);
    await().atMost(Duration.ofSeconds(40)).until(() -> committedRecords(b.bootstrapServers(), "A.orders").size() >= total);
    Thread.sleep(1500); // a duplicate would arrive after the last original: give it time to show
    Map<Integer, List<String>> source = byPartition(committedRecords(a.bootstrapServers(), "orders"));
    Map<Integer, List<String>> target = byPartition(committedRecords(b.bootstrapServers(), "A.orders"));
    assertThat(source.values().stream().mapToInt(List::size).sum()).isEqualTo(total);
    assertThat(difference(source, target)).isEmpty();
    assertThat(topicConfig(b.bootstrapServers(), "A.orders", "retention.ms")).isEqualTo("86400000");

    BrookProcess.Result status = BrookProcess.run(null, "mirror", "status", "--config", config.toString());
    assertThat(status.exitCode()).as(status.stderr()).isZero();
    assertThat(status.stdout()).contains("A->B").contains("A.orders").contains("total lag: 0 records");
  }

  @Test
  void groupFailsOverToTargetWithZeroRereads() throws Exception {
    createTopic(a.bootstrapServers(), "orders", 2, Map.of());
    produce(a.bootstrapServers(), "orders", 0, 6_000);
    // A consumer group on A: partition 0 far behind the head, partition 1 near it.
    Map<TopicPartition, OffsetAndMetadata> commit = Map.of(
        new TopicPartition("orders", 0), new OffsetAndMetadata(137, "p0"),
        new TopicPartition("orders", 1), new OffsetAndMetadata(2_950, "p1"));
    try (Admin admin = admin(a.bootstrapServers())) {
      admin.alterConsumerGroupOffsets("billing", commit).all().get();
    }
    abortedTransaction(a.bootstrapServers(), "orders", 50); // gaps in the source offsets after the group's position
    produce(a.bootstrapServers(), "orders", 6_000, 7_000);
    startMirror(config("sync.group.offsets.enabled = true\nsync.group.offsets.interval.seconds = 1\n"));

    Map<String, Object> bProps = Map.of("bootstrap.servers", b.bootstrapServers());
    AtomicReference<Map<TopicPartition, OffsetAndMetadata>> translated = new AtomicReference<>();
    await().atMost(Duration.ofSeconds(40)).until(() -> {
      translated.set(RemoteClusterUtils.translateOffsets(bProps, "A", "billing", Duration.ofSeconds(5)));
      return translated.get().size() == 2;
    });
    // The group, moved to B, reads exactly the record after its last commit on A.
    Map<TopicPartition, String> expected = new HashMap<>();
    for (var e : commit.entrySet()) expected.put(new TopicPartition("A.orders", e.getKey().partition()), recordAt(a.bootstrapServers(), e.getKey(), e.getValue().offset()));
    for (var e : translated.get().entrySet()) {
      assertThat(firstRecordFrom(b.bootstrapServers(), e.getKey(), e.getValue().offset())).as(e.getKey().toString()).isEqualTo(expected.get(e.getKey()));
    }
    // sync.group.offsets.enabled: the same offsets are the group's own on B, ready for failover.
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      try (Admin admin = admin(b.bootstrapServers())) {
        Map<TopicPartition, OffsetAndMetadata> onB = admin.listConsumerGroupOffsets("billing").partitionsToOffsetAndMetadata().get();
        assertThat(onB).isEqualTo(translated.get());
      }
    });
    try (KafkaConsumer<byte[], byte[]> c = consumer(b.bootstrapServers(), "billing")) {
      c.subscribe(List.of("A.orders"));
      Map<Integer, String> first = new HashMap<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (first.size() < 2 && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) first.putIfAbsent(r.partition(), describe(r));
      }
      assertThat(first).containsEntry(0, expected.get(new TopicPartition("A.orders", 0)))
          .containsEntry(1, expected.get(new TopicPartition("A.orders", 1)));
    }
  }

  @Test
  void newTopicAndConfigChangeOnSourceAppearOnTargetWithinSeconds() throws Exception {
    createTopic(a.bootstrapServers(), "orders", 1, Map.of());
    startMirror(config(""));
    await().atMost(Duration.ofSeconds(30)).until(() -> topics(b.bootstrapServers()).contains("A.orders"));

    createTopic(a.bootstrapServers(), "payments", 2, Map.of("max.message.bytes", "200000"));
    produce(a.bootstrapServers(), "payments", 0, 10);
    long created = System.nanoTime();
    await().atMost(Duration.ofSeconds(10)).until(() -> committedRecords(b.bootstrapServers(), "A.payments").size() == 10);
    System.out.printf("new topic mirrored after %d ms%n", (System.nanoTime() - created) / 1_000_000);
    assertThat(topicConfig(b.bootstrapServers(), "A.payments", "max.message.bytes")).isEqualTo("200000");

    try (Admin admin = admin(a.bootstrapServers())) {
      admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, "payments"),
          List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "3600000"), AlterConfigOp.OpType.SET)))).all().get();
      admin.createPartitions(Map.of("payments", NewPartitions.increaseTo(4))).all().get();
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(topicConfig(b.bootstrapServers(), "A.payments", "retention.ms")).isEqualTo("3600000");
      try (Admin admin = admin(b.bootstrapServers())) {
        assertThat(admin.describeTopics(List.of("A.payments")).allTopicNames().get().get("A.payments").partitions()).hasSize(4);
      }
    });
  }

  @Test
  void twoWayMirrorDoesNotSendTopicsBack() throws Exception {
    createTopic(a.bootstrapServers(), "orders", 1, Map.of());
    createTopic(b.bootstrapServers(), "events", 1, Map.of());
    produce(a.bootstrapServers(), "orders", 0, 5);
    startMirror(config("B->A.enabled = true\n"));
    await().atMost(Duration.ofSeconds(30)).until(() -> topics(b.bootstrapServers()).contains("A.orders") && topics(a.bootstrapServers()).contains("B.events"));
    // Several topic refreshes (1 s each) later, neither mirror topic has travelled back.
    Thread.sleep(4_000);
    assertThat(topics(a.bootstrapServers())).doesNotContain("B.A.orders");
    assertThat(topics(b.bootstrapServers())).doesNotContain("A.B.events");
    assertThat(committedRecords(b.bootstrapServers(), "A.orders")).hasSize(5);
  }

  /**
   * MM2's heartbeats: each flow writes (source, target, time) to the target's {@code heartbeats}
   * topic, heartbeats topics travel onward (A.heartbeats, B.A.heartbeats) and never back round a
   * cycle, so MM2's RemoteClusterUtils counts hops and finds upstream clusters in a ring A->B->C->A.
   */
  @Test
  void heartbeatsLetMm2ToolsCountHopsRoundARingWithoutCycling() throws Exception {
    try (BrookTestBroker c = BrookTestBroker.start()) {
      createTopic(a.bootstrapServers(), "orders", 1, Map.of());
      produce(a.bootstrapServers(), "orders", 0, 10);
      Path config = tmp.resolve("ring.properties");
      Files.writeString(config, String.join("\n",
          "clusters = A, B, C",
          "A.bootstrap.servers = " + a.bootstrapServers(),
          "B.bootstrap.servers = " + b.bootstrapServers(),
          "C.bootstrap.servers = " + c.bootstrapServers(),
          "A->B.enabled = true",
          "B->C.enabled = true",
          "C->A.enabled = true",
          "refresh.topics.interval.seconds = 1",
          "emit.checkpoints.interval.seconds = 1",
          ""));
      startMirror(config);
      Map<String, Object> onA = Map.of("bootstrap.servers", a.bootstrapServers());
      Map<String, Object> onC = Map.of("bootstrap.servers", c.bootstrapServers());
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        assertThat(RemoteClusterUtils.replicationHops(onC, "B")).isEqualTo(1);
        assertThat(RemoteClusterUtils.replicationHops(onC, "A")).isEqualTo(2);
        assertThat(RemoteClusterUtils.replicationHops(onA, "C")).isEqualTo(1);
        assertThat(RemoteClusterUtils.replicationHops(onA, "B")).isEqualTo(2);
        assertThat(RemoteClusterUtils.upstreamClusters(onC)).containsExactlyInAnyOrder("A", "B");
        assertThat(committedRecords(c.bootstrapServers(), "B.A.orders")).hasSize(10);
      });
      // The record format is MM2's: its own Heartbeat class reads what the flow A->B wrote on B.
      List<org.apache.kafka.connect.mirror.Heartbeat> beats = new ArrayList<>();
      for (ConsumerRecord<byte[], byte[]> r : committedRecords(b.bootstrapServers(), "heartbeats")) {
        beats.add(org.apache.kafka.connect.mirror.Heartbeat.deserializeRecord(r));
      }
      assertThat(beats).isNotEmpty().allSatisfy(h -> {
        assertThat(h.sourceClusterAlias() + "->" + h.targetClusterAlias()).isEqualTo("A->B");
        assertThat(h.timestamp()).isBetween(System.currentTimeMillis() - 120_000, System.currentTimeMillis());
      });
      // Several refreshes later, nothing has gone all the way round the ring.
      Thread.sleep(3_000);
      for (BrookTestBroker broker : List.of(a, b, c)) {
        assertThat(topics(broker.bootstrapServers())).noneMatch(t -> t.split("\\.").length > 3)
            .doesNotContain("C.B.A.orders", "A.C.B.heartbeats", "B.A.C.heartbeats", "C.B.A.heartbeats");
      }
    }
  }

  /**
   * The offset-syncs topic stays small over a long stream of small source transactions (each makes
   * a run of its own, two syncs), while a group's commits translate exactly: one far behind the head
   * (its history is kept while the group is there), and once the group keeps up, the topic holds
   * about the rewrite threshold at most while many times that is written; a restart after deletions
   * still translates exactly.
   */
  @Test
  void offsetSyncsStayBoundedOverALongStreamWhileTranslationStaysExact() throws Exception {
    createTopic(a.bootstrapServers(), "events", 1, Map.of());
    TopicPartition src = new TopicPartition("events", 0);
    TopicPartition dst = new TopicPartition("A.events", 0);
    commitOnA("billing", src, 0);
    Path config = config("");
    BrookProcess mirror = startMirror(config);
    // Transaction i holds source offsets 4i .. 4i+2, its commit marker is at 4i+3.
    sourceTransactions(0, 1_000);
    long far = 4L * 200 + 1;
    commitOnA("billing", src, far);
    assertCheckpointExact(src, dst, far);
    sourceTransactions(1_000, 2_000);
    long marker = 4L * 1_500 + 3;
    commitOnA("billing", src, marker);
    assertCheckpointExact(src, dst, marker);

    long head = 4L * 2_000;
    commitOnA("billing", src, head);
    sourceTransactions(2_000, 2_010);
    assertCheckpointExact(src, dst, head);

    // The group keeps up with a stream as long again: the topic holds at most about 1,000 records
    // (the rewrite threshold) plus what one round writes, however much is written.
    TopicPartition syncs = new TopicPartition("mm2-offset-syncs.A.internal", 0);
    long most = 0;
    for (int from = 2_010; from < 4_010; from += 250) {
      sourceTransactions(from, from + 250);
      commitOnA("billing", src, 4L * (from + 250));
      Thread.sleep(1_500); // a checkpoint round
      long[] r = offsetRange(b.bootstrapServers(), syncs);
      most = Math.max(most, r[1] - r[0]);
      System.out.printf("offset-syncs topic: offsets %d..%d%n", r[0], r[1]);
    }
    long[] r = offsetRange(b.bootstrapServers(), syncs);
    assertThat(r[1]).as("syncs written").isGreaterThan(8_000);
    assertThat(most).as("most syncs kept at once").isLessThan(2_000);
    assertThat(mirror.kill9()).isEqualTo(137);
    startMirror(config);
    sourceTransactions(4_010, 4_100);
    long later = 4L * 4_050 + 2;
    commitOnA("billing", src, later);
    assertCheckpointExact(src, dst, later);
  }

  /**
   * The target topic takes smaller batches (max.message.bytes 3000, kept out of the config sync)
   * than the source's producer writes (about 16 KB): the batch path splits each batch into batches
   * that fit, in the same transaction, so every record arrives once and in order with no restart,
   * and offsets translate exactly; a record too large on its own then stops the flow naming it.
   */
  @Test
  void sourceBatchesLargerThanTheTargetTakesAreSplitAndTranslateExactly() throws Exception {
    createTopic(a.bootstrapServers(), "big", 1, Map.of());
    createTopic(b.bootstrapServers(), "A.big", 1, Map.of("max.message.bytes", "3000"));
    TopicPartition src = new TopicPartition("big", 0);
    TopicPartition dst = new TopicPartition("A.big", 0);
    int total = 6_000;
    produce(a.bootstrapServers(), "big", 0, total);
    commitOnA("billing", src, 1_234);
    Path config = config("config.properties.exclude = max\\.message\\.bytes\n");
    BrookProcess mirror = startMirror(config);

    await().atMost(Duration.ofSeconds(40)).until(() -> committedRecords(b.bootstrapServers(), "A.big").size() >= total);
    assertCheckpointExact(src, dst, 1_234);
    commitOnA("billing", src, total - 1);
    assertCheckpointExact(src, dst, total - 1);
    Thread.sleep(1500); // a duplicate would arrive after the last original: give it time to show
    Map<Integer, List<String>> source = byPartition(committedRecords(a.bootstrapServers(), "big"));
    Map<Integer, List<String>> target = byPartition(committedRecords(b.bootstrapServers(), "A.big"));
    assertThat(source.get(0)).hasSize(total);
    assertThat(target.get(0)).isEqualTo(source.get(0));
    assertThat(topicConfig(b.bootstrapServers(), "A.big", "max.message.bytes")).isEqualTo("3000");
    assertThat(mirror.stderr()).contains("batches of big larger than 3000 bytes").doesNotContain("starting the flow again");

    try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, a.bootstrapServers()),
        new StringSerializer(), new StringSerializer())) {
      p.send(new ProducerRecord<>("big", 0, "huge", "x".repeat(5_000))).get();
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> mirror.stderr().contains("the flow stops"));
    assertThat(mirror.stderr()).contains("record at offset " + total + " of big-0")
        .contains("max.message.bytes 3000 of A.big on the target (partition 0)");
    Thread.sleep(3_000); // a restart loop would log a retry within 2 s
    assertThat(mirror.stderr()).doesNotContain("starting the flow again");
    assertThat(committedRecords(b.bootstrapServers(), "A.big")).hasSize(total);
  }

  private void commitOnA(String group, TopicPartition tp, long offset) throws Exception {
    try (Admin admin = admin(a.bootstrapServers())) {
      admin.alterConsumerGroupOffsets(group, Map.of(tp, new OffsetAndMetadata(offset))).all().get();
    }
  }

  /** Source transactions [from, to) of three records each ("t<i>-<j>") on events-0. */
  private void sourceTransactions(int from, int to) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, a.bootstrapServers());
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "events-writer");
    try (KafkaProducer<String, String> p = new KafkaProducer<>(props, new org.apache.kafka.common.serialization.StringSerializer(),
        new org.apache.kafka.common.serialization.StringSerializer())) {
      p.initTransactions();
      for (int i = from; i < to; i++) {
        p.beginTransaction();
        for (int j = 0; j < 3; j++) p.send(new ProducerRecord<>("events", 0, "t" + i, "t" + i + "-" + j));
        p.commitTransaction();
      }
    }
  }

  /**
   * Waits for the checkpoint of billing's commit {@code upstream}, then checks it: a consumer
   * starting at its target offset reads first the mirror of the first source record at or after
   * {@code upstream}.
   */
  private void assertCheckpointExact(TopicPartition src, TopicPartition dst, long upstream) {
    AtomicReference<Long> downstream = new AtomicReference<>();
    await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(300)).until(() -> {
      for (ConsumerRecord<byte[], byte[]> r : committedRecords(b.bootstrapServers(), "A.checkpoints.internal")) {
        var cp = org.apache.kafka.connect.mirror.Checkpoint.deserializeRecord(r);
        if (cp.consumerGroupId().equals("billing") && cp.topicPartition().equals(dst) && cp.upstreamOffset() == upstream) {
          downstream.set(cp.downstreamOffset());
        }
      }
      return downstream.get() != null;
    });
    assertThat(firstRecordFrom(b.bootstrapServers(), dst, downstream.get())).as("source offset %d -> target %d", upstream, downstream.get())
        .isEqualTo(recordAt(a.bootstrapServers(), src, upstream));
  }

  private static long[] offsetRange(String bootstrap, TopicPartition tp) throws Exception {
    try (Admin admin = admin(bootstrap)) {
      long start = admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).all().get().get(tp).offset();
      long end = admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get().get(tp).offset();
      return new long[] {start, end};
    }
  }

  @Test
  void configMistakesFailAtStartNamingTheKey() throws Exception {
    Path bad = tmp.resolve("bad.properties");
    Files.writeString(bad, "clusters = A, B\nA.bootstrap.server = x:1\nB.bootstrap.servers = y:1\nA->B.enabled = true\n");
    BrookProcess.Result r = BrookProcess.run(null, "mirror", "--config", bad.toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.stderr()).contains("A.bootstrap.server: unknown client setting 'bootstrap.server' for cluster A");

    Files.writeString(bad, "clusters = A, B\nA.bootstrap.servers = x:1\nB.bootstrap.servers = y:1\nA->B.enabled = yes\n");
    r = BrookProcess.run(null, "mirror", "--config", bad.toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.stderr()).contains("A->B.enabled: expected true or false, got 'yes'");
  }

  // --- helpers ---

  private Path config(String extra) throws Exception {
    Path f = tmp.resolve("mirror-" + System.nanoTime() + ".properties");
    Files.writeString(f, String.join("\n",
        "clusters = A, B",
        "A.bootstrap.servers = " + a.bootstrapServers(),
        "B.bootstrap.servers = " + b.bootstrapServers(),
        "A->B.enabled = true",
        "refresh.topics.interval.seconds = 1",
        "emit.checkpoints.interval.seconds = 1",
        "tasks.max = 1",
        "") + extra);
    return f;
  }

  private BrookProcess startMirror(Path config) throws Exception {
    BrookProcess p = MirrorClients.startMirror(config);
    mirrors.add(p);
    return p;
  }

}
