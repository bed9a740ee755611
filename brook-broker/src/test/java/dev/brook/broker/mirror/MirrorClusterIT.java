package dev.brook.broker.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.brook.broker.Broker;
import dev.brook.broker.InProcessCluster;
import dev.brook.broker.cluster.PartitionState;
import dev.brook.broker.config.BrokerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
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
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mirror topic on a ZooKeeper-coordinated target: three in-process brokers on one in-process
 * ZooKeeper mirror a 3-partition topic (replication factor 3) from a single-node source broker. The
 * link is stored in ZooKeeper with its password encrypted; each partition is fetched by its leader
 * only; the leader of a partition stops (without moving its leadership first) while the source takes
 * records, and the new leader carries on from its own log end: every partition ends with the
 * source's records at the source's offsets, none missing, none twice. The stopped broker comes back
 * and rejoins every ISR (the followers replicate the mirror normally). Produce is refused until the
 * promote, which is cluster-wide: accepted after it, and still after a broker restarts and leads
 * every partition alone.
 */
class MirrorClusterIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String TOPIC = "orders";
  private static final int PARTITIONS = 3;

  @TempDir Path dir;
  private InProcessCluster target;
  private Broker source;

  @AfterEach
  void stop() throws Exception {
    if (target != null) target.close();
    if (source != null) source.close();
  }

  @Test
  void mirrorTopicFollowsItsLeadersAcrossAFailoverAndPromotesClusterWide() throws Exception {
    source = Broker.start(BrokerConfig.of(Map.of("node.id", "100", "log.dirs", dir.resolve("source").toString(),
        "listeners", "PLAINTEXT://127.0.0.1:0")));
    target = new InProcessCluster(dir.resolve("target"), Map.of(
        "controlled.shutdown.enable", "false", // a stopped leader just goes away
        "replica.fetch.wait.max.ms", "100",
        "password.encoder.secret", "mirror-cluster-it-secret"));
    for (int id = 1; id <= 3; id++) target.start(id);
    String s = source.bootstrapServers();

    try (Admin src = admin(s)) {
      src.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get();
    }
    produce(s, "before", 3_000, 0);

    try (Admin admin = admin(target.bootstrap())) {
      // Links live in ZooKeeper: created through one broker, used by whichever leads a partition.
      String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"mirror\" password=\"hunter2-zk\";";
      alterLinks(admin, Map.of("cluster.link.src.bootstrap.servers", s, "cluster.link.src.consumer.offset.sync.enable", "false"));
      alterLinks(admin, Map.of("cluster.link.vault.bootstrap.servers", "127.0.0.1:1",
          "cluster.link.vault.security.protocol", "SASL_PLAINTEXT", "cluster.link.vault.sasl.mechanism", "PLAIN",
          "cluster.link.vault.sasl.jaas.config", jaas));
      assertLinkStoredEncrypted("vault", "hunter2-zk");

      admin.createTopics(List.of(new NewTopic(TOPIC, Optional.empty(), Optional.of((short) 3))
          .configs(Map.of("mirror.link", "src")))).all().get();
    }
    awaitSameEnds(s, target.bootstrap());
    awaitFullIsrs();

    // Mid-stream: the leader of partition 0 stops while the source takes records.
    TopicPartition p0 = new TopicPartition(TOPIC, 0);
    long mirroredBefore = ends(target.bootstrap()).get(p0);
    AtomicReference<Throwable> writerFailed = new AtomicReference<>();
    Thread writer = new Thread(() -> {
      try {
        produce(s, "during", 6_000, 20);
      } catch (Throwable t) {
        writerFailed.set(t);
      }
    }, "source-writer");
    writer.start();
    await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
        .until(() -> ends(target.bootstrap()).get(p0) > mirroredBefore + 300);
    PartitionState before = state(p0);
    boolean midStream = writer.isAlive();
    target.stop(before.leader());
    await().atMost(WAIT).ignoreExceptions().until(() -> state(p0).leader() >= 0 && state(p0).leader() != before.leader());
    writer.join(WAIT.toMillis());
    assertThat(writerFailed.get()).isNull();
    System.out.printf("MirrorClusterIT: leader %d of %s stopped at mirror end %d (source writer still running: %s); "
        + "new leader %d%n", before.leader(), p0, ends(target.bootstrap()).get(p0), midStream, state(p0).leader());

    awaitSameEnds(s, target.bootstrap());
    assertSameRecords(s, target.bootstrap());

    // The stopped broker comes back as a follower and catches up by replication (no endless divergence).
    target.start(before.leader());
    awaitFullIsrs();

    try (Admin admin = admin(target.bootstrap())) {
      assertThatThrownBy(() -> produceOne(target.bootstrap(), p0, "refused"))
          .hasCauseInstanceOf(InvalidRequestException.class)
          .hasMessageContaining("read-only mirror topic");

      Map<TopicPartition, Long> endsBefore = ends(target.bootstrap());
      admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, TOPIC), List.of(
          new AlterConfigOp(new ConfigEntry("mirror.state", "promoted"), AlterConfigOp.OpType.SET)))).all().get();
      await().atMost(WAIT).untilAsserted(() -> assertThat(mirrorState(admin)).isEqualTo("promoted"));
      for (int p = 0; p < PARTITIONS; p++) {
        TopicPartition tp = new TopicPartition(TOPIC, p);
        RecordMetadata written = produceOne(target.bootstrap(), tp, "after-promote-" + p);
        assertThat(written.offset()).as("first own record of %s follows the mirrored ones", tp).isEqualTo(endsBefore.get(tp));
      }
    }

    // Durable and cluster-wide: a broker restarts, then leads every partition alone, and takes writes.
    int restarted = state(p0).leader();
    target.stop(restarted);
    target.start(restarted);
    awaitFullIsrs();
    for (int id : List.copyOf(target.ids())) {
      if (id != restarted) target.stop(id);
    }
    await().atMost(WAIT).ignoreExceptions().until(() -> {
      for (int p = 0; p < PARTITIONS; p++) {
        if (state(new TopicPartition(TOPIC, p)).leader() != restarted) return false;
      }
      return true;
    });
    try (Admin admin = admin(target.bootstrap())) {
      assertThat(mirrorState(admin)).isEqualTo("promoted"); // one broker left: its own view after its restart
    }
    for (int p = 0; p < PARTITIONS; p++) {
      RecordMetadata written = produceOne(target.bootstrap(), new TopicPartition(TOPIC, p), "after-restart-" + p);
      assertThat(written.offset()).isPositive();
    }
  }

  // ---- cluster state

  private PartitionState state(TopicPartition tp) {
    return target.brokers().iterator().next().cluster().partitionState(tp).orElseThrow();
  }

  private void awaitFullIsrs() {
    await().atMost(WAIT).ignoreExceptions().until(() -> {
      for (int p = 0; p < PARTITIONS; p++) {
        Optional<PartitionState> st = target.brokers().iterator().next().cluster().partitionState(new TopicPartition(TOPIC, p));
        if (st.isEmpty() || st.get().leader() < 0 || st.get().isr().size() != 3) return false;
      }
      return true;
    });
  }

  private void assertLinkStoredEncrypted(String link, String password) throws Exception {
    try (CuratorFramework zk = CuratorFrameworkFactory.newClient(target.zookeeperConnect(), new RetryOneTime(100))) {
      zk.start();
      String stored = new String(zk.getData().forPath("/brook/mirror_links/" + link), StandardCharsets.UTF_8);
      assertThat(stored).contains("encrypted:v1:").doesNotContain(password).doesNotContain("PlainLoginModule")
          .contains("127.0.0.1:1");
    }
  }

  // ---- clients

  private static Admin admin(String bootstrap) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 45_000);
    return Admin.create(p);
  }

  private static void alterLinks(Admin admin, Map<String, String> settings) throws Exception {
    List<AlterConfigOp> ops = new ArrayList<>();
    settings.forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
    admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.BROKER, ""), ops)).all().get();
  }

  private static String mirrorState(Admin admin) throws Exception {
    ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, TOPIC);
    return admin.describeConfigs(List.of(r)).all().get().get(r).get("mirror.state").value();
  }

  private static KafkaProducer<String, String> producer(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
    return new KafkaProducer<>(p);
  }

  /** {@code count} keyed records over the partitions, flushed every 100; {@code pauseMs} between flushes paces a stream. */
  private static void produce(String bootstrap, String prefix, int count, long pauseMs) throws Exception {
    try (KafkaProducer<String, String> producer = producer(bootstrap)) {
      for (int i = 0; i < count; i++) {
        producer.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, "k" + i, prefix + "-" + i));
        if (i % 100 == 99) {
          producer.flush();
          if (pauseMs > 0) Thread.sleep(pauseMs); // pacing the stream, not waiting for anything
        }
      }
      producer.flush();
    }
  }

  private static RecordMetadata produceOne(String bootstrap, TopicPartition tp, String value) throws Exception {
    try (KafkaProducer<String, String> producer = producer(bootstrap)) {
      return producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), "k", value)).get();
    }
  }

  private static KafkaConsumer<String, String> consumer(String bootstrap) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return new KafkaConsumer<>(p);
  }

  private static List<TopicPartition> partitions() {
    List<TopicPartition> out = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) out.add(new TopicPartition(TOPIC, p));
    return out;
  }

  private static Map<TopicPartition, Long> ends(String bootstrap) {
    try (KafkaConsumer<String, String> c = consumer(bootstrap)) {
      return c.endOffsets(partitions(), Duration.ofSeconds(15));
    } catch (RuntimeException e) {
      return Map.of(); // a leader moving: asked again
    }
  }

  private static void awaitSameEnds(String source, String target) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
      Map<TopicPartition, Long> s = ends(source);
      assertThat(s).hasSize(PARTITIONS);
      assertThat(ends(target)).isEqualTo(s);
    });
  }

  /** One record as a consumer sees it: where, which epoch, what. */
  private record Seen(long offset, int leaderEpoch, long timestamp, String key, String value) {}

  private static Map<TopicPartition, List<Seen>> readAll(String bootstrap) {
    Map<TopicPartition, List<Seen>> out = new HashMap<>();
    try (KafkaConsumer<String, String> c = consumer(bootstrap)) {
      Collection<TopicPartition> tps = partitions();
      Map<TopicPartition, Long> end = c.endOffsets(tps, Duration.ofSeconds(15));
      c.assign(tps);
      c.seekToBeginning(tps);
      tps.forEach(tp -> out.put(tp, new ArrayList<>()));
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
          out.get(new TopicPartition(r.topic(), r.partition()))
              .add(new Seen(r.offset(), r.leaderEpoch().orElse(-1), r.timestamp(), r.key(), r.value()));
        }
      }
    }
    return out;
  }

  private static void assertSameRecords(String source, String target) {
    Map<TopicPartition, List<Seen>> s = readAll(source);
    Map<TopicPartition, List<Seen>> t = readAll(target);
    int total = 0;
    for (TopicPartition tp : partitions()) {
      List<Seen> want = s.get(tp);
      assertThat(t.get(tp)).as("records of %s", tp).containsExactlyElementsOf(want);
      for (int i = 0; i < want.size(); i++) assertThat(want.get(i).offset()).isEqualTo(i); // no gap on the source either
      total += want.size();
    }
    assertThat(total).isEqualTo(9_000);
  }
}
