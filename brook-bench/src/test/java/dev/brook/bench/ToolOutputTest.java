package dev.brook.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ToolOutputTest {
  @Test
  void producerPerformanceTotalLineIsParsedAndProgressLinesAreNot() {
    String out = """
        SLF4J: noise
        52001 records sent, 10400.2 records/sec (0.99 MB/sec), 120.5 ms avg latency, 300.0 ms max latency.
        100000 records sent, 56753.7 records/sec (5.41 MB/sec), 800.08 ms avg latency, 1125.00 ms max latency, \
        850 ms 50th, 1101 ms 95th, 1123 ms 99th, 1125 ms 99.9th.
        """;
    ToolOutput.Produce p = ToolOutput.produce(out);
    assertThat(p.records()).isEqualTo(100_000);
    assertThat(p.recordsPerSec()).isEqualTo(56753.7);
    assertThat(p.mbPerSec()).isEqualTo(5.41);
    assertThat(p.avgMs()).isEqualTo(800.08);
    assertThat(p.p50Ms()).isEqualTo(850);
    assertThat(p.p99Ms()).isEqualTo(1123);
    assertThat(p.p999Ms()).isEqualTo(1125);
  }

  @Test
  void producerPerformanceWithoutTotalIsAnErrorShowingTheOutput() {
    assertThatThrownBy(() -> ToolOutput.produce("org.apache.kafka.common.errors.TimeoutException: boom\n"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("TimeoutException: boom");
  }

  @Test
  void consumerPerformanceSummaryRowIsParsed() {
    String out = """
        start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, \
        fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
        2026-11-25 21:15:17:738, 2026-11-25 21:15:18:887, 9.5367, 8.3000, 100000, 87032.2019, 651, 498, 19.1501, \
        200803.2129
        """;
    ToolOutput.Consume c = ToolOutput.consume(out);
    assertThat(c.records()).isEqualTo(100_000);
    assertThat(c.mb()).isEqualTo(9.5367);
    assertThat(c.mbPerSec()).isEqualTo(8.3);
    assertThat(c.recordsPerSec()).isEqualTo(87032.2019);
    assertThat(c.rebalanceMs()).isEqualTo(651);
    assertThat(c.fetchMbPerSec()).isEqualTo(19.1501);
    assertThat(c.fetchRecordsPerSec()).isEqualTo(200803.2129);
  }

  @Test
  void consumerPerformanceWithoutRowIsAnError() {
    assertThatThrownBy(() -> ToolOutput.consume("start.time, end.time, data.consumed.in.MB, MB.sec\n"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void endToEndLatencySummaryIsParsed() {
    ToolOutput.Latency l = ToolOutput.latency("0\t57.190904\nAvg latency: 8.3555 ms\n"
        + "Percentiles: 50th = 6, 99th = 63, 99.9th = 79\n");
    assertThat(l.avgMs()).isEqualTo(8.3555);
    assertThat(l.p50Ms()).isEqualTo(6);
    assertThat(l.p99Ms()).isEqualTo(63);
    assertThat(l.p999Ms()).isEqualTo(79);
  }
}
