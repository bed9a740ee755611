package dev.brook.cli.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

class StderrLoggerTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  private static LogSettings settings(String... keyValues) {
    Properties p = new Properties();
    for (int i = 0; i < keyValues.length; i += 2) {
      p.setProperty(LogSettings.PREFIX + keyValues[i], keyValues[i + 1]);
    }
    return new LogSettings(p);
  }

  private String written() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void writesSlf4jSimpleLinesWithBrooksSettings() {
    LogSettings s = settings("showDateTime", "true", "showThreadName", "false", "showShortLogName", "true");
    Logger log = new StderrLoggerFactory(s, out).getLogger("dev.brook.broker.Broker");

    log.info("broker {} started on {}", 1, "127.0.0.1:9092");

    String line = written().strip();
    assertThat(line).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}[+-]\\d{4} INFO Broker - broker 1 started on 127.0.0.1:9092");
  }

  @Test
  void timestampsMatchSimpleDateFormatsPatternInAnyZone() {
    DateTimeFormatter slf4jSimple = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ");
    long[] instants = {0L, 1_795_659_061_767L, 951_782_400_999L, -1L, 4_102_444_800_000L};
    for (String zone : new String[] {"UTC", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham", "America/Los_Angeles"}) {
      for (long t : instants) {
        StringBuilder b = new StringBuilder();
        LogLine.appendTime(b, t, ZoneId.of(zone));
        assertThat(b.toString()).as("%s at %d", zone, t)
            .isEqualTo(slf4jSimple.format(ZonedDateTime.ofInstant(java.time.Instant.ofEpochMilli(t), ZoneId.of(zone))));
      }
    }
  }

  @Test
  void levelsComeFromTheNearestPrefixThenTheDefault() {
    LogSettings s = settings("defaultLogLevel", "warn", "log.org.apache.kafka", "error", "log.org.apache.kafka.clients.Metadata", "debug",
        "log.noisy", "off");
    assertThat(s.levelOf("dev.brook.Broker")).isEqualTo(Level.WARN.toInt());
    assertThat(s.levelOf("org.apache.kafka.clients.NetworkClient")).isEqualTo(Level.ERROR.toInt());
    assertThat(s.levelOf("org.apache.kafka.clients.Metadata")).isEqualTo(Level.DEBUG.toInt());
    assertThat(s.levelOf("noisy.Thing")).isEqualTo(LogSettings.OFF);

    StderrLoggerFactory f = new StderrLoggerFactory(s, out);
    f.getLogger("dev.brook.Broker").info("hidden");
    f.getLogger("noisy.Thing").error("hidden too");
    f.getLogger("dev.brook.Broker").warn("shown");
    assertThat(written()).doesNotContain("hidden").contains("WARN").contains("shown");
    assertThat(f.getLogger("dev.brook.Broker").isInfoEnabled()).isFalse();
    assertThat(f.getLogger("org.apache.kafka.clients.Metadata").isDebugEnabled()).isTrue();
  }

  @Test
  void aThrowableFollowsItsLineWithItsStackTrace() {
    Logger log = new StderrLoggerFactory(settings("showThreadName", "true"), out).getLogger("a.b.C");

    log.error("failed: {}", "disk", new IllegalStateException("boom"));

    assertThat(written()).startsWith("[" + Thread.currentThread().getName() + "] ERROR a.b.C - failed: disk")
        .contains("java.lang.IllegalStateException: boom").contains("at dev.brook.cli.logging.StderrLoggerTest");
  }

  @Test
  void slf4jUsesThisBackendInBrookCli() {
    // The class path of brook-cli holds no other provider: LoggerFactory binds this one.
    assertThat(LoggerFactory.getILoggerFactory()).isInstanceOf(StderrLoggerFactory.class);
  }
}
