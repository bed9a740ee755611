package dev.brook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.testkit.RawKafkaClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
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
    // This build packaged the jar before its ITs, but Maven leaves an unchanged jar's old date, and a
    // source of another module edited since would make bin/brook rebuild (Maven inside Maven).
    Files.setLastModifiedTime(BrookProcess.jar(), FileTime.from(Instant.now()));
    try (BrookProcess brook = BrookProcess.script(root.resolve("bin/brook"), "server",
        "--override", "listeners=PLAINTEXT://127.0.0.1:0", "--override", "log.dirs=" + dir.resolve("data"))) {
      brook.awaitReady(); // bounded; a first start trains the AOT cache (JDK 25+) before it
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
}
