package dev.brook.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The machine a run was taken on, as the report states it: cores, memory, kernel, JDKs, and load. */
record MachineInfo(int cores, String cpuModel, long memMiB, String kernel, String brookJdk, String kafkaJdk,
    String loadAverage) {

  static MachineInfo read(Env env) {
    return new MachineInfo(Runtime.getRuntime().availableProcessors(), readCpuModel(), memTotalKiB() / 1024,
        firstLine(Path.of("/proc/sys/kernel/osrelease")), javaVersion(env.brookJavaHome()),
        javaVersion(env.kafkaJavaHome()), firstLine(Path.of("/proc/loadavg")));
  }

  String summary() {
    String jdk = brookJdk.equals(kafkaJdk) ? "JDK " + brookJdk + " (Brook, Kafka and tools)"
        : "JDK " + brookJdk + " (Brook, tools), " + kafkaJdk + " (Kafka)";
    return String.format("%d cores (%s), %.1f GiB RAM, Linux %s, %s", cores, cpuModel, memMiB / 1024.0, kernel, jdk);
  }

  private static String readCpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      // fall through: the model is only informative
    }
    return "unknown CPU";
  }

  private static long memTotalKiB() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException e) {
      // fall through
    }
    return 0;
  }

  private static String firstLine(Path p) {
    try {
      return Files.readAllLines(p).getFirst().trim();
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  /** "25.0.3" etc.: the java.runtime.version of {@code javaHome}'s java, asked once. */
  static String javaVersion(Path javaHome) {
    try {
      Process p = new ProcessBuilder(javaHome.resolve("bin/java").toString(), "-XshowSettings:properties", "-version")
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      p.waitFor(30, TimeUnit.SECONDS);
      for (String line : out.split("\\R")) {
        String t = line.trim();
        if (t.startsWith("java.runtime.version = ")) {
          return t.substring("java.runtime.version = ".length());
        }
      }
    } catch (IOException e) {
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return "unknown";
  }
}
