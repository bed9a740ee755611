package dev.brook.cli;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What {@code KafkaLogDirIT} does to a real Kafka before moving its log directory under Brook, and
 * what it saw there (the expectations Brook must meet): topics with several partitions and
 * non-default configs, keyed records with headers, a classic and a consumer-protocol group that
 * committed part-way, an idempotent producer, a committed and an aborted transaction and one left
 * open.
 */
final class KafkaWorkload {
  static final String ORDERS = "orders";
  static final String COMPACTED = "compacted";
  static final String TXN = "txn";
  static final List<String> TOPICS = List.of(ORDERS, COMPACTED, TXN);
  static final Map<String, Integer> PARTITIONS = Map.of(ORDERS, 3, COMPACTED, 2, TXN, 2);
  static final Map<String, Map<String, String>> CONFIGS = Map.of(
      ORDERS, Map.of("retention.ms", "604800001", "max.message.bytes", "2000000"),
      COMPACTED, Map.of("cleanup.policy", "compact"),
      TXN, Map.of());
  static final String CLASSIC_GROUP = "g-classic";
  static final String CONSUMER_GROUP = "g-consumer";
  static final String OPEN_TXN_ID = "tx-open";
  static final int OPEN_TXN_TIMEOUT_MS = 30_000;

  /** What Kafka held when it stopped. */
  record Expected(
      String clusterId,
      Map<String, Uuid> topicIds,
      Map<String, String> records, // "topic-partition@offset" -> "key=value|headers"
      Map<String, Map<TopicPartition, OffsetAndMetadata>> committed,
      Map<TopicPartition, List<ProducerState>> producers) {}

  /** The producer of the open transaction, left open; see {@link #closeAbandoned}. */
  private static KafkaProducer<String, String> abandoned;

  private KafkaWorkload() {}

  /** Closes the open transaction's producer without a word to any broker (call once Kafka stopped). */
  static void closeAbandoned() {
    if (abandoned != null) abandoned.close(Duration.ZERO);
    abandoned = null;
  }

  static Expected run(String bootstrap) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      List<NewTopic> topics = new ArrayList<>();
      for (String t : TOPICS) topics.add(new NewTopic(t, PARTITIONS.get(t), (short) 1).configs(CONFIGS.get(t)));
      admin.createTopics(topics).all().get();
      produceIdempotent(bootstrap);
      Map<String, Map<TopicPartition, OffsetAndMetadata>> committed = new HashMap<>();
      committed.put(CLASSIC_GROUP, consumeAndCommitPartWay(bootstrap, CLASSIC_GROUP, "classic"));
      committed.put(CONSUMER_GROUP, consumeAndCommitPartWay(bootstrap, CONSUMER_GROUP, "consumer"));
      commitATransaction(bootstrap);
      // Last, so that Kafka does not time it out before it stops.
      KafkaProducer<String, String> open = openATransaction(bootstrap);
      Map<TopicPartition, List<ProducerState>> producers = new HashMap<>();
      for (String t : TOPICS) {
        for (int p = 0; p < PARTITIONS.get(t); p++) {
          TopicPartition tp = new TopicPartition(t, p);
          producers.put(tp, admin.describeProducers(List.of(tp)).partitionResult(tp).get().activeProducers());
        }
      }
      Map<String, Uuid> ids = new HashMap<>();
      for (TopicDescription d : admin.describeTopics(TOPICS).allTopicNames().get().values()) ids.put(d.name(), d.topicId());
      Expected expected = new Expected(admin.describeCluster().clusterId().get(), ids,
          readEverything(bootstrap, "read_uncommitted"), committed, producers);
      // Abandoned, as a crashed application's producer would be: closed only once Kafka is gone.
      abandoned = open;
      return expected;
    }
  }

  private static Map<String, Object> producerProps(String bootstrap) {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", bootstrap);
    props.put("key.serializer", StringSerializer.class.getName());
    props.put("value.serializer", StringSerializer.class.getName());
    props.put("enable.idempotence", "true");
    props.put("acks", "all");
    props.put("linger.ms", "0");
    return props;
  }

  private static void produceIdempotent(String bootstrap) throws Exception {
    try (KafkaProducer<String, String> p = new KafkaProducer<>(producerProps(bootstrap))) {
      for (int i = 0; i < 60; i++) {
        ProducerRecord<String, String> r = new ProducerRecord<>(ORDERS, i % 3, "order-" + i, "value-" + i);
        r.headers().add("trace", ("t" + i).getBytes(StandardCharsets.UTF_8));
        r.headers().add("n", new byte[] {(byte) i});
        p.send(r);
        p.send(new ProducerRecord<>(COMPACTED, "key-" + (i % 7), "v" + i)).get();
      }
      p.flush();
    }
  }

  /** Reads a group's share of orders, then commits offset 2p+3 (with metadata) for partition p. */
  private static Map<TopicPartition, OffsetAndMetadata> consumeAndCommitPartWay(String bootstrap, String group,
      String protocol) {
    Map<TopicPartition, OffsetAndMetadata> commit = new TreeMap<>(java.util.Comparator.comparing(TopicPartition::toString));
    try (KafkaConsumer<String, String> c = consumer(bootstrap, group, protocol, "read_uncommitted", "earliest")) {
      c.subscribe(List.of(ORDERS));
      int seen = 0;
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (seen < 60 && System.nanoTime() < deadline) seen += c.poll(Duration.ofMillis(200)).count();
      if (seen < 60) throw new AssertionError(group + " read only " + seen + " of 60 records from Kafka");
      for (int p = 0; p < 3; p++) commit.put(new TopicPartition(ORDERS, p), new OffsetAndMetadata(2L * p + 3, "at-" + p));
      c.commitSync(commit);
    }
    return commit;
  }

  private static void commitATransaction(String bootstrap) {
    Map<String, Object> props = producerProps(bootstrap);
    props.put("transactional.id", "tx-committed");
    try (KafkaProducer<String, String> p = new KafkaProducer<>(props)) {
      p.initTransactions();
      p.beginTransaction();
      for (int i = 0; i < 6; i++) p.send(new ProducerRecord<>(TXN, i % 2, "c" + i, "committed-" + i));
      p.commitTransaction();
      // Kafka indexes an aborted transaction in the segment's .txnindex: Brook must read it there.
      p.beginTransaction();
      for (int i = 0; i < 2; i++) p.send(new ProducerRecord<>(TXN, i % 2, "a" + i, "aborted-" + i));
      p.flush();
      p.abortTransaction();
    }
  }

  private static KafkaProducer<String, String> openATransaction(String bootstrap) {
    Map<String, Object> props = producerProps(bootstrap);
    props.put("transactional.id", OPEN_TXN_ID);
    props.put("transaction.timeout.ms", Integer.toString(OPEN_TXN_TIMEOUT_MS));
    KafkaProducer<String, String> p = new KafkaProducer<>(props);
    p.initTransactions();
    p.beginTransaction();
    for (int i = 0; i < 4; i++) p.send(new ProducerRecord<>(TXN, i % 2, "o" + i, "open-" + i));
    p.flush();
    return p;
  }

  static KafkaConsumer<String, String> consumer(String bootstrap, String group, String protocol, String isolation) {
    return consumer(bootstrap, group, protocol, isolation, "none");
  }

  /** A consumer of {@code group} (null: none); {@code reset} is its auto.offset.reset. */
  static KafkaConsumer<String, String> consumer(String bootstrap, String group, String protocol, String isolation,
      String reset) {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", bootstrap);
    props.put("key.deserializer", StringDeserializer.class.getName());
    props.put("value.deserializer", StringDeserializer.class.getName());
    props.put("enable.auto.commit", "false");
    props.put("isolation.level", isolation);
    if (group != null) {
      props.put("group.id", group);
      props.put("group.protocol", protocol);
      props.put("auto.offset.reset", reset); // "none" after the move: resume from the commits, never reset
    }
    return new KafkaConsumer<>(props);
  }

  /** Every record of every test topic, "topic-partition@offset" -> "key=value|headers", read to the end. */
  static Map<String, String> readEverything(String bootstrap, String isolation) {
    Map<String, String> out = new TreeMap<>();
    try (KafkaConsumer<String, String> c = consumer(bootstrap, null, null, isolation)) {
      List<TopicPartition> tps = new ArrayList<>();
      for (String t : TOPICS) for (int p = 0; p < PARTITIONS.get(t); p++) tps.add(new TopicPartition(t, p));
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<TopicPartition, Long> end = c.endOffsets(tps, Duration.ofSeconds(30));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) out.put(where(r), describe(r));
      }
      for (TopicPartition tp : tps) {
        if (c.position(tp) < end.get(tp)) throw new AssertionError(tp + " not read to its end " + end.get(tp) + " in 60 s");
      }
    }
    return out;
  }

  static String where(ConsumerRecord<?, ?> r) {
    return r.topic() + "-" + r.partition() + "@" + r.offset();
  }

  static String describe(ConsumerRecord<String, String> r) {
    StringBuilder b = new StringBuilder(r.key() + "=" + r.value() + "|");
    for (Header h : r.headers()) b.append(h.key()).append(':').append(java.util.HexFormat.of().formatHex(h.value())).append(',');
    return b.toString();
  }
}
