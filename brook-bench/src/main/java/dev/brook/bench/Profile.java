package dev.brook.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Issue 7 item 3's instruments, run against one fresh broker (Brook by default):
 * <ul>
 *   <li>a JFR recording ({@code settings=profile}) of the broker during a ProducerPerformance run,
 *       started and stopped with {@code jcmd} so it covers the produce and nothing else, with the
 *       {@code jfr view}s that matter summarized next to it (hot methods, allocation, GC pauses,
 *       lock contention, thread CPU);</li>
 *   <li>with {@code --zero-copy}: a ConsumerPerformance run of everything produced while
 *       {@code strace -f} watches the broker's {@code sendfile} and socket-write calls ({@code write}, {@code writev}, {@code sendto}, {@code sendmsg})
 *       calls, summing the bytes each moved. Zero-copy fetch means the record bytes leave by sendfile:
 *       sendfile bytes ≈ bytes consumed, and the write calls carry only headers.</li>
 * </ul>
 * Run it with {@code bench/profile} ({@link #USAGE}).
 */
public final class Profile {
  static final String USAGE = """
      usage: bench/profile [options]
        --broker brook|kafka   which broker to profile (default brook)
        --records N            records produced while recording (default 2 000 000)
        --size BYTES           record size (default 100)
        --partitions N         partitions of the topic (default 1)
        --zero-copy            then consume everything under strace and report sendfile vs write bytes
        --out DIR              where the .jfr and the views go (default bench/out/profile-<UTC time>)
      """;
  private static final String TOPIC = "profile";
  private static final String[] VIEWS = {"hot-methods", "cpu-time-hot-methods", "allocation-by-site",
      "allocation-by-class", "gc-pauses", "gc", "contention-by-site", "thread-cpu-load", "file-writes-by-path",
      "socket-writes-by-host"};

  private Profile() {}

  public static void main(String[] args) throws Exception {
    String broker = Measurements.BROOK;
    long records = 2_000_000;
    int size = 100;
    int partitions = 1;
    boolean zeroCopy = false;
    Path root = Path.of(System.getProperty("user.dir"));
    Path out = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--broker" -> broker = args[++i];
        case "--records" -> records = Long.parseLong(args[++i]);
        case "--size" -> size = Integer.parseInt(args[++i]);
        case "--partitions" -> partitions = Integer.parseInt(args[++i]);
        case "--zero-copy" -> zeroCopy = true;
        case "--out" -> out = Path.of(args[++i]);
        case "--root" -> root = Path.of(args[++i]);
        case "--help", "-h" -> {
          System.out.print(USAGE);
          return;
        }
        default -> {
          System.err.print("bench/profile: unknown option " + args[i] + "\n" + USAGE);
          System.exit(2);
        }
      }
    }
    if (!broker.equals(Measurements.BROOK) && !broker.equals(Measurements.KAFKA)) {
      throw new IllegalArgumentException("--broker takes brook or kafka");
    }
    if (out == null) {
      out = root.resolve("bench/out").resolve("profile-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
          .withZone(ZoneOffset.UTC).format(Instant.now()));
    }
    Files.createDirectories(out);
    Path javaHome = Path.of(System.getProperty("java.home"));
    Path work = Files.createTempDirectory("brook-profile-");
    Path anchor = Path.of(System.getenv().getOrDefault("ANCHOR_SCRIPT", "/work/shared/anchor/kafka-anchor.sh"));
    Env env = new Env(root.toAbsolutePath(), anchor, work.resolve("tools"), javaHome, javaHome, javaHome);
    env.prepareTools(Path.of("/tmp/kafka-anchor/cp.txt"));
    KafkaTools tools = new KafkaTools(env);
    BrokerProcess b = broker.equals(Measurements.BROOK)
        ? BrokerProcess.Brook.start(env.root(), work.resolve("data"), out.resolve(broker + "-server.log"), env)
        : BrokerProcess.Kafka.start(work.resolve("kafka"), out.resolve(broker + "-server.log"), env);
    try {
      MetadataProbe.awaitUp(BrokerProcess.HOST, b.port(), Duration.ofMinutes(3), b::alive);
      long pid = b.pid();
      SideBySide.log(broker + " up, pid " + pid + ", " + b.bootstrap());
      tools.createTopic(out.resolve("create-topic.log"), b.bootstrap(), TOPIC, partitions);
      Path jfr = out.resolve(broker + "-produce.jfr");
      jcmd(javaHome, pid, "JFR.start", "name=bench", "settings=profile", "filename=" + jfr);
      double cpu0 = ProcStats.cpuSeconds(pid);
      String produced = tools.run(out.resolve("produce.log"), Duration.ofMinutes(30), KafkaTools.PRODUCER_PERFORMANCE,
          List.of("--topic", TOPIC, "--num-records", Long.toString(records), "--record-size", Integer.toString(size),
              "--throughput", "-1", "--producer-props", "bootstrap.servers=" + b.bootstrap(), "acks=all",
              "enable.idempotence=true"));
      double cpu = ProcStats.cpuSeconds(pid) - cpu0;
      jcmd(javaHome, pid, "JFR.stop", "name=bench");
      ToolOutput.Produce p = ToolOutput.produce(produced);
      SideBySide.log(String.format(Locale.ROOT, "produce: %,.0f records/s (%.1f MB/s), p99 %.0f ms; broker CPU %.1f s "
          + "= %.2f s per GiB", p.recordsPerSec(), p.mbPerSec(), p.p99Ms(), cpu, cpu / (records * (double) size / (1L << 30))));
      for (String view : VIEWS) {
        jfrView(javaHome, view, jfr, out.resolve("jfr-" + view + ".txt"));
      }
      SideBySide.log("JFR recording " + jfr + "; views in " + out + "/jfr-*.txt. Hot methods:");
      printHead(out.resolve("jfr-hot-methods.txt"), 28);
      printHead(out.resolve("jfr-gc-pauses.txt"), 14);
      if (zeroCopy) {
        zeroCopy(tools, b, pid, out, records, size);
      }
    } finally {
      b.stop();
      SideBySide.deleteTree(work);
    }
  }

  /** Consumes everything under strace and reports the bytes moved by sendfile and by write/writev. */
  private static void zeroCopy(KafkaTools tools, BrokerProcess b, long pid, Path out, long records, int size)
      throws IOException, InterruptedException {
    Path trace = out.resolve("strace-consume.txt");
    Process strace = new ProcessBuilder("strace", "-f", "-qq", "-e", "trace=sendfile,write,writev,sendto,sendmsg", "-o",
        trace.toString(), "-p", Long.toString(pid)).redirectErrorStream(true)
        .redirectOutput(out.resolve("strace.log").toFile()).start();
    try {
      Thread.sleep(1000); // let strace attach to every thread before the consumer connects
      String consumed = tools.run(out.resolve("consume.log"), Duration.ofMinutes(30), KafkaTools.CONSUMER_PERFORMANCE,
          List.of("--bootstrap-server", b.bootstrap(), "--topic", TOPIC, "--messages", Long.toString(records),
              "--timeout", "60000"));
      ToolOutput.Consume c = ToolOutput.consume(consumed);
      SideBySide.log(String.format(Locale.ROOT, "consume under strace: %,d records, %.1f MB", c.records(), c.mb()));
    } finally {
      strace.destroy(); // SIGTERM: strace detaches and flushes its output
      if (!strace.waitFor(20, TimeUnit.SECONDS)) {
        strace.destroyForcibly();
      }
    }
    SyscallBytes s = SyscallBytes.of(Files.readAllLines(trace));
    double payload = records * (double) size;
    SideBySide.log(String.format(Locale.ROOT, "syscalls of the broker during the consume (%s):", trace));
    SideBySide.log(String.format(Locale.ROOT, "  sendfile: %,d calls, %,d bytes", s.sendfileCalls, s.sendfileBytes));
    SideBySide.log(String.format(Locale.ROOT, "  write/writev/sendto/sendmsg: %,d calls, %,d bytes", s.writeCalls, s.writeBytes));
    SideBySide.log(String.format(Locale.ROOT, "  record payload consumed: %,.0f bytes; sendfile carried %.0f%% of all "
        + "bytes written", payload, 100.0 * s.sendfileBytes / Math.max(1, s.sendfileBytes + s.writeBytes)));
  }

  /** Sums of the return values (bytes moved) of strace lines, per kind of call. */
  record SyscallBytes(long sendfileCalls, long sendfileBytes, long writeCalls, long writeBytes) {
    private static final Pattern CALL = Pattern.compile("^(?:\\d+ +)?(sendfile|writev|write|sendto|sendmsg)\\(.*\\) += (\\d+)");
    private static final Pattern RESUMED = Pattern.compile("^(?:\\d+ +)?<\\.\\.\\. (sendfile|writev|write|sendto|sendmsg) resumed>.* += (\\d+)");

    static SyscallBytes of(List<String> lines) {
      long sc = 0;
      long sb = 0;
      long wc = 0;
      long wb = 0;
      for (String line : lines) {
        Matcher m = CALL.matcher(line);
        if (!m.find()) {
          m = RESUMED.matcher(line);
          if (!m.find()) {
            continue;
          }
        }
        long n = Long.parseLong(m.group(2));
        if (m.group(1).equals("sendfile")) {
          sc++;
          sb += n;
        } else {
          wc++;
          wb += n;
        }
      }
      return new SyscallBytes(sc, sb, wc, wb);
    }
  }

  private static void jcmd(Path javaHome, long pid, String... command) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(javaHome.resolve("bin/jcmd").toString(), Long.toString(pid)));
    cmd.addAll(List.of(command));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("jcmd " + String.join(" ", command) + " failed:\n" + out);
    }
  }

  private static void jfrView(Path javaHome, String view, Path jfr, Path into) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(javaHome.resolve("bin/jfr").toString(), "view", "--width", "160", view,
        jfr.toString()).redirectErrorStream(true).redirectOutput(into.toFile()).start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
    }
  }

  private static void printHead(Path file, int lines) throws IOException {
    Files.readAllLines(file).stream().limit(lines).forEach(System.out::println);
  }
}
