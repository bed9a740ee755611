package dev.brook.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

/** Runs an annotated class through the JUnit launcher and checks what the extension leaves behind. */
class BrookBrokerExtensionLifecycleTest {
  static final AtomicReference<BrookTestBroker> seen = new AtomicReference<>();

  @BrookBroker(bootstrapServersProperty = "brook.test.bootstrap")
  static class Sample {
    @Test
    void records(BrookTestBroker broker) {
      seen.set(broker);
    }
  }

  @Test
  void brokerStopsAndPropertyIsClearedAfterTheClass() throws Exception {
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    LauncherFactory.create().execute(
        LauncherDiscoveryRequestBuilder.request().selectors(selectClass(Sample.class)).build(), listener);
    assertThat(listener.getSummary().getTestsSucceededCount()).isEqualTo(1);
    BrookTestBroker broker = seen.get();
    assertThat(broker).isNotNull();
    assertThat(System.getProperty("brook.test.bootstrap")).isNull();
    assertThat(System.getProperty("spring.embedded.kafka.brokers")).isNull();
    assertThat(broker.logDir()).doesNotExist();
    assertThat(RawKafkaClientProbe.refusesConnections(broker.port())).isTrue();
  }

  static final class RawKafkaClientProbe {
    static boolean refusesConnections(int port) {
      try (var s = new java.net.Socket("127.0.0.1", port)) {
        return false;
      } catch (java.io.IOException e) {
        return true;
      }
    }
  }
}
