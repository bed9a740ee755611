package dev.brook.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * KIP-848 groups outlive their coordinator, as with Kafka: the members, their epochs and the
 * assignment are in __consumer_offsets, so after a single node restarts, or after the coordinator's
 * broker of a cluster stops, the same members carry on at the same epochs, with no rejoin (which
 * would give a member a new epoch and bump the group epoch) and nothing lost.
 */
class ConsumerProtocolFailoverIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String TOPIC = "events";
  private static final String GROUP = "kip848-failover";
  private static final int PARTITIONS = 4;

  @TempDir Path dir;
  private final List<Worker> workers = new ArrayList<>();
  private final Set<String> seen = ConcurrentHashMap.newKeySet();

  @AfterEach
  void stopWorkers() throws InterruptedException {
    for (Worker w : workers) w.stop();
  }

  /** One consumer-protocol consumer on its own thread, committing after each poll. */
  private final class Worker implements Runnable {
    private final KafkaConsumer<String, String> consumer;
    private final Thread thread = new Thread(this, "kip848-worker");
    private volatile boolean running = true;

    Worker(String bootstrap) {
      Properties p = new Properties();
      p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      p.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
      p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
      p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
      p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
      p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
      consumer = new KafkaConsumer<>(p);
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
          if (!records.isEmpty()) {
            try {
              consumer.commitSync(Duration.ofSeconds(10));
            } catch (RuntimeException e) {
              // the coordinator is moving: the next commit covers these records
            }
          }
        }
      } finally {
        consumer.close(Duration.ofSeconds(5));
      }
    }

    void stop() throws InterruptedException {
      running = false;
      thread.join(20_000);
    }
  }

  private static Admin admin(String bootstrap) {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
  }

  private static void produce(String bootstrap, String batch, int n) throws Exception {
    try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
      for (int i = 0; i < n; i++) p.send(new ProducerRecord<>(TOPIC, batch + i, batch + i));
      p.flush();
    }
  }

  private void awaitSeen(String batch, int n) {
    await().atMost(WAIT).until(() -> {
      for (int i = 0; i < n; i++) {
        if (!seen.contains(batch + i)) return false;
      }
      return true;
    });
  }

  /** Member id → member epoch, once the group is stable with every partition assigned. */
  private static Map<String, Integer> stableMembers(Supplier<Admin> admins) {
    Map<String, Integer> out = new TreeMap<>();
    await().atMost(WAIT).ignoreExceptions().until(() -> {
      out.clear();
      try (Admin admin = admins.get()) {
        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(GROUP)).all().get().get(GROUP);
        if (d.groupState() != GroupState.STABLE || d.members().size() != 2) return false;
        int assigned = 0;
        for (MemberDescription m : d.members()) {
          out.put(m.consumerId(), m.memberEpoch().orElseThrow());
          assigned += m.assignment().topicPartitions().size();
        }
        out.put("group epoch", d.groupEpoch().orElseThrow());
        return assigned == PARTITIONS;
      }
    });
    return new TreeMap<>(out);
  }

  @Test
  void membersCarryOnAfterASingleNodeRestartWithoutRejoining() throws Exception {
    try (RestartableBroker broker = new RestartableBroker(dir, Map.of(
        "offsets.topic.num.partitions", "3",
        "group.consumer.session.timeout.ms", "45000",
        "group.consumer.heartbeat.interval.ms", "500"))) {
      broker.start();
      String bootstrap = broker.bootstrap();
      try (Admin admin = admin(bootstrap)) {
        admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get();
      }
      new Worker(bootstrap);
      new Worker(bootstrap);
      produce(bootstrap, "before-", 200);
      awaitSeen("before-", 200);
      Map<String, Integer> before = stableMembers(() -> admin(bootstrap));

      broker.stop();
      broker.start();
      produce(bootstrap, "after-", 200);
      awaitSeen("after-", 200);
      assertThat(stableMembers(() -> admin(bootstrap))).as("same members at the same epochs").isEqualTo(before);
    }
  }

  @Test
  void membersCarryOnAfterTheirCoordinatorsBrokerStops() throws Exception {
    try (InProcessCluster cluster = new InProcessCluster(dir, Map.of(
        "controlled.shutdown.enable", "false",
        "replica.fetch.wait.max.ms", "100",
        "offsets.topic.num.partitions", "3",
        "group.consumer.session.timeout.ms", "45000",
        "group.consumer.heartbeat.interval.ms", "500"))) {
      for (int id = 1; id <= 3; id++) cluster.start(id);
      await().atMost(WAIT).until(() -> cluster.brokers().stream().allMatch(b -> b.cluster().liveBrokers().size() == 3));
      String bootstrap = cluster.bootstrap();
      try (Admin admin = admin(bootstrap)) {
        admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3)
            .configs(Map.of("min.insync.replicas", "2")))).all().get();
      }
      new Worker(bootstrap);
      new Worker(bootstrap);
      produce(bootstrap, "before-", 200);
      awaitSeen("before-", 200);
      Map<String, Integer> before = stableMembers(() -> admin(bootstrap));
      int coordinator;
      try (Admin admin = admin(bootstrap)) {
        coordinator = admin.describeConsumerGroups(List.of(GROUP)).all().get().get(GROUP).coordinator().id();
      }

      cluster.stop(coordinator);
      String survivors = cluster.bootstrap();
      await().atMost(WAIT).ignoreExceptions().until(() -> {
        try (Admin admin = admin(survivors)) {
          return admin.describeConsumerGroups(List.of(GROUP)).all().get().get(GROUP).coordinator().id() != coordinator;
        }
      });
      produce(survivors, "after-", 200);
      awaitSeen("after-", 200);
      assertThat(stableMembers(() -> admin(survivors))).as("same members at the same epochs").isEqualTo(before);
    }
  }
}
