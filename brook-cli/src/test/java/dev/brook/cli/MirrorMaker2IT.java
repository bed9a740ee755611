package dev.brook.cli;

import static dev.brook.cli.MirrorClients.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.brook.testkit.BrookTestBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.mirror.RemoteClusterUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Apache Kafka 4.1.1's own MirrorMaker 2 ({@code org.apache.kafka.connect.mirror.MirrorMaker}, dedicated
 * mode, run through the anchor script in a child JVM) between two Brook brokers, each the source of
 * one flow and the target of the other. MM2 is a Kafka Connect cluster: it keeps its configs,
 * offsets and status in compacted topics on the target, its workers form a classic group of protocol
 * type {@code connect}, it writes offset syncs, checkpoints and heartbeats, and with exactly-once on
 * it writes through transactions and fences zombies with {@code Admin.fenceProducers}. Everything
 * here is checked with real clients and MM2's own RemoteClusterUtils. Fails (never skips) without
 * the anchor script.
 */
class MirrorMaker2IT {
  /** MM2 starts a Connect herder per flow: tens of seconds on a loaded machine. */
  private static final Duration START = Duration.ofSeconds(180);

  @TempDir Path tmp;
  private BrookTestBroker a;
  private BrookTestBroker b;
  private BrookProcess mm2;

  @BeforeEach
  void brokers() {
    ExternalTool.requireAnchor();
    a = BrookTestBroker.start();
    b = BrookTestBroker.start();
  }

  @AfterEach
  void stop() {
    if (mm2 != null) {
      mm2.close();
      System.out.println("--- MirrorMaker 2 stdout (WARN and above):\n" + mm2.stdout() + "\n--- stderr:\n" + mm2.stderr());
    }
    if (a != null) a.close();
    if (b != null) b.close();
  }

  @Test
  void mirrorMaker2MirrorsBothWaysBetweenBrookBrokersAndItsCheckpointsTranslateOffsets() throws Exception {
    createTopic(a.bootstrapServers(), "orders", 2, Map.of("retention.ms", "3600000"));
    createTopic(b.bootstrapServers(), "events", 1, Map.of());
    produce(a.bootstrapServers(), "orders", 0, 3_000);
    produce(b.bootstrapServers(), "events", 0, 500);
    // A group of A's: partition 0 part-way, partition 1 read to its end.
    TopicPartition p0 = new TopicPartition("orders", 0);
    TopicPartition p1 = new TopicPartition("orders", 1);
    long p1End = endOffset(a.bootstrapServers(), p1);
    try (Admin admin = admin(a.bootstrapServers())) {
      admin.alterConsumerGroupOffsets("billing", Map.of(p0, new OffsetAndMetadata(400), p1, new OffsetAndMetadata(p1End))).all().get();
    }

    mm2 = startMirrorMaker2("B->A.enabled = true\nB->A.topics = events\n");
    awaitMirrored(a.bootstrapServers(), "orders", b.bootstrapServers(), "A.orders", 3_000, true);
    awaitMirrored(b.bootstrapServers(), "events", a.bootstrapServers(), "B.events", 500, true);
    // Records produced while MM2 runs follow.
    produce(a.bootstrapServers(), "orders", 3_000, 4_000);
    awaitMirrored(a.bootstrapServers(), "orders", b.bootstrapServers(), "A.orders", 4_000, true);
    assertThat(topicConfig(b.bootstrapServers(), "A.orders", "retention.ms")).isEqualTo("3600000");

    // MM2's Connect workers: a classic group of protocol type "connect" on each target, and their
    // internal topics, compacted.
    assertThat(groupProtocol(b.bootstrapServers(), "A-mm2")).isEqualTo("connect");
    assertThat(groupProtocol(a.bootstrapServers(), "B-mm2")).isEqualTo("connect");
    for (String internal : List.of("mm2-configs.A.internal", "mm2-offsets.A.internal", "mm2-status.A.internal")) {
      assertThat(topicConfig(b.bootstrapServers(), internal, "cleanup.policy")).as(internal).isEqualTo("compact");
    }
    assertThat(topics(a.bootstrapServers())).contains("mm2-offset-syncs.B.internal");
    assertThat(topics(b.bootstrapServers())).contains("A.checkpoints.internal", "heartbeats");

    // MM2's checkpoints: RemoteClusterUtils translates billing's offsets into A.orders on B, from
    // the nearest offset sync MM2 kept at or below each commit (one every offset.lag.max = 100
    // records at most, thinned out with age): the group moved to B re-reads some records but never
    // skips one. (Exact only while no record follows the commit before MM2's next offset flush.)
    TopicPartition r0 = new TopicPartition("A.orders", 0);
    TopicPartition r1 = new TopicPartition("A.orders", 1);
    AtomicReference<Map<TopicPartition, OffsetAndMetadata>> translated = new AtomicReference<>();
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      translated.set(RemoteClusterUtils.translateOffsets(Map.of("bootstrap.servers", b.bootstrapServers()), "A", "billing", Duration.ofSeconds(5)));
      return translated.get().size() == 2;
    });
    Map<Integer, List<String>> source = byPartition(committedRecords(a.bootstrapServers(), "orders"));
    assertThat(source.get(0).indexOf(firstRecordFrom(b.bootstrapServers(), r0, translated.get().get(r0).offset())))
        .as("source offset of the record billing resumes at on B, partition 0 (committed at 400)").isBetween(0, 400);
    assertThat(source.get(1).indexOf(firstRecordFrom(b.bootstrapServers(), r1, translated.get().get(r1).offset())))
        .as("source offset of the record billing resumes at on B, partition 1 (committed at %d)", p1End).isBetween(0, (int) p1End);
    System.out.printf("billing committed at 400 and %d on A, translated to %s on B%n", p1End, translated.get());

    // sync.group.offsets.enabled: MM2 commits the translation for billing on B itself.
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      try (Admin admin = admin(b.bootstrapServers())) {
        assertThat(admin.listConsumerGroupOffsets("billing").partitionsToOffsetAndMetadata().get()).isEqualTo(translated.get());
      }
    });
  }

  @Test
  void mirrorMaker2ExactlyOnceThroughAKillNineMirrorsEveryRecordOnce() throws Exception {
    createTopic(a.bootstrapServers(), "orders", 3, Map.of());
    // MM2 copies records of aborted transactions unless its source consumer reads committed only.
    abortedTransaction(a.bootstrapServers(), "orders", 100);
    produce(a.bootstrapServers(), "orders", 0, 1_000);
    // Exactly-once is a worker setting of the herders writing to B.
    String eos = "B.exactly.once.source.support = enabled\nA.consumer.isolation.level = read_committed\n";
    mm2 = startMirrorMaker2(eos);
    Thread producer = new Thread(() -> {
      for (int i = 1_000; i < 7_000; i += 250) {
        produce(a.bootstrapServers(), "orders", i, i + 250);
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    try {
      await().atMost(START).pollInterval(Duration.ofMillis(500)).until(() -> targetEnd(b.bootstrapServers(), "A.orders") >= 1_000);
      producer.start();
      await().atMost(Duration.ofSeconds(60)).until(() -> targetEnd(b.bootstrapServers(), "A.orders") >= 2_500);
      assertThat(mm2.kill9()).isEqualTo(137);
      System.out.println("--- first MirrorMaker 2 (killed):\n" + mm2.stdout());
      mm2 = startMirrorMaker2(eos);
    } finally {
      producer.join(120_000);
    }
    awaitMirrored(a.bootstrapServers(), "orders", b.bootstrapServers(), "A.orders", 7_000, false);
    Thread.sleep(2_000); // room for a duplicate to show
    assertThat(difference(byPartition(committedRecords(a.bootstrapServers(), "orders")),
        byPartition(committedRecords(b.bootstrapServers(), "A.orders")))).isEmpty();
    // The records came through MM2's transactions on B (exactly-once really was on).
    try (Admin admin = admin(b.bootstrapServers())) {
      assertThat(admin.listTransactions().all().get()).extracting(t -> t.transactionalId()).contains("A-mm2-MirrorSourceConnector-0");
    }
  }

  /**
   * Waits until every record of {@code source}'s {@code topic} (key, value, headers, timestamp) is
   * in {@code target}'s {@code remote}, in partition order. MM2 without exactly-once delivers at
   * least once: with {@code allowRepeats} a record sent again after a task restart is tolerated
   * (and counted), a missing or reordered one never is.
   */
  private void awaitMirrored(String source, String topic, String target, String remote, int expected, boolean allowRepeats)
      throws Exception {
    AtomicReference<List<String>> last = new AtomicReference<>(List.of());
    try {
      await().atMost(START).pollInterval(Duration.ofSeconds(1)).until(() -> {
        if (!mm2.isAlive()) throw new AssertionError("MirrorMaker 2 exited: " + mm2.stderr());
        if (!topics(target).contains(remote)) return false;
        Map<Integer, List<String>> s = byPartition(committedRecords(source, topic));
        Map<Integer, List<String>> t = byPartition(committedRecords(target, remote));
        Map<Integer, List<String>> firstCopies = new java.util.HashMap<>();
        int repeats = 0;
        for (var e : t.entrySet()) {
          List<String> distinct = allowRepeats ? new ArrayList<>(new LinkedHashSet<>(e.getValue())) : e.getValue();
          repeats += e.getValue().size() - distinct.size();
          firstCopies.put(e.getKey(), distinct);
        }
        last.set(difference(s, firstCopies));
        int total = s.values().stream().mapToInt(List::size).sum();
        if (total == expected && last.get().isEmpty()) {
          System.out.printf("%s mirrored to %s: %d records, %d sent twice%n", topic, remote, total, repeats);
          return true;
        }
        return false;
      });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(topic + " -> " + remote + " not mirrored: " + last.get() + "\n--- MM2 stdout:\n" + mm2.stdout(), e);
    }
  }

  private BrookProcess startMirrorMaker2(String extra) throws Exception {
    Path config = tmp.resolve("mm2.properties");
    Files.writeString(config, String.join("\n",
        "clusters = A, B",
        "A.bootstrap.servers = " + a.bootstrapServers(),
        "B.bootstrap.servers = " + b.bootstrapServers(),
        "A->B.enabled = true",
        "A->B.topics = orders",
        "groups = billing",
        // One broker per cluster.
        "replication.factor = 1",
        "checkpoints.topic.replication.factor = 1",
        "heartbeats.topic.replication.factor = 1",
        "offset-syncs.topic.replication.factor = 1",
        "offset.storage.replication.factor = 1",
        "status.storage.replication.factor = 1",
        "config.storage.replication.factor = 1",
        // Seconds rather than MM2's minutes, so the test sees every kind of record soon.
        "refresh.topics.interval.seconds = 1",
        "refresh.groups.interval.seconds = 1",
        "emit.checkpoints.interval.seconds = 1",
        "emit.heartbeats.interval.seconds = 1",
        "sync.group.offsets.enabled = true",
        "sync.group.offsets.interval.seconds = 1",
        "offset.flush.interval.ms = 1000",
        "") + extra);
    return ExternalTool.startAnchorTool("org.apache.kafka.connect.mirror.MirrorMaker", config.toString());
  }

  private static long endOffset(String bootstrap, TopicPartition tp) throws Exception {
    try (Admin admin = admin(bootstrap)) {
      return admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest())).all().get().get(tp).offset();
    }
  }

  /** The protocol type of group {@code id} as ListGroups reports it. */
  private static String groupProtocol(String bootstrap, String id) throws Exception {
    try (Admin admin = admin(bootstrap)) {
      return admin.listGroups().all().get().stream().filter(g -> g.groupId().equals(id))
          .map(GroupListing::protocol).findFirst().orElse("(no group " + id + ")");
    }
  }
}
