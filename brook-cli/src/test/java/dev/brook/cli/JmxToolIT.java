package dev.brook.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka 4.1.1's own {@code JmxTool} reads Brook's metrics over JMX remote, under Kafka's ObjectNames
 * and attribute names, from a broker started the way Kafka's scripts start one ({@code JMX_PORT=…
 * bin/brook server}), and the values move with a real producer's records.
 */
class JmxToolIT {
  @TempDir Path dir;

  @BeforeAll
  static void anchor() {
    ExternalTool.requireAnchor();
  }

  @Test
  void kafkasJmxToolReadsBrooksMetricsAndTheyMove() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    Files.setLastModifiedTime(BrookProcess.jar(), FileTime.from(Instant.now())); // see BinBrookIT
    int jmxPort = freePort();
    try (BrookProcess brook = BrookProcess.script(root.resolve("bin/brook"),
        Map.of("JMX_PORT", Integer.toString(jmxPort), "BROOK_AOT", "off"), "server",
        "--override", "listeners=PLAINTEXT://127.0.0.1:0", "--override", "log.dirs=" + dir.resolve("data"))) {
      String bootstrap = brook.bootstrap();
      Clients.createTopic(bootstrap, "jmx-topic", 1);
      Clients.produce(bootstrap, "jmx-topic", 0, 200);
      String url = "service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi";

      assertThat(read(url, "kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec,topic=jmx-topic", "Count"))
          .isEqualTo(200.0);
      assertThat(read(url, "kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec", "Count")).isGreaterThanOrEqualTo(200.0);
      assertThat(read(url, "kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec,topic=jmx-topic", "Count")).isPositive();
      assertThat(read(url, "kafka.network:type=RequestMetrics,name=RequestsPerSec,request=Produce", "Count")).isPositive();
      assertThat(read(url, "kafka.network:type=RequestMetrics,name=TotalTimeMs,request=Produce", "99thPercentile")).isNotNegative();
      assertThat(read(url, "kafka.controller:type=KafkaController,name=ActiveControllerCount", "Value")).isEqualTo(1.0);
      assertThat(read(url, "kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions", "Value")).isZero();
      // The coordinators' metrics are shaped as Kafka's metrics library publishes them: an attribute per
      // metric on one MBean per group (MetricsEndpointIT checks they move).
      assertThat(read(url, "kafka.server:type=transaction-coordinator-metrics", "partition-load-time-max")).isNotNegative();
      // The per-partition gauges follow new partitions within a few seconds.
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
          assertThat(read(url, "kafka.log:type=Log,name=LogEndOffset,topic=jmx-topic,partition=0", "Value")).isEqualTo(200.0));

      Clients.produce(bootstrap, "jmx-topic", 200, 100);
      assertThat(read(url, "kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec,topic=jmx-topic", "Count"))
          .isEqualTo(300.0);
      assertThat(brook.terminate()).isZero();
    }
  }

  /** One attribute of one MBean, through {@code JmxTool --one-time}: its CSV has a header line and a value line. */
  private static double read(String url, String objectName, String attribute) throws Exception {
    ExternalTool.Result r = ExternalTool.anchorTool(null, 120, "org.apache.kafka.tools.JmxTool",
        "--jmx-url", url, "--object-name", objectName, "--attributes", attribute, "--one-time", "true");
    assertThat(r.exitCode()).as("JmxTool: %s %s", r.stdout(), r.stderr()).isZero();
    List<String> lines = r.stdout().lines().filter(l -> !l.startsWith("Trying")).toList();
    assertThat(lines).as("JmxTool output for %s: %s", objectName, r.stdout()).hasSize(2);
    assertThat(lines.get(0)).contains(objectName + ":" + attribute);
    String[] values = lines.get(1).split(",");
    return Double.parseDouble(values[values.length - 1]);
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
