package dev.brook.cli.clients;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The client-generation scenario for Kafka Streams, in a child JVM with one version of kafka-streams
 * and its kafka-clients: an exactly-once (v2: transactions, a consumer group, offsets committed in the
 * transaction) stateless topology upper-cases {@code args[1]} into {@code args[2]}; a read_committed
 * consumer reads the 10 results. Prints {@code OK <version>} and exits 0, or the failure and exits 1.
 */
public final class StreamsScenario {
  private StreamsScenario() {}

  public static void main(String[] args) {
    String version = JavaClientScenario.clientVersion();
    try {
      run(args[0], args[1], args[2]);
      System.out.println("OK " + version);
      System.exit(0);
    } catch (Throwable t) {
      System.out.println("FAILED " + version + ": " + t);
      t.printStackTrace(System.out);
      System.exit(1);
    }
  }

  static void run(String bootstrap, String in, String out) throws Exception {
    Map<String, Object> pp = new HashMap<>();
    pp.put("bootstrap.servers", bootstrap);
    pp.put("key.serializer", StringSerializer.class.getName());
    pp.put("value.serializer", StringSerializer.class.getName());
    try (KafkaProducer<String, String> p = new KafkaProducer<>(pp)) {
      for (int i = 0; i < 10; i++) p.send(new ProducerRecord<>(in, "k" + i, "value-" + i)).get();
    }

    StreamsBuilder builder = new StreamsBuilder();
    builder.<String, String>stream(in).mapValues(v -> v.toUpperCase()).to(out);
    Properties sp = new Properties();
    sp.put(StreamsConfig.APPLICATION_ID_CONFIG, "streams-scenario-" + System.nanoTime());
    sp.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    sp.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once_v2");
    sp.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.String().getClass().getName());
    sp.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.String().getClass().getName());
    sp.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("streams-scenario").toString());
    sp.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    sp.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    sp.put("consumer.auto.offset.reset", "earliest");

    Map<String, Object> cp = new HashMap<>();
    cp.put("bootstrap.servers", bootstrap);
    cp.put("group.id", "streams-scenario-reader-" + System.nanoTime());
    cp.put("key.deserializer", StringDeserializer.class.getName());
    cp.put("value.deserializer", StringDeserializer.class.getName());
    cp.put("auto.offset.reset", "earliest");
    cp.put("isolation.level", "read_committed");
    List<String> values = new ArrayList<>();
    try (KafkaStreams streams = new KafkaStreams(builder.build(), sp);
        KafkaConsumer<String, String> c = new KafkaConsumer<>(cp)) {
      streams.start();
      c.subscribe(Collections.singletonList(out));
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (values.size() < 10 && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) values.add(r.value());
      }
      if (values.size() != 10 || !values.contains("VALUE-0") || !values.contains("VALUE-9")) {
        throw new AssertionError("read " + values + "; streams state " + streams.state());
      }
      streams.close(Duration.ofSeconds(30));
    }
  }
}
