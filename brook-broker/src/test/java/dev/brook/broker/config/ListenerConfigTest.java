package dev.brook.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.Test;

class ListenerConfigTest {
  private static final List<String> DEFAULT_MAP = List.of(ListenerConfig.DEFAULT_PROTOCOL_MAP.split(","));

  @Test
  void severalListenersWithTheirProtocolsAndAdvertisedEndpoints() {
    ListenerConfig c = ListenerConfig.parse(
        List.of("INTERNAL://0.0.0.0:9092", "EXTERNAL://127.0.0.1:9093"),
        List.of("INTERNAL:PLAINTEXT", "EXTERNAL:sasl_ssl"),
        List.of("EXTERNAL://broker.example:19093"),
        "INTERNAL");
    assertThat(c.listeners()).extracting(Listener::name).containsExactly("INTERNAL", "EXTERNAL");
    assertThat(c.protocol("EXTERNAL")).isEqualTo(SecurityProtocol.SASL_SSL);
    assertThat(c.advertised()).containsOnlyKeys("EXTERNAL");
    assertThat(c.interBrokerListener().port()).isEqualTo(9092);
  }

  @Test
  void kafkasDefaultMapServesListenersNamedAfterTheirProtocol() {
    ListenerConfig c = ListenerConfig.parse(List.of("PLAINTEXT://:9092", "SSL://:9093"), DEFAULT_MAP, List.of(), null);
    assertThat(c.protocol("SSL")).isEqualTo(SecurityProtocol.SSL);
    assertThat(c.interBroker()).as("the first listener by default").isEqualTo("PLAINTEXT");
  }

  @Test
  void everyMistakeNamesItsKey() {
    Map<String, Runnable> cases = Map.of(
        "listener.security.protocol.map", () -> ListenerConfig.parse(List.of("CLIENT://:9092"), DEFAULT_MAP, List.of(), null),
        "listeners", () -> ListenerConfig.parse(List.of("PLAINTEXT://:9092", "PLAINTEXT://:9093"), DEFAULT_MAP, List.of(), null),
        "advertised.listeners", () -> ListenerConfig.parse(List.of("PLAINTEXT://:9092"), DEFAULT_MAP, List.of("SSL://h:1"), null),
        "inter.broker.listener.name", () -> ListenerConfig.parse(List.of("PLAINTEXT://:9092"), DEFAULT_MAP, List.of(), "SSL"));
    cases.forEach((key, parse) -> assertThatThrownBy(parse::run).isInstanceOf(ConfigException.class).hasMessageContaining(key));
    assertThatThrownBy(() -> ListenerConfig.parse(List.of("A://:9092"), List.of("A:TLS"), List.of(), null))
        .hasMessageContaining("listener.security.protocol.map").hasMessageContaining("TLS");
    assertThatThrownBy(() -> ListenerConfig.parse(List.of("A://:9092", "B://:9092"), List.of("A:PLAINTEXT", "B:PLAINTEXT"), List.of(), null))
        .hasMessageContaining("port 9092");
    assertThatThrownBy(() -> ListenerConfig.parse(List.of("A://:9092"), List.of("A:PLAINTEXT"), List.of("A://0.0.0.0:9092"), null))
        .hasMessageContaining("advertised.listeners").hasMessageContaining("concrete host");
  }
}
