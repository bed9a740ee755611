package dev.brook.cli;

import static org.assertj.core.api.Assertions.assertThat;
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
    createTopic(a, "orders", 3, Map.of("retention.ms", "86400000"));
    int total = 15_000;
    produce("orders", 0, 5_000);
    abortedTransaction("orders", 300);
    Path config = config("");
    BrookProcess mirror = startMirror(config);
    Thread producer = new Thread(() -> produce("orders", 5_000, total));
    producer.start();
    // Kill the mirror twice, each time at a later point of the stream (target end offsets count
    // records of open and aborted transactions too: the kill comes mid-transaction).
    for (long atLeast : new long[] {3_000, 10_000}) {
      await().atMost(Duration.ofSeconds(40)).until(() -> targetEnd(b, "A.orders") >= atLeast);
      assertThat(mirror.kill9()).isEqualTo(137);
      mirror = startMirror(config);
    }
    producer.join(60_000);
    await().atMost(Duration.ofSeconds(40)).until(() -> committedRecords(b, "A.orders").size() >= total);
    Thread.sleep(1500); // a duplicate would arrive after the last original: give it time to show
    Map<Integer, List<String>> source = byPartition(committedRecords(a, "orders"));
    Map<Integer, List<String>> target = byPartition(committedRecords(b, "A.orders"));
    assertThat(source.values().stream().mapToInt(List::size).sum()).isEqualTo(total);
    assertThat(difference(source, target)).isEmpty();
    assertThat(topicConfig(b, "A.orders", "retention.ms")).isEqualTo("86400000");

    BrookProcess.Result status = BrookProcess.run(null, "mirror", "status", "--config", config.toString());
    assertThat(status.exitCode()).as(status.stderr()).isZero();
    assertThat(status.stdout()).contains("A->B").contains("A.orders").contains("total lag: 0 records");
  }

  @Test
  void groupFailsOverToTargetWithZeroRereads() throws Exception {
    createTopic(a, "orders", 2, Map.of());
    produce("orders", 0, 6_000);
    // A consumer group on A: partition 0 far behind the head, partition 1 near it.
    Map<TopicPartition, OffsetAndMetadata> commit = Map.of(
        new TopicPartition("orders", 0), new OffsetAndMetadata(137, "p0"),
        new TopicPartition("orders", 1), new OffsetAndMetadata(2_950, "p1"));
    try (Admin admin = admin(a)) {
      admin.alterConsumerGroupOffsets("billing", commit).all().get();
    }
    abortedTransaction("orders", 50); // gaps in the source offsets after the group's position
    produce("orders", 6_000, 7_000);
    startMirror(config("sync.group.offsets.enabled = true\nsync.group.offsets.interval.seconds = 1\n"));

    Map<String, Object> bProps = Map.of("bootstrap.servers", b.bootstrapServers());
    AtomicReference<Map<TopicPartition, OffsetAndMetadata>> translated = new AtomicReference<>();
    await().atMost(Duration.ofSeconds(40)).until(() -> {
      translated.set(RemoteClusterUtils.translateOffsets(bProps, "A", "billing", Duration.ofSeconds(5)));
      return translated.get().size() == 2;
    });
    // The group, moved to B, reads exactly the record after its last commit on A.
    Map<TopicPartition, String> expected = new HashMap<>();
    for (var e : commit.entrySet()) expected.put(new TopicPartition("A.orders", e.getKey().partition()), recordAt(a, e.getKey(), e.getValue().offset()));
    for (var e : translated.get().entrySet()) {
      assertThat(firstRecordFrom(b, e.getKey(), e.getValue().offset())).as(e.getKey().toString()).isEqualTo(expected.get(e.getKey()));
    }
    // sync.group.offsets.enabled: the same offsets are the group's own on B, ready for failover.
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      try (Admin admin = admin(b)) {
        Map<TopicPartition, OffsetAndMetadata> onB = admin.listConsumerGroupOffsets("billing").partitionsToOffsetAndMetadata().get();
        assertThat(onB).isEqualTo(translated.get());
      }
    });
    try (KafkaConsumer<byte[], byte[]> c = consumer(b, "billing")) {
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
    createTopic(a, "orders", 1, Map.of());
    startMirror(config(""));
    await().atMost(Duration.ofSeconds(30)).until(() -> topics(b).contains("A.orders"));

    createTopic(a, "payments", 2, Map.of("max.message.bytes", "200000"));
    produce("payments", 0, 10);
    long created = System.nanoTime();
    await().atMost(Duration.ofSeconds(10)).until(() -> committedRecords(b, "A.payments").size() == 10);
    System.out.printf("new topic mirrored after %d ms%n", (System.nanoTime() - created) / 1_000_000);
    assertThat(topicConfig(b, "A.payments", "max.message.bytes")).isEqualTo("200000");

    try (Admin admin = admin(a)) {
      admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, "payments"),
          List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "3600000"), AlterConfigOp.OpType.SET)))).all().get();
      admin.createPartitions(Map.of("payments", NewPartitions.increaseTo(4))).all().get();
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(topicConfig(b, "A.payments", "retention.ms")).isEqualTo("3600000");
      try (Admin admin = admin(b)) {
        assertThat(admin.describeTopics(List.of("A.payments")).allTopicNames().get().get("A.payments").partitions()).hasSize(4);
      }
    });
  }

  @Test
  void twoWayMirrorDoesNotSendTopicsBack() throws Exception {
    createTopic(a, "orders", 1, Map.of());
    createTopic(b, "events", 1, Map.of());
    produce("orders", 0, 5);
    startMirror(config("B->A.enabled = true\n"));
    await().atMost(Duration.ofSeconds(30)).until(() -> topics(b).contains("A.orders") && topics(a).contains("B.events"));
    // Several topic refreshes (1 s each) later, neither mirror topic has travelled back.
    Thread.sleep(4_000);
    assertThat(topics(a)).doesNotContain("B.A.orders");
    assertThat(topics(b)).doesNotContain("A.B.events");
    assertThat(committedRecords(b, "A.orders")).hasSize(5);
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
    BrookProcess p = BrookProcess.start(null, "mirror", "--config", config.toString());
    mirrors.add(p);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!p.stdout().contains("brook mirror running flows")) {
      if (System.nanoTime() > deadline) throw new IllegalStateException("mirror not running; stderr:\n" + p.stderr());
      Thread.sleep(20);
    }
    return p;
  }

  private static Admin admin(BrookTestBroker broker) {
    return Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()));
  }

  private static void createTopic(BrookTestBroker broker, String name, int partitions, Map<String, String> configs) throws Exception {
    try (Admin admin = admin(broker)) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all().get();
    }
  }

  private static Set<String> topics(BrookTestBroker broker) throws Exception {
    try (Admin admin = admin(broker)) {
      return admin.listTopics().names().get();
    }
  }

  private static String topicConfig(BrookTestBroker broker, String topic, String key) throws Exception {
    try (Admin admin = admin(broker)) {
      ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      ConfigEntry e = admin.describeConfigs(List.of(r)).all().get().get(r).get(key);
      return e == null ? null : e.value();
    }
  }

  private static long targetEnd(BrookTestBroker broker, String topic) throws Exception {
    try (Admin admin = admin(broker)) {
      if (!admin.listTopics().names().get().contains(topic)) return 0;
      var d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
      Map<TopicPartition, OffsetSpec> spec = d.partitions().stream()
          .collect(Collectors.toMap(p -> new TopicPartition(topic, p.partition()), p -> OffsetSpec.latest()));
      return admin.listOffsets(spec).all().get().values().stream().mapToLong(i -> i.offset()).sum();
    }
  }

  /** Records i in [from, to): key k<i>, value v<i>, a header, timestamp 1.7e12 + i, keyed partitioning. */
  private void produce(String topic, int from, int to) {
    try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, a.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 2),
        new StringSerializer(), new StringSerializer())) {
      for (int i = from; i < to; i++) {
        ProducerRecord<String, String> r = new ProducerRecord<>(topic, null, 1_700_000_000_000L + i, "k" + i, i % 97 == 0 ? null : "v" + i);
        r.headers().add("seq", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
        p.send(r);
        if (i % 1000 == 999) p.flush();
      }
    }
  }

  private void abortedTransaction(String topic, int n) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, a.bootstrapServers());
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "aborter");
    try (KafkaProducer<String, String> p = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      p.initTransactions();
      p.beginTransaction();
      for (int i = 0; i < n; i++) p.send(new ProducerRecord<>(topic, "aborted" + i, "aborted"));
      p.flush();
      p.abortTransaction();
    }
  }

  private static KafkaConsumer<byte[], byte[]> consumer(BrookTestBroker broker, String group) {
    Map<String, Object> props = new HashMap<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none"));
    if (group != null) props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** Every committed record of {@code topic}, read to its end. */
  private static List<ConsumerRecord<byte[], byte[]>> committedRecords(BrookTestBroker broker, String topic) throws Exception {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = consumer(broker, null)) {
      List<TopicPartition> tps = c.partitionsFor(topic, Duration.ofSeconds(5)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      if (tps.isEmpty()) return out;
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<TopicPartition, Long> end = c.endOffsets(tps);
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) throw new AssertionError("could not read " + topic + " to its end");
        c.poll(Duration.ofMillis(100)).forEach(out::add);
      }
    }
    return out;
  }

  private static Map<Integer, List<String>> byPartition(List<ConsumerRecord<byte[], byte[]>> records) {
    return records.stream().collect(Collectors.groupingBy(ConsumerRecord::partition, Collectors.mapping(MirrorIT::describe, Collectors.toList())));
  }

  /** Per partition where they differ: sizes, duplicates, missing records and the first index that differs. */
  private static List<String> difference(Map<Integer, List<String>> source, Map<Integer, List<String>> target) {
    List<String> out = new ArrayList<>();
    for (Integer p : source.keySet()) {
      List<String> s = source.get(p);
      List<String> t = target.getOrDefault(p, List.of());
      if (s.equals(t)) continue;
      int first = 0;
      while (first < Math.min(s.size(), t.size()) && s.get(first).equals(t.get(first))) first++;
      long dups = t.size() - t.stream().distinct().count();
      long missing = s.stream().filter(x -> !Set.copyOf(t).contains(x)).count();
      out.add("partition " + p + ": source " + s.size() + ", target " + t.size() + ", duplicates " + dups + ", missing " + missing
          + ", first difference at " + first + ": " + (first < s.size() ? s.get(first) : "-") + " vs " + (first < t.size() ? t.get(first) : "-"));
    }
    return out;
  }

  /** Everything a mirror must keep: key, value, headers, timestamp. */
  private static String describe(ConsumerRecord<byte[], byte[]> r) {
    StringBuilder s = new StringBuilder();
    s.append(str(r.key())).append('=').append(str(r.value())).append('@').append(r.timestamp()).append(r.timestampType());
    for (Header h : r.headers()) s.append(';').append(h.key()).append(':').append(str(h.value()));
    return s.toString();
  }

  private static String str(byte[] b) {
    return b == null ? "null" : new String(b, StandardCharsets.UTF_8);
  }

  /** The first committed record at or after {@code offset}. */
  private static String firstRecordFrom(BrookTestBroker broker, TopicPartition tp, long offset) {
    try (KafkaConsumer<byte[], byte[]> c = consumer(broker, null)) {
      c.assign(List.of(tp));
      c.seek(tp, offset);
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (System.nanoTime() < deadline) {
        var rs = c.poll(Duration.ofMillis(200)).records(tp);
        if (!rs.isEmpty()) return describe(rs.get(0));
      }
      throw new AssertionError("no record at or after " + offset + " in " + tp);
    }
  }

  private static String recordAt(BrookTestBroker broker, TopicPartition tp, long offset) {
    return firstRecordFrom(broker, tp, offset);
  }

}
