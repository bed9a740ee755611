package dev.brook.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.brook.broker.network.RawClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consumer groups in a three-broker cluster (in-process brokers on one in-process ZooKeeper):
 * __consumer_offsets is replicated (RF=3) and a group is coordinated by the leader of its
 * partition. The coordinator's broker stops; the group re-forms on the broker that takes over the
 * partition, its committed offsets intact, and consumption carries on with nothing lost and only
 * uncommitted records delivered twice.
 */
class ClusterGroupsIT {
  private static final Duration WAIT = Duration.ofSeconds(40);
  private static final String TOPIC = "orders";
  private static final String GROUP = "billing";
  private static final int PARTITIONS = 6;
  private static final int PER_BATCH = 300;

  @TempDir Path dir;
  private InProcessCluster cluster;
  private final List<Worker> workers = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Worker w : workers) w.stop();
    if (cluster != null) cluster.close();
  }

  private InProcessCluster newCluster() throws Exception {
    return new InProcessCluster(dir, Map.of(
        "controlled.shutdown.enable", "false", // the coordinator just goes away
        "replica.fetch.wait.max.ms", "100",
        "offsets.topic.num.partitions", "6",
        "group.initial.rebalance.delay.ms", "0"));
  }

  /** One consumer of the group on its own thread; commits after each poll while {@code commit} is on. */
  private final class Worker implements Runnable {
    final ConcurrentLinkedQueue<String> seen;
    volatile boolean commit = true;
    volatile boolean running = true;
    final Thread thread;
    final KafkaConsumer<String, String> consumer;

    Worker(ConcurrentLinkedQueue<String> seen) {
      this.seen = seen;
      this.consumer = new KafkaConsumer<>(consumerProps());
      this.thread = new Thread(this, "group-worker");
      workers.add(this);
      thread.start();
    }

    @Override
    public void run() {
      consumer.subscribe(List.of(TOPIC));
      try {
        while (running) {
          var records = consumer.poll(Duration.ofMillis(100));
          for (ConsumerRecord<String, String> r : records) seen.add(r.value());
          if (commit && !records.isEmpty()) {
            try {
              consumer.commitSync(Duration.ofSeconds(10));
            } catch (RuntimeException e) {
              // A rebalance or coordinator move: the records are redelivered to the next owner.
            }
          }
        }
      } catch (org.apache.kafka.common.errors.InterruptException | org.apache.kafka.common.errors.WakeupException e) {
        // stopping
      } finally {
        consumer.close(Duration.ofSeconds(5));
      }
    }

    void stop() throws InterruptedException {
      running = false;
      thread.join(20_000);
    }
  }

  @Test
  void groupSurvivesItsCoordinatorsBroker() throws Exception {
    cluster = newCluster();
    for (int id = 1; id <= 3; id++) cluster.start(id);
    awaitLiveBrokers(3);
    try (Admin admin = admin(); KafkaProducer<String, String> producer = producer()) {
      admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3).configs(Map.of("min.insync.replicas", "2"))))
          .all().get();
      ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
      List<Worker> group = List.of(new Worker(seen), new Worker(seen), new Worker(seen));

      // Batch A is consumed and committed.
      produce(producer, "A");
      await().atMost(WAIT).until(() -> seen.containsAll(batch("A")));
      await().atMost(WAIT).until(() -> sum(committed(admin)) == PER_BATCH);
      Map<TopicPartition, Long> committedBefore = committed(admin);
      assertThat(admin.describeTopics(List.of("__consumer_offsets")).allTopicNames().get().get("__consumer_offsets")
          .partitions()).allSatisfy(p -> assertThat(p.replicas()).hasSize(3));

      // Batch B is consumed but never committed.
      for (Worker w : group) w.commit = false;
      produce(producer, "B");
      await().atMost(WAIT).until(() -> seen.containsAll(batch("B")));

      int coordinator = coordinatorOf(admin);
      int other = cluster.ids().stream().filter(id -> id != coordinator).findFirst().orElseThrow();
      assertNotCoordinator(cluster.broker(other), coordinator);

      // The coordinator's broker stops; one consumer leaves with it, so the group must rebalance on
      // the new coordinator (its partitions restart from the committed offsets).
      long stopped = System.nanoTime();
      cluster.stop(coordinator);
      group.get(2).stop();
      await().atMost(WAIT).ignoreExceptions().until(() -> {
        ConsumerGroupDescription d = describe(admin);
        return d.coordinator().id() != coordinator && d.groupState() == GroupState.STABLE && d.members().size() == 2
            && d.members().stream().mapToInt(m -> m.assignment().topicPartitions().size()).sum() == PARTITIONS;
      });
      System.out.printf("ClusterGroupsIT: group stable on broker %d %d ms after coordinator %d stopped%n",
          coordinatorOf(admin), (System.nanoTime() - stopped) / 1_000_000, coordinator);
      assertThat(committed(admin)).isEqualTo(committedBefore);

      // Consumption carries on: batch C is consumed and committed through the new coordinator.
      for (Worker w : group) w.commit = true;
      produce(producer, "C");
      await().atMost(WAIT).until(() -> seen.containsAll(batch("C")));
      Map<TopicPartition, Long> ends = endOffsets(admin);
      await().atMost(WAIT).until(() -> committed(admin).equals(ends));

      Map<String, Long> counts = seen.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
      assertThat(counts.keySet()).containsAll(batch("A")).containsAll(batch("B")).containsAll(batch("C"));
      Set<String> twice = counts.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey)
          .collect(Collectors.toSet());
      assertThat(batch("B")).containsAll(twice); // only uncommitted records come again
      System.out.printf("ClusterGroupsIT: %d records consumed, %d of them (uncommitted) twice%n", seen.size(), twice.size());
    }
  }

  @Test
  void offsetsTopicWaitsForItsReplicationFactor() throws Exception {
    cluster = newCluster();
    cluster.start(1);
    cluster.start(2);
    awaitLiveBrokers(2);
    // offsets.topic.replication.factor is 3: with two live brokers there is no coordinator yet.
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
        .until(() -> findCoordinator(cluster.broker(1)).errorCode() == Errors.COORDINATOR_NOT_AVAILABLE.code());
    cluster.start(3);
    await().atMost(WAIT).until(() -> findCoordinator(cluster.broker(2)).errorCode() == Errors.NONE.code());
    try (Admin admin = admin()) {
      // The coordinator's partition is ready above; the other partitions' states reach the broker the
      // admin client asks through ZooKeeper watches, a moment later on a busy machine.
      await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> assertThat(admin.describeTopics(
          List.of("__consumer_offsets")).allTopicNames().get().get("__consumer_offsets").partitions())
          .hasSize(6).allSatisfy(p -> assertThat(p.replicas()).hasSize(3)));
    }
  }

  /** Every broker's cache shows {@code n} live brokers (registration reaches the others through watches). */
  private void awaitLiveBrokers(int n) {
    await().atMost(WAIT).until(() -> cluster.brokers().stream().allMatch(b -> b.cluster().liveBrokers().size() == n));
  }

  private static org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator findCoordinator(Broker via)
      throws Exception {
    try (RawClient c = new RawClient("127.0.0.1", via.port())) {
      return c.call(new FindCoordinatorRequest.Builder(
          new org.apache.kafka.common.message.FindCoordinatorRequestData().setKeyType((byte) 0)
              .setCoordinatorKeys(List.of(GROUP))).build((short) 4), FindCoordinatorResponse.class)
          .data().coordinators().get(0);
    }
  }

  /** Any broker points at the same coordinator; the others answer NOT_COORDINATOR for the group. */
  private void assertNotCoordinator(Broker other, int coordinator) throws Exception {
    try (RawClient c = new RawClient("127.0.0.1", other.port())) {
      FindCoordinatorResponse found = c.call(new FindCoordinatorRequest.Builder(
          new org.apache.kafka.common.message.FindCoordinatorRequestData().setKeyType((byte) 0)
              .setCoordinatorKeys(List.of(GROUP))).build((short) 4), FindCoordinatorResponse.class);
      assertThat(found.data().coordinators().get(0).nodeId()).isEqualTo(coordinator);
      HeartbeatResponse hb = c.call(new HeartbeatRequest.Builder(new HeartbeatRequestData().setGroupId(GROUP)
          .setMemberId("m").setGenerationId(1)).build((short) 4), HeartbeatResponse.class);
      assertThat(hb.error()).isEqualTo(Errors.NOT_COORDINATOR);
      OffsetFetchResponse fetched = c.call(OffsetFetchRequest.Builder.forTopicNames(new OffsetFetchRequestData()
          .setGroups(List.of(new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId(GROUP).setTopics(null))),
          false).build((short) 8), OffsetFetchResponse.class);
      assertThat(Errors.forCode(fetched.data().groups().get(0).errorCode())).isEqualTo(Errors.NOT_COORDINATOR);
    }
  }

  private static List<String> batch(String name) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < PER_BATCH; i++) out.add(name + "-" + i);
    return out;
  }

  private static void produce(KafkaProducer<String, String> producer, String name) throws Exception {
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    for (String v : batch(name)) sent.add(producer.send(new ProducerRecord<>(TOPIC, v, v)));
    for (Future<RecordMetadata> f : sent) f.get();
  }

  private ConsumerGroupDescription describe(Admin admin) throws Exception {
    return admin.describeConsumerGroups(List.of(GROUP)).all().get().get(GROUP);
  }

  private int coordinatorOf(Admin admin) throws Exception {
    return describe(admin).coordinator().id();
  }

  private static Map<TopicPartition, Long> committed(Admin admin) throws Exception {
    Map<TopicPartition, Long> out = new HashMap<>();
    Map<TopicPartition, OffsetAndMetadata> m = admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get();
    m.forEach((tp, o) -> {
      if (o != null) out.put(tp, o.offset());
    });
    return out;
  }

  private static long sum(Map<TopicPartition, Long> offsets) {
    return offsets.values().stream().mapToLong(Long::longValue).sum();
  }

  private static Map<TopicPartition, Long> endOffsets(Admin admin) throws Exception {
    Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
    for (int p = 0; p < PARTITIONS; p++) specs.put(new TopicPartition(TOPIC, p), OffsetSpec.latest());
    Map<TopicPartition, Long> out = new HashMap<>();
    admin.listOffsets(specs).all().get().forEach((tp, info) -> {
      if (info.offset() > 0) out.put(tp, info.offset());
    });
    return out;
  }

  private Admin admin() {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    return Admin.create(p);
  }

  private Properties consumerProps() {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
    p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500);
    p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 30_000);
    p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    p.put(ConsumerConfig.RETRY_BACKOFF_MS_CONFIG, 100);
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
    return p;
  }

  private KafkaProducer<String, String> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 100);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    return new KafkaProducer<>(p);
  }
}
