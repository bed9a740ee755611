package dev.brook.testkit.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.testkit.BrookTestBroker;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;

class BrookSpringPropertiesTest {
  @Test
  void registersSpringKafkasBootstrapPropertiesAsTheBrokersBootstrapString() {
    Map<String, Supplier<Object>> registered = new LinkedHashMap<>();
    DynamicPropertyRegistry registry = registered::put;
    try (BrookTestBroker broker = BrookTestBroker.start()) {
      BrookSpringProperties.register(registry, broker);
      assertThat(registered).containsOnlyKeys(
          "spring.kafka.bootstrap-servers", "spring.kafka.streams.bootstrap-servers", "spring.embedded.kafka.brokers");
      registered.values().forEach(v -> assertThat(v.get()).isEqualTo(broker.bootstrapServers()));
    }
  }
}
