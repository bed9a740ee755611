package dev.brook.testkit.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.testkit.BrookBootstrap;
import dev.brook.testkit.BrookBroker;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.kafka.KafkaConnectionDetails;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.test.context.ContextCustomizer;

class BrookContextCustomizerFactoryTest {
  private final BrookContextCustomizerFactory factory = new BrookContextCustomizerFactory();

  @Test
  void aClassWithoutBrookBrokerGetsNoCustomizer() {
    assertThat(factory.createContextCustomizer(BrookContextCustomizerFactoryTest.class, List.of())).isNull();
  }

  @Test
  void classesWithBrokersOfTheirOwnGetCustomizersThatDiffer() {
    // Spring's context cache compares customizers: equal ones would share a context and its clients.
    ContextCustomizer a = factory.createContextCustomizer(WithBroker.class, List.of());
    ContextCustomizer b = factory.createContextCustomizer(OtherWithBroker.class, List.of());
    assertThat(a).isNotNull().isNotEqualTo(b);
    assertThat(factory.createContextCustomizer(WithBroker.Inner.class, List.of())).isEqualTo(a);
  }

  @Test
  void theBeanFailsClearlyWhenNoBrokerRuns() {
    KafkaConnectionDetails details = register(factory.createContextCustomizer(OtherWithBroker.class, List.of()));
    assertThatThrownBy(details::getBootstrapServers)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no Brook broker is running for " + OtherWithBroker.class.getName());
  }

  static KafkaConnectionDetails register(ContextCustomizer customizer) {
    try (GenericApplicationContext context = new GenericApplicationContext()) {
      customizer.customizeContext(context, null);
      context.refresh();
      return context.getBean(KafkaConnectionDetails.class);
    }
  }

  @BrookBroker
  static class OtherWithBroker {}

  @BrookBroker
  static class WithBroker {
    class Inner {}
  }

  /** Inside a running {@code @BrookBroker} class, the bean answers its broker, also for a nested class. */
  @BrookBroker
  @Nested
  class Running {
    @Test
    void theBeanAnswersTheRunningBrokersBootstrapString(@BrookBootstrap String bootstrap) {
      KafkaConnectionDetails details = register(new BrookContextCustomizerFactory().createContextCustomizer(Running.class, List.of()));
      assertThat(details.getBootstrapServers()).containsExactly(bootstrap);
      assertThat(details.getProducer().getBootstrapServers()).containsExactly(bootstrap);
      assertThat(details.getStreams().getBootstrapServers()).containsExactly(bootstrap);
      assertThat(details.getSecurityProtocol()).isEqualTo("PLAINTEXT");
    }

    @Nested
    class Deeper {
      @Test
      void aNestedClassSharesTheEnclosingBroker(@BrookBootstrap String bootstrap) {
        KafkaConnectionDetails details = register(new BrookContextCustomizerFactory().createContextCustomizer(Deeper.class, List.of()));
        assertThat(details.getBootstrapServers()).containsExactly(bootstrap);
      }
    }
  }
}
