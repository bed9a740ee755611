package dev.brook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Fault soak of a 3-broker cluster in separate JVMs (the packaged brook.jar) on a ZooKeeper server
 * in its own JVM, so kill -9 is real. RF=3, min.insync.replicas=2, one idempotent acks=all producer
 * writing continuously and one consumer reading while, cycle after cycle, a random broker (often a
 * leader) is killed -9 and restarted, a broker is paused (SIGSTOP) past its session timeout and
 * resumed, the controller is killed and restarted, and ZooKeeper is restarted.
 *
 * <p>The checker: every acknowledged record is in the final log exactly once, at the offset its
 * acknowledgement named, in send order within its partition; no value appears twice; every record
 * the live consumer saw is still at that offset at the end (none vanished).
 *
 * <p>The default suite runs a short version: {@value #DEFAULT_CYCLES} cycles, one of each fault in a
 * seeded order. The soak is one command: {@code mvn -B -ntp -o -pl brook-cli -am verify -Dtest=NONE
 * -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false
 * -Dit.test=ClusterFaultIT -Dbrook.fault.cycles=30} ({@code -Dbrook.fault.seed=N} repeats a run;
 * every run after the first four cycles picks faults at random). Prints its figures.
 */
class ClusterFaultIT {
  private static final int DEFAULT_CYCLES = 4;
  private static final String TOPIC = "soak";
  private static final int PARTITIONS = 3;
  private static final int SESSION_MS = 6_000;
  private static final Duration READY = Duration.ofSeconds(90);

  /** Kept after the run (target/cluster-fault-&lt;seed&gt;): the brokers' and ZooKeeper's logs. */
  private Path dir;
  private Process zookeeper;
  private int zkPort;
  private final Map<Integer, Process> brokers = new HashMap<>();
  private final Map<Integer, Integer> ports = new HashMap<>();

  @AfterEach
  void stopAll() {
    for (Process p : brokers.values()) p.destroyForcibly();
    if (zookeeper != null) zookeeper.destroyForcibly();
  }

  // ---- processes

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    }
  }

  private Process launch(String name, List<String> mainAndArgs) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(BrookProcess.java(), "-Xmx384m", "-XX:+UseSerialGC",
        "--enable-native-access=ALL-UNNAMED", "-cp", BrookProcess.jar().toString()));
    if (Runtime.version().feature() >= 23) cmd.add(2, "--sun-misc-unsafe-memory-access=allow");
    cmd.addAll(mainAndArgs);
    File log = dir.resolve(name + ".log").toFile();
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log))
        .start();
  }

  private void startZooKeeper() throws Exception {
    zookeeper = launch("zookeeper", List.of("org.apache.zookeeper.server.ZooKeeperServerMain",
        Integer.toString(zkPort), dir.resolve("zookeeper").toString()));
    long deadline = System.nanoTime() + READY.toNanos();
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", zkPort), 500);
        return;
      } catch (IOException notYet) {
        Thread.sleep(100); // polling another process's port
      }
    }
    throw new IllegalStateException("ZooKeeper did not start");
  }

  private void startBroker(int id) throws Exception {
    Path log = dir.resolve("broker-" + id + ".log");
    long before = Files.exists(log) ? Files.readString(log).split(" ready on ", -1).length : 1;
    brokers.put(id, launch("broker-" + id, List.of("dev.brook.cli.Main", "server",
        "--override", "broker.id=" + id,
        "--override", "zookeeper.connect=127.0.0.1:" + zkPort,
        "--override", "zookeeper.session.timeout.ms=" + SESSION_MS,
        "--override", "listeners=PLAINTEXT://127.0.0.1:" + ports.get(id),
        "--override", "log.dirs=" + dir.resolve("data-" + id),
        "--override", "replica.lag.time.max.ms=5000",
        "--override", "leader.imbalance.check.interval.seconds=15")));
    long deadline = System.nanoTime() + READY.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).split(" ready on ", -1).length > before) {
        return;
      }
      if (!brokers.get(id).isAlive()) throw new IllegalStateException("broker " + id + " exited; see " + log);
      Thread.sleep(100); // polling another process's log
    }
    throw new IllegalStateException("broker " + id + " not ready; see " + log);
  }

  private static void signal(Process p, String sig) throws Exception {
    new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).start().waitFor(10, TimeUnit.SECONDS);
  }

  private String bootstrap() {
    return ports.values().stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
  }

  // ---- the run

  @Test
  void acknowledgedRecordsSurviveRepeatedFaults() throws Exception {
    int cycles = Integer.getInteger("brook.fault.cycles", DEFAULT_CYCLES);
    long seed = Long.getLong("brook.fault.seed", System.nanoTime());
    Random random = new Random(seed);
    dir = Path.of("target", "cluster-fault-" + seed).toAbsolutePath();
    if (Files.exists(dir)) {
      try (var old = Files.walk(dir)) {
        old.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
    Files.createDirectories(dir);
    System.out.println("[fault] seed " + seed + ", " + cycles + " cycles, data in " + dir);
    zkPort = freePort();
    for (int id = 1; id <= 3; id++) ports.put(id, freePort());
    startZooKeeper();
    for (int id = 1; id <= 3; id++) startBroker(id);

    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3)
          .configs(Map.of("min.insync.replicas", "2")))).all().get(60, TimeUnit.SECONDS);
      awaitFullIsr(admin);

      Map<Long, long[]> acked = new ConcurrentHashMap<>();
      AtomicLong failedSends = new AtomicLong();
      AtomicBoolean stop = new AtomicBoolean();
      Map<TopicPartition, Map<Long, String>> seenLive = new ConcurrentHashMap<>();
      Thread producer = Thread.ofPlatform().name("soak-producer").start(() -> produce(stop, acked, failedSends));
      Thread consumer = Thread.ofPlatform().name("soak-consumer").start(() -> consumeLive(stop, seenLive));

      List<Long> leaderFailoverMs = new ArrayList<>();
      long start = System.nanoTime();
      List<Integer> firstKinds = new ArrayList<>(List.of(0, 1, 2, 3));
      java.util.Collections.shuffle(firstKinds, random); // every run, however short, meets each fault
      for (int c = 1; c <= cycles; c++) {
        int kind = c <= firstKinds.size() ? firstKinds.get(c - 1) : random.nextInt(4);
        String what = switch (kind) {
          case 0 -> killLeader(admin, random, leaderFailoverMs);
          case 1 -> pauseBroker(random);
          case 2 -> killController(admin);
          default -> restartZooKeeper();
        };
        awaitFullIsr(admin);
        System.out.println("[fault] cycle " + c + "/" + cycles + ": " + what + "; acked so far " + acked.size());
      }
      Thread.sleep(2_000); // let the producer write a little on the healed cluster
      stop.set(true);
      producer.join(180_000);
      consumer.join(60_000);
      long elapsedS = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);

      Map<Integer, List<String>> log = readAll();
      Report r = check(acked, log, seenLive);
      System.out.printf("[fault] %d cycles in %d s: %d acknowledged, %d sends failed, %d records in the log; "
              + "lost %d, duplicated %d, misplaced %d, out of order %d, vanished %d; "
              + "time to new leader after kill -9 (ms) %s%n",
          cycles, elapsedS, acked.size(), failedSends.get(), log.values().stream().mapToInt(List::size).sum(),
          r.lost, r.duplicated, r.misplaced, r.outOfOrder, r.vanished, minMedianMax(leaderFailoverMs));
      assertThat(acked).isNotEmpty();
      assertThat(r.lost).as("acknowledged records lost").isZero();
      assertThat(r.duplicated).as("duplicated values").isZero();
      assertThat(r.misplaced).as("acknowledged at another offset").isZero();
      assertThat(r.outOfOrder).as("out of order within a partition").isZero();
      assertThat(r.vanished).as("records a consumer saw that later vanished").isZero();
    }
  }

  private static String minMedianMax(List<Long> ms) {
    if (ms.isEmpty()) return "none (no leader was killed)";
    List<Long> sorted = ms.stream().sorted().toList();
    return "min " + sorted.getFirst() + ", median " + sorted.get(sorted.size() / 2) + ", max " + sorted.getLast()
        + " over " + sorted.size() + " kills " + ms;
  }

  private String killLeader(Admin admin, Random random, List<Long> failoverMs) throws Exception {
    TopicPartition tp = new TopicPartition(TOPIC, random.nextInt(PARTITIONS));
    int victim = describe(admin).get(tp.partition()).leader().id();
    long t0 = System.nanoTime();
    brokers.get(victim).destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    long deadline = System.nanoTime() + READY.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        Node leader = describe(admin).get(tp.partition()).leader();
        if (leader != null && leader.id() != victim) break;
      } catch (Exception notYet) {
        // the admin client may be re-routing away from the dead broker
      }
      Thread.sleep(50);
    }
    failoverMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    Thread.sleep(1_000 + random.nextInt(3_000));
    startBroker(victim);
    return "kill -9 broker " + victim + " (leader of " + tp + ") and restart";
  }

  private String pauseBroker(Random random) throws Exception {
    int victim = 1 + random.nextInt(3);
    signal(brokers.get(victim), "STOP");
    Thread.sleep(SESSION_MS + 3_000); // past its session timeout
    signal(brokers.get(victim), "CONT");
    return "SIGSTOP broker " + victim + " for " + (SESSION_MS + 3_000) + " ms, then SIGCONT";
  }

  private String killController(Admin admin) throws Exception {
    int controller = admin.describeCluster().controller().get(30, TimeUnit.SECONDS).id();
    brokers.get(controller).destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    Thread.sleep(2_000);
    startBroker(controller);
    return "kill -9 controller " + controller + " and restart";
  }

  private String restartZooKeeper() throws Exception {
    zookeeper.destroy();
    zookeeper.waitFor(30, TimeUnit.SECONDS);
    Thread.sleep(1_000);
    startZooKeeper();
    return "restart ZooKeeper";
  }

  private Map<Integer, TopicPartitionInfo> describe(Admin admin) throws Exception {
    TopicDescription d = admin.describeTopics(List.of(TOPIC)).allTopicNames().get(20, TimeUnit.SECONDS).get(TOPIC);
    return d.partitions().stream().collect(Collectors.toMap(TopicPartitionInfo::partition, p -> p));
  }

  private void awaitFullIsr(Admin admin) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    Object last = null;
    while (System.nanoTime() < deadline) {
      try {
        Collection<TopicPartitionInfo> ps = describe(admin).values();
        last = ps;
        if (ps.stream().allMatch(p -> p.leader() != null && p.isr().size() == 3)) return;
      } catch (Exception notYet) {
        last = notYet; // brokers or ZooKeeper still coming back
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the ISR did not heal within 120 s; last seen: " + last + "; logs in " + dir);
  }

  // ---- clients

  private Admin admin() {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    return Admin.create(p);
  }

  private void produce(AtomicBoolean stop, Map<Long, long[]> acked, AtomicLong failed) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    Semaphore inFlight = new Semaphore(500);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      for (long seq = 0; !stop.get(); seq++) {
        inFlight.acquire();
        long s = seq;
        producer.send(new ProducerRecord<>(TOPIC, (int) (s % PARTITIONS), null, Long.toString(s)), (md, e) -> {
          if (e == null) acked.put(s, new long[] {md.partition(), md.offset()});
          else failed.incrementAndGet();
          inFlight.release();
        });
        if (seq % 50 == 0) Thread.sleep(5); // a steady stream, not a flood
      }
      producer.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private KafkaConsumer<String, String> consumer() {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return new KafkaConsumer<>(p);
  }

  private List<TopicPartition> partitions() {
    List<TopicPartition> tps = new ArrayList<>();
    for (int i = 0; i < PARTITIONS; i++) tps.add(new TopicPartition(TOPIC, i));
    return tps;
  }

  private void consumeLive(AtomicBoolean stop, Map<TopicPartition, Map<Long, String>> seen) {
    try (KafkaConsumer<String, String> c = consumer()) {
      c.assign(partitions());
      c.seekToBeginning(partitions());
      while (!stop.get()) {
        try {
          for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
            seen.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), k -> new ConcurrentHashMap<>())
                .put(r.offset(), r.value());
          }
        } catch (RuntimeException e) {
          // a fault in progress; the consumer resumes from its position
        }
      }
    }
  }

  /** Each partition's values in offset order, from 0 to the high watermark (offsets are contiguous). */
  private Map<Integer, List<String>> readAll() {
    Map<Integer, List<String>> out = new HashMap<>();
    try (KafkaConsumer<String, String> c = consumer()) {
      c.assign(partitions());
      c.seekToBeginning(partitions());
      Map<TopicPartition, Long> end = c.endOffsets(partitions(), Duration.ofSeconds(30));
      for (TopicPartition tp : partitions()) out.put(tp.partition(), new ArrayList<>());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (System.nanoTime() < deadline
          && partitions().stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
          List<String> l = out.get(r.partition());
          assertThat(r.offset()).as("offsets are contiguous in " + r.partition()).isEqualTo(l.size());
          l.add(r.value());
        }
      }
    }
    return out;
  }

  private record Report(long lost, long duplicated, long misplaced, long outOfOrder, long vanished) {}

  private static Report check(Map<Long, long[]> acked, Map<Integer, List<String>> log,
      Map<TopicPartition, Map<Long, String>> seenLive) {
    Map<String, long[]> where = new HashMap<>();
    long duplicated = 0;
    long outOfOrder = 0;
    for (Map.Entry<Integer, List<String>> e : log.entrySet()) {
      long last = -1;
      for (int off = 0; off < e.getValue().size(); off++) {
        String v = e.getValue().get(off);
        if (where.put(v, new long[] {e.getKey(), off}) != null) duplicated++;
        long seq = Long.parseLong(v);
        if (seq <= last) outOfOrder++;
        last = seq;
      }
    }
    long lost = 0;
    long misplaced = 0;
    for (Map.Entry<Long, long[]> a : acked.entrySet()) {
      long[] found = where.get(Long.toString(a.getKey()));
      if (found == null) lost++;
      else if (found[0] != a.getValue()[0] || found[1] != a.getValue()[1]) misplaced++;
    }
    long vanished = 0;
    for (Map.Entry<TopicPartition, Map<Long, String>> e : seenLive.entrySet()) {
      List<String> l = log.get(e.getKey().partition());
      for (Map.Entry<Long, String> s : e.getValue().entrySet()) {
        if (s.getKey() >= l.size() || !l.get(s.getKey().intValue()).equals(s.getValue())) vanished++;
      }
    }
    return new Report(lost, duplicated, misplaced, outOfOrder, vanished);
  }
}
