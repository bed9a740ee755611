package dev.brook.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One broker under test, started fresh (new data directory, free loopback port) and stopped after its
 * round. The broker's JVM pid is what {@link ProcStats} reads: Brook's is the pid of {@code bin/brook}
 * (which {@code exec}s java); Kafka's is the java child of {@code kafka-anchor.sh start}, which the
 * script records in {@code $ANCHOR_DIR/kafka.pid}. Used from one thread.
 */
sealed interface BrokerProcess permits BrokerProcess.Brook, BrokerProcess.Kafka, BrokerProcess.External {
  String HOST = "127.0.0.1";

  /** "brook" or "kafka", as in {@link Measurements}. */
  String name();

  int port();

  default String bootstrap() {
    return HOST + ":" + port();
  }

  /** False once the broker (or its launcher, before the broker exists) has exited. */
  boolean alive();

  /** The broker JVM's pid; waits (bounded) for the launcher to report it. */
  long pid() throws InterruptedException;

  /** Stops the broker (SIGTERM, then SIGKILL after a grace period) and waits until it is gone. */
  void stop() throws InterruptedException;

  /** Brook via {@code bin/brook server}, with the JVM flags bin/brook chooses. */
  final class Brook implements BrokerProcess {
    private final Process process;
    private final int port;

    private Brook(Process process, int port) {
      this.process = process;
      this.port = port;
    }

    static Brook start(Path root, Path dataDir, Path log, Env env) throws IOException {
      return start(root, dataDir, log, env, freePort(false), Map.of());
    }

    /**
     * As {@link #start(Path, Path, Path, Env)} on a given {@code port} (a restart on the same data and
     * port), with extra broker settings; the output is appended to {@code log}.
     */
    static Brook start(Path root, Path dataDir, Path log, Env env, int port, Map<String, String> overrides)
        throws IOException {
      Files.createDirectories(dataDir);
      List<String> cmd = new ArrayList<>(List.of(root.resolve("bin/brook").toString(),
          "server", "--override", "log.dirs=" + dataDir,
          "--override", "listeners=PLAINTEXT://" + HOST + ":" + port,
          "--override", "group.initial.rebalance.delay.ms=0"));
      overrides.forEach((k, v) -> cmd.addAll(List.of("--override", k + "=" + v)));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      env.applyTo(pb, env.brookJavaHome());
      return new Brook(pb.start(), port);
    }

    @Override
    public String name() {
      return Measurements.BROOK;
    }

    @Override
    public int port() {
      return port;
    }

    @Override
    public boolean alive() {
      return process.isAlive();
    }

    /**
     * bin/brook {@code exec}s java, so the launched pid is the JVM's. Should bin/brook ever run java as
     * a child instead, the JVM is the java descendant: measuring the shell would be wrong.
     */
    @Override
    public long pid() {
      long pid = process.pid();
      if (isJava(pid)) {
        return pid;
      }
      return process.toHandle().descendants().map(ProcessHandle::pid).filter(BrokerProcess::isJava).findFirst()
          .orElseThrow(() -> new IllegalStateException("no java process under bin/brook (pid " + pid + ")"));
    }

    @Override
    public void stop() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** Apache Kafka 4.1.1 via {@code kafka-anchor.sh start PORT} (KRaft, single node; controller on PORT+1). */
  final class Kafka implements BrokerProcess {
    private final Process launcher;
    private final Path anchorDir;
    private final Env env;
    private final int port;

    private Kafka(Process launcher, Path anchorDir, Env env, int port) {
      this.launcher = launcher;
      this.anchorDir = anchorDir;
      this.env = env;
      this.port = port;
    }

    /** {@code anchorDir} must be new: it becomes $ANCHOR_DIR, holding Kafka's data, config and log. */
    static Kafka start(Path anchorDir, Path log, Env env) throws IOException {
      int port = freePort(true);
      Files.createDirectories(anchorDir);
      Files.copy(env.classpathFile(), anchorDir.resolve("cp.txt"));
      ProcessBuilder pb = new ProcessBuilder(env.anchorScript().toString(), "start", Integer.toString(port))
          .redirectErrorStream(true).redirectOutput(log.toFile());
      env.applyTo(pb, env.kafkaJavaHome());
      pb.environment().put("ANCHOR_DIR", anchorDir.toString());
      return new Kafka(pb.start(), anchorDir, env, port);
    }

    @Override
    public String name() {
      return Measurements.KAFKA;
    }

    @Override
    public int port() {
      return port;
    }

    @Override
    public boolean alive() {
      if (launcher.isAlive()) {
        return true;
      }
      if (launcher.exitValue() != 0) {
        return false;
      }
      Long pid = readPid();
      return pid != null && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Override
    public long pid() throws InterruptedException {
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (System.nanoTime() < deadline) {
        Long pid = readPid();
        if (pid != null && isJava(pid)) {
          return pid;
        }
        if (!launcher.isAlive() && launcher.exitValue() != 0) {
          break;
        }
        Thread.sleep(10);
      }
      throw new IllegalStateException("kafka-anchor.sh did not report a running Kafka pid in " + anchorDir);
    }

    private Long readPid() {
      try {
        String s = Files.readString(anchorDir.resolve("kafka.pid")).trim();
        return s.isEmpty() ? null : Long.parseLong(s);
      } catch (IOException | NumberFormatException e) {
        return null;
      }
    }

    @Override
    public void stop() throws InterruptedException {
      launcher.waitFor(60, TimeUnit.SECONDS);
      ProcessBuilder pb = new ProcessBuilder(env.anchorScript().toString(), "stop").redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD);
      env.applyTo(pb, env.kafkaJavaHome());
      pb.environment().put("ANCHOR_DIR", anchorDir.toString());
      try {
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (IOException e) {
        throw new IllegalStateException("cannot run kafka-anchor.sh stop", e);
      }
      launcher.destroyForcibly();
    }
  }


  /**
   * A broker someone else started and will stop, on {@link #HOST}: {@code bench/coordinator
   * --external-port} points the benchmark at it (a broker run with settings no launcher here gives).
   * Its pid, when given, is only read for CPU figures; -1 when unknown.
   */
  record External(int port, long pid) implements BrokerProcess {
    static final String NAME = "external";

    @Override
    public String name() {
      return NAME;
    }

    @Override
    public boolean alive() {
      return pid <= 0 || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Override
    public void stop() {}
  }

  /** Whether {@code pid} runs java now (for Kafka: once nohup, whose pid the anchor records, has exec'd it). */
  private static boolean isJava(long pid) {
    try {
      return ProcStats.command(pid).equals("java");
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * A loopback port that is free now; with {@code pair}, PORT+1 is free too (Kafka's controller).
   * Another process could take it before the broker binds; the broker then fails to start, loudly.
   */
  static int freePort(boolean pair) throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int port;
      try (ServerSocket s = new ServerSocket()) {
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(HOST, 0));
        port = s.getLocalPort();
      }
      if (!pair || port < 65535 && isFree(port + 1)) {
        return port;
      }
    }
    throw new IOException("no free pair of loopback ports found");
  }

  private static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(HOST, port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
