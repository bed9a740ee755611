package dev.brook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.testkit.RawKafkaClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code brook server} as a process: the ready line, signals, exit codes, one-line errors. */
class ServerCommandIT {
  static final java.util.regex.Pattern LOG_LINE = java.util.regex.Pattern.compile("^\\d{4}-\\d\\d-\\d\\dT\\S+ (TRACE|DEBUG|INFO|WARN|ERROR) ");
  @TempDir Path dir;

  @Test
  void printsOneReadyLineServesRequestsAndExitsZeroOnSigterm() throws Exception {
    Path data = dir.resolve("data");
    try (BrookProcess brook = BrookProcess.server(data)) {
      Matcher ready = brook.awaitReady();
      assertThat(ready.group(1)).isEqualTo(BrookVersion.get()).doesNotContain("$");
      assertThat(Path.of(ready.group(3))).isEqualTo(data.toAbsolutePath());
      assertThat(RawKafkaClient.supportedApis(brook.bootstrap())).contains(ApiKeys.API_VERSIONS);

      assertThat(brook.terminate()).isZero();
      assertThat(brook.stdout().lines()).hasSize(1).allMatch(l -> BrookProcess.READY.matcher(l).matches());
      assertThat(brook.stderr()).doesNotContain("Exception");
      // Only log lines (here none: what the broker logs after SIGTERM is lost, since Process.destroy
      // closes the pipes), no SLF4J notice such as a replayed-events warning or a second provider.
      assertThat(brook.stderr().lines()).as("stderr: %s", brook.stderr()).allMatch(l -> LOG_LINE.matcher(l).find());
    }
  }

  @Test
  void sigintAlsoExitsZero() throws Exception {
    // A process started in the background by a non-interactive shell (`mvn verify &` in a script)
    // ignores SIGINT, and so do its children, brook included, as any program would. Then brook is
    // started with SIGINT's default disposition restored (coreutils' env), as from a terminal.
    List<String> launcher = ignoresSigint() ? List.of("env", "--default-signal=INT") : List.of();
    try (BrookProcess brook = BrookProcess.server(launcher, dir.resolve("data"))) {
      new ProcessBuilder("kill", "-INT", Long.toString(brook.pid())).start().waitFor();
      assertThat(brook.waitFor(60)).isZero();
    }
  }

  /** Whether this process ignores SIGINT (bit 2 of SigIgn in /proc/self/status); false where unknown. */
  private static boolean ignoresSigint() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("SigIgn:")) return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & 0b10) != 0;
      }
    } catch (java.io.IOException | RuntimeException e) {
      // not Linux: assume signals are delivered
    }
    return false;
  }

  @Test
  void unknownOverrideKeyExitsTwoWithOneLineNamingIt() throws Exception {
    BrookProcess.Result r = BrookProcess.run(null, "server", "--override", "log.dirs=" + dir, "--override", "no.such.setting=1");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.stdout()).isEmpty();
    assertThat(r.stderrLines()).containsExactly("brook: no.such.setting: unknown configuration key");
  }

  @Test
  void invalidOverrideValueExitsTwoWithOneLineNamingTheKey() throws Exception {
    BrookProcess.Result r = BrookProcess.run(null, "server", "--override", "num.partitions=many");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.stderrLines()).singleElement().asString().startsWith("brook: num.partitions: ");
  }

  @Test
  void unreadableConfigFileExitsTwo() throws Exception {
    BrookProcess.Result r = BrookProcess.run(null, "server", "--config", dir.resolve("missing.properties").toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.stderrLines()).singleElement().asString().startsWith("brook: --config: cannot read ");
  }

  @Test
  void configFileIsReadAndOverridesWin() throws Exception {
    Path props = dir.resolve("server.properties");
    Files.writeString(props, "listeners=PLAINTEXT://127.0.0.1:0\nlog.dirs=" + dir.resolve("from-file") + "\nnode.id=5\n");
    try (BrookProcess brook = BrookProcess.start(null, "server", "--config", props.toString(),
        "--override", "log.dirs=" + dir.resolve("from-override"))) {
      assertThat(brook.awaitReady().group(3)).isEqualTo(dir.resolve("from-override").toAbsolutePath().toString());
      assertThat(brook.terminate()).isZero();
    }
  }

  @Test
  void portInUseIsOneLineAndExitOne() throws Exception {
    try (BrookProcess first = BrookProcess.server(dir.resolve("a"))) {
      String port = first.awaitReady().group(2);
      BrookProcess.Result r = BrookProcess.run(null, "server",
          "--override", "listeners=PLAINTEXT://127.0.0.1:" + port, "--override", "log.dirs=" + dir.resolve("b"));
      assertThat(r.exitCode()).isEqualTo(1);
      // Areas that start before the listener may log (INFO lines); the failure itself is one line.
      assertThat(r.stderrLines()).noneMatch(l -> l.startsWith("\tat ") || l.contains("Exception"));
      assertThat(r.stderrLines().stream().filter(l -> !LOG_LINE.matcher(l).find()))
          .singleElement().asString().startsWith("brook: listeners: cannot listen on PLAINTEXT://127.0.0.1:" + port);
      assertThat(first.terminate()).isZero();
    }
  }

  @Test
  void unknownCommandAndOptionAreUsageErrors() throws Exception {
    BrookProcess.Result r = BrookProcess.run(null, "servre");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.stderrLines()).singleElement().asString().startsWith("brook: ");
    BrookProcess.Result o = BrookProcess.run(null, "server", "--no-such-flag");
    assertThat(o.exitCode()).isEqualTo(2);
    assertThat(o.stderrLines()).singleElement().asString().contains("--no-such-flag");
  }

  @Test
  void versionComesFromTheBuild() throws Exception {
    BrookProcess.Result r = BrookProcess.run(null, "--version");
    assertThat(r.exitCode()).isZero();
    assertThat(r.stdout().strip()).isEqualTo(BrookVersion.line()).doesNotContain("unknown")
        .matches("Brook \\S+ \\(commit [0-9a-f]{7,}, built \\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z\\)");
  }
}
