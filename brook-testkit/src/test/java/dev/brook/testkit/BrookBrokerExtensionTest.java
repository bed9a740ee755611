package dev.brook.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@BrookBroker(brokerProperties = {"node.id=3"})
class BrookBrokerExtensionTest {
  private final BrookTestBroker fromConstructor;

  BrookBrokerExtensionTest(BrookTestBroker broker) {
    this.fromConstructor = broker;
  }

  @Test
  void injectsTheBrokerAndItsBootstrapString(BrookTestBroker broker, @BrookBootstrap String bootstrap) throws Exception {
    assertThat(broker).isSameAs(fromConstructor);
    assertThat(bootstrap).isEqualTo(broker.bootstrapServers());
    assertThat(broker.broker().nodeId()).isEqualTo(3);
    assertThat(RawKafkaClient.supportedApis(bootstrap)).contains(ApiKeys.API_VERSIONS);
  }

  @Test
  void setsSpringBootstrapServersProperty(@BrookBootstrap String bootstrap) {
    assertThat(System.getProperty("spring.kafka.bootstrap-servers")).isEqualTo(bootstrap);
  }

  @Test
  void setsTheStreamsAndEmbeddedKafkaPropertiesSpringTestsRead(@BrookBootstrap String bootstrap) {
    assertThat(System.getProperty("spring.kafka.streams.bootstrap-servers")).isEqualTo(bootstrap);
    assertThat(System.getProperty("spring.embedded.kafka.brokers")).isEqualTo(bootstrap);
  }

  @Nested
  class NestedTests {
    @Test
    void nestedClassesShareTheEnclosingBroker(BrookTestBroker broker) {
      assertThat(broker).isSameAs(fromConstructor);
    }
  }
}
