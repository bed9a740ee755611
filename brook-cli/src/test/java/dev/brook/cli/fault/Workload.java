package dev.brook.cli.fault;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What the clients do while faults happen, and what they observed, for {@link Checker}:
 *
 * <ul>
 *   <li>{@value #PRODUCERS} idempotent {@code acks=all} producers write {@code P<n>-<seq>} to
 *       {@value #SOURCE} (RF=3, min.insync.replicas=2), each partition in turn; every acknowledged
 *       value is recorded with the offset its acknowledgement named.
 *   <li>a transactional consume-transform-produce job (group {@value #CTP_GROUP}, read_committed)
 *       copies {@value #SOURCE} to {@value #SINK} as {@code C|<partition>:<offset>|<value>}, committing
 *       its input offsets in the transaction; every {@value #ABORT_EVERY}th transaction writes
 *       {@code A|...} and aborts, and after an error the job starts over from its committed offsets
 *       with a new producer (fencing the old one).
 *   <li>a transaction that never ends: {@code U|...} records in {@value #SINK} whose producer never
 *       commits (the coordinator must abort it when it times out).
 *   <li>a consumer group ({@value #GROUP}) reading {@value #SOURCE} and committing after each poll.
 *   <li>a monitor sampling, every {@value #SAMPLE_MS} ms, the committed offsets of both groups and
 *       each partition's leader and ISR.
 * </ul>
 * Threads: one per role; the shared observations are concurrent collections.
 */
final class Workload implements AutoCloseable {
  static final String SOURCE = "soak";
  static final String SINK = "copied";
  static final String GROUP = "readers";
  static final String CTP_GROUP = "copier";
  static final int PARTITIONS = 3;
  static final int PRODUCERS = 2;
  static final int ABORT_EVERY = 5;
  static final int SAMPLE_MS = 500;

  private final String bootstrap;
  final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicBoolean stopCopier = new AtomicBoolean();
  private final List<Thread> threads = new ArrayList<>();
  private Thread copier;

  /** value → {partition, offset} of its acknowledgement. */
  final Map<String, long[]> acked = new ConcurrentHashMap<>();
  final AtomicLong refused = new AtomicLong();
  final AtomicLong copierRestarts = new AtomicLong();
  final AtomicLong copierCommits = new AtomicLong();
  final AtomicLong copierAborts = new AtomicLong();
  /** Whether the transaction that never ends was opened (and its records sent). */
  final AtomicBoolean transactionLeftOpen = new AtomicBoolean();
  /** "group partition: before → after" for every committed offset seen to move backwards. */
  final List<String> offsetRegressions = new CopyOnWriteArrayList<>();
  /** "partition: leader L not in ISR ..." for every election the monitor saw leave the ISR. */
  final List<String> uncleanElections = new CopyOnWriteArrayList<>();
  final Map<String, Long> lastCommitted = new ConcurrentHashMap<>();

  Workload(String bootstrap) {
    this.bootstrap = bootstrap;
  }

  void start() {
    for (int n = 0; n < PRODUCERS; n++) {
      int id = n;
      threads.add(Thread.ofPlatform().name("producer-" + n).start(() -> produce(id)));
    }
    threads.add(Thread.ofPlatform().name("group-reader").start(this::readInGroup));
    threads.add(Thread.ofPlatform().name("monitor").start(this::monitor));
    copier = Thread.ofPlatform().name("copier").start(this::copyLoop);
    Thread.ofPlatform().name("unfinished-txn").start(this::leaveTransactionOpen);
  }

  /** Stops the producers, group reader and monitor; the copier goes on until {@link #stopCopier()}. */
  void stopProducers() throws InterruptedException {
    stop.set(true);
    for (Thread t : threads) t.join(180_000);
  }

  void stopCopier() throws InterruptedException {
    stopCopier.set(true);
    copier.join(120_000);
  }

  @Override
  public void close() throws InterruptedException {
    stop.set(true);
    stopCopier.set(true);
  }

  // ---- clients

  Admin admin() {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    return Admin.create(p);
  }

  private Properties producerProps() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 8_000);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    return p;
  }

  KafkaConsumer<String, String> consumer(String group, boolean readCommitted) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 8_000);
    p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
    if (group != null) p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    if (readCommitted) p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return new KafkaConsumer<>(p);
  }

  static List<TopicPartition> partitions(String topic) {
    List<TopicPartition> tps = new ArrayList<>();
    for (int i = 0; i < PARTITIONS; i++) tps.add(new TopicPartition(topic, i));
    return tps;
  }

  // ---- roles

  private void produce(int id) {
    Semaphore inFlight = new Semaphore(200);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps())) {
      for (long seq = 0; !stop.get(); seq++) {
        if (!inFlight.tryAcquire(1, TimeUnit.SECONDS)) {
          seq--;
          continue;
        }
        String value = "P" + id + "-" + seq;
        producer.send(new ProducerRecord<>(SOURCE, (int) (seq % PARTITIONS), null, value), (md, e) -> {
          if (e == null) acked.put(value, new long[] {md.partition(), md.offset()});
          else refused.incrementAndGet();
          inFlight.release();
        });
        if (seq % 5 == 0) Thread.sleep(10); // a steady stream (about 400 a second), not a flood
      }
      producer.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      System.out.println("[workload] producer " + id + " failed: " + e);
    }
  }

  private void readInGroup() {
    while (!stop.get()) {
      try (KafkaConsumer<String, String> c = consumer(GROUP, false)) {
        c.subscribe(List.of(SOURCE));
        while (!stop.get()) {
          if (!c.poll(Duration.ofMillis(300)).isEmpty()) c.commitSync(Duration.ofSeconds(10));
        }
      } catch (RuntimeException e) {
        System.out.println("[workload] group reader restarts after " + e);
      }
    }
  }

  /** One copier life: a consumer and a transactional producer until an error or the end. */
  private void copyLoop() {
    for (int life = 0; !stopCopier.get() && life < 1_000; life++) {
      if (life > 0) copierRestarts.incrementAndGet();
      Properties pp = producerProps();
      pp.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "copier-1");
      pp.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 20_000);
      pp.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp);
          KafkaConsumer<String, String> consumer = consumer(CTP_GROUP, true)) {
        producer.initTransactions();
        consumer.assign(partitions(SOURCE));
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(partitions(SOURCE)));
        for (TopicPartition tp : partitions(SOURCE)) {
          OffsetAndMetadata o = committed.get(tp);
          if (o == null) consumer.seekToBeginning(List.of(tp));
          else consumer.seek(tp, o.offset());
        }
        long txn = 0;
        while (!stopCopier.get()) {
          ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(300));
          if (records.isEmpty()) continue;
          boolean abort = ++txn % ABORT_EVERY == 0;
          producer.beginTransaction();
          Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
          for (ConsumerRecord<String, String> r : records) {
            String out = (abort ? "A|" : "C|") + r.partition() + ":" + r.offset() + "|" + r.value();
            producer.send(new ProducerRecord<>(SINK, r.partition(), null, out));
            next.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
          }
          if (abort) {
            producer.abortTransaction();
            copierAborts.incrementAndGet();
            for (TopicPartition tp : next.keySet()) {
              OffsetAndMetadata o = consumer.committed(Set.of(tp)).get(tp);
              if (o == null) consumer.seekToBeginning(List.of(tp));
              else consumer.seek(tp, o.offset());
            }
          } else {
            producer.sendOffsetsToTransaction(next, consumer.groupMetadata());
            producer.commitTransaction();
            copierCommits.incrementAndGet();
          }
        }
      } catch (RuntimeException e) {
        System.out.println("[workload] copier restarts after " + e);
        sleepQuietly(500);
      }
    }
  }

  /**
   * Leaves one transaction open forever, as a client that died would: the coordinator must abort it
   * on its timeout. An attempt that fails (no coordinator yet, a fault) is retried with a new
   * producer until one succeeds or the run stops, so that every run tests the abort.
   */
  private void leaveTransactionOpen() {
    for (int attempt = 1; attempt <= 20 && !stop.get(); attempt++) {
      Properties pp = producerProps();
      pp.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "never-ends");
      pp.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 10_000);
      KafkaProducer<String, String> producer = new KafkaProducer<>(pp);
      try {
        producer.initTransactions();
        producer.beginTransaction();
        for (int i = 0; i < 30; i++) producer.send(new ProducerRecord<>(SINK, i % PARTITIONS, null, "U|" + i));
        producer.flush();
        transactionLeftOpen.set(true);
        System.out.println("[workload] left a transaction open with 30 records in " + SINK);
        return; // never committed, never aborted, never closed: as if this client had died
      } catch (RuntimeException e) {
        System.out.println("[workload] could not leave a transaction open (attempt " + attempt + "): " + e);
        producer.close(Duration.ZERO);
        sleepQuietly(1_000);
      }
    }
  }

  private void monitor() {
    Map<Integer, Set<Integer>> lastIsr = new HashMap<>();
    Map<Integer, Integer> lastLeader = new HashMap<>();
    try (Admin admin = admin()) {
      while (!stop.get()) {
        try {
          for (String group : List.of(GROUP, CTP_GROUP)) {
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS)
                .forEach((tp, o) -> {
                  if (o == null) return;
                  String key = group + " " + tp;
                  Long before = lastCommitted.put(key, o.offset());
                  if (before != null && o.offset() < before) {
                    offsetRegressions.add(java.time.Instant.now() + " " + key + ": " + before + " -> " + o.offset());
                  }
                });
          }
          TopicDescription d = admin.describeTopics(List.of(SOURCE)).allTopicNames().get(10, TimeUnit.SECONDS)
              .get(SOURCE);
          for (TopicPartitionInfo p : d.partitions()) {
            Set<Integer> isr = new HashSet<>();
            p.isr().forEach(n -> isr.add(n.id()));
            int leader = p.leader() == null ? -1 : p.leader().id();
            Integer was = lastLeader.put(p.partition(), leader);
            Set<Integer> wasIsr = lastIsr.put(p.partition(), isr);
            if (leader >= 0 && was != null && was != leader && wasIsr != null && !wasIsr.contains(leader)
                && !isr.contains(leader)) {
              uncleanElections.add(java.time.Instant.now() + " " + SOURCE + "-" + p.partition() + ": leader " + leader
                  + " was in neither ISR "
                  + wasIsr + " nor " + isr);
            }
            if (leader >= 0 && !isr.contains(leader)) {
              uncleanElections.add(java.time.Instant.now() + " " + SOURCE + "-" + p.partition() + ": leader " + leader
                  + " outside its ISR " + isr);
            }
          }
        } catch (Exception e) {
          // a fault in progress; sample again
        }
        sleepQuietly(SAMPLE_MS);
      }
    }
  }

  static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
