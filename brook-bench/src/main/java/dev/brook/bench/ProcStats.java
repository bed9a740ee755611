package dev.brook.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What Linux's {@code /proc} says about one process: CPU time, resident memory, and how long ago it
 * was started. Every figure covers all threads of the process. Times are read in clock ticks of
 * {@code CLK_TCK} (100 per second on Linux x86-64), so they are exact to 10 ms.
 */
final class ProcStats {
  /** USER_HZ: the unit of utime, stime and starttime in /proc/[pid]/stat. Fixed at 100 on x86-64 Linux. */
  static final double TICKS_PER_SECOND = 100.0;

  private ProcStats() {}

  /** Fields of /proc/[pid]/stat after the command name, which may itself contain spaces and ')'. */
  static String[] statFields(String stat) {
    int close = stat.lastIndexOf(')');
    return stat.substring(close + 2).trim().split(" +");
  }

  /** utime + stime of the process (user and system CPU, all threads), in seconds. */
  static double cpuSeconds(long pid) {
    String[] f = statFields(read(Path.of("/proc", Long.toString(pid), "stat")));
    // after "pid (comm) ": state is field 3, so utime (field 14) is at index 11 and stime at 12
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
  }

  /**
   * CPU seconds (utime + stime) of each thread of the process, by thread name ({@code comm}, at most
   * 15 characters as Linux keeps it), summed over threads of the same name. Threads that ended are
   * not listed.
   */
  static java.util.Map<String, Double> cpuSecondsByThread(long pid) {
    java.util.Map<String, Double> out = new java.util.TreeMap<>();
    try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        String stat;
        try {
          stat = Files.readString(task.resolve("stat"));
        } catch (IOException e) {
          continue; // the thread ended
        }
        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        String[] f = statFields(stat);
        out.merge(name, (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND, Double::sum);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the threads of " + pid, e);
    }
    return out;
  }

  /** Seconds since boot at which the process was started (field 22, starttime). */
  static double startedAtUptime(long pid) {
    String[] f = statFields(read(Path.of("/proc", Long.toString(pid), "stat")));
    return Long.parseLong(f[19]) / TICKS_PER_SECOND;
  }

  /** Seconds since boot now, from /proc/uptime (10 ms resolution, the same clock as starttime). */
  static double uptimeNow() {
    return Double.parseDouble(read(Path.of("/proc/uptime")).split(" ")[0]);
  }

  /** Current resident set size (VmRSS) in bytes. */
  static long rssBytes(long pid) {
    return statusKiB(pid, "VmRSS:") * 1024;
  }

  /** Peak resident set size (VmHWM, the high-water mark) in bytes. */
  static long peakRssBytes(long pid) {
    return statusKiB(pid, "VmHWM:") * 1024;
  }

  /** The short command name (comm) of the process, e.g. "java". */
  static String command(long pid) {
    return read(Path.of("/proc", Long.toString(pid), "comm")).trim();
  }

  static long statusKiB(long pid, String key) {
    for (String line : read(Path.of("/proc", Long.toString(pid), "status")).split("\n")) {
      if (line.startsWith(key)) {
        return Long.parseLong(line.substring(key.length()).trim().split(" +")[0]);
      }
    }
    throw new IllegalStateException(key + " not in /proc/" + pid + "/status");
  }

  /**
   * utime+stime of the threads of {@code pid} whose name starts with {@code prefix} (Linux keeps 15
   * characters of a thread's name), in seconds.
   */
  static double threadCpuSeconds(long pid, String prefix) throws IOException {
    double sum = 0;
    try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path t : tasks.toList()) {
        try {
          if (!Files.readString(t.resolve("comm")).startsWith(prefix)) continue;
          String[] f = ProcStats.statFields(Files.readString(t.resolve("stat")));
          sum += (Long.parseLong(f[11]) + Long.parseLong(f[12])) / ProcStats.TICKS_PER_SECOND;
        } catch (IOException e) {
          // the thread ended meanwhile
        }
      }
    }
    return sum;
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + p, e);
    }
  }
}
