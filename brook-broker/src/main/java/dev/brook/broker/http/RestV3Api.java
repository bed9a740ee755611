package dev.brook.broker.http;

import dev.brook.broker.metrics.ConsumerLag;
import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.Partition;
import dev.brook.broker.security.Operation;
import dev.brook.broker.security.ResourceType;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.ApiException;

/**
 * HTTP produce and topics for clients without a Kafka library, in the shapes of the Confluent REST
 * Proxy v3 API: {@code GET /v3/clusters}, {@code GET|POST /v3/clusters/{id}/topics}, {@code GET|DELETE
 * /v3/clusters/{id}/topics/{topic}}, {@code POST /v3/clusters/{id}/topics/{topic}/records} (one record
 * per request; key and value typed {@code JSON}, {@code STRING} or {@code BINARY} (base64); headers
 * base64), {@code GET /v3/clusters/{id}/consumer-groups/{group}/lags}. JSON in and out; errors are
 * {@code {"error_code": <HTTP status × 100 + 1>, "message": …}} as the REST Proxy's five-digit codes.
 * Like the console it authorizes each call for the HTTP caller as the Kafka API it stands for (listing
 * topics: DESCRIBE per topic, the rest left out; a topic: DESCRIBE; creating: CREATE on the cluster or
 * the topic; deleting: DELETE; producing: WRITE; a group's lags: DESCRIBE on the group, of the topics
 * the caller may DESCRIBE; refusals are 401/403 with error codes 40101/40301, as the REST Proxy's), then
 * acts through a Kafka client of this broker. HTTP server threads only.
 */
final class RestV3Api {
  private static final long TIMEOUT_MS = 10_000;

  private final ConsoleApi clients;
  private final LocalReplicaManager replicas;
  private final ConsumerLag lag;

  RestV3Api(ConsoleApi clients, LocalReplicaManager replicas, ConsumerLag lag) {
    this.clients = clients;
    this.replicas = replicas;
    this.lag = lag;
  }

  /** A response: status and JSON body (null: none). */
  record Answer(int status, String body) {}

  Answer handle(Caller caller, String method, String path, String body) throws Exception {
    String[] s = path.split("/"); // "", "v3", "clusters", id, area, name, sub
    try {
      if (s.length < 3 || !s[2].equals("clusters")) throw new BadRequest(404, "no such resource: " + path);
      String clusterId = clusterId();
      if (s.length == 3) {
        only(method, "GET");
        return ok(new JsonOut().obj().field("kind", "KafkaClusterList").key("data").arr()
            .obj().field("kind", "KafkaCluster").field("cluster_id", clusterId).end().endArr().end());
      }
      if (!s[3].equals(clusterId)) throw new BadRequest(404, "no cluster " + s[3] + " here; this is " + clusterId);
      if (s.length == 4) {
        only(method, "GET");
        return ok(new JsonOut().obj().field("kind", "KafkaCluster").field("cluster_id", clusterId).end());
      }
      switch (s[4]) {
        case "topics" -> {
          if (s.length == 5) {
            if (method.equals("POST")) return createTopic(caller, clusterId, body);
            only(method, "GET");
            return listTopics(caller, clusterId);
          }
          String topic = s[5];
          if (s.length == 6) {
            if (method.equals("DELETE")) {
              caller.require(Operation.DELETE, ResourceType.TOPIC, topic);
              clients.admin().deleteTopics(List.of(topic)).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
              return new Answer(204, null);
            }
            only(method, "GET");
            caller.require(Operation.DESCRIBE, ResourceType.TOPIC, topic);
            return getTopic(clusterId, topic);
          }
          if (s.length == 7 && s[6].equals("records")) {
            only(method, "POST");
            caller.require(Operation.WRITE, ResourceType.TOPIC, topic);
            return produce(clusterId, topic, body);
          }
        }
        case "consumer-groups" -> {
          if (s.length == 7 && s[6].equals("lags")) {
            only(method, "GET");
            caller.require(Operation.DESCRIBE, ResourceType.GROUP, s[5]);
            return lags(caller, clusterId, s[5]);
          }
        }
        default -> {}
      }
      throw new BadRequest(404, "no such resource: " + path);
    } catch (ExecutionException e) {
      throw translate(e.getCause());
    } catch (ApiException e) {
      throw translate(e);
    }
  }

  private static BadRequest translate(Throwable t) {
    if (t instanceof BadRequest b) return b;
    if (t instanceof org.apache.kafka.common.errors.AuthorizationException) return ConsoleApi.translate(t);
    if (t instanceof org.apache.kafka.common.errors.TopicExistsException) return new BadRequest(409, t.getMessage());
    if (t instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) return new BadRequest(404, t.getMessage());
    if (t instanceof org.apache.kafka.common.errors.TimeoutException) return new BadRequest(504, t.getMessage());
    if (t instanceof ApiException) return new BadRequest(400, t.getClass().getSimpleName() + ": " + t.getMessage());
    return new BadRequest(500, t.toString());
  }

  private String clusterId() throws Exception {
    return clients.admin().describeCluster().clusterId().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
  }

  private static void only(String method, String allowed) {
    if (!method.equals(allowed)) throw new BadRequest(405, "method " + method + " is not allowed here; use " + allowed);
  }

  private static Answer ok(JsonOut j) {
    return new Answer(200, j.toString());
  }

  private Map<String, int[]> topicShapes() {
    Map<String, int[]> out = new TreeMap<>();
    for (Partition p : replicas.partitions()) {
      int[] a = out.computeIfAbsent(p.topicPartition().topic(), t -> new int[2]);
      a[0]++;
      a[1] = Math.max(a[1], p.replicationState().map(st -> st.replicas().size()).orElse(1));
    }
    return out;
  }

  private static void topic(JsonOut j, String clusterId, String name, int[] shape) {
    j.obj().field("kind", "KafkaTopic").field("cluster_id", clusterId).field("topic_name", name)
        .field("is_internal", name.startsWith("__")).field("replication_factor", shape[1])
        .field("partitions_count", shape[0]).end();
  }

  private Answer listTopics(Caller caller, String clusterId) {
    JsonOut j = new JsonOut().obj().field("kind", "KafkaTopicList").key("data").arr();
    topicShapes().forEach((name, shape) -> {
      if (caller.may(Operation.DESCRIBE, ResourceType.TOPIC, name)) topic(j, clusterId, name, shape);
    });
    return ok(j.endArr().end());
  }

  private Answer getTopic(String clusterId, String topic) {
    int[] shape = topicShapes().get(topic);
    if (shape == null) throw new BadRequest(404, "This server does not host this topic: " + topic);
    JsonOut j = new JsonOut();
    topic(j, clusterId, topic, shape);
    return ok(j);
  }

  private Answer createTopic(Caller caller, String clusterId, String body) throws Exception {
    Map<String, Object> req = object(body);
    String name = string(req, "topic_name", true);
    caller.requireCreateTopic(name);
    int partitions = (int) number(req, "partitions_count", 1);
    short rf = (short) number(req, "replication_factor", 1);
    Map<String, String> configs = new HashMap<>();
    if (req.get("configs") instanceof List<?> list) {
      for (Object o : list) {
        if (!(o instanceof Map<?, ?> c) || !(c.get("name") instanceof String n)) throw new BadRequest("configs must be [{\"name\":…,\"value\":…}]");
        configs.put(n, c.get("value") == null ? null : String.valueOf(c.get("value")));
      }
    } else if (req.containsKey("configs")) {
      throw new BadRequest("configs must be an array");
    }
    clients.admin().createTopics(List.of(new NewTopic(name, partitions, rf).configs(configs))).all()
        .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    JsonOut j = new JsonOut();
    topic(j, clusterId, name, new int[] {partitions, rf});
    return ok(j);
  }

  private Answer produce(String clusterId, String topic, String body) throws Exception {
    Map<String, Object> req = object(body);
    Integer partition = req.get("partition_id") == null ? null : (int) number(req, "partition_id", 0);
    byte[] key = data(req.get("key"), "key");
    byte[] value = data(req.get("value"), "value");
    ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, partition, key, value);
    if (req.get("headers") instanceof List<?> hs) {
      for (Object o : hs) {
        if (!(o instanceof Map<?, ?> h) || !(h.get("name") instanceof String n)) throw new BadRequest("headers must be [{\"name\":…,\"value\":<base64>}]");
        r.headers().add(n, h.get("value") == null ? null : base64(String.valueOf(h.get("value")), "header " + n));
      }
    }
    RecordMetadata m = clients.producer().send(r).get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    JsonOut j = new JsonOut().obj().field("error_code", 200).field("cluster_id", clusterId).field("topic_name", topic)
        .field("partition_id", m.partition()).field("offset", m.offset())
        .field("timestamp", Instant.ofEpochMilli(m.timestamp()).toString());
    if (key != null) j.key("key").obj().field("type", type(req.get("key"))).field("size", key.length).end();
    if (value != null) j.key("value").obj().field("type", type(req.get("value"))).field("size", value.length).end();
    return ok(j.end());
  }

  private Answer lags(Caller caller, String clusterId, String group) throws Exception {
    List<ConsumerLag.Lag> lags = new ArrayList<>(lag.of(group).get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
    lags.removeIf(l -> !caller.may(Operation.DESCRIBE, ResourceType.TOPIC, l.topic()));
    lags.sort((a, b) -> a.topic().equals(b.topic()) ? Integer.compare(a.partition(), b.partition()) : a.topic().compareTo(b.topic()));
    JsonOut j = new JsonOut().obj().field("kind", "KafkaConsumerLagList").key("data").arr();
    for (ConsumerLag.Lag l : lags) {
      j.obj().field("kind", "KafkaConsumerLag").field("cluster_id", clusterId).field("consumer_group_id", group)
          .field("topic_name", l.topic()).field("partition_id", l.partition()).field("current_offset", l.committed())
          .field("log_end_offset", l.highWatermark()).field("lag", l.lag()).end();
    }
    return ok(j.endArr().end());
  }

  // ---------------------------------------------------------------------------------------------

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(String body) {
    if (body == null || body.isBlank()) throw new BadRequest("a JSON object body is required");
    if (!(JsonIn.parse(body) instanceof Map<?, ?> m)) throw new BadRequest("the body must be a JSON object");
    return (Map<String, Object>) m;
  }

  private static String string(Map<String, Object> m, String name, boolean required) {
    Object v = m.get(name);
    if (v == null && !required) return null;
    if (!(v instanceof String s) || s.isBlank()) throw new BadRequest(name + " must be a non-empty string");
    return s;
  }

  private static long number(Map<String, Object> m, String name, long dflt) {
    Object v = m.get(name);
    if (v == null) return dflt;
    if (!(v instanceof Long l) || l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) throw new BadRequest(name + " must be an integer");
    return l;
  }

  private static String type(Object data) {
    return data instanceof Map<?, ?> m && m.get("type") instanceof String t ? t.toUpperCase(java.util.Locale.ROOT) : "JSON";
  }

  /** {"type": "JSON"|"STRING"|"BINARY", "data": …} → bytes; absent or data null → null. */
  private static byte[] data(Object spec, String what) {
    if (spec == null) return null;
    if (!(spec instanceof Map<?, ?> m)) throw new BadRequest(what + " must be an object {\"type\":…,\"data\":…}");
    Object data = m.get("data");
    if (data == null) return null;
    return switch (type(spec)) {
      case "JSON" -> Json.write(data).getBytes(StandardCharsets.UTF_8);
      case "STRING" -> {
        if (!(data instanceof String str)) throw new BadRequest(what + ".data must be a string for type STRING");
        yield str.getBytes(StandardCharsets.UTF_8);
      }
      case "BINARY" -> {
        if (!(data instanceof String str)) throw new BadRequest(what + ".data must be base64 for type BINARY");
        yield base64(str, what);
      }
      default -> throw new BadRequest(what + ".type must be JSON, STRING or BINARY (schemas are not supported)");
    };
  }

  private static byte[] base64(String s, String what) {
    try {
      return Base64.getDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      throw new BadRequest(what + " is not valid base64");
    }
  }
}
