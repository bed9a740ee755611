package dev.brook.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Kafka's EndToEndLatency loop (a synchronous acks=all send of one record, then a poll by a consumer
 * with {@code fetch.max.wait.ms=0} until the record arrives; as in Kafka 4.1.1's tool, the consumer's
 * offsets are committed once, after the loop, not every round), timed in microseconds and
 * split into its two halves: the produce round trip and the poll that follows. The tool itself
 * truncates percentiles to whole milliseconds, too coarse to see what moves the tail. For diagnosing,
 * not for the side-by-side table (which uses Kafka's own tool).
 *
 * <p>Arguments: {@code BOOTSTRAP TOPIC ROUNDS [RECORD_BYTES [PASSES]]}; the topic must exist (1
 * partition). With several passes the loop runs again in the same JVM: the first pass is what the tool
 * measures (a client that starts cold), the later ones what a warmed-up client sees.
 */
public final class E2eProbe {
  private E2eProbe() {}

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String topic = args[1];
    int rounds = Integer.parseInt(args[2]);
    int size = args.length > 3 ? Integer.parseInt(args[3]) : 1024;
    Properties pp = new Properties();
    pp.put("bootstrap.servers", bootstrap);
    pp.put("acks", "all");
    pp.put("linger.ms", "0");
    pp.put("key.serializer", ByteArraySerializer.class.getName());
    pp.put("value.serializer", ByteArraySerializer.class.getName());
    Properties cp = new Properties();
    cp.put("bootstrap.servers", bootstrap);
    cp.put("group.id", "e2e-probe-" + System.nanoTime());
    cp.put("enable.auto.commit", "false");
    cp.put("auto.offset.reset", "latest");
    cp.put("fetch.max.wait.ms", "0");
    cp.put("key.deserializer", ByteArrayDeserializer.class.getName());
    cp.put("value.deserializer", ByteArrayDeserializer.class.getName());
    int passes = args.length > 4 ? Integer.parseInt(args[4]) : 1;
    byte[] value = new byte[size];
    new Random(42).nextBytes(value);
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp);
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp)) {
      TopicPartition tp = new TopicPartition(topic, 0);
      consumer.assign(List.of(tp));
      consumer.seekToEnd(List.of(tp));
      consumer.position(tp);
      for (int pass = 1; pass <= passes; pass++) {
        long[] total = new long[rounds];
        long[] produce = new long[rounds];
        for (int i = 0; i < rounds; i++) {
          long t0 = System.nanoTime();
          producer.send(new ProducerRecord<>(topic, value)).get();
          long t1 = System.nanoTime();
          ConsumerRecords<byte[], byte[]> got = consumer.poll(Duration.ofSeconds(60));
          while (got.isEmpty()) {
            got = consumer.poll(Duration.ofSeconds(60));
          }
          long t2 = System.nanoTime();
          total[i] = t2 - t0;
          produce[i] = t1 - t0;
        }
        long[] poll = new long[rounds];
        for (int i = 0; i < rounds; i++) {
          poll[i] = total[i] - produce[i];
        }
        if (passes > 1) System.out.println("pass " + pass + " of " + passes);
        System.out.println(line("end-to-end", total));
        System.out.println(line("produce (acks=all) round trip", produce));
        System.out.println(line("poll after the produce", poll));
        // 2 ms: the tool truncates to whole milliseconds, so its p99 reads 1 exactly when fewer than 1% of
        // the rounds reach 2 ms.
        System.out.println(slowRounds(total, 2_000_000));
      }
      consumer.commitSync();
    }
  }

  /** How many rounds took longer than {@code thresholdNs}, in all and per 1,000 rounds in order. */
  private static String slowRounds(long[] ns, long thresholdNs) {
    StringBuilder per = new StringBuilder();
    int all = 0;
    for (int from = 0; from < ns.length; from += 1000) {
      int n = 0;
      for (int i = from; i < Math.min(ns.length, from + 1000); i++) {
        if (ns[i] > thresholdNs) n++;
      }
      all += n;
      per.append(' ').append(n);
    }
    return String.format("rounds over %d ms: %d; per 1,000 rounds:%s", thresholdNs / 1_000_000, all, per);
  }

  private static String line(String what, long[] ns) {
    long[] s = ns.clone();
    Arrays.sort(s);
    double avg = Arrays.stream(s).average().orElse(0) / 1000;
    return String.format("%-30s avg %7.0f us  p50 %7.0f  p90 %7.0f  p99 %7.0f  p99.9 %7.0f  max %7.0f us", what, avg,
        pct(s, 0.5), pct(s, 0.9), pct(s, 0.99), pct(s, 0.999), s[s.length - 1] / 1000.0);
  }

  private static double pct(long[] sorted, double p) {
    return sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))] / 1000.0;
  }
}
