package dev.brook.broker.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.codahale.metrics.Gauge;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

class BrokerMetricsTest {
  private static final MBeanServer MBEANS = ManagementFactory.getPlatformMBeanServer();

  @Test
  void publishRegistersTheMBeansAfterItsDelayAndCloseUnregistersThem() throws Exception {
    String name = KafkaMetricNames.of("kafka.server", "BrokerMetricsTest", "Published");
    BrokerMetrics metrics = new BrokerMetrics(true, true);
    metrics.gauge(name, (Gauge<Integer>) () -> 7);
    metrics.publish();
    await().atMost(Duration.ofSeconds(10)).until(() -> MBEANS.isRegistered(new ObjectName(name)));
    assertThat(MBEANS.getAttribute(new ObjectName(name), "Value")).isEqualTo(7);
    metrics.close();
    assertThat(MBEANS.isRegistered(new ObjectName(name))).isFalse();
  }

  @Test
  void closedBeforeItsDelayPublishesNothing() throws Exception {
    String name = KafkaMetricNames.of("kafka.server", "BrokerMetricsTest", "NeverPublished");
    BrokerMetrics metrics = new BrokerMetrics(true, true);
    metrics.gauge(name, (Gauge<Integer>) () -> 1);
    metrics.publish();
    metrics.close(); // within the publisher's delay (1 s by default)
    metrics.publish(); // after close: nothing
    Thread.sleep(BrokerMetrics.PUBLISH_DELAY_MS + 500); // a publication, had there been one, would be done by now
    assertThat(MBEANS.isRegistered(new ObjectName(name))).isFalse();
  }
}
