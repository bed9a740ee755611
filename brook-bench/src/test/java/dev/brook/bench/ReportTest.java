package dev.brook.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
  @TempDir
  Path dir;

  private Report report() {
    BenchOptions opts = BenchOptions.parse(new String[] {"--quick", "--root", dir.toString(), "--note", "busy"});
    Measurements m = new Measurements(1);
    m.put(Measurements.KAFKA, Metric.STARTUP, 0, 4000);
    m.put(Measurements.BROOK, Metric.STARTUP, 0, 300);
    MachineInfo info = new MachineInfo(2, "cpu", 1024, "6.1", "25", "25", "1.00 0.50 0.25 1/100 1");
    return new Report(opts, m, info, info, Instant.EPOCH, Instant.EPOCH.plusSeconds(90), 1);
  }

  @Test
  void tableShowsMediansRatioAndWhetherTheTargetIsMet() {
    String table = report().textTable();
    assertThat(table).containsPattern("startup to first Metadata +ms +4000 +300 +0.08× +<= 0.1 +yes");
  }

  @Test
  void resultsFileKeepsHandWrittenTextAndReplacesOnlyTheGeneratedSection() throws Exception {
    Path file = dir.resolve("RESULTS.md");
    Files.writeString(file, "# Results\n\nanalysis above\n");
    report().updateResultsFile(file, "RESULTS.png");
    Files.writeString(file, Files.readString(file) + "\nanalysis below\n");
    report().updateResultsFile(file, "RESULTS.png");
    String text = Files.readString(file);
    assertThat(text).startsWith("# Results\n\nanalysis above\n").endsWith("analysis below\n");
    assertThat(text.split(java.util.regex.Pattern.quote(Report.BEGIN), -1)).hasSize(2);
    assertThat(text).contains("| startup to first Metadata | ms | 4000 | 300 | 0.08× | <= 0.1 | yes |")
        .contains("**Note:** busy");
  }

  @Test
  void chartIsAPng() throws Exception {
    Path png = dir.resolve("r.png");
    Measurements m = new Measurements(1);
    m.put(Measurements.KAFKA, Metric.CONSUME_RPS, 0, 100);
    m.put(Measurements.BROOK, Metric.CONSUME_RPS, 0, 150);
    RatioChart.write(m, "t", png);
    byte[] head = new byte[8];
    System.arraycopy(Files.readAllBytes(png), 0, head, 0, 8);
    assertThat(head).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
  }
}
