package dev.brook.bench.security;

import dev.brook.broker.Broker;
import dev.brook.broker.config.BrokerConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The broker CPU of a steady incremental fetch with the authorizer off, and on with READ allowed
 * by ACLs (what a real consumer pays): an in-process broker, {@code topics} × {@code partitions}
 * partitions, one consumer assigned all of them at their end with {@code fetch.max.wait.ms=0}, so
 * it fetches as fast as it can and every fetch is an incremental one with nothing new (the case in
 * which authorizing the whole session, rather than the answer, is pure added cost). Runs alternate
 * off/on, on/off... Prints fetches, broker-thread CPU µs per fetch (threads named {@code brook-*})
 * and process CPU µs per fetch; the figures are for bench/RESULTS.md, never asserted. The same class
 * runs against another build's brook-broker jar to compare before and after a change.
 *
 * <pre>java -cp "brook-bench/target/classes:brook-bench/target/lib/*" dev.brook.bench.security.AuthorizedFetch [seconds] [rounds] [topics] [partitions]</pre>
 */
public final class AuthorizedFetch {
  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int topics = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    int partitions = args.length > 3 ? Integer.parseInt(args[3]) : 20;
    for (int round = 1; round <= rounds; round++) {
      boolean[] order = round % 2 == 1 ? new boolean[] {false, true} : new boolean[] {true, false};
      for (boolean on : order) {
        Path dir = Files.createTempDirectory("brook-authz-fetch-bench");
        Map<String, String> s = new HashMap<>();
        s.put("log.dirs", dir.toString());
        s.put("listeners", "PLAINTEXT://127.0.0.1:0");
        if (on) {
          s.put("authorizer.class.name", "kafka.security.authorizer.AclAuthorizer");
          s.put("super.users", "User:ANONYMOUS"); // to create the topics and ACLs, then dropped below
        }
        try (Broker b = Broker.start(BrokerConfig.of(s))) {
          setup(b.bootstrapServers(), topics, partitions, on);
        }
        if (on) s.put("super.users", ""); // the fetch is decided by the ACLs, as for a real application
        try (Broker b = Broker.start(BrokerConfig.of(s))) {
          run(b.bootstrapServers(), topics, partitions, seconds, round, on);
        }
        deleteAll(dir);
      }
    }
  }

  private static void setup(String bootstrap, int topics, int partitions, boolean acl) throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(p)) {
      List<NewTopic> created = new ArrayList<>();
      for (int t = 0; t < topics; t++) created.add(new NewTopic("bench-" + t, partitions, (short) 1));
      admin.createTopics(created).all().get(60, TimeUnit.SECONDS);
      if (acl) {
        List<AclBinding> acls = new ArrayList<>();
        for (int t = 0; t < topics; t++) {
          acls.add(new AclBinding(new ResourcePattern(ResourceType.TOPIC, "bench-" + t, PatternType.LITERAL),
              new AccessControlEntry("User:ANONYMOUS", "*", AclOperation.READ, AclPermissionType.ALLOW)));
        }
        // Rules that cover the names without deciding: a decision walks them as in a real deployment.
        acls.add(new AclBinding(new ResourcePattern(ResourceType.TOPIC, "bench-", PatternType.PREFIXED),
            new AccessControlEntry("User:someone-else", "*", AclOperation.READ, AclPermissionType.ALLOW)));
        admin.createAcls(acls).all().get(60, TimeUnit.SECONDS);
      }
    }
  }

  private static void run(String bootstrap, int topics, int partitions, int seconds, int round, boolean on) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 0);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<TopicPartition> all = new ArrayList<>();
    for (int t = 0; t < topics; t++) for (int i = 0; i < partitions; i++) all.add(new TopicPartition("bench-" + t, i));
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      c.assign(all);
      c.seekToEnd(all);
      long warm = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.max(2, seconds / 3));
      while (System.nanoTime() < warm) c.poll(Duration.ofMillis(100));
      double fetches0 = fetchTotal(c);
      long broker0 = brokerCpu();
      long cpu0 = os.getProcessCpuTime();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < end) c.poll(Duration.ofMillis(100));
      double fetches = fetchTotal(c) - fetches0;
      long broker = brokerCpu() - broker0;
      long cpu = os.getProcessCpuTime() - cpu0;
      System.out.printf("round %d authorizer %-3s: %,.0f fetches of %d partitions, %.2f µs broker CPU per fetch, "
          + "%.2f µs process CPU per fetch%n", round, on ? "on" : "off", fetches, all.size(), broker / 1e3 / fetches,
          cpu / 1e3 / fetches);
    }
  }

  /** The consumer's fetch-total: fetch requests answered. */
  private static double fetchTotal(KafkaConsumer<?, ?> c) {
    for (Map.Entry<MetricName, ? extends Metric> e : c.metrics().entrySet()) {
      MetricName n = e.getKey();
      if (n.name().equals("fetch-total") && n.group().equals("consumer-fetch-manager-metrics")) {
        return ((Number) e.getValue().metricValue()).doubleValue();
      }
    }
    throw new IllegalStateException("no fetch-total metric");
  }

  /** CPU time of the broker's threads (named brook-*: event loops, background, coordinators). */
  private static long brokerCpu() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long total = 0;
    for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (t == null || !t.getThreadName().startsWith("brook-")) continue;
      long ns = threads.getThreadCpuTime(t.getThreadId());
      if (ns > 0) total += ns;
    }
    return total;
  }

  private static void deleteAll(Path dir) throws Exception {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
