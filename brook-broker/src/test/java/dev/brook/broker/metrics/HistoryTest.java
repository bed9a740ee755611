package dev.brook.broker.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryTest {
  @TempDir Path dir;

  @Test
  void pointsSurviveARestartAndATornLastLine() throws Exception {
    long now = System.currentTimeMillis();
    try (History h = new History(dir, 10_000)) {
      for (int i = 0; i < 5; i++) h.record(now - (5 - i) * 10_000L, Map.of("topic:a", (long) i, "lag:a:g", 10L * i));
    }
    Path file = Files.list(dir).filter(p -> p.getFileName().toString().startsWith("brook-history.")).findFirst().orElseThrow();
    Files.writeString(file, Files.readString(file) + "123\ttopic:a", java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
    try (History h = new History(dir, 10_000)) {
      assertThat(h.series("topic:a", 0)).extracting(History.Point::value).containsExactly(0L, 1L, 2L, 3L, 4L);
      assertThat(h.series("lag:a:g", 0)).extracting(History.Point::value).containsExactly(0L, 10L, 20L, 30L, 40L);
    }
  }

  @Test
  void aGroupsLagIsSummedOverTheTopicsAsked() throws Exception {
    long now = System.currentTimeMillis();
    try (History h = new History(dir, 10_000)) {
      h.record(now - 20_000, Map.of(History.lagSeries("orders", "g"), 1L, History.lagSeries("secret", "g"), 40L));
      h.record(now - 10_000, Map.of(History.lagSeries("orders", "g"), 2L));
      h.record(now, Map.of(History.lagSeries("orders", "g"), 3L, History.lagSeries("secret", "g"), 50L));
      assertThat(h.sum(List.of("lag:orders:g"), 0)).extracting(History.Point::value).containsExactly(1L, 2L, 3L);
      assertThat(h.sum(List.of("lag:orders:g", "lag:secret:g"), 0)).extracting(History.Point::value).containsExactly(41L, 2L, 53L);
      assertThat(h.sum(List.of("lag:orders:g", "lag:secret:g"), now - 10_000)).extracting(History.Point::timeMs)
          .containsExactly(now - 10_000, now);
      assertThat(h.sum(List.of("lag:none:g"), 0)).isEmpty();
    }
  }

  @Test
  void lagSeriesNamesParseBackWhateverTheGroupId() {
    assertThat(History.LagSeries.parse(History.lagSeries("orders", "a:b\tc"))).isEqualTo(new History.LagSeries("orders", "a:b\tc"));
    assertThat(History.LagSeries.parse("topic:orders")).isNull();
    assertThat(History.LagSeries.parse("lag::g")).isNull();
    assertThat(History.topicOf(History.topicSeries("orders"))).isEqualTo("orders");
    assertThat(History.topicOf("lag:orders:g")).isNull();
  }

  @Test
  void aSeriesWhoseNameTheFileCannotHoldStaysInMemory() throws Exception {
    long now = System.currentTimeMillis();
    try (History h = new History(dir, 10_000)) {
      h.record(now, Map.of(History.lagSeries("t", "odd\ngroup"), 7L, History.lagSeries("t", "g"), 8L));
      assertThat(h.series("lag:t:odd\ngroup", 0)).extracting(History.Point::value).containsExactly(7L);
    }
    try (History h = new History(dir, 10_000)) {
      assertThat(h.names()).containsExactly("lag:t:g");
      assertThat(h.series("lag:t:g", 0)).extracting(History.Point::value).containsExactly(8L);
    }
  }

  @Test
  void memoryIsBoundedByPointsAndSeries() throws Exception {
    try (History h = new History(dir, 10, 4)) {
      long t = System.currentTimeMillis();
      for (int i = 0; i < 10; i++) h.record(t + i, Map.of("topic:a", (long) i));
      assertThat(h.series("topic:a", 0)).extracting(History.Point::value).containsExactly(6L, 7L, 8L, 9L);
      Map<String, Long> many = new LinkedHashMap<>();
      for (int i = 0; i < History.MAX_SERIES + 10; i++) many.put("topic:t" + i, 1L);
      h.record(t + 100, many);
      assertThat(h.names()).hasSize(History.MAX_SERIES);
    }
  }

  @Test
  void pointsOlderThanTheWindowAreNotReadBack() throws Exception {
    long now = System.currentTimeMillis();
    try (History h = new History(dir, 1_000, 10)) {
      h.record(now - 60_000, Map.of("topic:a", 1L)); // older than 10 points × 1 s
      h.record(now - 1_000, Map.of("topic:a", 2L));
    }
    try (History h = new History(dir, 1_000, 10)) {
      assertThat(h.series("topic:a", 0)).extracting(History.Point::value).containsExactly(2L);
    }
  }
}
