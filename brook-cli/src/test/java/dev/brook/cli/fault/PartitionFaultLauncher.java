package dev.brook.cli.fault;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The host side of a partition fault run: creates the {@link NetnsLab} (removing leftovers of an earlier
 * run with the same prefix first), builds the slow-disk library, runs {@link FaultRun} as a JVM inside
 * the clients' namespace, waits for it (bounded), and removes every namespace, link and process, also
 * when the run fails or this JVM is interrupted (a shutdown hook as well as {@code finally}). The run's
 * logs and {@code report.properties} stay in its directory.
 *
 * <p>From a shell (after {@code mvn package}), as root: {@code java -cp
 * brook-cli/target/brook.jar:brook-cli/target/test-classes dev.brook.cli.fault.PartitionFaultLauncher
 * SEED SECONDS}.
 */
public final class PartitionFaultLauncher {
  public static final String PREFIX = "brkfault";

  private PartitionFaultLauncher() {}

  /** Runs one schedule and returns its report (the checker's counts, the faults, or an {@code error}). */
  public static Map<String, String> run(long seed, long durationS, Path runDir, Path jar, String classPath,
      Path slowDiskSource) throws Exception {
    Files.createDirectories(runDir);
    Path slowDisk = runDir.resolve("slowdisk.so");
    exec(List.of("cc", "-O2", "-shared", "-fPIC", "-o", slowDisk.toString(), slowDiskSource.toString(), "-ldl"),
        runDir.resolve("slowdisk-build.log"), 60);
    NetnsLab lab = NetnsLab.create(PREFIX, FaultRun.HOSTS);
    Thread hook = new Thread(lab::destroy, "netns-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      List<String> cmd = new ArrayList<>(lab.exec("client"));
      cmd.addAll(List.of(FaultCluster.javaBin(), "-Xmx512m", "-XX:+UseSerialGC", "-cp", classPath,
          FaultRun.class.getName(), PREFIX, Long.toString(seed), Long.toString(durationS),
          runDir.toString(), jar.toString(), slowDisk.toString()));
      long budgetS = durationS + 600; // start, slowest recoveries, drain, check
      exec(cmd, runDir.resolve("run.log"), budgetS);
    } finally {
      lab.destroy();
      Runtime.getRuntime().removeShutdownHook(hook);
    }
    Map<String, String> report = new LinkedHashMap<>();
    Path file = runDir.resolve("report.properties");
    if (!Files.exists(file)) {
      report.put("error", "no report; see " + runDir.resolve("run.log"));
      return report;
    }
    for (String line : Files.readAllLines(file)) {
      int eq = line.indexOf('=');
      if (eq > 0) report.put(line.substring(0, eq).replace('_', ' '), line.substring(eq + 1));
    }
    return report;
  }

  private static void exec(List<String> cmd, Path log, long timeoutS) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(cmd.getFirst() + " did not finish in " + timeoutS + " s; see " + log);
    }
  }

  public static void main(String[] args) throws Exception {
    long seed = args.length > 0 ? Long.parseLong(args[0]) : System.nanoTime();
    long durationS = args.length > 1 ? Long.parseLong(args[1]) : 60;
    Path target = Path.of("brook-cli", "target").toAbsolutePath();
    Path dir = target.resolve("partition-fault-" + seed);
    Map<String, String> report = run(seed, durationS, dir, target.resolve("brook.jar"),
        target.resolve("brook.jar") + ":" + target.resolve("test-classes"),
        Path.of("brook-cli", "src", "test", "c", "slowdisk.c").toAbsolutePath());
    report.forEach((k, v) -> System.out.println(k + ": " + v));
  }
}
