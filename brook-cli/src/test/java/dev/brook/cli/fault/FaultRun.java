package dev.brook.cli.fault;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * One seeded run, executed inside the clients' namespace of a {@link NetnsLab} (started by
 * {@link PartitionFaultLauncher}): starts the cluster, the {@link Workload}, then applies faults from a
 * seeded schedule until the duration is spent, each held, healed and followed by a wait for the cluster
 * to recover (every partition led, full ISR); then drains and runs the {@link Checker}. Writes
 * {@code report.properties} in the run directory: the checker's counts, the faults applied and the time
 * each took to recover. The first faults of every run are a seeded shuffle of all kinds, so a run long
 * enough meets each of them.
 *
 * <p>Arguments: {@code prefix seed durationSeconds runDir brookJar slowdisk.so}. To chase one bug,
 * {@code -Dbrook.partition.kinds=PAUSE,KILL} restricts the schedule to those kinds, and {@code
 * -Dbrook.partition.target=coordinator} aims each fault at the coordinator of the {@value
 * Workload#GROUP} group instead of a leader of {@value Workload#SOURCE} (the default, {@code leader}).
 * The run's JVM takes them from {@code JAVA_TOOL_OPTIONS} when started by {@link
 * PartitionFaultLauncher}.
 */
public final class FaultRun {
  /** Octets of each node's address in {@link NetnsLab#SUBNET}. */
  static final Map<String, Integer> HOSTS = Map.of("zk", 10, "b1", 1, "b2", 2, "b3", 3, "client", 100);
  private static final int MAX_FAULTS = 500;
  private static final long HOLD_MS = FaultCluster.SESSION_MS + 2_000;

  enum Kind {
    LEADER_FROM_ZK, LEADER_FROM_FOLLOWERS, LEADER_FROM_ALL_BUT_CLIENTS, ONE_WAY, CONTROLLER_ISOLATED,
    ZK_ISOLATED, MINORITY_SPLIT, PAUSE, KILL, CLOCK_JUMP, SLOW_DISK
  }

  private final NetnsLab lab;
  private final FaultCluster cluster;
  private final Random random;
  private final List<Kind> kinds = kinds(System.getProperty("brook.partition.kinds", ""));
  private final boolean atCoordinator = System.getProperty("brook.partition.target", "leader").equals("coordinator");

  private static List<Kind> kinds(String names) {
    if (names.isBlank()) return List.of(Kind.values());
    return java.util.Arrays.stream(names.split(",")).map(String::trim).map(Kind::valueOf).toList();
  }

  private FaultRun(NetnsLab lab, FaultCluster cluster, Random random) {
    this.lab = lab;
    this.cluster = cluster;
    this.random = random;
  }

  public static void main(String[] args) throws Exception {
    String prefix = args[0];
    long seed = Long.parseLong(args[1]);
    long durationS = Long.parseLong(args[2]);
    Path dir = Path.of(args[3]);
    NetnsLab lab = NetnsLab.attach(prefix, HOSTS);
    Map<String, String> report = new LinkedHashMap<>();
    report.put("seed", Long.toString(seed));
    report.put("duration s", Long.toString(durationS));
    int exit = 1;
    try (FaultCluster cluster = new FaultCluster(lab, dir, Path.of(args[4]), Path.of(args[5]))) {
      Runtime.getRuntime().addShutdownHook(new Thread(cluster::close));
      new FaultRun(lab, cluster, new Random(seed)).run(durationS, report);
      exit = 0;
    } catch (Throwable t) {
      t.printStackTrace(System.out);
      report.put("error", String.valueOf(t).replace('\n', ' '));
    } finally {
      StringBuilder sb = new StringBuilder();
      report.forEach((k, v) -> sb.append(k.replace(' ', '_')).append('=').append(v).append('\n'));
      Files.writeString(dir.resolve("report.properties"), sb.toString());
      System.out.println("[fault] report: " + report);
    }
    System.exit(exit);
  }

  private void run(long durationS, Map<String, String> report) throws Exception {
    cluster.startZooKeeper();
    for (int id : cluster.ids()) cluster.startBroker(id);
    try (Workload w = new Workload(cluster.bootstrap()); Admin admin = w.admin()) {
      admin.createTopics(List.of(
          new NewTopic(Workload.SOURCE, Workload.PARTITIONS, (short) 3).configs(Map.of("min.insync.replicas", "2")),
          new NewTopic(Workload.SINK, Workload.PARTITIONS, (short) 3).configs(Map.of("min.insync.replicas", "2"))))
          .all().get(60, TimeUnit.SECONDS);
      awaitRecovery(admin);
      w.start();
      Thread.sleep(3_000);
      List<Kind> first = new ArrayList<>(kinds);
      Collections.shuffle(first, random);
      List<String> faults = new ArrayList<>();
      List<Long> recoverMs = new ArrayList<>();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(durationS);
      for (int n = 0; n < MAX_FAULTS && System.nanoTime() < end; n++) {
        Kind kind = n < first.size() ? first.get(n) : kinds.get(random.nextInt(kinds.size()));
        String what = apply(kind, admin);
        long healedAt = System.nanoTime();
        awaitRecovery(admin);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - healedAt);
        recoverMs.add(ms);
        faults.add(what + " (recovered in " + ms + " ms)");
        System.out.println("[fault] " + (n + 1) + ": " + what + "; recovered in " + ms + " ms; acked so far "
            + w.acked.size());
      }
      Thread.sleep(2_000); // a little writing on the healed cluster
      w.stopProducers();
      awaitCopierCaughtUp(admin, w);
      w.stopCopier();
      long lsoWaitMs = awaitTransactionsSettled(admin);
      Map<String, Long> counts = Checker.check(w);
      report.put("open transactions settled ms", Long.toString(lsoWaitMs));
      report.put("transaction left open", Boolean.toString(w.transactionLeftOpen.get()));
      report.put("faults", Integer.toString(faults.size()));
      report.put("kinds", faults.stream().map(f -> f.split(" ", 2)[0]).distinct().collect(Collectors.joining(",")));
      counts.forEach((k, v) -> report.put(k, Long.toString(v)));
      report.put("copier transactions committed", Long.toString(w.copierCommits.get()));
      report.put("copier transactions aborted", Long.toString(w.copierAborts.get()));
      report.put("copier restarts", Long.toString(w.copierRestarts.get()));
      report.put("recover ms max", Long.toString(recoverMs.stream().mapToLong(Long::longValue).max().orElse(0)));
      report.put("recover ms median", Long.toString(recoverMs.isEmpty() ? 0
          : recoverMs.stream().sorted().toList().get(recoverMs.size() / 2)));
      for (int i = 0; i < faults.size(); i++) report.put("fault " + (i + 1), faults.get(i));
      for (int i = 0; i < w.offsetRegressions.size(); i++) report.put("offset regression " + i, w.offsetRegressions.get(i));
      for (int i = 0; i < w.uncleanElections.size(); i++) report.put("unclean election " + i, w.uncleanElections.get(i));
    }
  }

  // ---- faults: each applies, holds, heals and says what it did

  private String apply(Kind kind, Admin admin) throws Exception {
    return switch (kind) {
      case LEADER_FROM_ZK -> {
        int l = someLeader(admin);
        lab.cut(b(l), "zk");
        yield hold(kind + " broker " + l);
      }
      case LEADER_FROM_FOLLOWERS -> {
        int l = someLeader(admin);
        for (int o : others(l)) lab.cut(b(l), b(o));
        yield hold(kind + " broker " + l);
      }
      case LEADER_FROM_ALL_BUT_CLIENTS -> {
        int l = someLeader(admin);
        lab.cut(b(l), "zk");
        for (int o : others(l)) lab.cut(b(l), b(o));
        yield hold(kind + " broker " + l);
      }
      case ONE_WAY -> {
        int l = someLeader(admin);
        boolean outward = random.nextBoolean();
        for (int o : others(l)) {
          if (outward) lab.cutOneWay(b(l), b(o));
          else lab.cutOneWay(b(o), b(l));
        }
        if (outward) lab.cutOneWay(b(l), "zk");
        else lab.cutOneWay("zk", b(l));
        yield hold(kind + " broker " + l + (outward ? " cannot send" : " cannot receive"));
      }
      case CONTROLLER_ISOLATED -> {
        int c = admin.describeCluster().controller().get(20, TimeUnit.SECONDS).id();
        lab.cut(b(c), "zk");
        for (int o : others(c)) lab.cut(b(c), b(o));
        yield hold(kind + " broker " + c);
      }
      case ZK_ISOLATED -> {
        for (int id : cluster.ids()) lab.cut(b(id), "zk");
        yield hold(kind.toString());
      }
      case MINORITY_SPLIT -> {
        int m = cluster.ids().get(random.nextInt(3));
        lab.cut(b(m), "zk");
        for (int o : others(m)) lab.cut(b(m), b(o));
        // the clients still reach both sides
        yield hold(kind + " {" + m + "} | " + others(m) + "+zk");
      }
      case PAUSE -> {
        int v = someLeader(admin);
        cluster.signal(v, "STOP");
        Thread.sleep(HOLD_MS);
        cluster.signal(v, "CONT");
        yield kind + " broker " + v + " for " + HOLD_MS + " ms";
      }
      case KILL -> {
        int v = someLeader(admin);
        cluster.kill9(v);
        Thread.sleep(2_000 + random.nextInt(2_000));
        cluster.startBroker(v);
        yield kind + " -9 broker " + v + " and restart";
      }
      case CLOCK_JUMP -> {
        int v = someLeader(admin);
        cluster.setClockOffset(v, 600);
        Thread.sleep(HOLD_MS / 2);
        cluster.setClockOffset(v, -600);
        Thread.sleep(HOLD_MS / 2);
        cluster.setClockOffset(v, 0);
        yield kind + " broker " + v + " +600 s, then -600 s, then true time";
      }
      case SLOW_DISK -> {
        int v = someLeader(admin);
        cluster.setSlowDisk(v, 300);
        Thread.sleep(HOLD_MS);
        cluster.setSlowDisk(v, 0);
        yield kind + " broker " + v + " 300 ms per write/sync for " + HOLD_MS + " ms";
      }
    };
  }

  private String hold(String what) throws Exception {
    try {
      Thread.sleep(HOLD_MS);
    } finally {
      lab.healAll();
    }
    return what + " for " + HOLD_MS + " ms";
  }

  private static String b(int id) {
    return FaultCluster.brokerNode(id);
  }

  private List<Integer> others(int id) {
    return cluster.ids().stream().filter(i -> i != id).toList();
  }

  private int someLeader(Admin admin) throws Exception {
    if (atCoordinator) {
      try {
        return admin.describeConsumerGroups(List.of(Workload.GROUP)).all().get(60, TimeUnit.SECONDS)
            .get(Workload.GROUP).coordinator().id();
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        System.out.println("[fault] no coordinator of " + Workload.GROUP + " found (" + e + "); a leader instead");
      }
    }
    List<TopicPartitionInfo> ps = describe(admin);
    TopicPartitionInfo p = ps.get(random.nextInt(ps.size()));
    if (p.leader() == null) return cluster.ids().get(random.nextInt(3));
    return p.leader().id();
  }

  private static List<TopicPartitionInfo> describe(Admin admin) throws Exception {
    TopicDescription d = admin.describeTopics(List.of(Workload.SOURCE)).allTopicNames().get(20, TimeUnit.SECONDS)
        .get(Workload.SOURCE);
    return d.partitions();
  }

  /** Every source and sink partition led with its full ISR (bounded: 120 s, else the run fails). */
  private static void awaitRecovery(Admin admin) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    Object last = null;
    while (System.nanoTime() < deadline) {
      try {
        var all = admin.describeTopics(List.of(Workload.SOURCE, Workload.SINK)).allTopicNames()
            .get(10, TimeUnit.SECONDS);
        last = all;
        if (all.values().stream().flatMap(d -> d.partitions().stream())
            .allMatch(p -> p.leader() != null && p.isr().size() == 3)) {
          return;
        }
      } catch (Exception notYet) {
        last = notYet;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the cluster did not recover in 120 s; last seen: " + last);
  }

  /**
   * Waits until the sink's last stable offset reaches its high watermark in every partition: the
   * never-ending transaction must be aborted by its coordinator on timeout. Returns how long that took;
   * -1 if it did not happen in 90 s (the checker then reads only up to the stuck LSO).
   */
  private static long awaitTransactionsSettled(Admin admin) throws Exception {
    long t0 = System.nanoTime();
    long deadline = t0 + TimeUnit.SECONDS.toNanos(90);
    var tps = Workload.partitions(Workload.SINK);
    while (System.nanoTime() < deadline) {
      try {
        var latest = admin.listOffsets(tps.stream().collect(Collectors.toMap(tp -> tp,
            tp -> org.apache.kafka.clients.admin.OffsetSpec.latest()))).all().get(10, TimeUnit.SECONDS);
        var stable = admin.listOffsets(tps.stream().collect(Collectors.toMap(tp -> tp,
                tp -> org.apache.kafka.clients.admin.OffsetSpec.latest())),
            new org.apache.kafka.clients.admin.ListOffsetsOptions(org.apache.kafka.common.IsolationLevel.READ_COMMITTED))
            .all().get(10, TimeUnit.SECONDS);
        if (tps.stream().allMatch(tp -> stable.get(tp).offset() == latest.get(tp).offset())) {
          return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        }
      } catch (Exception notYet) {
        // still recovering
      }
      Thread.sleep(500);
    }
    System.out.println("[fault] the sink's last stable offset stayed below its end for 90 s: a transaction never ended");
    return -1;
  }

  private static void awaitCopierCaughtUp(Admin admin, Workload w) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      try {
        var ends = admin.listOffsets(Workload.partitions(Workload.SOURCE).stream().collect(Collectors.toMap(
            tp -> tp, tp -> org.apache.kafka.clients.admin.OffsetSpec.latest()))).all().get(10, TimeUnit.SECONDS);
        var committed = admin.listConsumerGroupOffsets(Workload.CTP_GROUP).partitionsToOffsetAndMetadata()
            .get(10, TimeUnit.SECONDS);
        if (ends.entrySet().stream().allMatch(e -> committed.get(e.getKey()) != null
            && committed.get(e.getKey()).offset() >= e.getValue().offset())) {
          return;
        }
      } catch (Exception notYet) {
        // still recovering
      }
      Thread.sleep(500);
    }
    System.out.println("[fault] the copier did not catch up in 90 s; the checker counts what it committed");
  }
}
