package dev.brook.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Times Brook's start alone, many times, the way {@link SideBySide} does: {@code bin/brook server} on
 * a fresh data directory and port, polled by {@link MetadataProbe} until a Metadata answer names a
 * broker. Prints, per start, the time from the process's {@code starttime} (the bench's figure) and
 * from {@link ProcessBuilder#start} by {@link System#nanoTime} (finer than the 10 ms of
 * {@code /proc}), and the CPU time the process had used when the answer came ({@code utime + stime}
 * of all its threads, in 10 ms ticks: less noisy than wall time on a shared machine, since it does not
 * count time spent waiting for a core); then the medians, with the quartiles as the spread. For
 * iterating on startup without running Kafka; {@code bench/startup}.
 *
 * <p>Arguments: {@code --root DIR} (the checkout), {@code --starts N} (default 7), {@code --compare DIR}
 * (another checkout, built: its starts alternate with this one's, so both see the same machine load;
 * it may be the same checkout), {@code --env NAME=VALUE} and {@code --compare-env NAME=VALUE} (an
 * environment variable for the one or the other side's {@code bin/brook}, e.g. {@code BROOK_OPTS}, to
 * compare JVM flags), {@code --keep} (leave each start's directory and server log), {@code --threads}
 * (the CPU each thread had used at the first answer, medians by thread name), and any further
 * arguments are passed to {@code bin/brook server} after the bench's own overrides.
 */
public final class StartupTimer {
  private StartupTimer() {}

  public static void main(String[] args) throws Exception {
    Path root = Path.of(".");
    Path compare = null;
    int starts = 7;
    boolean keep = false;
    boolean threads = false;
    Map<String, String> env = new LinkedHashMap<>();
    Map<String, String> compareEnv = new LinkedHashMap<>();
    List<String> extra = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--root" -> root = Path.of(args[++i]);
        case "--starts" -> starts = Integer.parseInt(args[++i]);
        case "--compare" -> compare = Path.of(args[++i]);
        case "--env" -> putSetting(env, args[++i]);
        case "--compare-env" -> putSetting(compareEnv, args[++i]);
        case "--keep" -> keep = true;
        case "--threads" -> threads = true;
        default -> extra.add(args[i]);
      }
    }
    MetadataProbe.warmUp();
    List<Path> roots = compare == null ? List.of(root) : List.of(root, compare);
    List<Map<String, String>> envs = List.of(env, compareEnv);
    double[][] procMs = new double[roots.size()][starts];
    double[][] wallMs = new double[roots.size()][starts];
    double[][] cpuMs = new double[roots.size()][starts];
    List<Map<String, List<Double>>> threadMs = List.of(new TreeMap<>(), new TreeMap<>());
    Path work = Files.createTempDirectory("brook-startup");
    try {
      // start -1 is unmeasured, like bench/run's priming: page cache, and bin/brook's CDS archive or AOT cache
      for (int i = -1; i < starts; i++) {
        for (int r = 0; r < roots.size(); r++) {
          Map<String, Double> byThread = new TreeMap<>();
          double[] t = startOnce(roots.get(r), envs.get(r), work.resolve(r + "-" + (i + 1)), extra, byThread);
          if (i >= 0) {
            procMs[r][i] = t[0];
            wallMs[r][i] = t[1];
            cpuMs[r][i] = t[3];
            int side = r;
            byThread.forEach((name, ms) -> threadMs.get(side).computeIfAbsent(name, n -> new ArrayList<>()).add(ms));
            System.out.printf("%s start %d: %.0f ms (proc starttime), %.0f ms (wall from launch; ready line at %.0f ms),"
                + " %.0f ms CPU%n", label(roots.get(r), envs.get(r)), i + 1, t[0], t[1], t[2], t[3]);
          }
        }
      }
    } finally {
      if (keep) {
        System.out.println("kept each start's directory and server log in " + work);
      } else {
        deleteTree(work);
      }
    }
    for (int r = 0; r < roots.size(); r++) {
      System.out.printf("%s: median of %d: %.0f ms (proc starttime), %.0f ms (wall), %.0f ms CPU;"
              + " quartiles %.0f-%.0f, %.0f-%.0f, %.0f-%.0f ms%n", label(roots.get(r), envs.get(r)), starts,
          median(procMs[r]), median(wallMs[r]), median(cpuMs[r]),
          quantile(procMs[r], 0.25), quantile(procMs[r], 0.75), quantile(wallMs[r], 0.25), quantile(wallMs[r], 0.75),
          quantile(cpuMs[r], 0.25), quantile(cpuMs[r], 0.75));
      if (threads) {
        // A thread absent from a start (not yet started, or ended) counts 0 there.
        int n = starts;
        threadMs.get(r).forEach((name, ms) -> {
          double[] all = new double[n];
          for (int k = 0; k < ms.size(); k++) all[k] = ms.get(k);
          System.out.printf("  %-16s median %4.0f ms CPU (quartiles %.0f-%.0f)%n", name, median(all),
              quantile(all, 0.25), quantile(all, 0.75));
        });
      }
    }
  }

  private static void putSetting(Map<String, String> env, String keyValue) {
    int eq = keyValue.indexOf('=');
    if (eq <= 0) throw new IllegalArgumentException("expected NAME=VALUE, got " + keyValue);
    env.put(keyValue.substring(0, eq), keyValue.substring(eq + 1));
  }

  private static String label(Path root, Map<String, String> env) {
    return env.isEmpty() ? root.toString() : root + " " + env;
  }

  /**
   * One start: {process starttime to Metadata, launch to Metadata, launch to ready line, CPU of the
   * process when Metadata was answered} in ms.
   */
  private static double[] startOnce(Path root, Map<String, String> env, Path dir, List<String> extra,
      Map<String, Double> byThread) throws Exception {
    Files.createDirectories(dir);
    int port = BrokerProcess.freePort(false);
    List<String> cmd = new ArrayList<>(List.of(root.resolve("bin/brook").toString(), "server",
        "--override", "log.dirs=" + dir.resolve("data"),
        "--override", "listeners=PLAINTEXT://" + BrokerProcess.HOST + ":" + port,
        "--override", "group.initial.rebalance.delay.ms=0"));
    cmd.addAll(extra);
    Path serverLog = dir.resolve("server.log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(serverLog.toFile());
    pb.environment().putAll(env);
    long t0 = System.nanoTime();
    Process p = pb.start();
    long[] readyAt = {0};
    Thread watcher = Thread.ofVirtual().start(() -> {
      try {
        while (readyAt[0] == 0 && !Thread.currentThread().isInterrupted()) {
          if (Files.exists(serverLog) && Files.readString(serverLog).contains(" ready on ")) {
            readyAt[0] = System.nanoTime();
          }
          Thread.sleep(2);
        }
      } catch (IOException | InterruptedException e) {
        // stop watching
      }
    });
    try {
      double upAt = MetadataProbe.awaitUp(BrokerProcess.HOST, port, Duration.ofMinutes(2), p::isAlive);
      double wall = (System.nanoTime() - t0) / 1e6;
      double cpu = ProcStats.cpuSeconds(p.pid()) * 1000; // bin/brook execs the JVM: the same pid
      ProcStats.cpuSecondsByThread(p.pid()).forEach((name, s) -> byThread.put(name, s * 1000));
      // Threads that already ended (a helper that finished) count only in the process's total.
      byThread.put("(ended threads)", Math.max(0, cpu - byThread.values().stream().mapToDouble(Double::doubleValue).sum()));
      double proc = (upAt - ProcStats.startedAtUptime(p.pid())) * 1000;
      watcher.join(1000);
      return new double[] {proc, wall, readyAt[0] == 0 ? Double.NaN : (readyAt[0] - t0) / 1e6, cpu};
    } finally {
      watcher.interrupt();
      p.destroy();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
      }
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      System.err.println("could not delete " + dir + ": " + e);
    }
  }

  /** The q-quantile, interpolated between the closest ranks. */
  private static double quantile(double[] xs, double q) {
    double[] s = xs.clone();
    Arrays.sort(s);
    double at = q * (s.length - 1);
    int lo = (int) Math.floor(at);
    int hi = Math.min(s.length - 1, lo + 1);
    return s[lo] + (s[hi] - s[lo]) * (at - lo);
  }

  private static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
