package dev.brook.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScalingSummaryTest {
  @Test
  void keepsEveryPrintedLineForTheSummaryFile(@TempDir Path dir) throws Exception {
    ScalingSummary summary = new ScalingSummary();
    summary.line("== costs");
    summary.line("produce 1 partition x 1 KiB batch  18722");
    Path file = dir.resolve("summary.txt");
    summary.writeTo(file);
    assertThat(Files.readString(file)).isEqualTo("== costs\nproduce 1 partition x 1 KiB batch  18722\n")
        .isEqualTo(summary.text());
  }
}
