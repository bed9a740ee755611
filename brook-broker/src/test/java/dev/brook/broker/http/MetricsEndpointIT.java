package dev.brook.broker.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.brook.broker.Broker;
import dev.brook.broker.config.BrokerConfig;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /metrics} parsed as Prometheus text: the JMX-exporter names are there and the counters
 * move with a real client's produce; consumer lag under kafka_exporter's name; the MBeans behind them
 * under Kafka's ObjectNames; health probes; bad HTTP input gets a JSON 4xx.
 */
class MetricsEndpointIT {
  /** name{labels} value — the exposition's sample line. */
  private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (-?[0-9.eE+-]+|NaN)");

  @TempDir Path dir;
  Broker broker;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    Map<String, String> s = new HashMap<>();
    s.put("listeners", "PLAINTEXT://127.0.0.1:0");
    s.put("log.dirs", dir.toString());
    s.put("http.port", "0");
    s.put("group.initial.rebalance.delay.ms", "0");
    s.put("offsets.topic.num.partitions", "3");
    s.put("transaction.state.log.num.partitions", "3");
    broker = Broker.start(BrokerConfig.of(s));
  }

  @AfterEach
  void stop() {
    if (broker != null) broker.close();
  }

  @Test
  void countersMoveWithProduceAndLagIsReportedPerPartition() throws Exception {
    Map<String, Double> before = scrape();
    assertThat(before).containsKey("kafka_server_replicamanager_underreplicatedpartitions");
    double inBefore = before.getOrDefault("kafka_server_brokertopicmetrics_messagesin_total", 0.0);

    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic("metered", 1, (short) 1))).all().get();
    }
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      for (int i = 0; i < 50; i++) producer.send(new ProducerRecord<>("metered", "k" + i, "v" + i)).get();
    }
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    c.put(ConsumerConfig.GROUP_ID_CONFIG, "lagging");
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
      consumer.commitSync(Map.of(new TopicPartition("metered", 0), new OffsetAndMetadata(10)));
    }

    Map<String, Double> after = scrape();
    assertThat(after.get("kafka_server_brokertopicmetrics_messagesin_total")).isGreaterThanOrEqualTo(inBefore + 50);
    assertThat(after).containsEntry("kafka_server_brokertopicmetrics_messagesin_total{topic=\"metered\"}", 50.0);
    assertThat(after.get("kafka_server_brokertopicmetrics_bytesin_total{topic=\"metered\"}")).isPositive();
    assertThat(after).containsEntry("kafka_server_brokertopicmetrics_totalproducerequests_total{topic=\"metered\"}", 50.0);
    assertThat(after.get("kafka_network_requestmetrics_requests_total{request=\"Produce\"}")).isGreaterThanOrEqualTo(50);
    assertThat(after.get("kafka_network_requestmetrics_totaltimems_count{request=\"Produce\"}")).isGreaterThanOrEqualTo(50);
    assertThat(after).containsKey("kafka_network_requestmetrics_totaltimems{request=\"Produce\",quantile=\"0.99\"}");
    assertThat(after.get("kafka_server_replicamanager_partitioncount")).isGreaterThanOrEqualTo(1);
    assertThat(after.get("kafka_server_replicamanager_leadercount")).isGreaterThanOrEqualTo(1);
    assertThat(after).containsEntry("kafka_controller_kafkacontroller_activecontrollercount", 1.0);
    assertThat(after).containsEntry("kafka_log_log_logendoffset{topic=\"metered\",partition=\"0\"}", 50.0);
    assertThat(after).containsEntry("kafka_consumergroup_lag{consumergroup=\"lagging\",topic=\"metered\",partition=\"0\"}", 40.0);
    assertThat(after.get("jvm_memory_bytes_used{area=\"heap\"}")).isPositive();
    assertThat(after.get("kafka_network_socketserver_networkprocessoravgidlepercent")).isBetween(0.0, 1.0);

    // The same figures as MBeans under Kafka's ObjectNames (what JmxTool and exporters read), once
    // published: a second after the start, on a thread of its own (BrokerMetrics.PUBLISH_DELAY_MS).
    var mbeans = ManagementFactory.getPlatformMBeanServer();
    await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(javax.management.InstanceNotFoundException.class)
        .untilAsserted(() -> {
      assertThat(mbeans.getAttribute(new ObjectName("kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec,topic=metered"), "Count"))
          .isEqualTo(50L);
      assertThat(mbeans.getAttribute(new ObjectName("kafka.network:type=RequestMetrics,name=TotalTimeMs,request=Produce"), "99thPercentile"))
          .isInstanceOf(Double.class);
      assertThat(mbeans.getAttribute(new ObjectName("kafka.log:type=Log,name=LogEndOffset,topic=metered,partition=0"), "Value"))
          .isEqualTo(50L);
    });
  }

  @Test
  void coordinatorMetricsMoveWithAGroupAndATransaction() throws Exception {
    Map<String, Double> before = scrape();
    assertThat(before).containsEntry("kafka_server_group_coordinator_metrics_offset_commit_count", 0.0);
    assertThat(before).containsEntry("kafka_server_group_coordinator_metrics_group_count{protocol=\"classic\"}", 0.0);
    assertThat(before).containsEntry("kafka_server_transaction_coordinator_metrics_partition_load_time_max", 0.0);

    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic("coordinated", 2, (short) 1))).all().get();
    }
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    c.put(ConsumerConfig.GROUP_ID_CONFIG, "members");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"); // only the test's commit counts
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
      consumer.subscribe(List.of("coordinated"));
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        consumer.poll(Duration.ofMillis(100));
        return consumer.assignment().size() == 2;
      });
      consumer.commitSync(Map.of(new TopicPartition("coordinated", 0), new OffsetAndMetadata(0),
          new TopicPartition("coordinated", 1), new OffsetAndMetadata(0)));
      // Counts are taken on the coordinator's thread at most once a second.
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        Map<String, Double> during = scrape();
        assertThat(during).containsEntry("kafka_coordinator_group_groupmetadatamanager_numgroupsstable", 1.0);
        assertThat(during).containsEntry("kafka_coordinator_group_groupmetadatamanager_numoffsets", 2.0);
        assertThat(during).containsEntry("kafka_server_group_coordinator_metrics_group_count{protocol=\"classic\"}", 1.0);
      });
    }
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "metered-txn");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      producer.initTransactions(); // creates and loads __transaction_state
    }

    Map<String, Double> after = scrape();
    assertThat(after).containsEntry("kafka_server_group_coordinator_metrics_offset_commit_count", 2.0);
    assertThat(after.get("kafka_server_group_coordinator_metrics_group_completed_rebalance_count")).isGreaterThanOrEqualTo(1);
    assertThat(after).containsEntry("kafka_server_group_coordinator_metrics_num_partitions{state=\"active\"}", 3.0);
    assertThat(after).containsEntry("kafka_server_group_coordinator_metrics_num_partitions{state=\"loading\"}", 0.0);
    // Loads take well under a millisecond on an empty partition: the figures are fractional ms.
    assertThat(after.get("kafka_server_group_coordinator_metrics_partition_load_time_max")).isPositive();
    assertThat(after.get("kafka_server_group_coordinator_metrics_partition_load_time_avg")).isPositive();
    assertThat(after.get("kafka_server_transaction_coordinator_metrics_partition_load_time_max")).isPositive();

    // A meter's one-minute rate moves at its next 5 s tick.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(scrape().get("kafka_server_group_coordinator_metrics_offset_commit_rate")).isPositive());

    // As MBeans in the shape Kafka's metrics library gives them: one ObjectName, one attribute per metric.
    var mbeans = ManagementFactory.getPlatformMBeanServer();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat((Double) mbeans.getAttribute(new ObjectName("kafka.server:type=transaction-coordinator-metrics"), "partition-load-time-max"))
          .isPositive();
      assertThat(mbeans.getAttribute(new ObjectName("kafka.server:type=group-coordinator-metrics"), "offset-commit-count")).isEqualTo(2.0);
      assertThat(mbeans.getAttribute(new ObjectName("kafka.coordinator.group:type=GroupMetadataManager,name=NumOffsets"), "Value"))
          .isEqualTo(2);
    });
  }

  @Test
  void probesAnswerAndBadInputGetsJsonErrors() throws Exception {
    assertThat(get("/health/live").statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      HttpResponse<String> ready = get("/health/ready");
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(ready.body()).contains("\"status\":\"UP\"");
    });
    HttpResponse<String> missing = get("/no/such/page");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.headers().firstValue("Content-Type")).contains("application/json");
    assertThat(missing.body()).startsWith("{\"error_code\":404,");
    HttpResponse<String> post = http.send(HttpRequest.newBuilder(uri("/metrics")).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.body()).contains("\"error_code\":405");
  }

  private Map<String, Double> scrape() throws Exception {
    HttpResponse<String> r = get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
    Map<String, Double> samples = new HashMap<>();
    for (String line : r.body().split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) continue;
      Matcher m = SAMPLE.matcher(line);
      assertThat(m.matches()).as("a sample line: %s", line).isTrue();
      samples.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
    }
    return samples;
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + broker.httpPort() + path);
  }
}
