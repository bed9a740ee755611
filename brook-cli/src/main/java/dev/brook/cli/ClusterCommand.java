package dev.brook.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code brook cluster start|stop}: a cluster to try on one machine. {@code start} runs a ZooKeeper
 * server and N brokers as child processes on free loopback ports, data and logs under one
 * directory, waits until every broker is ready, records their pids in {@code <dir>/cluster.properties}
 * and prints the bootstrap string; the processes outlive the command. {@code stop} stops the
 * brokers (SIGTERM: controlled shutdown), then ZooKeeper, waiting for each.
 */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    description = "Start or stop a local ZooKeeper-coordinated Brook cluster (child processes).",
    subcommands = {ClusterCommand.Start.class, ClusterCommand.Stop.class})
final class ClusterCommand implements Runnable {
  static final String STATE_FILE = "cluster.properties";
  private static final Duration READY_WAIT = Duration.ofSeconds(90);
  private static final Duration STOP_WAIT = Duration.ofSeconds(40);

  @Override
  public void run() {
    throw new UserError("a subcommand is required: start or stop (see 'brook cluster --help')", Main.EXIT_USAGE);
  }

  static Path defaultDir() {
    return Path.of(System.getProperty("java.io.tmpdir"), "brook-cluster");
  }

  @Command(name = "start", mixinStandardHelpOptions = true,
      description = "Start a local ZooKeeper and N brokers; print the bootstrap string.")
  static final class Start implements Callable<Integer> {
    @Option(names = "--brokers", defaultValue = "3", description = "How many brokers (default ${DEFAULT-VALUE}).")
    int brokers;

    @Option(names = "--dir", paramLabel = "DIR", description = "Data and logs (default: <tmp>/brook-cluster).")
    Path dir;

    @Option(names = "--override", paramLabel = "KEY=VALUE", description = "A broker setting for every broker; repeatable.")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      if (brokers < 1 || brokers > 16) throw new UserError("--brokers must be between 1 and 16", Main.EXIT_USAGE);
      Path root = (dir != null ? dir : defaultDir()).toAbsolutePath().normalize();
      Files.createDirectories(root);
      Path state = root.resolve(STATE_FILE);
      if (Files.exists(state) && anyAlive(load(state))) {
        throw new UserError("a cluster is already running in " + root + "; run 'brook cluster stop --dir " + root + "' first");
      }
      PrintStream out = System.out;
      out.println("Data and logs in " + root);
      out.flush();
      Properties p = new Properties();
      List<Process> started = new ArrayList<>();
      try {
        int zkPort = freePort();
        Process zk = launch(root, "zookeeper", List.of("org.apache.zookeeper.server.ZooKeeperServerMain",
            Integer.toString(zkPort), root.resolve("zookeeper").toString()), "-Xmx256m");
        started.add(zk);
        p.setProperty("zookeeper.pid", Long.toString(zk.pid()));
        p.setProperty("zookeeper.connect", "127.0.0.1:" + zkPort);
        awaitPort(zkPort, zk);
        List<String> bootstrap = new ArrayList<>();
        for (int id = 1; id <= brokers; id++) {
          int port = freePort();
          List<String> args = new ArrayList<>(List.of("dev.brook.cli.Main", "server",
              "--override", "broker.id=" + id,
              "--override", "zookeeper.connect=127.0.0.1:" + zkPort,
              "--override", "listeners=PLAINTEXT://127.0.0.1:" + port,
              "--override", "log.dirs=" + root.resolve("broker-" + id)));
          for (String o : overrides) {
            args.add("--override");
            args.add(o);
          }
          Process b = launch(root, "broker-" + id, args, "-Xmx512m");
          started.add(b);
          p.setProperty("broker." + id + ".pid", Long.toString(b.pid()));
          bootstrap.add("127.0.0.1:" + port);
        }
        p.setProperty("brokers", Integer.toString(brokers));
        p.setProperty("bootstrap.servers", String.join(",", bootstrap));
        store(state, p);
        for (int id = 1; id <= brokers; id++) awaitReady(root.resolve("broker-" + id + ".log"), started.get(id));
      } catch (Exception | Error e) {
        for (Process pr : started.reversed()) stopProcess(pr.toHandle());
        Files.deleteIfExists(state);
        throw e;
      }
      out.println("ZooKeeper on " + p.getProperty("zookeeper.connect") + "; " + brokers + " broker(s) ready");
      out.println(p.getProperty("bootstrap.servers"));
      out.flush();
      return 0;
    }
  }

  @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop the brokers, then ZooKeeper.")
  static final class Stop implements Callable<Integer> {
    @Option(names = "--dir", paramLabel = "DIR", description = "The cluster's directory (default: <tmp>/brook-cluster).")
    Path dir;

    @Override
    public Integer call() throws Exception {
      Path root = (dir != null ? dir : defaultDir()).toAbsolutePath().normalize();
      Path state = root.resolve(STATE_FILE);
      if (!Files.exists(state)) throw new UserError("no cluster started in " + root);
      Properties p = load(state);
      int n = Integer.parseInt(p.getProperty("brokers", "0"));
      for (int id = n; id >= 1; id--) stopPid(p.getProperty("broker." + id + ".pid"), root);
      stopPid(p.getProperty("zookeeper.pid"), root);
      Files.delete(state);
      System.out.println("Stopped the cluster in " + root);
      return 0;
    }
  }

  // ---- processes

  private static Process launch(Path root, String name, List<String> mainAndArgs, String heap) throws IOException {
    String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin",
        "java").toString());
    List<String> cmd = new ArrayList<>(List.of(java, heap, "-XX:+UseSerialGC", "-Xss512k",
        "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path")));
    if (Runtime.version().feature() >= 23) cmd.add(2, "--sun-misc-unsafe-memory-access=allow");
    cmd.addAll(mainAndArgs);
    Path log = root.resolve(name + ".log");
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    }
  }

  private static void awaitPort(int port, Process process) throws Exception {
    long deadline = System.nanoTime() + READY_WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) throw new UserError("ZooKeeper exited with " + process.exitValue() + " (see its log)");
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return;
      } catch (IOException notYet) {
        Thread.sleep(100); // polling a child process's port: nothing to wait on
      }
    }
    throw new UserError("ZooKeeper did not listen on port " + port + " within " + READY_WAIT.toSeconds() + " s");
  }

  private static void awaitReady(Path log, Process process) throws Exception {
    long deadline = System.nanoTime() + READY_WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains(" ready on ")) return;
      if (!process.isAlive()) throw new UserError("a broker exited with " + process.exitValue() + " (see " + log + ")");
      Thread.sleep(100); // polling a child process's log: nothing to wait on
    }
    throw new UserError("a broker was not ready within " + READY_WAIT.toSeconds() + " s (see " + log + ")");
  }

  private static boolean anyAlive(Properties p) {
    return p.stringPropertyNames().stream().filter(k -> k.endsWith(".pid"))
        .anyMatch(k -> handle(p.getProperty(k)).isPresent());
  }

  private static Optional<ProcessHandle> handle(String pid) {
    if (pid == null) return Optional.empty();
    return ProcessHandle.of(Long.parseLong(pid)).filter(ProcessHandle::isAlive);
  }

  /** Stops a recorded process only if it is still the one we started (its command names our dir). */
  private static void stopPid(String pid, Path root) {
    Optional<ProcessHandle> h = handle(pid);
    if (h.isEmpty()) return;
    String cmd = h.get().info().commandLine().orElse("");
    if (!cmd.isEmpty() && !cmd.contains(root.toString())) return; // the pid was reused by something else
    stopProcess(h.get());
  }

  private static void stopProcess(ProcessHandle h) {
    h.destroy(); // SIGTERM: the broker shuts down cleanly (controlled shutdown first)
    try {
      h.onExit().get(STOP_WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      h.destroyForcibly();
    }
  }

  private static Properties load(Path file) throws IOException {
    Properties p = new Properties();
    try (var r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    }
    return p;
  }

  private static void store(Path file, Properties p) throws IOException {
    try (var w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      p.store(w, "brook cluster start: child processes (brook cluster stop ends them)");
    }
  }
}
