package dev.brook.broker.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryTest {
  @TempDir Path dir;

  @Test
  void pointsSurviveARestartAndATornLastLine() throws Exception {
    long now = System.currentTimeMillis();
    try (History h = new History(dir, 10_000)) {
      for (int i = 0; i < 5; i++) h.record(now - (5 - i) * 10_000L, Map.of("topic:a", (long) i, "group:g", 10L * i));
    }
    Path file = Files.list(dir).filter(p -> p.getFileName().toString().startsWith("brook-history.")).findFirst().orElseThrow();
    Files.writeString(file, Files.readString(file) + "123\ttopic:a", java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
    try (History h = new History(dir, 10_000)) {
      assertThat(h.series("topic:a", 0)).extracting(History.Point::value).containsExactly(0L, 1L, 2L, 3L, 4L);
      assertThat(h.series("group:g", 0)).extracting(History.Point::value).containsExactly(0L, 10L, 20L, 30L, 40L);
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
