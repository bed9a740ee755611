package dev.brook.broker.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.brook.broker.Broker;
import dev.brook.broker.InProcessCluster;
import dev.brook.broker.cluster.PartitionState;
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
  private InProcessCluster cluster;

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) cluster.close();
  }

  private InProcessCluster newCluster() throws Exception {
    return new InProcessCluster(dir, Map.of(
        "controlled.shutdown.enable", "false",
        "replica.fetch.wait.max.ms", "50",
        "replica.lag.time.max.ms", "3000",
        "transaction.state.log.num.partitions", Integer.toString(STATE_PARTITIONS),
        "offsets.topic.num.partitions", "3",
        "transaction.abort.timed.out.transaction.cleanup.interval.ms", "500"));
  }

  private Broker any() {
    return cluster.brokers().iterator().next();
  }

  private Optional<PartitionState> state(TopicPartition tp) {
    return any().cluster().partitionState(tp);
  }

  @Test
  void committedRecordsOnceAbortedNeverAcrossBrokersAndACoordinatorFailover() throws Exception {
    cluster = newCluster();
    for (int id = 1; id <= 3; id++) cluster.start(id);
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
      cluster.stop(coordinator);
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
    cluster = newCluster();
    Map<String, String> minIsrOne = Map.of("transaction.state.log.min.isr", "1");
    for (int id = 1; id <= 3; id++) cluster.start(id, minIsrOne);
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
      cluster.stop(lonely);
      Thread commit = new Thread(producer::commitTransaction, "commit");
      commit.start();
      try (Admin admin = admin()) {
        await().atMost(WAIT).until(() -> stateOf(admin) == org.apache.kafka.clients.admin.TransactionState.PREPARE_COMMIT);
      }
      cluster.stop(coordinator); // the coordinator goes while its markers wait
      await().atMost(WAIT).until(() -> state(statePartition).map(s -> s.leader() >= 0 && s.leader() != coordinator).orElse(false));
      try (Admin admin = admin()) {
        await().atMost(WAIT).ignoreExceptions()
            .until(() -> stateOf(admin) == org.apache.kafka.clients.admin.TransactionState.PREPARE_COMMIT);
        cluster.start(lonely, minIsrOne); // the partition returns: the new coordinator's marker reaches it
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

  /**
   * Consume-transform-produce with sendOffsetsToTransaction where the group's coordinator and the
   * transactional id's coordinator are different brokers: TxnOffsetCommit goes to the group's
   * coordinator, the commit marker reaches the group's __consumer_offsets partition on its leader.
   * The group's coordinator stops mid-run with a transaction open; its partition's next leader
   * replays the pending offsets and the marker commits them there. Every input is in the output
   * exactly once and the group's committed offsets are the ends of the input.
   */
  @Test
  void consumeTransformProduceWithTheGroupAndTheTransactionOnDifferentCoordinators() throws Exception {
    cluster = newCluster();
    for (int id = 1; id <= 3; id++) cluster.start(id);
    String in = "ctp-in";
    String out = "ctp-out";
    String txnId = "ctp-tx";
    int inputs = 300;
    List<TopicPartition> inTps = List.of(new TopicPartition(in, 0), new TopicPartition(in, 1), new TopicPartition(in, 2));
    List<TopicPartition> outTps = List.of(new TopicPartition(out, 0), new TopicPartition(out, 1), new TopicPartition(out, 2));
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(in, 3, (short) 3).configs(Map.of("min.insync.replicas", "2")),
          new NewTopic(out, 3, (short) 3).configs(Map.of("min.insync.replicas", "2")))).all().get();
      admin.listConsumerGroupOffsets("ctp-probe").partitionsToOffsetAndMetadata().get(); // creates __consumer_offsets
    }
    List<TopicPartition> offsetsTps = List.of(new TopicPartition("__consumer_offsets", 0),
        new TopicPartition("__consumer_offsets", 1), new TopicPartition("__consumer_offsets", 2));
    List<TopicPartition> all = new ArrayList<>(inTps);
    all.addAll(outTps);
    all.addAll(offsetsTps);
    await().atMost(WAIT).until(() -> all.stream().allMatch(tp -> state(tp).map(s -> s.leader() >= 0 && s.isr().size() == 3).orElse(false)));
    try (KafkaProducer<String, String> plain = plainProducer()) {
      for (int i = 0; i < inputs; i++) plain.send(new ProducerRecord<>(in, i % 3, null, "in-" + i));
      plain.flush();
    }

    try (KafkaProducer<String, String> producer = producer(txnId)) {
      producer.initTransactions();
      TopicPartition statePartition = new TopicPartition("__transaction_state", Utils.abs(txnId.hashCode()) % STATE_PARTITIONS);
      await().atMost(WAIT).until(() -> state(statePartition).map(s -> s.leader() >= 0 && s.isr().size() == 3).orElse(false));
      int txnCoordinator = state(statePartition).orElseThrow().leader();
      String group = null;
      for (int i = 0; group == null; i++) { // a group whose coordinator is another broker
        String candidate = "ctp-group-" + i;
        int leader = state(new TopicPartition("__consumer_offsets", Utils.abs(candidate.hashCode()) % 3)).orElseThrow().leader();
        if (leader != txnCoordinator) group = candidate;
      }
      TopicPartition groupPartition = new TopicPartition("__consumer_offsets", Utils.abs(group.hashCode()) % 3);
      int groupCoordinator = state(groupPartition).orElseThrow().leader();
      assertThat(groupCoordinator).isNotEqualTo(txnCoordinator);

      int processed = 0;
      boolean stopped = false;
      long deadline = System.nanoTime() + 3 * WAIT.toNanos();
      try (KafkaConsumer<String, String> consumer = consumer(group)) {
        consumer.subscribe(List.of(in));
        while (processed < inputs && System.nanoTime() < deadline) {
          org.apache.kafka.clients.consumer.ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
          if (records.isEmpty()) continue;
          producer.beginTransaction();
          Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> next = new HashMap<>();
          for (ConsumerRecord<String, String> r : records) {
            producer.send(new ProducerRecord<>(out, r.partition(), null, "out-" + r.value()));
            next.put(new TopicPartition(r.topic(), r.partition()), new org.apache.kafka.clients.consumer.OffsetAndMetadata(r.offset() + 1));
          }
          producer.sendOffsetsToTransaction(next, consumer.groupMetadata());
          if (!stopped && processed >= inputs / 3) {
            // The group's coordinator goes once it holds this transaction's offsets, pending.
            try (Admin admin = admin()) {
              await().atMost(WAIT).until(() -> admin.describeProducers(List.of(groupPartition)).partitionResult(groupPartition)
                  .get().activeProducers().stream().anyMatch(p -> p.currentTransactionStartOffset().isPresent()));
            }
            stopped = true;
            cluster.stop(groupCoordinator);
          }
          try {
            producer.commitTransaction();
            processed += records.count();
          } catch (org.apache.kafka.common.errors.ProducerFencedException e) {
            throw e;
          } catch (org.apache.kafka.common.KafkaException e) {
            producer.abortTransaction();
            rewindToCommitted(consumer);
          }
        }
      }
      assertThat(stopped).isTrue();
      assertThat(processed).isEqualTo(inputs);
      try (Admin admin = admin()) {
        Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> offsets =
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        for (TopicPartition tp : inTps) assertThat(offsets.get(tp).offset()).as("committed offset of %s", tp).isEqualTo(inputs / 3);
      }
    }
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < inputs; i++) expected.add("out-in-" + i);
    assertThat(readCommitted(outTps)).containsExactlyInAnyOrderElementsOf(expected);
  }

  /** After an aborted transaction: back to the group's committed offsets (stable ones). */
  private static void rewindToCommitted(KafkaConsumer<String, String> consumer) {
    Set<TopicPartition> assigned = consumer.assignment();
    Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> committed = consumer.committed(assigned, WAIT);
    for (TopicPartition tp : assigned) {
      org.apache.kafka.clients.consumer.OffsetAndMetadata o = committed.get(tp);
      if (o == null) consumer.seekToBeginning(List.of(tp));
      else consumer.seek(tp, o.offset());
    }
  }

  private KafkaConsumer<String, String> consumer(String group) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 40);
    p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000);
    return new KafkaConsumer<>(p);
  }

  private KafkaProducer<String, String> plainProducer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(p);
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
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
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

  private Admin admin() {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    return Admin.create(p);
  }

  private KafkaProducer<String, String> producer() {
    return producer(TXN_ID);
  }

  private KafkaProducer<String, String> producer(String transactionalId) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
    p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 100);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    return new KafkaProducer<>(p);
  }
}
