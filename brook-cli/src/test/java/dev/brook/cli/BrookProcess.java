package dev.brook.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the packaged {@code brook.jar} (the one {@code bin/brook} runs) as a child process, for
 * black-box tests of the command line: stdout and stderr are collected whole; every wait is bounded.
 */
final class BrookProcess implements AutoCloseable {
  static final Pattern READY =
      Pattern.compile("Brook (\\S+) ready on PLAINTEXT://127\\.0\\.0\\.1:(\\d+) \\(data in (.+)\\)");

  private static boolean jarDated;

  private final Process process;
  private final Collector out;
  private final Collector err;
  private final ClassArchive archive;

  private BrookProcess(Process process) {
    this(process, null);
  }

  private BrookProcess(Process process, ClassArchive archive) {
    this.process = process;
    this.out = new Collector(process.getInputStream());
    this.err = new Collector(process.getErrorStream());
    this.archive = archive;
  }

  /** The jar built by {@code mvn package} for this module (Failsafe runs after package). */
  static Path jar() {
    Path jar = Path.of("target", "brook.jar").toAbsolutePath();
    if (!Files.isRegularFile(jar)) throw new IllegalStateException(jar + " is missing: run mvn verify, which packages it first");
    return jar;
  }

  /**
   * Dates the jar now, once per test JVM, before a test runs {@code bin/brook}: this build packaged it
   * before its ITs, but Maven leaves an unchanged jar's old date, and a source of another module edited
   * since would make {@code bin/brook} rebuild (Maven inside Maven). Once is enough: {@code bin/brook}
   * then drops the caches of earlier builds, and the AOT cache and class archives its first starts make
   * serve the later ones (dating the jar before each test had every test train a new AOT cache, ~5 s).
   */
  static synchronized void dateJarOnce() throws IOException {
    if (!jarDated) {
      Files.setLastModifiedTime(jar(), FileTime.from(Instant.now()));
      jarDated = true;
    }
  }

  /** The jar and the libraries its manifest names: what a class archive of it was made from. */
  private static List<Path> buildJars() throws IOException {
    List<Path> jars = new ArrayList<>(List.of(jar()));
    try (var libs = Files.list(jar().resolveSibling("lib"))) {
      libs.forEach(jars::add);
    }
    return jars;
  }

  static String java() {
    return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /**
   * Starts {@code brook args...} with stdin from {@code stdin} (may be null: empty), with a class
   * archive per command (the first argument), as {@code bin/brook} starts its client commands: the
   * ITs start the jar a few hundred times.
   */
  static BrookProcess start(String stdin, String... args) throws IOException {
    return start(stdin, List.of(), args);
  }

  /** As {@link #start(String, String...)}, the JVM started through {@code launcher} (a command prefix). */
  static BrookProcess start(String stdin, List<String> launcher, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(launcher);
    cmd.addAll(List.of(java(), "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "--enable-native-access=ALL-UNNAMED"));
    // The same warnings bin/brook silences (Netty's Unsafe use on JDK 23+).
    if (Runtime.version().feature() >= 23) cmd.add("--sun-misc-unsafe-memory-access=allow");
    ClassArchive archive = ClassArchive.of("brook-" + (args.length == 0 ? "" : args[0]), buildJars());
    cmd.addAll(archive.options(Runtime.version().feature()));
    cmd.addAll(List.of("-jar", jar().toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Process p = pb.start();
    BrookProcess bp = new BrookProcess(p, archive);
    try (var in = p.getOutputStream()) {
      if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    return bp;
  }

  /** Starts {@code bin/brook args...} as a user runs it, on the JDK running the tests (JAVA_HOME). */
  static BrookProcess script(Path binBrook, String... args) throws IOException {
    return script(binBrook, Map.of(), args);
  }

  /**
   * As {@link #script(Path, String...)} with {@code env} added to the environment (BROOK_OPTS,
   * BROOK_HEAP_OPTS, BROOK_GC_LOG_OPTS and BROOK_LOG_DIR otherwise unset).
   */
  static BrookProcess script(Path binBrook, Map<String, String> env, String... args) throws IOException {
    return script(binBrook, null, env, args);
  }

  /** As {@link #script(Path, Map, String...)}, run in the working directory {@code workDir} (null: this JVM's). */
  static BrookProcess script(Path binBrook, Path workDir, Map<String, String> env, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(binBrook.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    if (workDir != null) pb.directory(workDir.toFile());
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    for (String v : List.of("BROOK_OPTS", "BROOK_HEAP_OPTS", "BROOK_GC_LOG_OPTS", "BROOK_LOG_DIR")) pb.environment().remove(v);
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    return new BrookProcess(p);
  }

  /**
   * Starts {@code command...} (a launcher script) with exactly the environment {@code env}, nothing
   * inherited: what a user's shell would hand it on a machine set up only as {@code env} says.
   */
  static BrookProcess launch(Map<String, String> env, List<String> command) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().clear();
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    return new BrookProcess(p);
  }

  /**
   * Starts {@code command...} (any program, a launcher script or a tool) with this JVM's
   * environment, stdin closed; for long-running children such as MirrorMaker 2.
   */
  static BrookProcess command(List<String> command) throws IOException {
    return command(command, Map.of());
  }

  /** As {@link #command(List)} with {@code env} added to the environment. */
  static BrookProcess command(List<String> command, Map<String, String> env) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    return new BrookProcess(p);
  }

  /** Whether the child still runs. */
  boolean isAlive() {
    return process.isAlive();
  }

  /** Runs {@code brook args...} to completion (bounded) and returns its outcome. */
  static Result run(String stdin, String... args) throws Exception {
    try (BrookProcess p = start(stdin, args)) {
      int code = p.waitFor(60);
      return new Result(code, p.stdout(), p.stderr());
    }
  }

  /** Starts {@code brook server} on an ephemeral loopback port with {@code dataDir}; waits for the ready line. */
  static BrookProcess server(Path dataDir, String... moreArgs) throws Exception {
    return server(List.of(), dataDir, moreArgs);
  }

  /** As {@link #server(Path, String...)}, the JVM started through {@code launcher} (a command prefix). */
  static BrookProcess server(List<String> launcher, Path dataDir, String... moreArgs) throws Exception {
    List<String> args = new ArrayList<>(List.of("server",
        "--override", "listeners=PLAINTEXT://127.0.0.1:0",
        "--override", "log.dirs=" + dataDir,
        "--override", "offsets.topic.replication.factor=1",
        "--override", "offsets.topic.num.partitions=5",
        "--override", "group.initial.rebalance.delay.ms=0"));
    args.addAll(List.of(moreArgs));
    BrookProcess p = start(null, launcher, args.toArray(String[]::new));
    p.awaitReady();
    return p;
  }

  /** Waits (at most 60 s) for the ready line; returns its match. */
  Matcher awaitReady() throws InterruptedException {
    return awaitReady(60);
  }

  /** Waits (at most {@code seconds}) for the ready line; returns its match. */
  Matcher awaitReady(int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      Matcher m = READY.matcher(stdout());
      if (m.find()) return m;
      if (!process.isAlive()) {
        throw new IllegalStateException("brook exited with " + process.exitValue() + " before ready; stderr:\n" + stderr());
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("no ready line within " + seconds + " s; stderr:\n" + stderr());
  }

  String bootstrap() throws InterruptedException {
    return "127.0.0.1:" + awaitReady().group(2);
  }

  /** SIGTERM, then the exit code (bounded wait). */
  int terminate() throws InterruptedException {
    process.destroy();
    return waitFor(60);
  }

  /** SIGKILL (kill -9), then the exit code. */
  int kill9() throws InterruptedException {
    process.destroyForcibly();
    return waitFor(30);
  }

  int waitFor(int seconds) throws InterruptedException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("brook did not exit within " + seconds + " s; stderr:\n" + stderr());
    }
    out.joinQuietly();
    err.joinQuietly();
    if (archive != null) archive.settle(process.exitValue());
    return process.exitValue();
  }

  long pid() {
    return process.pid();
  }

  String stdout() {
    return out.text();
  }

  String stderr() {
    return err.text();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  record Result(int exitCode, String stdout, String stderr) {
    List<String> stdoutLines() {
      return stdout.isEmpty() ? List.of() : List.of(stdout.split("\n"));
    }

    List<String> stderrLines() {
      return stderr.isEmpty() ? List.of() : List.of(stderr.split("\n"));
    }
  }

  /** Drains a stream on its own thread so the child never blocks on a full pipe. */
  static final class Collector extends Thread {
    private final InputStream in;
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

    Collector(InputStream in) {
      super("brook-process-output");
      setDaemon(true);
      this.in = in;
      start();
    }

    @Override
    public void run() {
      byte[] b = new byte[8192];
      try {
        int n;
        while ((n = in.read(b)) > 0) {
          synchronized (buf) {
            buf.write(b, 0, n);
          }
        }
      } catch (IOException e) {
        // the process ended
      }
    }

    String text() {
      synchronized (buf) {
        return buf.toString(StandardCharsets.UTF_8);
      }
    }

    @Override
    public String toString() {
      return text();
    }

    void joinQuietly() {
      try {
        join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
