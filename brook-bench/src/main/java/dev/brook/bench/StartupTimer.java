package dev.brook.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Times Brook's start alone, many times, the way {@link SideBySide} does: {@code bin/brook server} on
 * a fresh data directory and port, polled by {@link MetadataProbe} until a Metadata answer names a
 * broker. Prints, per start, the time from the process's {@code starttime} (the bench's figure) and
 * from {@link ProcessBuilder#start} by {@link System#nanoTime} (finer than the 10 ms of
 * {@code /proc}), then the medians. For iterating on startup without running Kafka; {@code bench/startup}.
 *
 * <p>Arguments: {@code --root DIR} (the checkout), {@code --starts N} (default 7), {@code --compare DIR}
 * (another checkout, built: its starts alternate with this one's, so both see the same machine load),
 * and any further arguments are passed to {@code bin/brook server} after the bench's own overrides.
 */
public final class StartupTimer {
  private StartupTimer() {}

  public static void main(String[] args) throws Exception {
    Path root = Path.of(".");
    Path compare = null;
    int starts = 7;
    List<String> extra = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--root" -> root = Path.of(args[++i]);
        case "--starts" -> starts = Integer.parseInt(args[++i]);
        case "--compare" -> compare = Path.of(args[++i]);
        default -> extra.add(args[i]);
      }
    }
    MetadataProbe.warmUp();
    List<Path> roots = compare == null ? List.of(root) : List.of(root, compare);
    double[][] procMs = new double[roots.size()][starts];
    double[][] wallMs = new double[roots.size()][starts];
    Path work = Files.createTempDirectory("brook-startup");
    try {
      // start -1 is unmeasured, like bench/run's priming: page cache, and bin/brook's CDS archive or AOT cache
      for (int i = -1; i < starts; i++) {
        for (int r = 0; r < roots.size(); r++) {
          double[] t = startOnce(roots.get(r), work.resolve(r + "-" + (i + 1)), extra);
          if (i >= 0) {
            procMs[r][i] = t[0];
            wallMs[r][i] = t[1];
            System.out.printf("%s start %d: %.0f ms (proc starttime), %.0f ms (wall from launch; ready line at %.0f ms)%n",
                roots.get(r), i + 1, t[0], t[1], t[2]);
          }
        }
      }
    } finally {
      try (Stream<Path> s = Files.walk(work)) {
        s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (IOException e) {
        System.err.println("could not delete " + work + ": " + e);
      }
    }
    for (int r = 0; r < roots.size(); r++) {
      System.out.printf("%s: median of %d: %.0f ms (proc starttime), %.0f ms (wall)%n", roots.get(r), starts,
          median(procMs[r]), median(wallMs[r]));
    }
  }

  /** One start: {process starttime to Metadata, launch to Metadata, launch to ready line} in ms. */
  private static double[] startOnce(Path root, Path dir, List<String> extra) throws Exception {
    Files.createDirectories(dir);
    int port = BrokerProcess.freePort(false);
    List<String> cmd = new ArrayList<>(List.of(root.resolve("bin/brook").toString(), "server",
        "--override", "log.dirs=" + dir.resolve("data"),
        "--override", "listeners=PLAINTEXT://" + BrokerProcess.HOST + ":" + port,
        "--override", "group.initial.rebalance.delay.ms=0"));
    cmd.addAll(extra);
    Path serverLog = dir.resolve("server.log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(serverLog.toFile());
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
      double proc = (upAt - ProcStats.startedAtUptime(p.pid())) * 1000;
      watcher.join(1000);
      return new double[] {proc, wall, readyAt[0] == 0 ? Double.NaN : (readyAt[0] - t0) / 1e6};
    } finally {
      watcher.interrupt();
      p.destroy();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
      }
    }
  }

  private static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
