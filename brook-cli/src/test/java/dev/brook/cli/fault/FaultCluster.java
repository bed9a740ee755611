package dev.brook.cli.fault;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * ZooKeeper and three brokers as child JVMs (the packaged {@code brook.jar}), each inside its own network
 * namespace of a {@link NetnsLab} ({@code ip netns exec NS java ...}, which execs, so the child's pid is
 * the JVM's and signals reach it). Each broker's wall clock goes through libfaketime reading
 * {@code faketime-<id>} in the run directory, so a clock jump is one write to that file; the monotonic
 * clock is left alone (a JVM whose nanoTime jumps is not a machine whose clock was stepped). A slow
 * disk is {@code src/test/c/slowdisk.c}, preloaded the same way: it delays writes and syncs to files
 * under the broker's log directory by the milliseconds in {@code slowdisk-<id>}. No broker code knows
 * about either. Used by one thread (the fault schedule).
 */
final class FaultCluster implements AutoCloseable {
  static final int SESSION_MS = 6_000;
  static final int PORT = 9092;
  static final int ZK_PORT = 2181;
  private static final long READY_NS = TimeUnit.SECONDS.toNanos(90);
  private static final String FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

  private final NetnsLab lab;
  private final Path dir;
  private final Path jar;
  private final Path slowDiskLib;
  private Process zookeeper;
  private final Map<Integer, Process> brokers = new TreeMap<>();

  FaultCluster(NetnsLab lab, Path dir, Path jar, Path slowDiskLib) {
    this.lab = lab;
    this.dir = dir;
    this.jar = jar;
    this.slowDiskLib = slowDiskLib;
    if (!Files.exists(Path.of(FAKETIME_LIB))) throw new IllegalStateException(FAKETIME_LIB + " is missing: apt-get install faketime");
  }

  static String brokerNode(int id) {
    return "b" + id;
  }

  String bootstrap() {
    return brokers.keySet().stream().map(id -> lab.address(brokerNode(id)) + ":" + PORT)
        .collect(Collectors.joining(","));
  }

  List<Integer> ids() {
    return List.of(1, 2, 3);
  }

  Process broker(int id) {
    return brokers.get(id);
  }

  private Process launch(String node, String logName, List<String> mainAndArgs, Map<String, String> env)
      throws IOException {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", lab.ns(node), javaBin(), "-Xmx384m",
        "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED", "-cp", jar.toString()));
    if (Runtime.version().feature() >= 23) cmd.add(5, "--sun-misc-unsafe-memory-access=allow");
    cmd.addAll(mainAndArgs);
    File log = dir.resolve(logName + ".log").toFile();
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log));
    pb.environment().putAll(env);
    return pb.start();
  }

  static String javaBin() {
    return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  void startZooKeeper() throws Exception {
    zookeeper = launch("zk", "zookeeper", List.of("org.apache.zookeeper.server.ZooKeeperServerMain",
        Integer.toString(ZK_PORT), dir.resolve("zookeeper").toString()), Map.of());
    long deadline = System.nanoTime() + READY_NS;
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(lab.address("zk"), ZK_PORT), 500);
        return;
      } catch (IOException notYet) {
        Thread.sleep(100); // polling another process's port
      }
    }
    throw new IllegalStateException("ZooKeeper did not start");
  }

  Path faketimeFile(int id) {
    return dir.resolve("faketime-" + id);
  }

  Path slowDiskFile(int id) {
    return dir.resolve("slowdisk-" + id);
  }

  void startBroker(int id) throws Exception {
    Path log = dir.resolve("broker-" + id + ".log");
    long before = readyLines(log);
    if (!Files.exists(faketimeFile(id))) Files.writeString(faketimeFile(id), "+0\n");
    if (!Files.exists(slowDiskFile(id))) Files.writeString(slowDiskFile(id), "0\n");
    Map<String, String> env = new java.util.HashMap<>();
    env.put("LD_PRELOAD", FAKETIME_LIB + " " + slowDiskLib);
    env.put("FAKETIME_TIMESTAMP_FILE", faketimeFile(id).toString());
    env.put("FAKETIME_CACHE_DURATION", "1");
    env.put("FAKETIME_DONT_FAKE_MONOTONIC", "1");
    // Without these two, every JVM timed wait goes through libfaketime's condition-variable fix-up and
    // a broker takes ten times as long to start; the monotonic clock is not faked anyway.
    env.put("FAKETIME_FORCE_MONOTONIC_FIX", "0");
    env.put("FAKETIME_DISABLE_SHM", "1");
    env.put("SLOWDISK_CONTROL", slowDiskFile(id).toString());
    env.put("SLOWDISK_MATCH", dir.resolve("data-" + id).toString());
    String addr = lab.address(brokerNode(id));
    brokers.put(id, launch(brokerNode(id), "broker-" + id, List.of(
        "dev.brook.cli.Main", "server",
        "--override", "broker.id=" + id,
        "--override", "zookeeper.connect=" + lab.address("zk") + ":" + ZK_PORT,
        "--override", "zookeeper.session.timeout.ms=" + SESSION_MS,
        "--override", "listeners=PLAINTEXT://" + addr + ":" + PORT,
        "--override", "log.dirs=" + dir.resolve("data-" + id),
        "--override", "replica.lag.time.max.ms=5000",
        "--override", "unclean.leader.election.enable=false",
        "--override", "leader.imbalance.check.interval.seconds=15"), env));
    long deadline = System.nanoTime() + READY_NS;
    while (System.nanoTime() < deadline) {
      if (readyLines(log) > before) return;
      if (!brokers.get(id).isAlive()) throw new IllegalStateException("broker " + id + " exited; see " + log);
      Thread.sleep(100); // polling another process's log
    }
    throw new IllegalStateException("broker " + id + " not ready; see " + log);
  }

  private static long readyLines(Path log) throws IOException {
    return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8).split(" ready on ", -1).length : 1;
  }

  void kill9(int id) throws InterruptedException {
    brokers.get(id).destroyForcibly().waitFor(30, TimeUnit.SECONDS);
  }

  void signal(int id, String sig) throws Exception {
    new ProcessBuilder("kill", "-" + sig, Long.toString(brokers.get(id).pid())).start().waitFor(10, TimeUnit.SECONDS);
  }

  /** Steps broker {@code id}'s wall clock by {@code offsetSeconds} from true time (libfaketime re-reads the file each second). */
  void setClockOffset(int id, long offsetSeconds) throws IOException {
    Files.writeString(faketimeFile(id), (offsetSeconds >= 0 ? "+" : "") + offsetSeconds + "\n");
  }

  /** Delay (ms) the broker adds to each log append and flush; 0 turns the slow disk off. */
  void setSlowDisk(int id, long delayMs) throws IOException {
    Files.writeString(slowDiskFile(id), delayMs + "\n");
  }

  @Override
  public void close() {
    for (Process p : brokers.values()) p.destroyForcibly();
    if (zookeeper != null) zookeeper.destroyForcibly();
  }
}
