package dev.brook.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;
import org.junit.jupiter.api.Test;

class LoadLogLineTest {
  @Test
  void readsTheTimeAndRecordCountOfBrooksLoadedLine() {
    String log = """
        Brook 0.1.0 ready on PLAINTEXT://127.0.0.1:9092 (data in /tmp/x)
        2026-12-07T04:36:38.123+0000 INFO ReplicaManager - Became leader of __consumer_offsets-0
        2026-12-07T04:36:38.901+0000 INFO GroupCoordinator - Loaded 100 groups from __consumer_offsets-0 (100000 records)
        """;
    LoadLogLine line = LoadLogLine.find(log, 0).orElseThrow();
    assertThat(line.epochMillis()).isEqualTo(OffsetDateTime.parse("2026-12-07T04:36:38.901Z").toInstant().toEpochMilli());
    assertThat(line.records()).isEqualTo(100_000);
  }

  @Test
  void aRewordedLineWithoutACountStillMatchesButNotAnotherPartition() {
    String log = """
        2026-12-07T05:00:00.000+0100 INFO CoordinatorRuntime - Loaded __consumer_offsets-10 in 5 ms
        2026-12-07T05:00:01.500+0100 INFO CoordinatorRuntime - Finished loading of __consumer_offsets-1 ...
        2026-12-07T05:00:02.000+0100 INFO CoordinatorRuntime - loaded shard __consumer_offsets-1 in 1200 ms
        """;
    LoadLogLine line = LoadLogLine.find(log, 1).orElseThrow();
    assertThat(line.epochMillis()).isEqualTo(OffsetDateTime.parse("2026-12-07T04:00:02Z").toInstant().toEpochMilli());
    assertThat(line.records()).isEqualTo(-1);
    assertThat(LoadLogLine.find(log, 2)).isEmpty();
  }

  @Test
  void anUntimedLineIsSkipped() {
    assertThat(LoadLogLine.find("\tat Loaded __consumer_offsets-0 (5 records)\n", 0)).isEmpty();
  }
}
