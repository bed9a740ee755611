package dev.brook.cli;

import static dev.brook.cli.MirrorClients.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.brook.testkit.BrookTestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Offset-preserving mirror topics (issue 19 part 4): a Brook target fetches a topic from a source
 * cluster (Brook, and Apache Kafka 4.1.1, the anchor) and holds the same records at the same offsets,
 * aborted transactions and markers included, so a read_committed consumer sees identical offsets
 * and content on both sides; the source group's commits are copied, so the group fails over with
 * zero re-reads; produce is refused until {@code brook mirror promote} and accepted after it; a
 * kill -9 of the target mid-mirror resumes at the right offset. Everything through the real CLI
 * ({@code brook mirror link|topic|promote|status}) and real Kafka clients.
 */
class MirrorTopicsIT {
  @TempDir Path tmp;

  @Test
  void brookToBrookMirrorTopicKeepsOffsetsThroughAKillFailsOverAGroupAndPromotes() throws Exception {
    try (BrookTestBroker source = BrookTestBroker.start()) {
      String s = source.bootstrapServers();
      createTopic(s, "orders", 2, Map.of());
      fillSource(s, "orders");
      Map<TopicPartition, Long> committed = consumeAndCommit(s, "orders", "billing", 1_500);

      Path data = tmp.resolve("target");
      BrookProcess target = BrookProcess.server(data);
      try {
        String t = target.bootstrap();
        cli("mirror", "link", "create", "--bootstrap-server", t, "--link", "from-source",
            "--config", "bootstrap.servers=" + s, "--config", "consumer.offset.sync.ms=300");
        assertThat(cli("mirror", "link", "list", "--bootstrap-server", t)).contains("from-source", s);
        assertThat(cli("mirror", "topic", "create", "--bootstrap-server", t, "--link", "from-source", "--topic", "orders"))
            .contains("Created mirror topic orders");
        assertThat(partitionCount(t, "orders")).isEqualTo(2);
        awaitSameEnds(s, t, "orders");

        // The target dies mid-stream (kill -9) while the source keeps taking records; the restart resumes.
        long mirrored = targetEnd(t, "orders");
        Thread writer = new Thread(() -> produce(s, "orders", 6_000, 12_000));
        writer.start();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> targetEnd(t, "orders") > mirrored + 500);
        assertThat(target.kill9()).isEqualTo(137);
        writer.join(60_000);
      } finally {
        target.close();
      }
      target = BrookProcess.server(data);
      try {
        String t = target.bootstrap();
        awaitSameEnds(s, t, "orders");
        assertSameCommittedRecords(s, t, "orders");
        assertSameOffsetsUncommitted(s, t, "orders");

        assertThatThrownBy(() -> produceOne(t, "orders", "refused"))
            .hasCauseInstanceOf(InvalidRequestException.class)
            .hasMessageContaining("read-only mirror topic");

        awaitGroupCopied(s, t, "billing", committed);
        assertResumesWithZeroRereads(s, t, "orders", "billing", committed);

        String status = cli("mirror", "status", "--bootstrap-server", t);
        assertThat(status).contains("orders").contains("fetching").contains("total lag: 0 records");

        // A transaction the source leaves open: promote aborts it on the target, so read_committed moves on.
        try (KafkaProducer<String, String> open = transactional(s, "left-open")) {
          open.beginTransaction();
          for (int i = 0; i < 10; i++) open.send(new ProducerRecord<>("orders", i % 2, "open" + i, "open"));
          open.flush();
          awaitSameEnds(s, t, "orders");
          long end0 = ends(t, "orders", IsolationLevel.READ_UNCOMMITTED).get(0);
          assertThat(cli("mirror", "promote", "--bootstrap-server", t, "--topic", "orders")).contains("Promoted");
          RecordMetadata written = produceOne(t, "orders", "after-promote");
          // The next offset after the mirrored log and the abort marker of the source's open transaction.
          assertThat(written.offset()).isEqualTo(end0 + 1);
          assertThat(readCommittedTail(t, new TopicPartition("orders", 0), written.offset()))
              .isEqualTo("after-promote");
          open.abortTransaction();
        }
        assertThat(cli("mirror", "status", "--bootstrap-server", t)).contains("promoted");
      } finally {
        target.close();
        System.out.println("--- target's stderr:\n" + target.stderr());
      }
    }
  }

  @Test
  void kafkaToBrookMirrorTopicHasKafkasOffsetsTransactionsAndGroup() throws Exception {
    ExternalTool.requireAnchor();
    try (AnchorKafka kafka = AnchorKafka.start(tmp.resolve("anchor"));
        BrookTestBroker target = BrookTestBroker.start()) {
      String k = kafka.bootstrap();
      String t = target.bootstrapServers();
      createTopic(k, "payments", 2, Map.of());
      fillSource(k, "payments");
      Map<TopicPartition, Long> committed = consumeAndCommit(k, "payments", "ledger", 2_000);

      cli("mirror", "link", "create", "--bootstrap-server", t, "--link", "kafka",
          "--config", "bootstrap.servers=" + k, "--config", "consumer.offset.sync.ms=300");
      cli("mirror", "topic", "create", "--bootstrap-server", t, "--link", "kafka", "--topic", "payments-mirror",
          "--source-topic", "payments");
      awaitSameEnds(k, "payments", t, "payments-mirror");
      assertSameCommittedRecords(k, "payments", t, "payments-mirror");

      assertThatThrownBy(() -> produceOne(t, "payments-mirror", "refused"))
          .hasCauseInstanceOf(InvalidRequestException.class)
          .hasMessageContaining("read-only mirror topic");
      Map<TopicPartition, Long> renamed = new HashMap<>();
      committed.forEach((tp, o) -> renamed.put(new TopicPartition("payments-mirror", tp.partition()), o));
      awaitGroupCopied(k, t, "ledger", renamed);
      assertResumesWithZeroRereads(k, "payments", t, "payments-mirror", "ledger", committed);

      cli("mirror", "promote", "--bootstrap-server", t, "--topic", "payments-mirror");
      RecordMetadata written = produceOne(t, "payments-mirror", "after-promote");
      assertThat(readCommittedTail(t, new TopicPartition("payments-mirror", 0), written.offset())).isEqualTo("after-promote");
    }
  }

  /**
   * A source that authenticates (SASL_PLAINTEXT, PLAIN): the link's {@code security.protocol},
   * {@code sasl.mechanism} and {@code sasl.jaas.config} are used by the target's fetchers and its
   * admin client; the JAAS config is masked when the link is listed and stored encrypted with the
   * target's {@code password.encoder.secret} (a target without one refuses the link, naming the key);
   * a wrong password is refused when the mirror topic is created.
   */
  @Test
  void aSaslSourceIsMirroredWithTheLinksCredentials() throws Exception {
    String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required "
        + "username=\"admin\" password=\"admin-secret\" user_admin=\"admin-secret\" user_mirror=\"mirror-secret\";";
    try (BrookTestBroker source = BrookTestBroker.builder()
            .brokerProperty("listeners", "SASL_PLAINTEXT://127.0.0.1:0")
            .brokerProperty("sasl.enabled.mechanisms", "PLAIN")
            .brokerProperty("sasl.mechanism.inter.broker.protocol", "PLAIN")
            .brokerProperty("listener.name.sasl_plaintext.plain.sasl.jaas.config", jaas)
            .start();
        BrookTestBroker target = BrookTestBroker.builder().brokerProperty("password.encoder.secret", "target-secret").start();
        BrookTestBroker bare = BrookTestBroker.start()) {
      String s = source.bootstrapServers();
      String t = target.bootstrapServers();
      BrookProcess.Result noSecret = BrookProcess.run(null, "mirror", "link", "create", "--bootstrap-server",
          bare.bootstrapServers(), "--link", "l", "--config", "bootstrap.servers=" + s, "--config", "security.protocol=SASL_PLAINTEXT",
          "--config", "sasl.mechanism=PLAIN", "--config", "sasl.jaas.config=" + saslClient(s, "mirror", "x").get("sasl.jaas.config"));
      assertThat(noSecret.exitCode()).isNotZero();
      assertThat(noSecret.stderr()).contains("password.encoder.secret");
      Map<String, Object> asAdmin = saslClient(s, "admin", "admin-secret");
      try (Admin admin = Admin.create(asAdmin)) {
        admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("secured", 2, (short) 1))).all().get();
      }
      try (KafkaProducer<String, String> p = new KafkaProducer<>(asAdmin, new StringSerializer(), new StringSerializer())) {
        for (int i = 0; i < 2_000; i++) p.send(new ProducerRecord<>("secured", "k" + i, "v" + i));
      }
      String userJaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"mirror\" password=\"%s\";";
      cli("mirror", "link", "create", "--bootstrap-server", t, "--link", "wrong", "--config", "bootstrap.servers=" + s,
          "--config", "security.protocol=SASL_PLAINTEXT", "--config", "sasl.mechanism=PLAIN",
          "--config", "sasl.jaas.config=" + String.format(userJaas, "not-the-secret"), "--config", "request.timeout.ms=5000");
      BrookProcess.Result refused = BrookProcess.run(null, "mirror", "topic", "create", "--bootstrap-server", t, "--link", "wrong",
          "--topic", "secured-wrong", "--source-topic", "secured");
      assertThat(refused.exitCode()).isNotZero();
      assertThat(refused.stderr()).contains("Cannot reach the source cluster of link wrong");

      cli("mirror", "link", "create", "--bootstrap-server", t, "--link", "secure", "--config", "bootstrap.servers=" + s,
          "--config", "security.protocol=SASL_PLAINTEXT", "--config", "sasl.mechanism=PLAIN",
          "--config", "sasl.jaas.config=" + String.format(userJaas, "mirror-secret"));
      String listed = cli("mirror", "link", "list", "--bootstrap-server", t);
      assertThat(listed).contains("secure").doesNotContain("mirror-secret");
      cli("mirror", "topic", "create", "--bootstrap-server", t, "--link", "secure", "--topic", "secured");
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
          .until(() -> targetEnd(t, "secured") == 2_000);
      try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(asAdmin, new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
          new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
        List<TopicPartition> tps = List.of(new TopicPartition("secured", 0), new TopicPartition("secured", 1));
        assertThat(c.endOffsets(tps).values().stream().mapToLong(Long::longValue).sum()).isEqualTo(2_000);
      }
      assertThat(allRecords(t, "secured").stream().map(r -> str(r.key()) + "=" + str(r.value())).toList())
          .hasSize(2_000).contains("k0=v0", "k1999=v1999").doesNotHaveDuplicates();
    }
  }

  /** Partitions the source adds appear on the mirror (within metadata.max.age.ms) and are mirrored at the same offsets. */
  @Test
  void partitionsAddedOnTheSourceAreAddedToTheMirror() throws Exception {
    try (BrookTestBroker source = BrookTestBroker.start(); BrookTestBroker target = BrookTestBroker.start()) {
      String s = source.bootstrapServers();
      String t = target.bootstrapServers();
      createTopic(s, "growing", 1, Map.of());
      produce(s, "growing", 0, 500);
      cli("mirror", "link", "create", "--bootstrap-server", t, "--link", "l", "--config", "bootstrap.servers=" + s,
          "--config", "metadata.max.age.ms=1000");
      cli("mirror", "topic", "create", "--bootstrap-server", t, "--link", "l", "--topic", "growing");
      await().atMost(Duration.ofSeconds(30)).until(() -> targetEnd(t, "growing") == 500);
      try (Admin admin = admin(s)) {
        admin.createPartitions(Map.of("growing", org.apache.kafka.clients.admin.NewPartitions.increaseTo(3))).all().get();
      }
      produce(s, "growing", 500, 2_000);
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> partitionCount(t, "growing") == 3);
      awaitSameEnds(s, t, "growing");
      assertThat(ends(t, "growing", IsolationLevel.READ_UNCOMMITTED).get(2)).isPositive();
    }
  }

  /**
   * A mirror topic's configs follow its source topic's within seconds (topic.config.sync.ms): set,
   * changed and removed keys, except those MirrorMaker 2's default filter leaves out
   * (min.insync.replicas here); the topic stays a read-only mirror throughout.
   */
  @Test
  void sourceTopicConfigChangesFollowOntoTheMirrorTopicWithinSeconds() throws Exception {
    try (BrookTestBroker source = BrookTestBroker.start(); BrookTestBroker target = BrookTestBroker.start()) {
      String s = source.bootstrapServers();
      String t = target.bootstrapServers();
      createTopic(s, "configured", 1, Map.of("retention.ms", "86400000", "cleanup.policy", "delete"));
      produce(s, "configured", 0, 100);
      cli("mirror", "link", "create", "--bootstrap-server", t, "--link", "l", "--config", "bootstrap.servers=" + s,
          "--config", "topic.config.sync.ms=500");
      cli("mirror", "topic", "create", "--bootstrap-server", t, "--link", "l", "--topic", "configured");
      await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
          .untilAsserted(() -> assertThat(topicConfig(t, "configured", "retention.ms")).isEqualTo("86400000"));

      try (Admin admin = admin(s)) {
        var resource = new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "configured");
        admin.incrementalAlterConfigs(Map.of(resource, List.of(
            new org.apache.kafka.clients.admin.AlterConfigOp(new org.apache.kafka.clients.admin.ConfigEntry("retention.ms", "3600000"),
                org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET),
            new org.apache.kafka.clients.admin.AlterConfigOp(new org.apache.kafka.clients.admin.ConfigEntry("max.message.bytes", "300000"),
                org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET),
            new org.apache.kafka.clients.admin.AlterConfigOp(new org.apache.kafka.clients.admin.ConfigEntry("min.insync.replicas", "1"),
                org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET),
            new org.apache.kafka.clients.admin.AlterConfigOp(new org.apache.kafka.clients.admin.ConfigEntry("cleanup.policy", null),
                org.apache.kafka.clients.admin.AlterConfigOp.OpType.DELETE)))).all().get();
      }
      long changed = System.nanoTime();
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
        assertThat(topicConfig(t, "configured", "retention.ms")).isEqualTo("3600000");
        assertThat(topicConfig(t, "configured", "max.message.bytes")).isEqualTo("300000");
      });
      System.out.printf("source config change on the mirror topic after %d ms%n", (System.nanoTime() - changed) / 1_000_000);
      try (Admin admin = admin(t)) {
        var resource = new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "configured");
        var entries = admin.describeConfigs(List.of(resource)).all().get().get(resource);
        assertThat(entries.get("min.insync.replicas").source()).as("excluded as MM2 excludes it")
            .isNotEqualTo(org.apache.kafka.clients.admin.ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertThat(entries.get("cleanup.policy").source()).as("removed on the source, removed here")
            .isNotEqualTo(org.apache.kafka.clients.admin.ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertThat(entries.get("mirror.link").value()).isEqualTo("l");
      }
      assertThatThrownBy(() -> produceOne(t, "configured", "refused")).hasMessageContaining("read-only mirror topic");
      assertThat(targetEnd(t, "configured")).isEqualTo(100);
    }
  }

  private static Map<String, Object> saslClient(String bootstrap, String user, String password) {
    return Map.of("bootstrap.servers", bootstrap, "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
        "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user
            + "\" password=\"" + password + "\";");
  }

  /**
   * A producer at a fixed rate on the source; consumers on the source and on the mirror measure when
   * each record becomes readable (now − its CreateTime). Prints the figures (no timing is asserted);
   * asserts the mirror holds every record at its source offset.
   */
  @Test
  void aSteadyProducerIsMirroredAtTheSameOffsetsAndTheLagIsPrinted() throws Exception {
    int rate = Integer.getInteger("brook.mirror.lag.rate", 2_000);
    int seconds = Integer.getInteger("brook.mirror.lag.seconds", 10);
    try (BrookTestBroker source = BrookTestBroker.start(); BrookTestBroker target = BrookTestBroker.start()) {
      String s = source.bootstrapServers();
      String t = target.bootstrapServers();
      createTopic(s, "steady", 2, Map.of());
      cli("mirror", "link", "create", "--bootstrap-server", t, "--link", "l", "--config", "bootstrap.servers=" + s);
      cli("mirror", "topic", "create", "--bootstrap-server", t, "--link", "l", "--topic", "steady");
      LatencyProbe onSource = new LatencyProbe(s, "steady");
      LatencyProbe onMirror = new LatencyProbe(t, "steady");
      onSource.start();
      onMirror.start();
      int total = rate * seconds;
      try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, s,
          ProducerConfig.LINGER_MS_CONFIG, 1), new StringSerializer(), new StringSerializer())) {
        String value = "x".repeat(100);
        long start = System.nanoTime();
        for (int i = 0; i < total; i++) {
          long due = start + (long) i * 1_000_000_000L / rate;
          while (System.nanoTime() < due) Thread.onSpinWait();
          p.send(new ProducerRecord<>("steady", "k" + i, value));
        }
      }
      awaitSameEnds(s, t, "steady");
      await().atMost(Duration.ofSeconds(30)).until(() -> onMirror.count() >= total && onSource.count() >= total);
      onSource.close();
      onMirror.close();
      System.out.printf("mirror lag at %d records/s of 100 B for %d s (end-to-end, producer send to readable):%n", rate, seconds);
      System.out.println("  read on the source: " + onSource.summary());
      System.out.println("  read on the mirror: " + onMirror.summary());
      assertThat(byOffset(allRecords(t, "steady"))).isEqualTo(byOffset(allRecords(s, "steady")));
    }
  }

  /** A consumer thread that records, for each record, now − its timestamp. */
  private static final class LatencyProbe extends Thread implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private final List<Long> lagsMs = java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile boolean running = true;

    LatencyProbe(String bootstrap, String topic) {
      this.consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "fetch.max.wait.ms", 100),
          new org.apache.kafka.common.serialization.ByteArrayDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer());
      this.topic = topic;
      setDaemon(true);
    }

    @Override
    public void run() {
      List<TopicPartition> tps = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      while (running) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
          lagsMs.add(System.currentTimeMillis() - r.timestamp());
        }
      }
      closeNow(consumer);
    }

    int count() {
      return lagsMs.size();
    }

    String summary() {
      List<Long> sorted;
      synchronized (lagsMs) {
        sorted = new ArrayList<>(lagsMs);
      }
      java.util.Collections.sort(sorted);
      if (sorted.isEmpty()) return "no records";
      return "records " + sorted.size() + ", p50 " + sorted.get(sorted.size() / 2) + " ms, p99 "
          + sorted.get(sorted.size() * 99 / 100) + " ms, max " + sorted.get(sorted.size() - 1) + " ms";
    }

    @Override
    public void close() {
      running = false;
      try {
        join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  // ---- the source's content: plain records, an aborted and a committed transaction, more records

  private static void fillSource(String bootstrap, String topic) {
    produce(bootstrap, topic, 0, 3_000);
    abortedTransaction(bootstrap, topic, 100);
    try (KafkaProducer<String, String> p = transactional(bootstrap, "committer")) {
      p.beginTransaction();
      for (int i = 0; i < 50; i++) p.send(new ProducerRecord<>(topic, "committed" + i, "committed"));
      p.commitTransaction();
    }
    produce(bootstrap, topic, 3_000, 6_000);
  }

  private static KafkaProducer<String, String> transactional(String bootstrap, String id) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
    KafkaProducer<String, String> p = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    p.initTransactions();
    return p;
  }

  private static RecordMetadata produceOne(String bootstrap, String topic, String value) throws Exception {
    try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
        ProducerConfig.LINGER_MS_CONFIG, 0), new StringSerializer(), new StringSerializer())) {
      return p.send(new ProducerRecord<>(topic, 0, "k", value)).get();
    }
  }

  /**
   * A group reads at least {@code n} records on the source, some of each partition, and commits its
   * positions in both partitions; returns its committed offsets.
   */
  private static Map<TopicPartition, Long> consumeAndCommit(String bootstrap, String topic, String group, int n) {
    KafkaConsumer<byte[], byte[]> c = consumer(bootstrap, group);
    List<TopicPartition> tps = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
    Map<TopicPartition, Long> next = new HashMap<>();
    try {
      c.assign(tps);
      c.seekToBeginning(tps);
      java.util.Set<Integer> partitionsSeen = new java.util.HashSet<>();
      int seen = 0;
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while ((seen < n || partitionsSeen.size() < 2) && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
          seen++;
          partitionsSeen.add(r.partition());
        }
        if (partitionsSeen.size() == 1 && seen >= n) c.pause(List.of(new TopicPartition(topic, partitionsSeen.iterator().next())));
      }
      assertThat(partitionsSeen).hasSize(2);
      Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
      for (TopicPartition tp : tps) {
        next.put(tp, c.position(tp));
        commit.put(tp, new OffsetAndMetadata(c.position(tp)));
      }
      c.commitSync(commit);
    } finally {
      closeNow(c);
    }
    return next;
  }

  // ---- checks

  private static String cli(String... args) throws Exception {
    BrookProcess.Result r = BrookProcess.run(null, args);
    assertThat(r.exitCode()).as("brook " + String.join(" ", args) + "\nstderr: " + r.stderr()).isZero();
    return r.stdout();
  }

  private static int partitionCount(String bootstrap, String topic) throws Exception {
    try (Admin admin = admin(bootstrap)) {
      return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
    }
  }

  private static Map<Integer, Long> ends(String bootstrap, String topic, IsolationLevel isolation) throws Exception {
    try (Admin admin = admin(bootstrap)) {
      int n = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
      Map<TopicPartition, OffsetSpec> spec = new HashMap<>();
      for (int p = 0; p < n; p++) spec.put(new TopicPartition(topic, p), OffsetSpec.latest());
      Map<Integer, Long> out = new TreeMap<>();
      admin.listOffsets(spec, new ListOffsetsOptions(isolation)).all().get().forEach((tp, i) -> out.put(tp.partition(), i.offset()));
      return out;
    }
  }

  private static void awaitSameEnds(String source, String target, String topic) {
    awaitSameEnds(source, topic, target, topic);
  }

  private static void awaitSameEnds(String source, String sourceTopic, String target, String targetTopic) {
    try {
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
          .until(() -> ends(source, sourceTopic, IsolationLevel.READ_UNCOMMITTED).equals(ends(target, targetTopic, IsolationLevel.READ_UNCOMMITTED)));
      assertThat(ends(target, targetTopic, IsolationLevel.READ_COMMITTED)).isEqualTo(ends(source, sourceTopic, IsolationLevel.READ_COMMITTED));
    } catch (Exception | AssertionError e) {
      throw new AssertionError(safe(() -> "source " + ends(source, sourceTopic, IsolationLevel.READ_UNCOMMITTED) + ", target "
          + ends(target, targetTopic, IsolationLevel.READ_UNCOMMITTED)), e);
    }
  }

  private static void assertSameCommittedRecords(String source, String target, String topic) throws Exception {
    assertSameCommittedRecords(source, topic, target, topic);
  }

  /** read_committed on both sides: the same records (key, value, headers, timestamp) at the same offsets. */
  private static void assertSameCommittedRecords(String source, String sourceTopic, String target, String targetTopic) throws Exception {
    Map<String, String> s = byOffset(committedRecords(source, sourceTopic));
    Map<String, String> t = byOffset(committedRecords(target, targetTopic));
    assertThat(s).hasSizeGreaterThan(6_000);
    assertThat(t).isEqualTo(s);
    assertThat(t.values()).noneMatch(v -> v.contains("aborted")).anyMatch(v -> v.contains("committed"));
  }

  /** read_uncommitted sees the aborted records too, at the same offsets. */
  private static void assertSameOffsetsUncommitted(String source, String target, String topic) throws Exception {
    Map<String, String> s = byOffset(allRecords(source, topic));
    Map<String, String> t = byOffset(allRecords(target, topic));
    assertThat(t).isEqualTo(s);
    assertThat(t.values()).anyMatch(v -> v.contains("aborted"));
  }

  private static Map<String, String> byOffset(List<ConsumerRecord<byte[], byte[]>> records) {
    return records.stream().collect(Collectors.toMap(r -> r.partition() + "@" + r.offset(), MirrorClients::describe, (a, b) -> a, TreeMap::new));
  }

  private static List<ConsumerRecord<byte[], byte[]>> allRecords(String bootstrap, String topic) throws Exception {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
        "isolation.level", "read_uncommitted"), new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
        new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
      List<TopicPartition> tps = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
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

  private static void awaitGroupCopied(String source, String target, String group, Map<TopicPartition, Long> expected) {
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
      try (Admin admin = admin(target)) {
        Map<TopicPartition, Long> got = new HashMap<>();
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
            .forEach((tp, om) -> got.put(tp, om.offset()));
        assertThat(got).isEqualTo(expected);
      }
    });
  }

  /**
   * The group moves to the target: its first record per partition is the one at its committed
   * offset, the same record the source holds there (nothing read twice, nothing skipped).
   */
  private static void assertResumesWithZeroRereads(String source, String target, String topic, String group,
      Map<TopicPartition, Long> committed) {
    assertResumesWithZeroRereads(source, topic, target, topic, group, committed);
  }

  private static void assertResumesWithZeroRereads(String source, String sourceTopic, String target, String targetTopic,
      String group, Map<TopicPartition, Long> committed) {
    KafkaConsumer<byte[], byte[]> c = consumer(target, group);
    Map<Integer, ConsumerRecord<byte[], byte[]>> first = new HashMap<>();
    try {
      c.subscribe(List.of(targetTopic));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (first.size() < committed.size() && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) first.putIfAbsent(r.partition(), r);
      }
    } finally {
      closeNow(c);
    }
    assertThat(first).hasSize(committed.size());
    committed.forEach((tp, offset) -> {
      ConsumerRecord<byte[], byte[]> r = first.get(tp.partition());
      // The first record at or after the commit (read_committed skips aborted records and markers).
      assertThat(r.offset() + " " + describe(r)).as("first record read on the target of " + tp)
          .isEqualTo(firstFrom(source, new TopicPartition(sourceTopic, tp.partition()), offset));
      assertThat(r.offset()).isGreaterThanOrEqualTo(offset);
    });
  }

  /** "offset record" of the first committed record at or after {@code offset}. */
  private static String firstFrom(String bootstrap, TopicPartition tp, long offset) {
    KafkaConsumer<byte[], byte[]> c = consumer(bootstrap, null);
    try {
      c.assign(List.of(tp));
      c.seek(tp, offset);
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (System.nanoTime() < deadline) {
        var rs = c.poll(Duration.ofMillis(200)).records(tp);
        if (!rs.isEmpty()) return rs.get(0).offset() + " " + describe(rs.get(0));
      }
      throw new AssertionError("no record at or after " + offset + " in " + tp);
    } finally {
      closeNow(c);
    }
  }

  private static String readCommittedTail(String bootstrap, TopicPartition tp, long offset) {
    KafkaConsumer<byte[], byte[]> c = consumer(bootstrap, null);
    try {
      c.assign(List.of(tp));
      c.seek(tp, offset);
      long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          if (r.offset() == offset) return str(r.value());
        }
      }
      return "nothing read at " + offset + " within 15 s (read_committed)";
    } finally {
      closeNow(c);
    }
  }

  private interface Text {
    String get() throws Exception;
  }

  private static String safe(Text t) {
    try {
      return t.get();
    } catch (Exception e) {
      return e.toString();
    }
  }
}
