package dev.brook.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.metrics.BrokerMetrics;
import dev.brook.broker.metrics.ConsumerLag;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {
  @Test
  void aScopeLeavesOutTheSeriesOfTopicsAndGroupsItMayNotSee() {
    BrokerMetrics m = new BrokerMetrics(true, false);
    m.topics().produced("orders", 3, 300);
    m.topics().produced("secret", 5, 500);
    List<ConsumerLag.Lag> lags = List.of(new ConsumerLag.Lag("audit", "orders", 0, 1, 3), new ConsumerLag.Lag("audit", "secret", 0, 1, 5),
        new ConsumerLag.Lag("billing", "orders", 0, 0, 3));
    String all = PrometheusText.write(m.registry(), m.attributeGroups(), lags);
    assertThat(all).contains("kafka_server_brokertopicmetrics_messagesin_total{topic=\"secret\"} 5",
        "kafka_consumergroup_lag{consumergroup=\"audit\",topic=\"secret\",partition=\"0\"} 4", "consumergroup=\"billing\"");

    String some = PrometheusText.write(m.registry(), m.attributeGroups(), lags,
        new PrometheusText.Scope(t -> t.equals("orders"), g -> g.equals("audit")));
    assertThat(some).contains("kafka_server_brokertopicmetrics_messagesin_total{topic=\"orders\"} 3",
        "kafka_consumergroup_lag{consumergroup=\"audit\",topic=\"orders\",partition=\"0\"} 2",
        "kafka_server_brokertopicmetrics_messagesin_total 8");
    assertThat(some).doesNotContain("secret", "billing");
  }
}
