package dev.brook.broker.txn;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * One consume-transform-produce instance, as an exactly-once application runs it: a read_committed
 * consumer in group {@value #GROUP} reads topic "in", a transactional producer ({@value #TXN_ID})
 * copies each poll's records to "out" and sends the consumer's offsets in the same transaction.
 *
 * <p>Also a main class, so that a test can run an instance in its own JVM and kill it with SIGKILL
 * while a transaction is open (args: bootstrap, limit): it prints {@code OPEN} once it has
 * processed {@code limit} records and flushed its last, uncommitted transaction, then waits to die.
 */
final class ConsumeTransformProduce {
  static final String GROUP = "etl";
  static final String TXN_ID = "etl-tx";
  /** The child's group session: short, so the group drops the killed member quickly. */
  static final int CHILD_SESSION_TIMEOUT_MS = 2_000;

  private ConsumeTransformProduce() {}

  public static void main(String[] args) throws InterruptedException {
    run(args[0], Integer.parseInt(args[1]), false, CHILD_SESSION_TIMEOUT_MS);
    System.out.println("OPEN");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE); // the test kills this JVM with the transaction still open
  }

  /**
   * Processes until {@code limit} records (or until caught up and idle for 30 polls). With
   * {@code commitLast} false the last transaction is flushed but left open and nothing is closed, as
   * if the process died there; the caller decides what happens to the clients.
   */
  static void run(String bootstrap, int limit, boolean commitLast, int sessionTimeoutMs) {
    KafkaConsumer<String, String> c = consumer(bootstrap, sessionTimeoutMs);
    KafkaProducer<String, String> p = producer(bootstrap, TXN_ID, 60_000);
    p.initTransactions();
    c.subscribe(List.of("in"));
    int processed = 0;
    int idle = 0;
    while (processed < limit && idle < 30) {
      ConsumerRecords<String, String> records = c.poll(Duration.ofMillis(200));
      if (records.isEmpty()) {
        if (!c.assignment().isEmpty() && caughtUp(c)) idle++;
        continue;
      }
      idle = 0;
      p.beginTransaction();
      Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
      for (ConsumerRecord<String, String> r : records) {
        p.send(new ProducerRecord<>("out", r.partition(), null, r.value()));
        offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
      }
      p.sendOffsetsToTransaction(offsets, c.groupMetadata());
      processed += records.count();
      if (!commitLast && processed >= limit) {
        p.flush();
        return; // "dies": the transaction stays open, the clients are not closed
      }
      p.commitTransaction();
    }
    p.close();
    c.close(Duration.ZERO);
  }

  private static boolean caughtUp(KafkaConsumer<String, String> c) {
    Set<TopicPartition> assigned = c.assignment();
    Map<TopicPartition, Long> end = c.endOffsets(assigned);
    return assigned.stream().allMatch(tp -> c.position(tp) >= end.get(tp));
  }

  /** A transactional producer with bounded blocking and no linger (shared with TransactionsIT). */
  static KafkaProducer<String, String> producer(String bootstrap, String transactionalId, int timeoutMs) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, timeoutMs);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
  }

  private static KafkaConsumer<String, String> consumer(String bootstrap, int sessionTimeoutMs) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 20);
    p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, sessionTimeoutMs);
    p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Math.min(3_000, sessionTimeoutMs / 3));
    return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
  }
}
