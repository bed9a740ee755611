package dev.brook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.testkit.BrookTestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Kafka 4.1.1's own readers of the coordinator topics (the console consumer's offsets, group
 * metadata and transaction log formatters; kafka-dump-log's offsets and transaction-log decoders)
 * over what Brook wrote there: a classic group's commits, a KIP-848 group's state and offsets, and a
 * transaction with TxnOffsetCommit.
 * Each tool must finish without an error and print the values the clients committed.
 */
class CoordinatorTopicsToolsIT {
  private static final String TOPIC = "coord-tools";
  private static final String GROUP = "coord-classic";
  private static final String CONSUMER_GROUP = "coord-consumer";
  private static final String TXN_ID = "coord-txn";
  private static final String TXN_GROUP = "coord-txn-group";
  private static final Pattern COMMIT_TIME = Pattern.compile("\"commitTimestamp\":(\\d+)");

  static BrookTestBroker brook;
  static String bootstrap;
  static long before;
  static long after;
  static long producerId;

  @BeforeAll
  static void writeGroupsAndTransactions() throws Exception {
    ExternalTool.requireAnchor();
    brook = BrookTestBroker.builder()
        .brokerProperty("offsets.topic.num.partitions", "1")
        .brokerProperty("transaction.state.log.num.partitions", "1")
        .brokerProperty("group.initial.rebalance.delay.ms", "0")
        .start();
    bootstrap = brook.bootstrapServers();
    Clients.createTopic(bootstrap, TOPIC, 2);
    before = System.currentTimeMillis();
    commitAsGroup(GROUP, "classic", Map.of(new TopicPartition(TOPIC, 0), new OffsetAndMetadata(4, "meta-zero"),
        new TopicPartition(TOPIC, 1), new OffsetAndMetadata(6, "meta-one")));
    commitAsGroup(CONSUMER_GROUP, "consumer", Map.of(new TopicPartition(TOPIC, 0), new OffsetAndMetadata(8, "kip-848")));
    commitInTransaction();
    after = System.currentTimeMillis();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      TransactionDescription d = admin.describeTransactions(List.of(TXN_ID)).all().get(60, TimeUnit.SECONDS).get(TXN_ID);
      producerId = d.producerId();
    }
  }

  @AfterAll
  static void stop() {
    if (brook != null) brook.close();
  }

  private static void commitAsGroup(String group, String protocol, Map<TopicPartition, OffsetAndMetadata> offsets) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("group.id", group);
    p.put("group.protocol", protocol);
    p.put("client.id", group + "-client");
    p.put("enable.auto.commit", "false");
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", StringDeserializer.class.getName());
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
      c.subscribe(List.of(TOPIC));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (c.assignment().size() < 2) {
        assertThat(System.nanoTime()).as("assignment within 60 s").isLessThan(deadline);
        c.poll(Duration.ofMillis(200));
      }
      c.commitSync(offsets, Duration.ofSeconds(60));
    }
  }

  private static void commitInTransaction() throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("transactional.id", TXN_ID);
    p.put("max.block.ms", "60000");
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(TOPIC, 0, "k", "v")).get(60, TimeUnit.SECONDS);
      producer.sendOffsetsToTransaction(Map.of(new TopicPartition(TOPIC, 1), new OffsetAndMetadata(2, "in-txn")),
          new ConsumerGroupMetadata(TXN_GROUP));
      producer.commitTransaction();
    }
  }

  /**
   * The console consumer over all of {@code topic} with {@code formatter}. It stops after the topic's
   * record count ({@code --max-messages}, counting the records its formatter prints nothing for) rather
   * than after 10 s without a record, which it would otherwise wait at the end of every run; the
   * timeout stays as the bound.
   */
  private static ExternalTool.Result console(String topic, String formatter) throws Exception {
    ExternalTool.Result r = ExternalTool.anchorTool(null, 120, "org.apache.kafka.tools.consumer.ConsoleConsumer",
        "--bootstrap-server", bootstrap, "--topic", topic, "--from-beginning", "--timeout-ms", "10000",
        "--max-messages", Long.toString(recordCount(topic)),
        "--consumer-property", "exclude.internal.topics=false", "--formatter", formatter);
    assertNoError(r);
    return r;
  }

  /** How many records a consumer reads from the start to the end of every partition of {@code topic}. */
  private static long recordCount(String topic) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      List<TopicPartition> tps = c.partitionsFor(topic, Duration.ofSeconds(60)).stream()
          .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<TopicPartition, Long> end = c.endOffsets(tps, Duration.ofSeconds(60));
      long count = 0;
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (tps.stream().anyMatch(tp -> c.position(tp, Duration.ofSeconds(60)) < end.get(tp))) {
        assertThat(System.nanoTime()).as("read %s to its end %s within 60 s", topic, end).isLessThan(deadline);
        count += c.poll(Duration.ofMillis(200)).count();
      }
      assertThat(count).as("records in %s", topic).isPositive();
      return count;
    }
  }

  /**
   * Exit 0 and no error: the anchor logs to stdout, and a record Kafka cannot read shows there as
   * "Unknown error when running consumer" / "Could not read record" with exit 1 (what Brook's own
   * layouts caused). The console consumer's end by --timeout-ms is logged as an ERROR with a
   * TimeoutException: the one error line allowed.
   */
  private static void assertNoError(ExternalTool.Result r) {
    assertThat(r.exitCode()).as(r.toString()).isZero();
    String all = r.stdout() + "\n" + r.stderr();
    assertThat(all).as(r.toString()).doesNotContain("Could not read").doesNotContain("Tried to allocate")
        .doesNotContain("Unknown error");
    for (String line : all.split("\n")) {
      if (line.contains("Exception") || line.contains("ERROR")) {
        assertThat(line).as(r.toString()).satisfiesAnyOf(
            l -> assertThat(l).isEqualTo("org.apache.kafka.common.errors.TimeoutException"),
            l -> assertThat(l).contains("ERROR Error processing message, terminating consumer process"));
      }
    }
  }

  private static void assertCommitTimes(String output) {
    Matcher m = COMMIT_TIME.matcher(output);
    int found = 0;
    while (m.find()) {
      assertThat(Long.parseLong(m.group(1))).isBetween(before, after);
      found++;
    }
    assertThat(found).as(output).isGreaterThanOrEqualTo(3);
  }

  @Test
  void offsetsMessageFormatterPrintsTheCommittedOffsets() throws Exception {
    String out = console("__consumer_offsets", "org.apache.kafka.tools.consumer.OffsetsMessageFormatter").stdout();
    assertThat(out)
        .contains("\"group\":\"" + GROUP + "\",\"topic\":\"" + TOPIC + "\",\"partition\":0")
        .contains("\"offset\":4").contains("\"metadata\":\"meta-zero\"")
        .contains("\"offset\":6").contains("\"metadata\":\"meta-one\"")
        .contains("\"group\":\"" + TXN_GROUP + "\"").contains("\"offset\":2").contains("\"metadata\":\"in-txn\"")
        .contains("\"group\":\"" + CONSUMER_GROUP + "\"").contains("\"offset\":8").contains("\"metadata\":\"kip-848\"")
        .contains("\"version\":4");
    assertCommitTimes(out);
  }

  @Test
  void groupMetadataMessageFormatterPrintsTheGroupAndItsMember() throws Exception {
    String out = console("__consumer_offsets", "org.apache.kafka.tools.consumer.GroupMetadataMessageFormatter").stdout();
    assertThat(out)
        .contains("\"group\":\"" + GROUP + "\"")
        .contains("\"protocolType\":\"consumer\"")
        .contains("\"protocol\":\"range\"")
        .contains("\"clientId\":\"coord-classic-client\"")
        .contains("\"version\":3");
  }

  @Test
  void transactionLogMessageFormatterPrintsTheTransactionStates() throws Exception {
    String out = console("__transaction_state", "org.apache.kafka.tools.consumer.TransactionLogMessageFormatter").stdout();
    assertThat(out)
        .contains("\"transactionalId\":\"" + TXN_ID + "\"")
        .contains("\"producerId\":" + producerId)
        .contains("\"transactionStatus\":1") // Ongoing
        .contains("\"transactionStatus\":2") // PrepareCommit
        .contains("\"transactionStatus\":4") // CompleteCommit
        .contains("\"topic\":\"" + TOPIC + "\"")
        .contains("\"topic\":\"__consumer_offsets\"");
  }

  private static Path segment(String partitionDir) {
    return brook.logDir().resolve(partitionDir).resolve("00000000000000000000.log");
  }

  @Test
  void dumpLogSegmentsDecodesTheOffsetsTopic() throws Exception {
    ExternalTool.Result r = ExternalTool.anchorTool(null, 120, "kafka.tools.DumpLogSegments",
        "--files", segment("__consumer_offsets-0").toString(), "--offsets-decoder");
    assertNoError(r);
    assertThat(r.stdout())
        .contains("\"group\":\"" + GROUP + "\"")
        .contains("\"metadata\":\"meta-zero\"")
        .contains("\"clientId\":\"coord-classic-client\"")
        .contains("\"metadata\":\"in-txn\"")
        .contains("endTxnMarker: COMMIT")
        .doesNotContain("Unknown").doesNotContain("Error");
    assertCommitTimes(r.stdout());
    // The KIP-848 group's own records (ConsumerGroup* keys 3, 5-8), decoded by Kafka's serde.
    assertThat(r.stdout())
        .contains("\"groupId\":\"" + CONSUMER_GROUP + "\"")
        .contains("\"clientId\":\"coord-consumer-client\"")
        .contains("\"subscribedTopicNames\":[\"" + TOPIC + "\"]")
        .contains("\"epoch\":")
        .contains("\"assignmentEpoch\":")
        .contains("\"memberEpoch\":")
        .contains("\"topicPartitions\":[{\"topicId\":");
  }

  @Test
  void dumpLogSegmentsDecodesTheTransactionLog() throws Exception {
    ExternalTool.Result r = ExternalTool.anchorTool(null, 120, "kafka.tools.DumpLogSegments",
        "--files", segment("__transaction_state-0").toString(), "--transaction-log-decoder");
    assertNoError(r);
    assertThat(r.stdout())
        .contains("\"transactionalId\":\"" + TXN_ID + "\"")
        .contains("\"producerId\":" + producerId)
        .contains("\"transactionStatus\":4")
        .doesNotContain("Unknown").doesNotContain("Error");
  }
}
