package dev.brook.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.brook.broker.config.BrokerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Consumer groups (classic protocol) with the real kafka-clients consumer against Brook. */
class ConsumerGroupsIT {
  // Classic protocol here; ConsumerProtocolGroupsIT runs the same tests with group.protocol=consumer.
  private static final Duration WAIT = Duration.ofSeconds(45);

  @TempDir Path dir;
  Broker broker;
  final List<Member> members = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    broker = startBroker();
  }

  private Broker startBroker() throws Exception {
    Map<String, String> s = new HashMap<>();
    s.put("listeners", "PLAINTEXT://127.0.0.1:0");
    s.put("log.dirs", dir.toString());
    s.put("group.initial.rebalance.delay.ms", "0");
    s.put("group.min.session.timeout.ms", "500");
    s.put("offsets.topic.num.partitions", "5");
    s.put("group.consumer.heartbeat.interval.ms", "200");
    s.put("group.consumer.session.timeout.ms", "3000");
    return Broker.start(BrokerConfig.of(s));
  }

  @AfterEach
  void stop() {
    for (Member m : members) m.stop();
    if (broker != null) broker.close();
  }

  void createTopic(String name, int partitions) throws Exception {
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
  }

  Admin admin() {
    return Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()));
  }

  private void produce(String topic, int partitions, int perPartition) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      for (int part = 0; part < partitions; part++) {
        for (int i = 0; i < perPartition; i++) producer.send(new ProducerRecord<>(topic, part, "k" + i, part + ":" + i));
      }
      producer.flush();
    }
  }

  /** The group protocol the consumers use: classic here, KIP-848's "consumer" in a subclass. */
  protected boolean consumerProtocol() {
    return false;
  }

  private static final Set<String> CLASSIC_ONLY = Set.of(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG,
      ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG);

  private Properties consumerProps(String group, Map<String, Object> extra) {
    Properties p = classicConsumerProps(group, extra);
    if (consumerProtocol()) {
      CLASSIC_ONLY.forEach(p::remove);
      p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
    }
    return p;
  }

  private Properties classicConsumerProps(String group, Map<String, Object> extra) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 200);
    p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
    p.putAll(extra);
    return p;
  }

  /**
   * A consumer polling on its own thread (a KafkaConsumer is single-threaded): records and its
   * current assignment are visible to the test; actions can be run on the polling thread.
   */
  final class Member {
    final String name;
    final KafkaConsumer<String, String> consumer;
    final Set<TopicPartition> assignment = ConcurrentHashMap.newKeySet();
    final List<ConsumerRecord<String, String>> records = new CopyOnWriteArrayList<>();
    final List<Runnable> actions = new CopyOnWriteArrayList<>();
    final AtomicBoolean running = new AtomicBoolean(true);
    final AtomicReference<CloseOptions> closeWith = new AtomicReference<>(CloseOptions.timeout(Duration.ofSeconds(10)));
    final CountDownLatch closed = new CountDownLatch(1);
    final Thread thread;
    volatile Consumer<ConsumerRecord<String, String>> onRecord = r -> {};

    Member(String name, String group, String topic, Map<String, Object> extra, ConsumerRebalanceListener listener) {
      this.name = name;
      this.consumer = new KafkaConsumer<>(consumerProps(group, extra));
      ConsumerRebalanceListener tracking =
          new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
              if (listener != null) listener.onPartitionsRevoked(partitions);
              assignment.removeAll(partitions);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
              assignment.addAll(partitions);
              if (listener != null) listener.onPartitionsAssigned(partitions);
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
              assignment.removeAll(partitions);
            }
          };
      thread =
          new Thread(
              () -> {
                try {
                  consumer.subscribe(List.of(topic), tracking);
                  while (running.get()) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                      records.add(r);
                      onRecord.accept(r);
                    }
                    for (Runnable a : actions) {
                      actions.remove(a);
                      a.run();
                    }
                  }
                } catch (org.apache.kafka.common.errors.InterruptException e) {
                  // stopping
                } finally {
                  consumer.close(closeWith.get());
                  closed.countDown();
                }
              },
              "member-" + name);
      thread.setDaemon(true);
      thread.start();
      members.add(this);
    }

    void stop() {
      running.set(false);
      try {
        if (!closed.await(20, TimeUnit.SECONDS)) thread.interrupt();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    Set<String> values() {
      Set<String> out = new HashSet<>();
      for (ConsumerRecord<String, String> r : records) out.add(r.value());
      return out;
    }
  }

  private Member member(String name, String group, String topic) {
    return new Member(name, group, topic, Map.of(), null);
  }

  /** Waits until the members' assignments are disjoint and cover all partitions of the topic. */
  void awaitBalanced(List<Member> group, int partitions) {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Set<TopicPartition> union = new HashSet<>();
              int total = 0;
              for (Member m : group) {
                union.addAll(m.assignment);
                total += m.assignment.size();
              }
              assertThat(union).hasSize(partitions);
              assertThat(total).isEqualTo(partitions);
              int expectedBusy = Math.min(group.size(), partitions);
              assertThat(group.stream().filter(m -> !m.assignment.isEmpty()).count()).isEqualTo(expectedBusy);
            });
  }

  @ParameterizedTest(name = "{0} consumers on 4 partitions")
  @ValueSource(ints = {1, 2, 4, 5})
  void partitionsAreSplitAcrossTheGroup(int consumers) throws Exception {
    createTopic("split", 4);
    produce("split", 4, 10);
    List<Member> group = new ArrayList<>();
    for (int i = 0; i < consumers; i++) group.add(member("c" + i, "g", "split"));
    awaitBalanced(group, 4);
    await().atMost(WAIT).until(() -> group.stream().mapToInt(m -> m.records.size()).sum() >= 40);
    Set<String> all = new HashSet<>();
    group.forEach(m -> all.addAll(m.values()));
    assertThat(all).hasSize(40);
    if (consumers == 5) {
      assertThat(group.stream().filter(m -> m.assignment.isEmpty())).hasSize(1);
    }
  }

  @Test
  void twoGroupsEachReceiveEverything() throws Exception {
    createTopic("both", 2);
    produce("both", 2, 25);
    Member a = member("a", "group-a", "both");
    Member b = member("b", "group-b", "both");
    await().atMost(WAIT).until(() -> a.values().size() == 50 && b.values().size() == 50);
    try (Admin admin = admin()) {
      assertThat(admin.listGroups().all().get(30, TimeUnit.SECONDS))
          .extracting(g -> g.groupId())
          .contains("group-a", "group-b");
    }
  }

  @Test
  void closedConsumerPartitionsMoveAtOnce() throws Exception {
    createTopic("moves", 4);
    Map<String, Object> longSession = Map.of(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 60_000);
    Member a = new Member("a", "g", "moves", longSession, null);
    Member b = new Member("b", "g", "moves", longSession, null);
    awaitBalanced(List.of(a, b), 4);
    a.stop(); // sends LeaveGroup: far sooner than the 60 s session timeout
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(b.assignment).hasSize(4));
  }

  @Test
  void killedConsumerLosesPartitionsAfterSessionTimeout() throws Exception {
    createTopic("kills", 4);
    // The killed member runs in its own JVM: SIGKILL leaves it no chance to send a LeaveGroup.
    Process killed = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m", "-XX:TieredStopAtLevel=1",
            "-cp", System.getProperty("java.class.path"), KilledConsumerMain.class.getName(),
            broker.bootstrapServers(), "g", "kills", consumerProtocol() ? "consumer" : "classic", "1500")
        .redirectErrorStream(true)
        .start();
    try {
      var lines = new java.io.BufferedReader(new java.io.InputStreamReader(killed.getInputStream()));
      Member b = new Member("b", "g", "kills", Map.of(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 1_500), null);
      // Wait until the child owns partitions and b owns the rest.
      java.util.concurrent.atomic.AtomicInteger childOwns = new java.util.concurrent.atomic.AtomicInteger(-1);
      Thread reader = new Thread(() -> {
        try {
          for (String line; (line = lines.readLine()) != null; ) {
            if (line.startsWith("ASSIGNED ")) childOwns.set(Integer.parseInt(line.substring(9).trim()));
          }
        } catch (java.io.IOException e) {
          // the child is gone
        }
      });
      reader.setDaemon(true);
      reader.start();
      await().atMost(WAIT).until(() -> childOwns.get() > 0 && childOwns.get() + b.assignment.size() == 4);
      killed.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      await().atMost(WAIT).untilAsserted(() -> assertThat(b.assignment).hasSize(4));
    } finally {
      killed.destroyForcibly();
    }
  }

  @Test
  void commitOnRevokeLosesNothingAcrossARebalance() throws Exception {
    createTopic("revoke", 4);
    produce("revoke", 4, 100);
    AtomicReference<Member> aRef = new AtomicReference<>();
    ConsumerRebalanceListener commitOnRevoke =
        new ConsumerRebalanceListener() {
          @Override
          public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            aRef.get().consumer.commitSync();
          }

          @Override
          public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}
        };
    Map<String, Object> slow = Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5);
    Member a = new Member("a", "g", "revoke", slow, commitOnRevoke);
    aRef.set(a);
    await().atMost(WAIT).until(() -> a.records.size() >= 50);
    AtomicReference<Member> bRef = new AtomicReference<>();
    ConsumerRebalanceListener commitOnRevokeB =
        new ConsumerRebalanceListener() {
          @Override
          public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            bRef.get().consumer.commitSync();
          }

          @Override
          public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}
        };
    Member b = new Member("b", "g", "revoke", slow, commitOnRevokeB);
    bRef.set(b);
    await().atMost(WAIT).until(() -> a.records.size() + b.records.size() >= 400 && !b.assignment.isEmpty());
    Set<String> seen = new HashSet<>();
    List<String> all = new ArrayList<>();
    a.records.forEach(r -> all.add(r.value()));
    b.records.forEach(r -> all.add(r.value()));
    seen.addAll(all);
    assertThat(seen).hasSize(400);
    assertThat(all).as("nothing consumed twice").hasSize(400);
  }

  @Test
  void autoCommitCommitSyncAndCommitAsyncAreFetchable() throws Exception {
    createTopic("commits", 1);
    produce("commits", 1, 30);
    TopicPartition tp = new TopicPartition("commits", 0);
    // auto-commit
    try (KafkaConsumer<String, String> c =
        new KafkaConsumer<>(consumerProps("auto", Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, true,
            ConsumerConfig.AUTO_COMMIT_INTERVAL_MS_CONFIG, 100)))) {
      c.subscribe(List.of("commits"));
      pollUntil(c, 30);
      // Auto-commit runs inside poll(): keep polling until the position is committed.
      await().atMost(WAIT).until(() -> {
        c.poll(Duration.ofMillis(50));
        return committed(c, tp) == 30;
      });
    }
    // commitSync with metadata
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(consumerProps("sync", Map.of()))) {
      c.subscribe(List.of("commits"));
      pollUntil(c, 30);
      c.commitSync(Map.of(tp, new OffsetAndMetadata(17, "half-way")));
      OffsetAndMetadata om = c.committed(Set.of(tp)).get(tp);
      assertThat(om.offset()).isEqualTo(17);
      assertThat(om.metadata()).isEqualTo("half-way");
    }
    // commitAsync with a callback
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(consumerProps("async", Map.of()))) {
      c.subscribe(List.of("commits"));
      pollUntil(c, 30);
      CountDownLatch done = new CountDownLatch(1);
      AtomicReference<Exception> error = new AtomicReference<>();
      c.commitAsync((offsets, e) -> {
        error.set(e);
        done.countDown();
      });
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (done.getCount() > 0 && System.nanoTime() < deadline) c.poll(Duration.ofMillis(50));
      assertThat(done.getCount()).isZero();
      assertThat(error.get()).isNull();
      assertThat(committed(c, tp)).isEqualTo(30);
    }
    // A new member of "sync" starts at the committed offset.
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(consumerProps("sync", Map.of()))) {
      c.subscribe(List.of("commits"));
      List<ConsumerRecord<String, String>> rest = pollUntil(c, 13);
      assertThat(rest.get(0).offset()).isEqualTo(17);
    }
  }

  private static long committed(KafkaConsumer<String, String> c, TopicPartition tp) {
    OffsetAndMetadata om = c.committed(Set.of(tp)).get(tp);
    return om == null ? -1 : om.offset();
  }

  private static List<ConsumerRecord<String, String>> pollUntil(KafkaConsumer<String, String> c, int count) {
    List<ConsumerRecord<String, String>> out = new ArrayList<>();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (out.size() < count && System.nanoTime() < deadline) c.poll(Duration.ofMillis(100)).forEach(out::add);
    assertThat(out).hasSizeGreaterThanOrEqualTo(count);
    return out;
  }

  @Test
  void seekFromRebalanceListener() throws Exception {
    createTopic("seek", 1);
    produce("seek", 1, 20);
    TopicPartition tp = new TopicPartition("seek", 0);
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(consumerProps("seeker", Map.of()))) {
      c.subscribe(List.of("seek"));
      pollUntil(c, 20);
      c.commitSync();
    }
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(consumerProps("seeker", Map.of()))) {
      c.subscribe(List.of("seek"), new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
          if (partitions.contains(tp)) c.seek(tp, 5);
        }
      });
      List<ConsumerRecord<String, String>> got = pollUntil(c, 15);
      assertThat(got.get(0).offset()).isEqualTo(5);
    }
  }

  @Test
  void cooperativeStickyGroupRebalancesIncrementally() throws Exception {
    createTopic("coop", 4);
    Map<String, Object> coop = Map.of(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
    Member a = new Member("a", "coop-g", "coop", coop, null);
    awaitBalanced(List.of(a), 4);
    Set<TopicPartition> kept = new HashSet<>(a.assignment);
    Member b = new Member("b", "coop-g", "coop", coop, null);
    awaitBalanced(List.of(a, b), 4);
    assertThat(kept).containsAll(a.assignment); // a only gave partitions away
    try (Admin admin = admin()) {
      ConsumerGroupDescription d = admin.describeConsumerGroups(List.of("coop-g")).all().get(30, TimeUnit.SECONDS).get("coop-g");
      assertThat(d.groupState()).isEqualTo(GroupState.STABLE);
      assertThat(d.partitionAssignor()).isEqualTo("cooperative-sticky");
      assertThat(d.members()).hasSize(2);
    }
  }

  @Test
  void staticMemberRestartKeepsItsPartitions() throws Exception {
    createTopic("static", 4);
    Map<String, Object> a1 = Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "instance-a");
    Map<String, Object> b1 = Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "instance-b");
    Member a = new Member("a", "static-g", "static", a1, null);
    Member b = new Member("b", "static-g", "static", b1, null);
    awaitBalanced(List.of(a, b), 4);
    Set<TopicPartition> before = Set.copyOf(b.assignment);
    b.stop(); // a static member's close does not leave the group
    Member b2 = new Member("b2", "static-g", "static", b1, null);
    await().atMost(WAIT).untilAsserted(() -> assertThat(b2.assignment).isEqualTo(before));
    assertThat(a.assignment).hasSize(4 - before.size());
  }

  @Test
  void committedOffsetsSurviveBrokerRestart() throws Exception {
    createTopic("durable", 2);
    produce("durable", 2, 10);
    TopicPartition p0 = new TopicPartition("durable", 0);
    TopicPartition p1 = new TopicPartition("durable", 1);
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(consumerProps("keep", Map.of()))) {
      c.subscribe(List.of("durable"));
      pollUntil(c, 20);
      c.commitSync(Map.of(p0, new OffsetAndMetadata(7, "m0"), p1, new OffsetAndMetadata(3)));
    }
    broker.close();
    broker = startBroker();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(consumerProps("keep", Map.of()))) {
      Map<TopicPartition, OffsetAndMetadata> committed = c.committed(Set.of(p0, p1), Duration.ofSeconds(30));
      assertThat(committed.get(p0).offset()).isEqualTo(7);
      assertThat(committed.get(p0).metadata()).isEqualTo("m0");
      assertThat(committed.get(p1).offset()).isEqualTo(3);
      c.subscribe(List.of("durable"));
      assertThat(pollUntil(c, 10)).hasSize(10); // 3 left on p0, 7 on p1
    }
  }
}
