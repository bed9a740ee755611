package dev.brook.broker.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.brook.broker.RestartableBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Transactions with the real kafka-clients producer, consumer and admin client. */
class TransactionsIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  @TempDir Path dir;
  RestartableBroker brook;

  @BeforeEach
  void fixture() {
    brook = new RestartableBroker(dir, Map.of(
        "offsets.topic.num.partitions", "3",
        "transaction.state.log.num.partitions", "3",
        "group.initial.rebalance.delay.ms", "0"));
  }

  @AfterEach
  void stop() {
    brook.close();
  }

  private String bootstrap() {
    return brook.bootstrap();
  }

  private void start(Map<String, String> extra) throws Exception {
    brook.start(extra);
  }

  private void createTopic(String name, int partitions) throws Exception {
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
    }
  }

  private Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()));
  }

  private KafkaProducer<String, String> producer(String transactionalId, int timeoutMs) {
    KafkaProducer<String, String> producer = ConsumeTransformProduce.producer(bootstrap(), transactionalId, timeoutMs);
    brook.register(producer);
    return producer;
  }


  private KafkaConsumer<String, String> consumer(String group, String isolation) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    if (group != null) p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 20);
    KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    brook.register(consumer);
    return consumer;
  }

  /** Every value of the topic (all partitions) up to its end for the isolation level. */
  private List<String> readAll(String topic, int partitions, String isolation) {
    try (KafkaConsumer<String, String> c = consumer(null, isolation)) {
      List<TopicPartition> tps = new ArrayList<>();
      for (int i = 0; i < partitions; i++) tps.add(new TopicPartition(topic, i));
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<TopicPartition, Long> end = c.endOffsets(tps);
      List<String> values = new ArrayList<>();
      await().atMost(WAIT).until(() -> {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) values.add(r.value());
        return tps.stream().allMatch(tp -> c.position(tp) >= end.get(tp));
      });
      return values;
    }
  }

  @Test
  void readCommittedSeesOnlyCommittedRecordsReadUncommittedSeesAll() throws Exception {
    start(Map.of());
    createTopic("t", 3);
    KafkaProducer<String, String> p = producer("tx-1", 60_000);
    p.initTransactions();
    p.beginTransaction();
    for (int i = 0; i < 30; i++) p.send(new ProducerRecord<>("t", i % 3, null, "c1-" + i));
    p.commitTransaction();
    p.beginTransaction();
    for (int i = 0; i < 30; i++) p.send(new ProducerRecord<>("t", i % 3, null, "a-" + i));
    p.flush();
    p.abortTransaction();
    p.beginTransaction();
    for (int i = 0; i < 30; i++) p.send(new ProducerRecord<>("t", i % 3, null, "c2-" + i));
    p.commitTransaction();

    List<String> committed = readAll("t", 3, "read_committed");
    assertThat(committed).hasSize(60).noneMatch(v -> v.startsWith("a-"));
    List<String> all = readAll("t", 3, "read_uncommitted");
    assertThat(all).hasSize(90);

    try (Admin admin = admin()) {
      TransactionDescription d = admin.describeTransactions(List.of("tx-1")).description("tx-1").get();
      assertThat(d.state()).isEqualTo(org.apache.kafka.clients.admin.TransactionState.COMPLETE_COMMIT);
      assertThat(admin.listTransactions().all().get()).extracting(TransactionListing::transactionalId).contains("tx-1");
      List<ProducerState> producers =
          admin.describeProducers(List.of(new TopicPartition("t", 0))).partitionResult(new TopicPartition("t", 0)).get().activeProducers();
      assertThat(producers).hasSize(1);
      assertThat(producers.get(0).currentTransactionStartOffset()).isEmpty();
    }
  }

  @Test
  void openTransactionHoldsBackReadCommittedUntilCommitted() throws Exception {
    start(Map.of());
    createTopic("t", 1);
    KafkaProducer<String, String> p = producer("tx-lso", 60_000);
    p.initTransactions();
    p.beginTransaction();
    p.send(new ProducerRecord<>("t", 0, null, "open"));
    p.flush();
    TopicPartition tp = new TopicPartition("t", 0);
    try (KafkaConsumer<String, String> c = consumer(null, "read_committed");
        KafkaConsumer<String, String> u = consumer(null, "read_uncommitted")) {
      assertThat(c.endOffsets(List.of(tp)).get(tp)).isZero();
      assertThat(u.endOffsets(List.of(tp)).get(tp)).isEqualTo(1);
      p.commitTransaction();
      assertThat(c.endOffsets(List.of(tp)).get(tp)).isEqualTo(2); // the record and the commit marker
    }
    assertThat(readAll("t", 1, "read_committed")).containsExactly("open");
  }

  @Test
  void offsetsSentToATransactionAreVisibleOnlyAfterCommitAndDiscardedOnAbort() throws Exception {
    start(Map.of());
    createTopic("in", 1);
    createTopic("t", 1);
    TopicPartition in = new TopicPartition("in", 0);
    KafkaProducer<String, String> p = producer("tx-offsets", 60_000);
    p.initTransactions();
    p.beginTransaction();
    p.send(new ProducerRecord<>("t", 0, null, "x"));
    p.sendOffsetsToTransaction(Map.of(in, new OffsetAndMetadata(5)), new ConsumerGroupMetadata("g"));
    p.flush();
    try (KafkaConsumer<String, String> committed = consumer("g", "read_committed");
        Admin admin = admin()) {
      // Consumers fetch offsets with require_stable: the open transaction's offset makes it unstable.
      assertThatThrownBy(() -> committed.committed(Set.of(in), Duration.ofSeconds(1)))
          .isInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);
      // Without require_stable (the admin default) the offset is simply not committed yet.
      assertThat(admin.listConsumerGroupOffsets("g").partitionsToOffsetAndMetadata().get()).doesNotContainKey(in);
      p.abortTransaction();
      assertThat(committed.committed(Set.of(in)).get(in)).isNull();
      p.beginTransaction();
      p.send(new ProducerRecord<>("t", 0, null, "y"));
      p.sendOffsetsToTransaction(Map.of(in, new OffsetAndMetadata(7, "meta")), new ConsumerGroupMetadata("g"));
      p.commitTransaction();
      OffsetAndMetadata o = committed.committed(Set.of(in)).get(in);
      assertThat(o.offset()).isEqualTo(7);
      assertThat(o.metadata()).isEqualTo("meta");
    }
  }

  @Test
  void secondProducerWithSameTransactionalIdFencesTheFirst() throws Exception {
    start(Map.of());
    createTopic("t", 2);
    KafkaProducer<String, String> zombie = producer("tx-z", 60_000);
    zombie.initTransactions();
    zombie.beginTransaction();
    zombie.send(new ProducerRecord<>("t", 0, null, "zombie"));
    zombie.flush();
    KafkaProducer<String, String> fresh = producer("tx-z", 60_000);
    fresh.initTransactions(); // aborts the zombie's open transaction
    fresh.beginTransaction();
    fresh.send(new ProducerRecord<>("t", 1, null, "fresh"));
    fresh.commitTransaction();
    assertThatThrownBy(zombie::commitTransaction).isInstanceOf(ProducerFencedException.class);
    assertThat(readAll("t", 2, "read_committed")).containsExactly("fresh");
  }

  @Test
  void transactionOpenPastItsTimeoutIsAborted() throws Exception {
    start(Map.of("transaction.abort.timed.out.transaction.cleanup.interval.ms", "100"));
    createTopic("t", 1);
    KafkaProducer<String, String> p = producer("tx-slow", 1_000);
    p.initTransactions();
    p.beginTransaction();
    p.send(new ProducerRecord<>("t", 0, null, "too-slow"));
    p.flush();
    TopicPartition tp = new TopicPartition("t", 0);
    try (KafkaConsumer<String, String> c = consumer(null, "read_committed")) {
      await().atMost(WAIT).until(() -> c.endOffsets(List.of(tp)).get(tp) == 2L); // record + abort marker
    }
    assertThatThrownBy(p::commitTransaction).isInstanceOf(KafkaException.class);
    assertThat(readAll("t", 1, "read_committed")).isEmpty();
    assertThat(readAll("t", 1, "read_uncommitted")).containsExactly("too-slow");
  }

  @Test
  void brokerRestartMidTransactionThenNewInstanceAbortsIt() throws Exception {
    start(Map.of());
    createTopic("t", 2);
    KafkaProducer<String, String> p = producer("tx-r", 60_000);
    p.initTransactions();
    p.beginTransaction();
    p.send(new ProducerRecord<>("t", 0, null, "committed"));
    p.commitTransaction();
    p.beginTransaction();
    p.send(new ProducerRecord<>("t", 0, null, "in-flight"));
    p.send(new ProducerRecord<>("t", 1, null, "in-flight"));
    p.flush();
    p.close(Duration.ZERO);
    brook.stop();
    start(Map.of());
    TopicPartition tp = new TopicPartition("t", 0);
    try (KafkaConsumer<String, String> c = consumer(null, "read_committed")) {
      assertThat(c.endOffsets(List.of(tp)).get(tp)).as("LSO rebuilt after restart").isEqualTo(2);
    }
    KafkaProducer<String, String> next = producer("tx-r", 60_000);
    next.initTransactions();
    next.beginTransaction();
    next.send(new ProducerRecord<>("t", 1, null, "after"));
    next.commitTransaction();
    assertThat(readAll("t", 2, "read_committed")).containsExactlyInAnyOrder("committed", "after");
    brook.stop();
    start(Map.of());
    assertThat(readAll("t", 2, "read_committed")).containsExactlyInAnyOrder("committed", "after");
    assertThat(readAll("t", 2, "read_uncommitted")).hasSize(4);
  }

  @Test
  void consumeTransformProduceIsExactlyOnceAcrossAKilledProducerAndABrokerRestart() throws Exception {
    // The killed instance's group member must expire quickly (its session is shorter than Kafka's floor).
    start(Map.of("group.min.session.timeout.ms", "1000"));
    createTopic("in", 2);
    createTopic("out", 2);
    int total = 400;
    try (KafkaProducer<String, String> plain = new KafkaProducer<>(
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()), new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < total; i++) plain.send(new ProducerRecord<>("in", i % 2, null, Integer.toString(i)));
    }
    // Round 1: an instance in its own JVM processes a few batches and is killed with SIGKILL while
    // its last transaction (records and offsets) is open.
    killWithOpenTransaction(60);
    // Round 2: a new instance fences the dead one (its open transaction is aborted); then the broker
    // restarts mid-stream.
    ConsumeTransformProduce.run(bootstrap(), 150, true, 6_000);
    brook.stop();
    start(Map.of("group.min.session.timeout.ms", "1000"));
    // Round 3: finish.
    ConsumeTransformProduce.run(bootstrap(), Integer.MAX_VALUE, true, 6_000);
    List<String> out = readAll("out", 2, "read_committed");
    Map<String, Long> counts = new TreeMap<>(out.stream().collect(Collectors.groupingBy(v -> v, Collectors.counting())));
    assertThat(counts).hasSize(total);
    assertThat(counts.values()).allMatch(n -> n == 1L);
    // The dead instance's records were written (read_uncommitted sees them) but never committed.
    assertThat(readAll("out", 2, "read_uncommitted")).hasSizeGreaterThan(total);
  }

  /** Runs {@link ConsumeTransformProduce} in a child JVM until its transaction is open, then SIGKILLs it. */
  private void killWithOpenTransaction(int limit) throws Exception {
    Process child = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m", "-XX:TieredStopAtLevel=1",
            "-cp", System.getProperty("java.class.path"), ConsumeTransformProduce.class.getName(),
            bootstrap(), Integer.toString(limit))
        .redirectErrorStream(true)
        .start();
    try {
      java.util.concurrent.CompletableFuture<Boolean> open = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream()))) {
          for (String line; (line = lines.readLine()) != null; ) {
            if (line.equals("OPEN")) return true;
          }
          return false;
        } catch (java.io.IOException e) {
          return false;
        }
      });
      assertThat(open.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS))
          .as("the child instance reached an open transaction").isTrue();
      // The broker sees the open transaction before the kill (otherwise the test would prove nothing).
      try (Admin admin = admin()) {
        assertThat(admin.describeTransactions(List.of(ConsumeTransformProduce.TXN_ID)).all().get()
            .get(ConsumeTransformProduce.TXN_ID).state().toString()).isEqualTo("Ongoing");
      }
    } finally {
      child.destroyForcibly(); // SIGKILL: no EndTxn, no LeaveGroup, no close
      assertThat(child.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    }
  }
}
