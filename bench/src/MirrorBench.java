import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * bench/mirror's driver: {@code brook mirror} next to Kafka 4.1.1's MirrorMaker 2 (dedicated mode),
 * between the same two brokers, one mirror process at a time, alternating.
 *
 * <p>Each run gets a fresh source cluster alias (so MM2's Connect state, its internal topics and
 * the mirrored topic are new). Per mirror and round, two mirror processes, the second doing two runs:
 * <ul>
 *   <li>throughput at 100 B and at 1 KiB: the topic is filled before the mirror starts; a consumer
 *       (read_committed) on the target counts distinct records (a sequence number in each value);
 *       throughput is taken between 5 % and 100 % arrived, so the mirror's start is not in it. CPU
 *       of the mirror process (and of both brokers) over the same window, per GiB of values mirrored.
 *   <li>lag: a producer at a fixed rate writes the send time into each value; the target consumer
 *       measures produce-to-visible-on-the-target time per record (warm-up seconds dropped).
 * </ul>
 * Usage: {@code java -cp <kafka 4.1.1 classpath> MirrorBench.java key=value ...} (see bench/mirror).
 */
public class MirrorBench {
  static Map<String, String> opt = new HashMap<>();
  static String source;
  static String target;
  static Path out;

  public static void main(String[] args) throws Exception {
    for (String a : args) {
      int i = a.indexOf('=');
      opt.put(a.substring(0, i), a.substring(i + 1));
    }
    source = opt.get("source");
    target = opt.get("target");
    out = Path.of(opt.get("out"));
    int rounds = Integer.parseInt(opt.getOrDefault("rounds", "3"));
    List<String> mirrors = List.of(opt.getOrDefault("mirrors", "brook,mm2").split(","));
    for (int r = 1; r <= rounds; r++) {
      List<String> order = new ArrayList<>(mirrors);
      if (r % 2 == 0) java.util.Collections.reverse(order);
      for (String m : order) {
        report(throughput(r, m, 100, false));
        // The 1 KiB run's mirror process goes on to the lag run (one start of MM2 fewer per round).
        for (String line : throughput(r, m, 1024, true).split("\n")) report(line);
      }
    }
  }

  static void report(String line) throws IOException {
    System.out.println(line);
    Files.writeString(out.resolve("results.txt"), line + "\n", java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
  }

  // ---- one throughput run ------------------------------------------------------------------------

  /** One throughput run; with {@code thenLag} the same mirror process then does the lag run. */
  static String throughput(int round, String mirror, int size, boolean thenLag) throws Exception {
    int partitions = Integer.parseInt(opt.getOrDefault("partitions", "4"));
    long records = Long.parseLong(opt.getOrDefault(size <= 100 ? "records100" : "records1k", size <= 100 ? "1000000" : "200000"));
    String alias = "r" + round + mirror + "t" + size;
    String topic = alias + "-bench";
    String lagTopic = alias + "-lag";
    createTopic(source, topic, partitions);
    if (thenLag) createTopic(source, lagTopic, partitions);
    fill(topic, records, size);
    // Only this run's topics: alias-bench on the source is alias.alias-bench on the target.
    Counter counter = new Counter(alias + "." + topic);
    counter.start();
    MirrorProcess p = MirrorProcess.start(mirror, alias, thenLag ? topic + ", " + lagTopic : topic);
    String load0 = loadAverage();
    try {
      Sample first = null;
      Sample last = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(opt.getOrDefault("timeout", "600")));
      while (System.nanoTime() < deadline && p.alive()) {
        long n = counter.distinct();
        if (first == null && n >= records / 20) first = sample(p, n);
        if (n >= records) {
          last = sample(p, n);
          break;
        }
        Thread.sleep(20);
      }
      if (first == null || last == null) {
        return String.format("round %d %s t%d FAILED: %d of %d records arrived; see %s", round, mirror, size, counter.distinct(), records, p.log);
      }
      double secs = (last.nanos - first.nanos) / 1e9;
      double recs = last.records - first.records;
      double gib = recs * size / (1L << 30);
      String line = String.format("round %d %s t%d records/s=%.0f MB/s=%.1f mirror_cpu_s_per_GiB=%.1f all_cpu_s_per_GiB=%.1f repeats=%d load=%s..%s",
          round, mirror, size, recs / secs, recs * size / secs / 1e6, (last.mirrorCpu - first.mirrorCpu) / gib,
          (last.allCpu - first.allCpu) / gib, counter.repeats(), load0, loadAverage());
      return thenLag ? line + "\n" + lag(round, mirror, p, alias, lagTopic) : line;
    } finally {
      p.stop();
      counter.finish();
    }
  }

  /** Writes {@code records} values of {@code size} bytes (a sequence number first) as fast as the source takes them. */
  static void fill(String topic, long records, int size) {
    try (KafkaProducer<byte[], byte[]> p = producer()) {
      for (long i = 0; i < records; i++) {
        byte[] v = new byte[size];
        ByteBuffer.wrap(v).putLong(i);
        p.send(new ProducerRecord<>(topic, v));
      }
      p.flush();
    }
  }

  // ---- one lag run -------------------------------------------------------------------------------

  /** The lag run, on mirror process {@code p} already mirroring the (empty) {@code topic}. */
  static String lag(int round, String mirror, MirrorProcess p, String alias, String topic) throws Exception {
    int rate = Integer.parseInt(opt.getOrDefault("rate", "50000"));
    int seconds = Integer.parseInt(opt.getOrDefault("lag-seconds", "30"));
    int warmup = Integer.parseInt(opt.getOrDefault("warmup-seconds", "5"));
    int size = 100;
    long total = (long) rate * seconds;
    Counter counter = new Counter(alias + "." + topic);
    counter.start();
    String load0 = loadAverage();
    try (KafkaProducer<byte[], byte[]> prod = producer()) {
      // Ready: a first record has made it through (MM2 starts a Connect herder first).
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
      while (!counter.readyProbe) {
        if (System.nanoTime() > deadline || !p.alive()) return String.format("round %d %s lag FAILED: mirror never ready; see %s", round, mirror, p.log);
        byte[] v = new byte[size];
        ByteBuffer.wrap(v).putLong(-1).putLong(System.nanoTime());
        prod.send(new ProducerRecord<>(topic, v));
        Thread.sleep(200);
      }
      counter.recordLatenciesAfter(System.nanoTime() + TimeUnit.SECONDS.toNanos(warmup));
      Sample s0 = sample(p, 0);
      long start = System.nanoTime();
      long sent = 0;
      while (sent < total) {
        long due = (System.nanoTime() - start) * rate / 1_000_000_000L;
        if (sent >= due) { // ahead of the schedule: a burst of rate/1000 records per millisecond
          Thread.sleep(1);
          continue;
        }
        byte[] v = new byte[size];
        ByteBuffer.wrap(v).putLong(sent).putLong(System.nanoTime());
        prod.send(new ProducerRecord<>(topic, v));
        sent++;
      }
      prod.flush();
      double sendSecs = (System.nanoTime() - start) / 1e9;
      long drain = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (counter.distinct() < total && System.nanoTime() < drain) Thread.sleep(20);
      Sample s1 = sample(p, counter.distinct());
      double gib = (double) total * size / (1L << 30);
      long[] lat = counter.latencies();
      Arrays.sort(lat);
      return String.format("round %d %s lag rate=%.0f arrived=%d lag_p50_ms=%.1f lag_p99_ms=%.1f lag_max_ms=%.1f mirror_cpu_s_per_GiB=%.1f all_cpu_s_per_GiB=%.1f load=%s..%s",
          round, mirror, total / sendSecs, counter.distinct(), pct(lat, 0.50), pct(lat, 0.99), lat.length == 0 ? Double.NaN : lat[lat.length - 1] / 1e6,
          (s1.mirrorCpu - s0.mirrorCpu) / gib, (s1.allCpu - s0.allCpu) / gib, load0, loadAverage());
    } finally {
      counter.finish();
    }
  }

  static double pct(long[] sorted, double q) {
    if (sorted.length == 0) return Double.NaN;
    return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 1e6;
  }

  // ---- the target consumer -----------------------------------------------------------------------

  /**
   * Reads the target topic (read_committed, from the beginning, once it exists) on its own thread:
   * counts distinct sequence numbers and, for lag runs, the time from send to receipt.
   */
  static final class Counter extends Thread {
    private final String topic;
    private final BitSet seen = new BitSet();
    private final AtomicLong distinct = new AtomicLong();
    private final AtomicLong repeats = new AtomicLong();
    private volatile boolean stopping;
    private volatile long latenciesAfter = Long.MAX_VALUE;
    private long[] lat = new long[1 << 20];
    private int latCount;

    Counter(String topic) {
      super("counter");
      this.topic = topic;
      setDaemon(true);
    }

    long distinct() {
      return distinct.get();
    }

    long repeats() {
      return repeats.get();
    }

    void recordLatenciesAfter(long nanos) {
      latenciesAfter = nanos;
    }

    synchronized long[] latencies() {
      return Arrays.copyOf(lat, latCount);
    }

    @Override
    public void run() {
      Map<String, Object> props = Map.of("bootstrap.servers", target, "isolation.level", "read_committed",
          "enable.auto.commit", false, "max.poll.records", 10_000, "fetch.max.wait.ms", 100);
      try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
        List<TopicPartition> tps = List.of();
        while (!stopping && tps.isEmpty()) {
          tps = c.listTopics(Duration.ofSeconds(5)).getOrDefault(topic, List.of()).stream()
              .map(p -> new TopicPartition(topic, p.partition())).toList();
          if (tps.isEmpty()) sleep(100);
        }
        c.assign(tps);
        c.seekToBeginning(tps);
        while (!stopping) {
          for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
            long now = System.nanoTime();
            ByteBuffer v = ByteBuffer.wrap(r.value());
            long seq = v.getLong();
            if (seq < 0) { // a readiness probe
              readyProbe = true;
              continue;
            }
            if (seen.get((int) seq)) {
              repeats.incrementAndGet();
              continue;
            }
            seen.set((int) seq);
            distinct.incrementAndGet();
            if (v.remaining() >= 8 && now >= latenciesAfter) {
              long sent = v.getLong();
              synchronized (this) {
                if (latCount == lat.length) lat = Arrays.copyOf(lat, lat.length * 2);
                lat[latCount++] = now - sent;
              }
            }
          }
        }
        c.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ZERO));
      } catch (InterruptedException e) {
        // stopping
      }
    }

    /** Whether a readiness probe (sequence -1) has arrived. */
    volatile boolean readyProbe;

    void finish() throws InterruptedException {
      stopping = true;
      join(10_000);
    }
  }

  // ---- mirror processes --------------------------------------------------------------------------

  /** One mirror, brook or mm2, as its users start it, mirroring {@code topic} from alias {@code alias}. */
  static final class MirrorProcess {
    final Process process;
    final Path log;

    MirrorProcess(Process process, Path log) {
      this.process = process;
      this.log = log;
    }

    static MirrorProcess start(String mirror, String alias, String topic) throws IOException {
      Path config = out.resolve(alias + ".properties");
      Path log = out.resolve(alias + ".log");
      List<String> lines = new ArrayList<>(List.of(
          "clusters = " + alias + ", dst",
          alias + ".bootstrap.servers = " + source,
          "dst.bootstrap.servers = " + target,
          alias + "->dst.enabled = true",
          "topics = " + topic,
          "refresh.topics.interval.seconds = 5"));
      List<String> cmd;
      if (mirror.equals("brook")) {
        cmd = List.of(opt.get("root") + "/bin/brook", "mirror", "--config", config.toString());
      } else {
        lines.addAll(List.of(
            "replication.factor = 1",
            "checkpoints.topic.replication.factor = 1",
            "heartbeats.topic.replication.factor = 1",
            "offset-syncs.topic.replication.factor = 1",
            "offset.storage.replication.factor = 1",
            "status.storage.replication.factor = 1",
            "config.storage.replication.factor = 1",
            "dst->" + alias + ".emit.heartbeats.enabled = false"));
        cmd = List.of(opt.get("anchor"), "tool", "org.apache.kafka.connect.mirror.MirrorMaker", config.toString());
      }
      String extra = opt.getOrDefault(mirror + "-extra", "");
      if (!extra.isEmpty()) lines.addAll(List.of(extra.split(";")));
      Files.write(config, lines);
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
      return new MirrorProcess(pb.start(), log);
    }

    boolean alive() {
      return process.isAlive();
    }

    /** CPU seconds (user + system) the process has used so far, from /proc. */
    double cpuSeconds() {
      return procCpuSeconds(process.pid());
    }

    void stop() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  record Sample(long nanos, long records, double mirrorCpu, double allCpu) {}

  static Sample sample(MirrorProcess p, long records) {
    double mirror = p.cpuSeconds();
    double brokers = 0;
    for (String pid : opt.getOrDefault("broker-pids", "").split(",")) {
      if (!pid.isBlank()) brokers += procCpuSeconds(Long.parseLong(pid.trim()));
    }
    return new Sample(System.nanoTime(), records, mirror, mirror + brokers);
  }

  static final double TICKS = Double.parseDouble(System.getProperty("clk.tck", "100"));

  static double procCpuSeconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // fields 14 and 15 of stat (utime, stime) are 11 and 12 after the command name
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException e) {
      return "?";
    }
  }

  // ---- clients -----------------------------------------------------------------------------------

  static KafkaProducer<byte[], byte[]> producer() {
    return new KafkaProducer<>(Map.of("bootstrap.servers", source, "linger.ms", 5, "batch.size", 262_144,
        "compression.type", "none"), new ByteArraySerializer(), new ByteArraySerializer());
  }

  static void createTopic(String bootstrap, String name, int partitions) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
    }
  }
}
