package dev.brook.cli.clients;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The client-generation scenario, run in a child JVM whose class path is one version of
 * kafka-clients (2.8 and later): so it uses only API that every such version has. Against the broker
 * at {@code args[0]}, on topic {@code args[1]}: a transaction committed (10 records) and one aborted
 * (5), 10 records from the default idempotent producer; a consumer in a group, read_committed, reads
 * exactly the 20 committed ones and commits its offsets; a second member of the group finds them
 * committed. Prints {@code OK <client version>} and exits 0, or prints the failure and exits 1.
 */
public final class JavaClientScenario {
  private JavaClientScenario() {}

  public static void main(String[] args) {
    String version = clientVersion();
    try {
      run(args[0], args[1], version);
      System.out.println("OK " + version);
      System.exit(0);
    } catch (Throwable t) {
      System.out.println("FAILED " + version + ": " + t);
      t.printStackTrace(System.out);
      System.exit(1);
    }
  }

  /** The kafka-clients version on the class path, from the file every version ships (its AppInfoParser moved in 4.4). */
  static String clientVersion() {
    try (InputStream in = KafkaProducer.class.getClassLoader().getResourceAsStream("kafka/kafka-version.properties")) {
      Properties p = new Properties();
      if (in != null) p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  static void run(String bootstrap, String topic, String version) throws Exception {
    Map<String, Object> tx = producerProps(bootstrap);
    tx.put("transactional.id", "scenario-" + version + "-" + System.nanoTime());
    try (KafkaProducer<String, String> p = new KafkaProducer<>(tx)) {
      p.initTransactions();
      p.beginTransaction();
      for (int i = 0; i < 10; i++) p.send(new ProducerRecord<>(topic, "k" + i, "committed-" + i));
      p.commitTransaction();
      p.beginTransaction();
      for (int i = 0; i < 5; i++) p.send(new ProducerRecord<>(topic, "k" + i, "aborted-" + i));
      p.flush();
      p.abortTransaction();
    }
    try (KafkaProducer<String, String> p = new KafkaProducer<>(producerProps(bootstrap))) {
      for (int i = 0; i < 10; i++) p.send(new ProducerRecord<>(topic, "p" + i, "plain-" + i)).get();
    }

    String group = "scenario-group-" + System.nanoTime();
    Set<TopicPartition> partitions = new HashSet<>();
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(consumerProps(bootstrap, group))) {
      c.subscribe(Collections.singletonList(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (values.size() < 20 && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) values.add(r.value());
      }
      // Anything after the 20th (an aborted record leaking) would arrive with them or just after.
      for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) values.add(r.value());
      if (values.size() != 20 || values.stream().anyMatch(v -> v.startsWith("aborted-"))) {
        throw new AssertionError("read_committed group consumer read " + values);
      }
      c.commitSync();
      for (PartitionInfo pi : c.partitionsFor(topic)) partitions.add(new TopicPartition(topic, pi.partition()));
    }
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(consumerProps(bootstrap, group))) {
      Map<TopicPartition, OffsetAndMetadata> committed = c.committed(partitions);
      Map<TopicPartition, Long> ends = c.endOffsets(partitions);
      for (TopicPartition tp : partitions) {
        OffsetAndMetadata o = committed.get(tp);
        if (o == null || o.offset() != ends.get(tp)) {
          throw new AssertionError("committed " + committed + " but end offsets are " + ends);
        }
      }
    }
  }

  private static Map<String, Object> producerProps(String bootstrap) {
    Map<String, Object> p = new HashMap<>();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    p.put("enable.idempotence", "true");
    p.put("acks", "all");
    return p;
  }

  private static Map<String, Object> consumerProps(String bootstrap, String group) {
    Map<String, Object> c = new HashMap<>();
    c.put("bootstrap.servers", bootstrap);
    c.put("group.id", group);
    c.put("key.deserializer", StringDeserializer.class.getName());
    c.put("value.deserializer", StringDeserializer.class.getName());
    c.put("auto.offset.reset", "earliest");
    c.put("enable.auto.commit", "false");
    c.put("isolation.level", "read_committed");
    return c;
  }
}
