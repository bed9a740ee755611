package dev.brook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.testkit.RawKafkaClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/brook server} itself, with the JVM flags the script chooses (the other ITs run the jar
 * directly): the start prints nothing on stderr but the script's own {@code brook:} lines and log
 * lines (no SLF4J notice), and on Linux x86-64 Netty's epoll library comes from the build's unpacked
 * copy on {@code java.library.path}, not from a temporary file.
 */
class BinBrookIT {
  @TempDir Path dir;

  @Test
  void serverStartsThroughTheScriptWithItsFlags() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent(); // failsafe runs in brook-cli
    BrookProcess.dateJarOnce();
    try (BrookProcess brook = BrookProcess.script(root.resolve("bin/brook"), "server",
        "--override", "listeners=PLAINTEXT://127.0.0.1:0", "--override", "log.dirs=" + dir.resolve("data"))) {
      brook.awaitReady(240); // bounded; a first start trains the AOT cache (JDK 25+) before it
      assertThat(RawKafkaClient.supportedApis(brook.bootstrap())).contains(ApiKeys.API_VERSIONS);
      if (System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64")) {
        Path lib = root.resolve("brook-cli/target/native/META-INF/native/libnetty_transport_native_epoll_x86_64.so");
        assertThat(Files.readString(Path.of("/proc", Long.toString(brook.pid()), "maps"))).contains(lib.toString());
      }
      assertThat(brook.stderr().lines()).as("stderr: %s", brook.stderr())
          .allMatch(l -> l.startsWith("brook: ") || ServerCommandIT.LOG_LINE.matcher(l).find());
      assertThat(brook.terminate()).isZero();
    }
  }

  /**
   * The script finds its checkout without leaving the caller's working directory: a relative
   * {@code --config} and the relative {@code log.dirs} in it resolve against the directory the user
   * ran it from. On Linux the server's heap asks for transparent huge pages exactly when the kernel's
   * THP mode is {@code madvise} (with {@code never} the JVM would warn on stderr); Netty allocates its
   * pooled direct memory without the JDK's zeroing, and the AOT cache, trained with the same module
   * options, is mapped.
   */
  @Test
  void relativePathsResolveInTheCallersDirectoryAndHugePagesFollowTheKernel() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    BrookProcess.dateJarOnce();
    Path work = Files.createDirectories(dir.resolve("work"));
    Files.writeString(work.resolve("server.properties"), "listeners=PLAINTEXT://127.0.0.1:0\nlog.dirs=relative-data\n");
    try (BrookProcess brook = BrookProcess.script(root.resolve("bin/brook"), work, Map.of(), "server",
        "--config", "server.properties")) {
      java.util.regex.Matcher ready = brook.awaitReady(240);
      assertThat(Path.of(ready.group(3)).toRealPath()).isEqualTo(work.resolve("relative-data").toRealPath());
      assertThat(work.resolve("relative-data/meta.properties")).exists();
      String cmdline = Files.readString(Path.of("/proc", Long.toString(brook.pid()), "cmdline")).replace('\0', ' ');
      Path thp = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
      boolean madvise = Files.isReadable(thp) && Files.readString(thp).contains("[madvise]");
      if (madvise) {
        assertThat(cmdline).contains("-XX:+UseTransparentHugePages");
      } else {
        assertThat(cmdline).doesNotContain("UseTransparentHugePages");
      }
      // Netty's pooled direct memory without the JDK's zeroing (a start's first read zeroed a 4 MiB
      // chunk); the cache the script trained is the one the server mapped: trained with these module
      // options, else the JVM would refuse it and map nothing from it.
      assertThat(cmdline).contains("-Dio.netty.tryReflectionSetAccessible=true", "--add-opens=java.base/java.nio=ALL-UNNAMED");
      java.util.regex.Matcher aot = java.util.regex.Pattern.compile("-XX:AOTCache=(\\S+)").matcher(cmdline);
      if (aot.find()) {
        assertThat(Files.readString(Path.of("/proc", Long.toString(brook.pid()), "maps"))).contains(aot.group(1));
      }
      assertThat(brook.stderr().lines()).as("stderr: %s", brook.stderr())
          .allMatch(l -> l.startsWith("brook: ") || ServerCommandIT.LOG_LINE.matcher(l).find());
      assertThat(brook.terminate()).isZero();
    }
  }

  /**
   * BROOK_HEAP_OPTS sets the heap apart from BROOK_OPTS (the JVM's own GC log reports the maximum it
   * took), the GC log rotates in BROOK_LOG_DIR, and the collector is the one for the processors this
   * JVM sees (Serial on 1-2, G1 on more; the test's affinity is the child's).
   */
  @Test
  void heapOptsSetTheHeapAndTheGcLogGoesToTheLogDirectory() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    BrookProcess.dateJarOnce();
    Path logs = dir.resolve("logs");
    try (BrookProcess brook = BrookProcess.script(root.resolve("bin/brook"),
        Map.of("BROOK_HEAP_OPTS", "-Xms24m -Xmx200m", "BROOK_LOG_DIR", logs.toString()), "server",
        "--override", "listeners=PLAINTEXT://127.0.0.1:0", "--override", "log.dirs=" + dir.resolve("data"))) {
      brook.awaitReady(240);
      Path gcLog = logs.resolve("brook-gc.log");
      String log = Files.readString(gcLog);
      assertThat(log).contains("Heap Max Capacity: 200M", "Heap Initial Capacity: 24M")
          .contains(Runtime.getRuntime().availableProcessors() <= 2 ? "Using Serial" : "Using G1");
      assertThat(log.lines().findFirst().orElseThrow()).matches("\\[\\d{4}-\\d{2}-\\d{2}T.*\\]\\[[0-9.]+s\\]\\[info\\]\\[gc.*");
      // BROOK_OPTS' defaults are still there (the heap flags left it, nothing else).
      String cmdline = Files.readString(Path.of("/proc", Long.toString(brook.pid()), "cmdline")).replace('\0', ' ');
      assertThat(cmdline).contains("-Xss512k", "-XX:MaxDirectMemorySize=512m", "filecount=5,filesize=20M");
      assertThat(brook.terminate()).isZero();
    }
  }

  /**
   * More processors than two (here declared with -XX:ActiveProcessorCount, as a container's quota
   * would) get G1; BROOK_GC_LOG_OPTS replaces the GC log settings, and set empty turns the log off.
   */
  @Test
  void theCollectorFollowsTheProcessorCountAndGcLogOptsReplaceTheLog() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    BrookProcess.dateJarOnce();
    Path logs = Files.createDirectories(dir.resolve("logs"));
    Path custom = dir.resolve("custom-gc.log");
    try (BrookProcess brook = BrookProcess.script(root.resolve("bin/brook"),
        Map.of("BROOK_OPTS", "-XX:ActiveProcessorCount=4 -Xss512k", "BROOK_GC_LOG_OPTS", "-Xlog:gc:file=" + custom,
            "BROOK_LOG_DIR", logs.toString()), "server",
        "--override", "listeners=PLAINTEXT://127.0.0.1:0", "--override", "log.dirs=" + dir.resolve("data"))) {
      brook.awaitReady(240);
      assertThat(Files.readString(custom)).contains("Using G1");
      assertThat(logs.resolve("brook-gc.log")).doesNotExist();
      assertThat(brook.terminate()).isZero();
    }
    try (BrookProcess brook = BrookProcess.script(root.resolve("bin/brook"),
        Map.of("BROOK_GC_LOG_OPTS", "", "BROOK_LOG_DIR", logs.toString()), "server",
        "--override", "listeners=PLAINTEXT://127.0.0.1:0", "--override", "log.dirs=" + dir.resolve("data"))) {
      brook.awaitReady(240);
      assertThat(logs.resolve("brook-gc.log")).doesNotExist();
      assertThat(brook.terminate()).isZero();
    }
  }
}
