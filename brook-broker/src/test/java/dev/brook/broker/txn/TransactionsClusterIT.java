package dev.brook.broker.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.brook.broker.Broker;
import dev.brook.broker.cluster.PartitionState;
import dev.brook.broker.config.BrokerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.apache.curator.test.TestingServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions in a cluster: three in-process brokers on one in-process ZooKeeper, a topic of three
 * RF=3 partitions led by different brokers, a real transactional producer. Markers reach partitions
 * led by other brokers than the coordinator (WriteTxnMarkers between brokers); then the broker
 * coordinating the transactional id stops mid-transaction, its __transaction_state partition's new
 * leader takes the transactional id over, the producer carries on there, and a read_committed
 * consumer reads every committed record exactly once and no aborted one.
 */
class TransactionsClusterIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String TOPIC = "txn-data";
  private static final String TXN_ID = "cluster-tx";
  private static final int STATE_PARTITIONS = 3;

  @TempDir Path dir;
  private TestingServer zookeeper;
  private final Map<Integer, Broker> brokers = new HashMap<>();

  @AfterEach
  void stop() throws Exception {
    for (Broker b : brokers.values()) b.close();
    if (zookeeper != null) zookeeper.close();
  }

  private void start(int id) throws Exception {
    start(id, Map.of());
  }

  private void start(int id, Map<String, String> overrides) throws Exception {
    Map<String, String> s = new HashMap<>();
    s.put("node.id", Integer.toString(id));
    s.put("log.dirs", dir.resolve("broker-" + id).toString());
    s.put("listeners", "PLAINTEXT://127.0.0.1:0");
    s.put("zookeeper.connect", zookeeper.getConnectString());
    s.put("zookeeper.session.timeout.ms", "6000");
    s.put("controlled.shutdown.enable", "false");
    s.put("replica.fetch.wait.max.ms", "50");
    s.put("replica.lag.time.max.ms", "3000");
    s.put("transaction.state.log.num.partitions", Integer.toString(STATE_PARTITIONS));
    s.put("offsets.topic.num.partitions", "3");
    s.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "500");
    s.putAll(overrides);
    brokers.put(id, Broker.start(BrokerConfig.of(s)));
  }

  private Broker any() {
    return brokers.values().iterator().next();
  }

  private Optional<PartitionState> state(TopicPartition tp) {
    return any().cluster().partitionState(tp);
  }

  @Test
  void committedRecordsOnceAbortedNeverAcrossBrokersAndACoordinatorFailover() throws Exception {
    zookeeper = new TestingServer(true);
    for (int id = 1; id <= 3; id++) start(id);
    List<TopicPartition> tps = List.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1), new TopicPartition(TOPIC, 2));
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(TOPIC, 3, (short) 3).configs(Map.of("min.insync.replicas", "2"))))
          .all().get();
    }
    await().atMost(WAIT).until(() -> tps.stream().allMatch(tp -> state(tp).map(s -> s.leader() >= 0 && s.isr().size() == 3).orElse(false)));
    Set<Integer> dataLeaders = new HashSet<>();
    for (TopicPartition tp : tps) dataLeaders.add(state(tp).orElseThrow().leader());
    assertThat(dataLeaders).as("the partitions are led by different brokers").hasSizeGreaterThan(1);

    List<String> committed = new ArrayList<>();
    int coordinator;
    try (KafkaProducer<String, String> producer = producer()) {
      producer.initTransactions();
      TopicPartition statePartition = new TopicPartition("__transaction_state", Utils.abs(TXN_ID.hashCode()) % STATE_PARTITIONS);
      coordinator = state(statePartition).orElseThrow().leader();
      await().atMost(WAIT).until(() -> state(statePartition).map(s -> s.isr().size() == 3).orElse(false));

      for (int round = 0; round < 6; round++) transaction(producer, "before-" + round, round % 3 != 2, committed);

      // The coordinator stops with a transaction open; its state partition moves to another broker.
      producer.beginTransaction();
      List<String> open = send(producer, "across-failover");
      producer.flush();
      brokers.remove(coordinator).close();
      await().atMost(WAIT).until(() -> state(statePartition).map(s -> s.leader() >= 0 && s.leader() != coordinator).orElse(false));
      producer.commitTransaction();
      committed.addAll(open);

      for (int round = 0; round < 6; round++) transaction(producer, "after-" + round, round % 3 != 2, committed);
    }
    assertThat(state(new TopicPartition("__transaction_state", Utils.abs(TXN_ID.hashCode()) % STATE_PARTITIONS))
        .orElseThrow().leader()).isNotEqualTo(coordinator);

    try (Admin admin = admin()) { // the new coordinator answers for the id: the last transaction was aborted
      assertThat(admin.describeTransactions(List.of(TXN_ID)).description(TXN_ID).get().state())
          .isEqualTo(org.apache.kafka.clients.admin.TransactionState.COMPLETE_ABORT);
    }
    List<String> read = readCommitted(tps);
    assertThat(read).containsExactlyInAnyOrderElementsOf(committed);
    assertThat(read).noneMatch(v -> v.startsWith("aborted"));
  }

  /**
   * A transaction whose commit is durable (PrepareCommit) but whose marker cannot be written (its
   * partition's only replica is down) survives the loss of its coordinator: the next leader of the
   * state partition loads it, keeps writing the markers until the partition is back, and completes
   * it; the producer's commit succeeds and the records are read once.
   */
  @Test
  void preparedTransactionIsCompletedByTheNextCoordinator() throws Exception {
    zookeeper = new TestingServer(true);
    Map<String, String> minIsrOne = Map.of("transaction.state.log.min.isr", "1");
    for (int id = 1; id <= 3; id++) start(id, minIsrOne);
    TopicPartition statePartition = new TopicPartition("__transaction_state", Utils.abs(TXN_ID.hashCode()) % STATE_PARTITIONS);
    List<String> committed = new ArrayList<>();
    try (KafkaProducer<String, String> producer = producer()) {
      producer.initTransactions();
      int coordinator = state(statePartition).orElseThrow().leader();
      await().atMost(WAIT).until(() -> state(statePartition).map(s -> s.isr().size() == 3).orElse(false));
      int lonely = coordinator % 3 + 1; // the only replica of the partition whose marker will wait
      TopicPartition stuck = new TopicPartition("single-replica", 0);
      TopicPartition replicated = new TopicPartition(TOPIC, 0);
      try (Admin admin = admin()) {
        admin.createTopics(List.of(new NewTopic(stuck.topic(), Map.of(0, List.of(lonely))),
            new NewTopic(TOPIC, 3, (short) 3))).all().get();
      }
      await().atMost(WAIT).until(() -> state(stuck).map(s -> s.leader() == lonely).orElse(false)
          && state(replicated).map(s -> s.isr().size() == 3).orElse(false));

      producer.beginTransaction();
      for (int i = 0; i < 5; i++) {
        for (TopicPartition tp : List.of(stuck, replicated)) {
          String v = "prepared-" + tp + "-" + i;
          producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), null, v));
          committed.add(v);
        }
      }
      producer.flush();
      brokers.remove(lonely).close();
      Thread commit = new Thread(producer::commitTransaction, "commit");
      commit.start();
      try (Admin admin = admin()) {
        await().atMost(WAIT).until(() -> stateOf(admin) == org.apache.kafka.clients.admin.TransactionState.PREPARE_COMMIT);
      }
      brokers.remove(coordinator).close(); // the coordinator goes while its markers wait
      await().atMost(WAIT).until(() -> state(statePartition).map(s -> s.leader() >= 0 && s.leader() != coordinator).orElse(false));
      try (Admin admin = admin()) {
        await().atMost(WAIT).ignoreExceptions()
            .until(() -> stateOf(admin) == org.apache.kafka.clients.admin.TransactionState.PREPARE_COMMIT);
        start(lonely, minIsrOne); // the partition returns: the new coordinator's marker reaches it
        await().atMost(WAIT).ignoreExceptions()
            .until(() -> stateOf(admin) == org.apache.kafka.clients.admin.TransactionState.COMPLETE_COMMIT);
      }
      commit.join(WAIT.toMillis());
      assertThat(commit.isAlive()).as("the producer's commit returned").isFalse();
      transaction(producer, "after", true, committed); // the producer carries on
    }
    List<String> read = readCommitted(List.of(new TopicPartition("single-replica", 0), new TopicPartition(TOPIC, 0),
        new TopicPartition(TOPIC, 1), new TopicPartition(TOPIC, 2)));
    assertThat(read).containsExactlyInAnyOrderElementsOf(committed);
  }

  private static org.apache.kafka.clients.admin.TransactionState stateOf(Admin admin) throws Exception {
    return admin.describeTransactions(List.of(TXN_ID)).description(TXN_ID).get().state();
  }

  /** One transaction of a record per partition, committed or aborted. */
  private static void transaction(KafkaProducer<String, String> producer, String name, boolean commit, List<String> committed) {
    producer.beginTransaction();
    List<String> sent = send(producer, (commit ? "" : "aborted-") + name);
    if (commit) {
      producer.commitTransaction();
      committed.addAll(sent);
    } else {
      producer.flush();
      producer.abortTransaction();
    }
  }

  private static List<String> send(KafkaProducer<String, String> producer, String name) {
    List<String> sent = new ArrayList<>();
    for (int p = 0; p < 3; p++) {
      for (int i = 0; i < 5; i++) {
        String v = name + "-p" + p + "-" + i;
        producer.send(new ProducerRecord<>(TOPIC, p, null, v));
        sent.add(v);
      }
    }
    return sent;
  }

  /** Everything a read_committed consumer reads up to the last stable offsets. */
  private List<String> readCommitted(List<TopicPartition> tps) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<String> out = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> end = consumer.endOffsets(tps, WAIT);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (System.nanoTime() < deadline && tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) out.add(r.value());
      }
    }
    return out;
  }

  private String bootstrap() {
    StringBuilder b = new StringBuilder();
    for (Broker broker : brokers.values()) b.append(b.isEmpty() ? "" : ",").append(broker.bootstrapServers());
    return b.toString();
  }

  private Admin admin() {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    return Admin.create(p);
  }

  private KafkaProducer<String, String> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, TXN_ID);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
    p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 100);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    return new KafkaProducer<>(p);
  }
}
