package dev.brook.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.Broker;
import dev.brook.broker.config.BrokerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTP produce and topics in the Confluent REST Proxy v3 shapes, read back with the real kafka-clients consumer. */
class RestV3IT {
  @TempDir Path dir;
  Broker broker;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    Map<String, String> s = new HashMap<>();
    s.put("listeners", "PLAINTEXT://127.0.0.1:0");
    s.put("log.dirs", dir.toString());
    s.put("http.port", "0");
    s.put("offsets.topic.num.partitions", "3");
    s.put("transaction.state.log.num.partitions", "3");
    broker = Broker.start(BrokerConfig.of(s));
  }

  @AfterEach
  void stop() {
    if (broker != null) broker.close();
  }

  @Test
  void topicsRecordsAndLagInRestProxyShapes() throws Exception {
    HttpResponse<String> clusters = call("GET", "/v3/clusters", null);
    assertThat(clusters.statusCode()).isEqualTo(200);
    @SuppressWarnings("unchecked")
    String clusterId = (String) ((Map<String, Object>) ((List<?>) ((Map<?, ?>) JsonIn.parse(clusters.body())).get("data")).get(0)).get("cluster_id");
    String base = "/v3/clusters/" + clusterId;

    HttpResponse<String> created = call("POST", base + "/topics",
        "{\"topic_name\":\"rest\",\"partitions_count\":1,\"replication_factor\":1,\"configs\":[{\"name\":\"cleanup.policy\",\"value\":\"delete\"}]}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    assertThat(created.body()).contains("\"kind\":\"KafkaTopic\"", "\"topic_name\":\"rest\"", "\"partitions_count\":1");
    assertThat(call("GET", base + "/topics", null).body()).contains("\"topic_name\":\"rest\"");

    HttpResponse<String> json = call("POST", base + "/topics/rest/records",
        "{\"key\":{\"type\":\"STRING\",\"data\":\"k1\"},\"value\":{\"type\":\"JSON\",\"data\":{\"n\":1,\"tags\":[\"a\",\"b\"]}},"
            + "\"headers\":[{\"name\":\"h\",\"value\":\"" + Base64.getEncoder().encodeToString("hv".getBytes()) + "\"}]}");
    assertThat(json.statusCode()).as(json.body()).isEqualTo(200);
    assertThat(json.body()).contains("\"error_code\":200", "\"partition_id\":0", "\"offset\":0");
    HttpResponse<String> binary = call("POST", base + "/topics/rest/records",
        "{\"value\":{\"type\":\"BINARY\",\"data\":\"" + Base64.getEncoder().encodeToString(new byte[] {0, 1, 2, (byte) 255}) + "\"}}");
    assertThat(binary.body()).contains("\"offset\":1");

    List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    c.put(ConsumerConfig.GROUP_ID_CONFIG, "rest-readers");
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"); // the commit below is the only one
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(List.of(new TopicPartition("rest", 0)));
      consumer.seekToBeginning(List.of(new TopicPartition("rest", 0)));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (got.size() < 2 && System.nanoTime() < deadline) consumer.poll(Duration.ofMillis(200)).forEach(got::add);
      consumer.commitSync(Map.of(new TopicPartition("rest", 0), new OffsetAndMetadata(1)));
    }
    assertThat(new String(got.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("k1");
    assertThat(new String(got.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("{\"n\":1,\"tags\":[\"a\",\"b\"]}");
    assertThat(new String(got.get(0).headers().lastHeader("h").value(), StandardCharsets.UTF_8)).isEqualTo("hv");
    assertThat(got.get(1).key()).isNull();
    assertThat(got.get(1).value()).containsExactly(0, 1, 2, 255);

    HttpResponse<String> lags = call("GET", base + "/consumer-groups/rest-readers/lags", null);
    assertThat(lags.body()).contains("\"kind\":\"KafkaConsumerLag\"", "\"current_offset\":1", "\"log_end_offset\":2", "\"lag\":1");

    assertThat(call("DELETE", base + "/topics/rest", null).statusCode()).isEqualTo(204);
  }

  @Test
  void badInputGetsClearJsonErrors() throws Exception {
    HttpResponse<String> wrongCluster = call("GET", "/v3/clusters/not-this-one/topics", null);
    assertThat(wrongCluster.statusCode()).isEqualTo(404);
    assertThat(wrongCluster.body()).startsWith("{\"error_code\":40401,");
    HttpResponse<String> clusters = call("GET", "/v3/clusters", null);
    String id = clusters.body().replaceAll(".*\"cluster_id\":\"([^\"]+)\".*", "$1");
    HttpResponse<String> malformed = call("POST", "/v3/clusters/" + id + "/topics", "{\"topic_name\": ");
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(malformed.body()).contains("\"error_code\":40001", "malformed JSON");
    HttpResponse<String> deep = call("POST", "/v3/clusters/" + id + "/topics", "[".repeat(10_000));
    assertThat(deep.statusCode()).isEqualTo(400);
    HttpResponse<String> noTopic = call("GET", "/v3/clusters/" + id + "/topics/missing", null);
    assertThat(noTopic.statusCode()).isEqualTo(404);
    HttpResponse<String> badType = call("POST", "/v3/clusters/" + id + "/topics/missing/records", "{\"value\":{\"type\":\"AVRO\",\"data\":1}}");
    assertThat(badType.statusCode()).isEqualTo(400);
    assertThat(badType.body()).contains("JSON, STRING or BINARY");
    HttpResponse<String> text = http.send(HttpRequest.newBuilder(uri("/v3/clusters/" + id + "/topics"))
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("hi")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(text.statusCode()).isEqualTo(415);
  }

  private HttpResponse<String> call(String method, String path, String json) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30));
    if (json != null) b.header("Content-Type", "application/json");
    b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + broker.httpPort() + path);
  }
}
