package dev.brook.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM appends in a loop and is killed with SIGKILL at an arbitrary moment, twice; every
 * batch it acknowledged must be in the recovered log, which must be valid and contiguous.
 */
class ProcessKillTest {
  @TempDir Path logDir;

  @Test
  void sigkillLosesNoAcknowledgedBatch() throws Exception {
    Map<Long, String> acked = new TreeMap<>();
    for (int round = 0; round < 2; round++) {
      runAndKill("round" + round, 1500 + 700 * round, acked);
    }
    try (LogManager m = LogManager.open(logDir, CrashAppender.CONFIG, new FakeClock())) {
      PartitionLog log = m.get(CrashAppender.ID).orElseThrow();
      List<String> all = Batches.readAll(log, 0);
      assertThat(log.segmentCount()).isGreaterThan(1);
      assertThat((long) all.size()).isEqualTo(log.logEndOffset());
      for (int i = 0; i < all.size(); i++) {
        assertThat(all.get(i)).startsWith(i + ":");
      }
      for (Map.Entry<Long, String> e : acked.entrySet()) {
        int at = (int) (long) e.getKey();
        assertThat(all.get(at)).isEqualTo(at + ":" + e.getValue());
        assertThat(all.get(at + 1)).isEqualTo((at + 1) + ":" + e.getValue() + "+");
      }
    }
  }

  private void runAndKill(String prefix, int acksBeforeKill, Map<Long, String> acked) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), CrashAppender.class.getName(), logDir.toString(), prefix));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          lines.add(line);
        }
      } catch (Exception ignored) {
        // the child died; the lines read so far are what was acknowledged
      } finally {
        lines.add("EOF");
      }
    });
    reader.start();
    int count = 0;
    try {
      while (count < acksBeforeKill) {
        String line = lines.poll(60, TimeUnit.SECONDS);
        if (line == null || line.equals("EOF")) {
          fail("child stopped early after " + count + " acks");
        }
        count += record(line, acked);
      }
    } finally {
      p.destroyForcibly();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    reader.join(30_000);
    String line;
    while ((line = lines.poll()) != null && !line.equals("EOF")) {
      record(line, acked);
    }
  }

  private static int record(String line, Map<Long, String> acked) {
    if (line.startsWith("READY")) {
      return 0;
    }
    String[] parts = line.split(" ");
    if (parts.length != 3 || !parts[2].equals(".")) {
      return 0; // cut short by the kill: not an acknowledgement
    }
    acked.put(Long.parseLong(parts[0]), parts[1]);
    return 1;
  }
}
