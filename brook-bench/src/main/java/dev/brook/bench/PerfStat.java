package dev.brook.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code perf stat -x, -e EVENTS -p PID} around a measured window: started before it, stopped with
 * SIGINT after it (perf then prints its counts), read from its CSV output. Counts the process's threads
 * from the moment perf attaches; a few milliseconds at either end of a 15 s window, the same for every
 * run. An event the machine cannot count (hardware counters in most VMs: {@code <not supported>}) is
 * reported as NaN, so a run on a VM says so instead of failing.
 */
final class PerfStat {
  private final Process perf;
  private final Path output;

  private PerfStat(Process perf, Path output) {
    this.perf = perf;
    this.output = output;
  }

  /** Attaches to {@code pid}; null when perf is not installed. */
  static PerfStat attach(long pid, String events, Path dir) throws IOException, InterruptedException {
    Path output = Files.createTempFile(dir, "perf-stat-", ".csv");
    Process p;
    try {
      p = new ProcessBuilder("perf", "stat", "-x", ",", "-e", events, "-o", output.toString(), "-p", Long.toString(pid))
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      return null;
    }
    Thread.sleep(100); // attached before the window opens
    return new PerfStat(p, output);
  }

  /** Stops counting; the counts by event name (NaN: not supported or not counted). */
  Map<String, Double> stop() throws IOException, InterruptedException {
    new ProcessBuilder("kill", "-INT", Long.toString(perf.pid())).start().waitFor(10, TimeUnit.SECONDS);
    if (!perf.waitFor(10, TimeUnit.SECONDS)) perf.destroyForcibly();
    Map<String, Double> counts = new LinkedHashMap<>();
    for (String line : Files.readAllLines(output, StandardCharsets.UTF_8)) {
      String[] f = line.split(",");
      if (line.startsWith("#") || f.length < 3) continue;
      double v;
      try {
        v = Double.parseDouble(f[0]);
      } catch (NumberFormatException e) {
        v = Double.NaN; // <not supported>, <not counted>
      }
      counts.put(f[2], v);
    }
    Files.deleteIfExists(output);
    return counts;
  }
}
