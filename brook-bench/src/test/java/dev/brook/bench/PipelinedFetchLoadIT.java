package dev.brook.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.Broker;
import dev.brook.broker.cluster.BrokerEndpoint;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.replica.BrokerConnector;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fetch load against a real broker: a topic filled by {@link PipelinedProduceLoad#fill}, read a
 * fixed number of passes, must count exactly the records produced, whatever the answers' cuts.
 */
class PipelinedFetchLoadIT {
  @TempDir Path dir;

  @Test
  void twoPassesOverAFilledTopicCountEveryRecordProducedTwice() throws Exception {
    try (Broker b = Broker.start(BrokerConfig.of(Map.of("log.dirs", dir.toString(),
        "listeners", "PLAINTEXT://127.0.0.1:0")))) {
      String bootstrap = b.bootstrapServers();
      int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
      Properties p = new Properties();
      p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      try (Admin admin = Admin.create(p)) {
        admin.createTopics(List.of(new NewTopic("fill", 4, (short) 1))).all().get(60, TimeUnit.SECONDS);
      }
      // 4 partitions × 20 batches of 40 records of 100 B (~4.3 KB each)
      PipelinedProduceLoad.fill(new BrokerEndpoint(1, "127.0.0.1", port, null, Map.of()), BrokerConnector.PLAINTEXT,
          "fill", 4, 2, 3, 4096, 100, 20, 60);
      long produced = 4 * 20 * PipelinedProduceLoad.recordsPerBatch(4096, 100);

      // 10,000 bytes a partition: two whole batches an answer, and the broker's cut after them
      PipelinedFetchLoad.Result r = PipelinedFetchLoad.run("127.0.0.1", port,
          new PipelinedFetchLoad.Shape("fill", 4, 2, 2, 10_000, 2), 120);

      assertThat(r.records()).isEqualTo(2 * produced);
      assertThat(r.passes()).isEqualTo(8);
      assertThat(r.answers()).isGreaterThanOrEqualTo(8 * 10); // at most two batches an answer
      assertThat(r.bytes()).isGreaterThan(2 * produced * 100);
    }
  }
}
