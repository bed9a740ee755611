package dev.brook.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
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
    BrookProcess.dateJarOnce();
    int jmxPort = freePort();
    try (BrookProcess brook = BrookProcess.script(root.resolve("bin/brook"),
        Map.of("JMX_PORT", Integer.toString(jmxPort), "BROOK_AOT", "off"), "server",
        "--override", "listeners=PLAINTEXT://127.0.0.1:0", "--override", "log.dirs=" + dir.resolve("data"))) {
      String bootstrap = brook.bootstrap();
      Clients.createTopic(bootstrap, "jmx-topic", 1);
      Clients.produce(bootstrap, "jmx-topic", 0, 200);
      String url = "service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi";

      // One JmxTool run reads every MBean of the first checks (a tool JVM costs seconds of CPU).
      String topicIn = "kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec,topic=jmx-topic";
      String allIn = "kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec";
      String topicBytes = "kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec,topic=jmx-topic";
      String produces = "kafka.network:type=RequestMetrics,name=RequestsPerSec,request=Produce";
      String produceTime = "kafka.network:type=RequestMetrics,name=TotalTimeMs,request=Produce";
      String controllers = "kafka.controller:type=KafkaController,name=ActiveControllerCount";
      String underReplicated = "kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions";
      // The coordinators' metrics are shaped as Kafka's metrics library publishes them: an attribute per
      // metric on one MBean per group (MetricsEndpointIT checks they move).
      String txnCoordinator = "kafka.server:type=transaction-coordinator-metrics";
      Map<String, Double> values = read(url, topicIn, allIn, topicBytes, produces, produceTime, controllers,
          underReplicated, txnCoordinator);
      assertThat(value(values, topicIn, "Count")).isEqualTo(200.0);
      assertThat(value(values, allIn, "Count")).isGreaterThanOrEqualTo(200.0);
      assertThat(value(values, topicBytes, "Count")).isPositive();
      assertThat(value(values, produces, "Count")).isPositive();
      assertThat(value(values, produceTime, "99thPercentile")).isNotNegative();
      assertThat(value(values, controllers, "Value")).isEqualTo(1.0);
      assertThat(value(values, underReplicated, "Value")).isZero();
      assertThat(value(values, txnCoordinator, "partition-load-time-max")).isNotNegative();
      // The per-partition gauges follow new partitions within a few seconds.
      String logEnd = "kafka.log:type=Log,name=LogEndOffset,topic=jmx-topic,partition=0";
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
          assertThat(value(read(url, logEnd), logEnd, "Value")).isEqualTo(200.0));

      Clients.produce(bootstrap, "jmx-topic", 200, 100);
      assertThat(value(read(url, topicIn), topicIn, "Count")).isEqualTo(300.0);
      assertThat(brook.terminate()).isZero();
    }
  }

  /**
   * Every attribute of the MBeans {@code objectNames}, through one {@code JmxTool --one-time} run: its
   * output is a CSV header line (each column {@code "objectName:attribute"}) and one line of values.
   */
  private static Map<String, Double> read(String url, String... objectNames) throws Exception {
    List<String> args = new ArrayList<>(List.of("--jmx-url", url, "--one-time", "true"));
    for (String name : objectNames) args.addAll(List.of("--object-name", name));
    ExternalTool.Result r = ExternalTool.anchorTool(null, 120, "org.apache.kafka.tools.JmxTool", args.toArray(String[]::new));
    assertThat(r.exitCode()).as("JmxTool: %s %s", r.stdout(), r.stderr()).isZero();
    List<String> lines = r.stdout().lines().filter(l -> !l.startsWith("Trying")).toList();
    assertThat(lines).as("JmxTool output for %s: %s", List.of(objectNames), r.stdout()).hasSize(2);
    String header = lines.get(0);
    assertThat(header).startsWith("\"time\",\"").endsWith("\"");
    String[] columns = header.substring(1, header.length() - 1).split("\",\"");
    String[] cells = lines.get(1).split(",");
    assertThat(cells).as("a value per column in %s", r.stdout()).hasSameSizeAs(columns);
    Map<String, Double> values = new HashMap<>();
    for (int i = 1; i < columns.length; i++) {
      try {
        values.put(columns[i], Double.parseDouble(cells[i]));
      } catch (NumberFormatException notANumber) {
        // a unit or an event type, which no check reads
      }
    }
    return values;
  }

  /** The value of {@code objectName}'s {@code attribute} in {@code values}; fails when JmxTool did not list it. */
  private static double value(Map<String, Double> values, String objectName, String attribute) {
    String column = objectName + ":" + attribute;
    assertThat(values).as("JmxTool columns").containsKey(column);
    return values.get(column);
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
