package dev.brook.cli;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Clients for the mirror ITs, on any cluster by its bootstrap servers; every wait bounded. */
final class MirrorClients {
  private MirrorClients() {}

  /**
   * Record timestamps start here: recent, so a source's time-based retention (Kafka checks it every
   * few minutes) never deletes test records (2023 timestamps under a 7-day retention did).
   */
  static final long TIMESTAMP_BASE = System.currentTimeMillis() - 60_000;

  /** Starts {@code brook mirror --config config} (the packaged jar, a child JVM) and waits for its running line. */
  static BrookProcess startMirror(java.nio.file.Path config) throws Exception {
    BrookProcess p = BrookProcess.start(null, "mirror", "--config", config.toString());
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!p.stdout().contains("brook mirror running flows")) {
      if (System.nanoTime() > deadline) {
        p.close();
        throw new IllegalStateException("mirror not running; stderr:\n" + p.stderr());
      }
      Thread.sleep(20);
    }
    return p;
  }

  static Admin admin(String bootstrap) {
    return Admin.create(Map.of("bootstrap.servers", bootstrap));
  }

  static void createTopic(String bootstrap, String name, int partitions, Map<String, String> configs) throws Exception {
    try (Admin admin = admin(bootstrap)) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all().get();
    }
  }

  static Set<String> topics(String bootstrap) throws Exception {
    try (Admin admin = admin(bootstrap)) {
      return admin.listTopics().names().get();
    }
  }

  static String topicConfig(String bootstrap, String topic, String key) throws Exception {
    try (Admin admin = admin(bootstrap)) {
      ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      ConfigEntry e = admin.describeConfigs(List.of(r)).all().get().get(r).get(key);
      return e == null ? null : e.value();
    }
  }

  static long targetEnd(String bootstrap, String topic) throws Exception {
    try (Admin admin = admin(bootstrap)) {
      if (!admin.listTopics().names().get().contains(topic)) return 0;
      var d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
      Map<TopicPartition, OffsetSpec> spec = d.partitions().stream()
          .collect(Collectors.toMap(p -> new TopicPartition(topic, p.partition()), p -> OffsetSpec.latest()));
      return admin.listOffsets(spec).all().get().values().stream().mapToLong(i -> i.offset()).sum();
    }
  }

  /** Records i in [from, to): key k<i>, value v<i>, a header, timestamp TIMESTAMP_BASE + i, keyed partitioning. */
  static void produce(String bootstrap, String topic, int from, int to) {
    try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.LINGER_MS_CONFIG, 2),
        new StringSerializer(), new StringSerializer())) {
      for (int i = from; i < to; i++) {
        ProducerRecord<String, String> r = new ProducerRecord<>(topic, null, TIMESTAMP_BASE + i, "k" + i, i % 97 == 0 ? null : "v" + i);
        r.headers().add("seq", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
        p.send(r);
        if (i % 1000 == 999) p.flush();
      }
    }
  }

  static void abortedTransaction(String bootstrap, String topic, int n) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "aborter");
    try (KafkaProducer<String, String> p = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      p.initTransactions();
      p.beginTransaction();
      for (int i = 0; i < n; i++) p.send(new ProducerRecord<>(topic, "aborted" + i, "aborted"));
      p.flush();
      p.abortTransaction();
    }
  }

  static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, String group) {
    Map<String, Object> props = new HashMap<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none"));
    if (group != null) props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /**
   * Closes without waiting for the fetch session's close: a consumer's close otherwise waits for
   * the fetch still in flight (up to 30 s seen against a broker under load).
   */
  static void closeNow(KafkaConsumer<?, ?> c) {
    c.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ZERO));
  }

  /** Each partition's end for read_committed (LSO) and read_uncommitted (high watermark). */
  static String endOffsets(String bootstrap, String topic) throws Exception {
    try (Admin admin = admin(bootstrap)) {
      var d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
      Map<TopicPartition, OffsetSpec> spec = d.partitions().stream()
          .collect(Collectors.toMap(p -> new TopicPartition(topic, p.partition()), p -> OffsetSpec.latest()));
      var lso = admin.listOffsets(spec, new org.apache.kafka.clients.admin.ListOffsetsOptions(org.apache.kafka.common.IsolationLevel.READ_COMMITTED)).all().get();
      var hw = admin.listOffsets(spec).all().get();
      return "LSO " + lso.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue().offset()).toList()
          + " HW " + hw.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue().offset()).toList();
    }
  }

  /** Every committed record of {@code topic}, read to its end. */
  static List<ConsumerRecord<byte[], byte[]>> committedRecords(String bootstrap, String topic) throws Exception {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    KafkaConsumer<byte[], byte[]> c = consumer(bootstrap, null);
    try {
      List<TopicPartition> tps = c.partitionsFor(topic, Duration.ofSeconds(5)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      if (tps.isEmpty()) return out;
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<TopicPartition, Long> end = c.endOffsets(tps);
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) throw new AssertionError("could not read " + topic + " to its end");
        c.poll(Duration.ofMillis(100)).forEach(out::add);
      }
    } finally {
      closeNow(c);
    }
    return out;
  }

  static Map<Integer, List<String>> byPartition(List<ConsumerRecord<byte[], byte[]>> records) {
    return records.stream().collect(Collectors.groupingBy(ConsumerRecord::partition, Collectors.mapping(MirrorClients::describe, Collectors.toList())));
  }

  /** Per partition where they differ: sizes, duplicates, missing records and the first index that differs. */
  static List<String> difference(Map<Integer, List<String>> source, Map<Integer, List<String>> target) {
    List<String> out = new ArrayList<>();
    for (Integer p : source.keySet()) {
      List<String> s = source.get(p);
      List<String> t = target.getOrDefault(p, List.of());
      if (s.equals(t)) continue;
      int first = 0;
      while (first < Math.min(s.size(), t.size()) && s.get(first).equals(t.get(first))) first++;
      long dups = t.size() - t.stream().distinct().count();
      long missing = s.stream().filter(x -> !Set.copyOf(t).contains(x)).count();
      out.add("partition " + p + ": source " + s.size() + ", target " + t.size() + ", duplicates " + dups + ", missing " + missing
          + ", first difference at " + first + ": " + (first < s.size() ? s.get(first) : "-") + " vs " + (first < t.size() ? t.get(first) : "-"));
    }
    return out;
  }

  /** Everything a mirror must keep: key, value, headers, timestamp. */
  static String describe(ConsumerRecord<byte[], byte[]> r) {
    StringBuilder s = new StringBuilder();
    s.append(str(r.key())).append('=').append(str(r.value())).append('@').append(r.timestamp()).append(r.timestampType());
    for (Header h : r.headers()) s.append(';').append(h.key()).append(':').append(str(h.value()));
    return s.toString();
  }

  static String str(byte[] b) {
    return b == null ? "null" : new String(b, StandardCharsets.UTF_8);
  }

  /** The first committed record at or after {@code offset}. */
  static String firstRecordFrom(String bootstrap, TopicPartition tp, long offset) {
    KafkaConsumer<byte[], byte[]> c = consumer(bootstrap, null);
    try {
      c.assign(List.of(tp));
      c.seek(tp, offset);
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (System.nanoTime() < deadline) {
        var rs = c.poll(Duration.ofMillis(200)).records(tp);
        if (!rs.isEmpty()) return describe(rs.get(0));
      }
      throw new AssertionError("no record at or after " + offset + " in " + tp);
    } finally {
      closeNow(c);
    }
  }

  static String recordAt(String bootstrap, TopicPartition tp, long offset) {
    return firstRecordFrom(bootstrap, tp, offset);
  }

}
