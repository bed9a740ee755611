package dev.brook.broker.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.brook.broker.RestartableBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka Streams with processing.guarantee=exactly_once_v2: a word count with a repartition topic
 * and a state store changelog, interrupted by a broker restart, ends with exactly the right counts.
 */
class StreamsExactlyOnceIT {
  private static final int WORDS = 50;
  /** The 100,000 records by default (about 10 s); -Dbrook.streams.records=N for another size. */
  private static final int RECORDS = Integer.getInteger("brook.streams.records", 100_000);
  @TempDir Path dir;
  @TempDir Path stateDir;
  RestartableBroker brook;
  KafkaStreams streams;

  @AfterEach
  void stop() {
    if (streams != null) streams.close(Duration.ofSeconds(10));
    if (brook != null) brook.close();
  }

  @Test
  void wordCountIsExactAcrossABrokerRestart() throws Exception {
    brook = new RestartableBroker(dir, Map.of(
        "offsets.topic.num.partitions", "3",
        "transaction.state.log.num.partitions", "3",
        "group.initial.rebalance.delay.ms", "0"));
    brook.start();
    String bootstrap = brook.bootstrap();
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin.createTopics(List.of(new NewTopic("lines", 2, (short) 1), new NewTopic("counts", 2, (short) 1))).all().get();
    }
    Map<String, Long> expected = new HashMap<>();
    try (KafkaProducer<String, String> p = new KafkaProducer<>(
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < RECORDS; i++) {
        String word = "w" + (i * 7 % WORDS);
        expected.merge(word, 1L, Long::sum);
        p.send(new ProducerRecord<>("lines", Integer.toString(i), word));
      }
    }

    StreamsBuilder builder = new StreamsBuilder();
    builder.stream("lines", Consumed.with(Serdes.String(), Serdes.String()))
        .groupBy((k, v) -> v, Grouped.with("by-word", Serdes.String(), Serdes.String())) // repartition topic
        .count() // state store with a changelog
        .toStream()
        .to("counts", Produced.with(Serdes.String(), Serdes.Long()));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "wordcount");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    props.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
    props.put(StreamsConfig.producerPrefix(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG), 10_000);
    streams = new KafkaStreams(builder.build(), props);
    // Exactly once must hold without a stream thread dying on the way: the broker's restart is an
    // error Streams recovers from inside its thread (task migration, retried sends), never a crash.
    AtomicReference<Throwable> died = new AtomicReference<>();
    streams.setUncaughtExceptionHandler(e -> {
      died.compareAndSet(null, e);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
    });
    streams.start();

    Map<String, Long> latest = new ConcurrentHashMap<>();
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.GROUP_ID_CONFIG, "verifier");
    try (KafkaConsumer<String, Long> out = new KafkaConsumer<>(c, new StringDeserializer(), new LongDeserializer())) {
      out.subscribe(List.of("counts"));
      await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(1)).until(() -> {
        poll(out, latest);
        return latest.values().stream().mapToLong(Long::longValue).sum() >= RECORDS / 4;
      });
      assertThat(latest.values().stream().mapToLong(Long::longValue).sum()).isLessThan(RECORDS);
      brook.stop(); // mid-stream
      brook.start();
      await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(1)).until(() -> {
        poll(out, latest);
        return latest.equals(expected) || latest.entrySet().stream().anyMatch(e -> e.getValue() > expected.get(e.getKey()));
      });
    }
    assertThat(latest).isEqualTo(expected);
    assertThat(died.get()).as("a stream thread died").isNull();
  }

  private static void poll(KafkaConsumer<String, Long> out, Map<String, Long> latest) {
    for (ConsumerRecord<String, Long> r : out.poll(Duration.ofMillis(200))) latest.put(r.key(), r.value());
  }
}
