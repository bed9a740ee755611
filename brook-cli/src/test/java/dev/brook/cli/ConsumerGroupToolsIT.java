package dev.brook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka 4.1.1's kafka-consumer-groups (ConsumerGroupCommand, through the anchor script) and {@code
 * brook groups} against Brook: list, describe (offsets, lag, members), reset-offsets, delete; and
 * committed offsets across a kill -9 of {@code brook server}.
 */
class ConsumerGroupToolsIT extends AgainstBroker {
  static final String CGC = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";
  static final ApiKeys[] NEEDED = {ApiKeys.CREATE_TOPICS, ApiKeys.PRODUCE, ApiKeys.FETCH, ApiKeys.LIST_OFFSETS,
      ApiKeys.FIND_COORDINATOR, ApiKeys.JOIN_GROUP, ApiKeys.SYNC_GROUP, ApiKeys.OFFSET_COMMIT, ApiKeys.OFFSET_FETCH,
      ApiKeys.DESCRIBE_GROUPS, ApiKeys.LIST_GROUPS, ApiKeys.DELETE_GROUPS};

  @TempDir Path data;

  static KafkaConsumer<String, String> consumer(String bootstrap, String group) {
    return new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.GROUP_ID_CONFIG, group,
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));
  }

  /** Consumes {@code topic} in {@code group} until {@code count} records arrived, then commits and leaves. */
  static void consumeAndCommit(String bootstrap, String group, String topic, int count, Map<TopicPartition, OffsetAndMetadata> commit) {
    try (KafkaConsumer<String, String> c = consumer(bootstrap, group)) {
      c.subscribe(List.of(topic));
      int got = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (got < count && System.nanoTime() < deadline) got += c.poll(Duration.ofMillis(200)).count();
      assertThat(got).isGreaterThanOrEqualTo(count);
      if (commit == null) c.commitSync();
      else c.commitSync(commit);
    }
  }

  static String row(ExternalTool.Result r, String group, String topic, int partition) {
    return r.lines().stream()
        .filter(l -> l.matches("^" + group + "\\s+" + topic + "\\s+" + partition + "\\s.*"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no row for " + topic + "-" + partition + " in\n" + r));
  }

  static ExternalTool.Result cgc(String... args) throws Exception {
    return ExternalTool.anchorTool(null, 120, CGC, args);
  }

  @Test
  void kafkaConsumerGroupCommandListsDescribesResetsAndDeletes() throws Exception {
    ExternalTool.assumeAnchor();
    ExternalTool.requireServes(bootstrap, NEEDED);
    Clients.createTopic(bootstrap, "cgc", 2);
    Clients.produce(bootstrap, "cgc", 0, 20);
    TopicPartition p0 = new TopicPartition("cgc", 0);
    TopicPartition p1 = new TopicPartition("cgc", 1);
    consumeAndCommit(bootstrap, "cgc-g", "cgc", 20, Map.of(p0, new OffsetAndMetadata(1), p1, new OffsetAndMetadata(2)));
    long end0 = Clients.readAll(bootstrap, "cgc", 20).stream().filter(r -> r.partition() == 0).count();

    assertThat(cgc("--bootstrap-server", bootstrap, "--list").lines()).contains("cgc-g");

    ExternalTool.Result describe = cgc("--bootstrap-server", bootstrap, "--describe", "--group", "cgc-g");
    assertThat(describe.exitCode()).as(describe.toString()).isZero();
    assertThat(describe.stdout() + describe.stderr()).contains("Consumer group 'cgc-g' has no active members.");
    assertThat(row(describe, "cgc-g", "cgc", 0).split("\\s+")).startsWith("cgc-g", "cgc", "0", "1",
        Long.toString(end0), Long.toString(end0 - 1), "-");

    ExternalTool.Result reset = cgc("--bootstrap-server", bootstrap, "--reset-offsets", "--group", "cgc-g",
        "--topic", "cgc", "--to-latest", "--execute");
    assertThat(reset.exitCode()).as(reset.toString()).isZero();
    assertThat(row(reset, "cgc-g", "cgc", 0).split("\\s+")[3]).isEqualTo(Long.toString(end0));
    reset = cgc("--bootstrap-server", bootstrap, "--reset-offsets", "--group", "cgc-g", "--topic", "cgc:0",
        "--shift-by", "-1", "--execute");
    assertThat(row(reset, "cgc-g", "cgc", 0).split("\\s+")[3]).isEqualTo(Long.toString(end0 - 1));
    reset = cgc("--bootstrap-server", bootstrap, "--reset-offsets", "--group", "cgc-g", "--all-topics",
        "--to-earliest", "--execute");
    assertThat(reset.exitCode()).as(reset.toString()).isZero();
    describe = cgc("--bootstrap-server", bootstrap, "--describe", "--group", "cgc-g");
    assertThat(row(describe, "cgc-g", "cgc", 0).split("\\s+")[3]).isEqualTo("0");
    assertThat(row(describe, "cgc-g", "cgc", 1).split("\\s+")[3]).isEqualTo("0");

    // brook groups shows the same.
    BrookProcess.Result brookDescribe = BrookProcess.run(null, "groups", "describe", "--bootstrap-server", bootstrap,
        "--group", "cgc-g");
    assertThat(brookDescribe.exitCode()).as(brookDescribe.toString()).isZero();
    assertThat(brookDescribe.stdout()).containsPattern("cgc-g\\s+cgc\\s+0\\s+0\\s+" + end0 + "\\s+" + end0 + "\\s");

    ExternalTool.Result delete = cgc("--bootstrap-server", bootstrap, "--delete", "--group", "cgc-g");
    assertThat(delete.exitCode()).as(delete.toString()).isZero();
    assertThat(delete.stdout()).contains("Deletion of requested consumer groups ('cgc-g') was successful.");
    assertThat(cgc("--bootstrap-server", bootstrap, "--list").lines()).doesNotContain("cgc-g");
  }

  @Test
  void describeMembersShowsTheActiveConsumer() throws Exception {
    ExternalTool.assumeAnchor();
    ExternalTool.requireServes(bootstrap, NEEDED);
    Clients.createTopic(bootstrap, "live", 2);
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicBoolean assigned = new AtomicBoolean();
    Thread t = new Thread(() -> {
      try (KafkaConsumer<String, String> c = consumer(bootstrap, "live-g")) {
        c.subscribe(List.of("live"));
        while (running.get()) {
          c.poll(Duration.ofMillis(100));
          if (c.assignment().size() == 2) assigned.set(true);
        }
      }
    });
    t.start();
    try {
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).untilTrue(assigned);
      ExternalTool.Result members = cgc("--bootstrap-server", bootstrap, "--describe", "--group", "live-g", "--members");
      assertThat(members.exitCode()).as(members.toString()).isZero();
      String line = members.lines().stream().filter(l -> l.startsWith("live-g")).findFirst().orElseThrow();
      assertThat(line).contains("/127.0.0.1").endsWith("2");
      ExternalTool.Result state = cgc("--bootstrap-server", bootstrap, "--describe", "--group", "live-g", "--state");
      assertThat(state.stdout()).contains("range").contains("Stable");
      ExternalTool.Result delete = cgc("--bootstrap-server", bootstrap, "--delete", "--group", "live-g");
      assertThat(delete.stdout() + delete.stderr()).contains("The group is not empty");
      BrookProcess.Result list = BrookProcess.run(null, "groups", "list", "--state", "--bootstrap-server", bootstrap);
      assertThat(list.stdout()).containsPattern("live-g\\s+Stable");
    } finally {
      running.set(false);
      t.join(30_000);
    }
  }

  @Test
  void brookGroupsResetOffsetsAndDelete() throws Exception {
    ExternalTool.requireServes(bootstrap, NEEDED);
    Clients.createTopic(bootstrap, "bg", 1);
    Clients.produce(bootstrap, "bg", 0, 10);
    consumeAndCommit(bootstrap, "bg-g", "bg", 10, null);
    BrookProcess.Result plan = BrookProcess.run(null, "groups", "reset-offsets", "--bootstrap-server", bootstrap,
        "--group", "bg-g", "--topic", "bg", "--to-offset", "4");
    assertThat(plan.stdout()).containsPattern("bg-g\\s+bg\\s+0\\s+4");
    BrookProcess.Result describe = BrookProcess.run(null, "groups", "describe", "--bootstrap-server", bootstrap, "--group", "bg-g");
    assertThat(describe.stdout()).as("a plan without --execute changes nothing").containsPattern("bg-g\\s+bg\\s+0\\s+10\\s+10\\s+0\\s");
    BrookProcess.run(null, "groups", "reset-offsets", "--bootstrap-server", bootstrap, "--group", "bg-g", "--topic", "bg",
        "--to-offset", "4", "--execute");
    describe = BrookProcess.run(null, "groups", "describe", "--bootstrap-server", bootstrap, "--group", "bg-g");
    assertThat(describe.stdout()).containsPattern("bg-g\\s+bg\\s+0\\s+4\\s+10\\s+6\\s");
    BrookProcess.Result delete = BrookProcess.run(null, "groups", "delete", "--bootstrap-server", bootstrap, "--group", "bg-g");
    assertThat(delete.exitCode()).as(delete.toString()).isZero();
    assertThat(BrookProcess.run(null, "groups", "list", "--bootstrap-server", bootstrap).stdout()).doesNotContain("bg-g");
  }

  @Test
  void committedOffsetsSurviveKill9() throws Exception {
    TopicPartition tp = new TopicPartition("k9", 0);
    try (BrookProcess brook = BrookProcess.server(data)) {
      String b = brook.bootstrap();
      ExternalTool.requireServes(b, NEEDED);
      Clients.createTopic(b, "k9", 1);
      Clients.produce(b, "k9", 0, 10);
      consumeAndCommit(b, "k9-g", "k9", 10, Map.of(tp, new OffsetAndMetadata(6, "before-kill")));
      assertThat(brook.kill9()).isEqualTo(137);
    }
    try (BrookProcess brook = BrookProcess.server(data);
        KafkaConsumer<String, String> c = consumer(brook.bootstrap(), "k9-g")) {
      OffsetAndMetadata om = c.committed(Set.of(tp), Duration.ofSeconds(60)).get(tp);
      assertThat(om.offset()).isEqualTo(6);
      assertThat(om.metadata()).isEqualTo("before-kill");
    }
  }
}
