package dev.brook.broker.cluster.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void roundTripsTheZnodeShapes() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", 1L);
    m.put("isr", List.of(1L, 2L));
    m.put("rack", null);
    m.put("name", "a \"quoted\"\\ name\n");
    m.put("nested", Map.of("k", true));
    assertThat(Json.parse(Json.write(m))).isEqualTo(m);
  }

  @Test
  void malformedInputIsRefused() {
    for (String bad : List.of("{", "{\"a\":}", "[1,", "{\"a\":1} x", "\"open", "-", "{\"a\" 1}")) {
      assertThatThrownBy(() -> Json.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
