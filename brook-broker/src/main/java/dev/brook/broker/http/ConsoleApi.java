package dev.brook.broker.http;

import com.codahale.metrics.Gauge;
import dev.brook.broker.metrics.BrokerMetrics;
import dev.brook.broker.metrics.BrokerTopicMetrics;
import dev.brook.broker.metrics.ConsumerLag;
import dev.brook.broker.metrics.History;
import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.Partition;
import dev.brook.broker.security.Operation;
import dev.brook.broker.security.ResourceType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The JSON API behind the web console ({@code /api/...}). Reads of what this broker holds (partitions,
 * offsets, sizes, rates, history) come from the broker's own thread-safe views; everything a client
 * could do (create and delete topics, alter configs, produce, browse, reset offsets, list groups and
 * transactions) goes through a Kafka client of this very broker, so it takes the same path and checks
 * as any other client. The clients are created on first use.
 *
 * <p>Authorization: each call is first authorized for the HTTP caller ({@link Caller}) with the
 * operation and resource of the Kafka API it stands for: topics are listed as Metadata lists them
 * (DESCRIBE per topic, the rest left out), their sizes on disk as DescribeLogDirs (DESCRIBE on the
 * cluster), a topic's configs need DESCRIBE_CONFIGS, browsing, searching
 * and tailing READ, producing WRITE, creating CREATE (cluster or topic), deleting DELETE, altering
 * configs ALTER_CONFIGS; groups are listed and described with DESCRIBE on the group, offsets reset with
 * READ on the group and the topic (OffsetCommit);
 * transactions are listed with DESCRIBE on the transactional id. Then the broker's own clients act: they
 * connect to the inter-broker listener as this broker ({@link HttpSecurity#clientProperties()}), whose
 * principal must be a super user (as Kafka's inter-broker principal usually is) for the console to act.
 *
 * <p>Per-topic figures follow the topic's DESCRIBE wherever they appear, as OffsetFetch, ListOffsets
 * and Metadata would leave such a topic out: a group's lag rows, total, lag history and its members'
 * assignments; the overview's topic count, rates and throughput history (sums over the visible
 * topics); the topics list; a transaction's partitions; the history API. Nothing tells the caller
 * that something was left out.
 *
 * <p>Called on the HTTP server's threads only; every call is bounded by a timeout.
 */
final class ConsoleApi implements AutoCloseable {
  private static final long TIMEOUT_MS = 10_000;
  private static final int MAX_BROWSE = 500;
  private static final int MAX_SCAN = 20_000;

  private final Supplier<String> bootstrap;
  private final Map<String, Object> clientProperties;
  private final BrokerMetrics metrics;
  private final LocalReplicaManager replicas;
  private final ConsumerLag lag;
  private final History history;
  private Admin admin;
  private KafkaProducer<byte[], byte[]> producer;

  ConsoleApi(Supplier<String> bootstrap, Map<String, Object> clientProperties, BrokerMetrics metrics, LocalReplicaManager replicas,
      ConsumerLag lag, History history) {
    this.bootstrap = bootstrap;
    this.clientProperties = clientProperties;
    this.metrics = metrics;
    this.replicas = replicas;
    this.lag = lag;
    this.history = history;
  }

  synchronized Admin admin() {
    if (admin == null) {
      Properties p = new Properties();
      p.putAll(clientProperties);
      p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap.get());
      p.put(AdminClientConfig.CLIENT_ID_CONFIG, "brook-console");
      p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(TIMEOUT_MS));
      p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(TIMEOUT_MS));
      // Describing a classic group is two round trips (ConsumerGroupDescribe answers GROUP_ID_NOT_FOUND,
      // then DescribeGroups), and the admin client waits retry.backoff.ms between them: 100 ms by
      // default, most of the group page's load time. This client talks to its own broker over loopback.
      p.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "5");
      admin = Admin.create(p);
    }
    return admin;
  }

  synchronized KafkaProducer<byte[], byte[]> producer() {
    if (producer == null) {
      Properties p = new Properties();
      p.putAll(clientProperties);
      p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap.get());
      p.put(ProducerConfig.CLIENT_ID_CONFIG, "brook-console");
      p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
      // send() blocks for metadata of an unknown topic up to max.block.ms (60 s by default).
      p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(TIMEOUT_MS));
      p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(TIMEOUT_MS));
      p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(TIMEOUT_MS - 1_000));
      producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }
    return producer;
  }

  private KafkaConsumer<byte[], byte[]> consumer() {
    Properties p = new Properties();
    p.putAll(clientProperties);
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap.get());
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "brook-console-browse");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1000");
    // Every blocking call without its own timeout is bounded (no group: close() has nothing to wait for).
    p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(TIMEOUT_MS));
    p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(TIMEOUT_MS));
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /**
   * Answers {@code method path} (path after /api) for {@code caller}; throws {@link BadRequest} for
   * refused input and {@link Denied} for a refused permission.
   */
  String handle(Caller caller, String method, String path, Map<String, String> q) throws Exception {
    String[] s = path.split("/");
    // s[0] is "" (the path starts with '/')
    String area = s.length > 1 ? s[1] : "";
    try {
      switch (area) {
        case "session" -> {
          return get(method, () -> session(caller));
        }
        case "overview" -> {
          return get(method, () -> overview(caller));
        }
        case "topics" -> {
          if (s.length == 2) {
            if (method.equals("POST")) return createTopic(caller, q);
            return get(method, () -> topics(caller));
          }
          String topic = s[2];
          String sub = s.length > 3 ? s[3] : "";
          return switch (sub) {
            case "" -> method.equals("DELETE") ? deleteTopic(caller, topic) : get(method, () -> topic(caller, topic));
            case "delete" -> post(method, () -> deleteTopic(caller, topic));
            case "configs" -> post(method, () -> alterConfigs(caller, topic, q));
            case "messages" -> get(method, () -> messages(caller, topic, q));
            case "tail" -> get(method, () -> tail(caller, topic, q));
            case "records" -> post(method, () -> produce(caller, topic, q));
            default -> throw new BadRequest(404, "no such resource: /api" + path);
          };
        }
        case "groups" -> {
          if (s.length == 2) return get(method, () -> groups(caller));
          String group = s[2];
          String sub = s.length > 3 ? s[3] : "";
          return switch (sub) {
            case "" -> get(method, () -> group(caller, group));
            case "reset" -> post(method, () -> reset(caller, group, q));
            default -> throw new BadRequest(404, "no such resource: /api" + path);
          };
        }
        case "transactions" -> {
          return get(method, () -> transactions(caller));
        }
        case "history" -> {
          return get(method, () -> history(caller, q));
        }
        default -> throw new BadRequest(404, "no such resource: /api" + path);
      }
    } catch (ExecutionException e) {
      throw translate(e.getCause());
    } catch (ApiException e) {
      throw translate(e);
    }
  }

  private interface Call {
    String run() throws Exception;
  }

  private static String get(String method, Call c) throws Exception {
    if (!method.equals("GET")) throw new BadRequest(405, "method " + method + " is not allowed here; use GET");
    return c.run();
  }

  private static String post(String method, Call c) throws Exception {
    if (!method.equals("POST")) throw new BadRequest(405, "method " + method + " is not allowed here; use POST");
    return c.run();
  }

  static BadRequest translate(Throwable t) {
    if (t instanceof BadRequest b) return b;
    if (t instanceof org.apache.kafka.common.errors.AuthorizationException) {
      // The caller was allowed; the broker refused its own client: the inter-broker principal lacks it.
      return new BadRequest(403, "the broker refused the console's own client (it connects as the inter-broker principal, "
          + "which should be a super user): " + t.getMessage());
    }
    if (t instanceof TopicExistsException || t instanceof GroupNotEmptyException) return new BadRequest(409, t.getMessage());
    if (t instanceof UnknownTopicOrPartitionException) return new BadRequest(404, t.getMessage());
    if (t instanceof org.apache.kafka.common.errors.TimeoutException) return new BadRequest(504, "the broker did not answer in time: " + t.getMessage());
    if (t instanceof ApiException) return new BadRequest(400, t.getClass().getSimpleName() + ": " + t.getMessage());
    return new BadRequest(500, t.toString());
  }

  // ------------------------------------------------------------------------------------------
  // Session

  /** Who the caller is and what the page may offer it (the create form; per-topic rights come with each topic). */
  private String session(Caller caller) {
    boolean create = caller.may(Operation.CREATE, ResourceType.CLUSTER, ResourceType.CLUSTER_NAME)
        || caller.mayAny(Operation.CREATE, ResourceType.TOPIC);
    return new JsonOut().obj().field("authorization", caller.secured()).field("principal", caller.principal().toString())
        .field("authenticated", caller.authenticated()).field("mayCreateTopics", create).end().toString();
  }

  // ------------------------------------------------------------------------------------------
  // Overview

  /**
   * The cluster as DescribeCluster shows it to anyone; the topic count, the rates and the throughput
   * history over the topics the caller may DESCRIBE (sums of per-topic figures, as Metadata would list
   * the topics); the broker-wide partition gauges with DESCRIBE on the cluster (as DescribeLogDirs).
   */
  private String overview(Caller caller) throws Exception {
    DescribeClusterResult c = admin().describeCluster();
    Collection<Node> nodes = c.nodes().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    Node controller = c.controller().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    JsonOut j = new JsonOut().obj();
    j.field("clusterId", c.clusterId().get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
    j.field("controller", controller == null ? -1 : controller.id());
    j.key("brokers").arr();
    for (Node n : nodes) j.obj().field("id", n.id()).field("host", n.host()).field("port", n.port()).field("rack", n.rack()).end();
    j.endArr();
    Map<String, Integer> topicCount = new HashMap<>();
    for (Partition p : replicas.partitions()) topicCount.merge(p.topicPartition().topic(), 1, Integer::sum);
    Predicate<String> visible = caller.mayDescribe(ResourceType.TOPIC);
    topicCount.keySet().removeIf(visible.negate());
    j.field("topics", topicCount.size());
    // The whole broker's figures (all topics together) need DESCRIBE on the cluster; null without it.
    boolean wide = caller.may(Operation.DESCRIBE, ResourceType.CLUSTER, ResourceType.CLUSTER_NAME);
    j.field("partitions", wide ? gauge("kafka.server:type=ReplicaManager,name=PartitionCount") : Double.NaN);
    j.field("leaders", wide ? gauge("kafka.server:type=ReplicaManager,name=LeaderCount") : Double.NaN);
    j.field("underReplicated", wide ? gauge("kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions") : Double.NaN);
    j.field("offline", wide ? gauge("kafka.controller:type=KafkaController,name=OfflinePartitionsCount") : Double.NaN);
    double[] rates = rates(visible);
    j.field("messagesInPerSec", rates[0]);
    j.field("bytesInPerSec", rates[1]);
    j.field("bytesOutPerSec", rates[2]);
    j.field("historyIntervalMs", history.intervalMs());
    // Messages per interval: the sum of the series of the topics the caller may DESCRIBE (a super user's: all).
    List<String> series = new ArrayList<>();
    for (String name : history.names()) {
      String topic = History.topicOf(name);
      if (topic != null && visible.test(topic)) series.add(name);
    }
    points(j.key("throughputHistory"), history.sum(series, 0));
    return j.end().toString();
  }

  /**
   * Messages in, bytes in and bytes out per second of the topics {@code visible} lets through: the
   * all-topics meters when it lets every topic through, else the sum of the visible topics' meters
   * (Dropwizard's one-minute rates are linear, so the sum is the rate of the sum).
   */
  private double[] rates(Predicate<String> visible) {
    double[] sum = new double[3];
    boolean everyTopic = true;
    for (String t : metrics.topics().topicNames()) {
      if (!visible.test(t)) {
        everyTopic = false;
        continue;
      }
      BrokerTopicMetrics.Meters m = metrics.topics().find(t);
      if (m == null) continue; // deleted meanwhile
      sum[0] += m.messagesInRate();
      sum[1] += m.bytesInRate();
      sum[2] += m.bytesOutRate();
    }
    if (!everyTopic) return sum;
    BrokerTopicMetrics.Meters all = metrics.topics().all();
    return new double[] {all.messagesInRate(), all.bytesInRate(), all.bytesOutRate()};
  }

  private double gauge(String name) {
    // getMetrics() is a view; getGauges() would sort every metric (60,000 at 10,000 partitions) per call.
    return metrics.registry().getMetrics().get(name) instanceof Gauge<?> g && g.getValue() instanceof Number n ? n.doubleValue() : -1;
  }

  // ------------------------------------------------------------------------------------------
  // Topics

  /** As Metadata lists them: the topics the caller may DESCRIBE, each with the operations it may do on it. */
  private String topics(Caller caller) {
    TreeMap<String, long[]> rows = new TreeMap<>();
    Predicate<String> visible = caller.mayDescribe(ResourceType.TOPIC);
    for (Partition p : replicas.partitions()) {
      if (!visible.test(p.topicPartition().topic())) continue;
      long[] r = rows.computeIfAbsent(p.topicPartition().topic(), t -> new long[3]);
      r[0]++;
      r[1] += p.log().sizeInBytes();
      r[2] += p.logEndOffset() - p.logStartOffset();
    }
    boolean sizes = mayDescribeLogDirs(caller);
    JsonOut j = new JsonOut().obj().key("topics").arr();
    for (Map.Entry<String, long[]> e : rows.entrySet()) {
      BrokerTopicMetrics.Meters m = metrics.topics().find(e.getKey());
      j.obj().field("name", e.getKey()).field("internal", e.getKey().startsWith("__"))
          .field("partitions", e.getValue()[0]).field("sizeBytes", sizes ? e.getValue()[1] : Double.NaN)
          .field("messages", e.getValue()[2])
          .field("messagesInPerSec", m == null ? 0 : m.messagesInRate())
          .field("bytesInPerSec", m == null ? 0 : m.bytesInRate());
      operations(j, caller, ResourceType.TOPIC, e.getKey());
      j.end();
    }
    return j.endArr().end().toString();
  }

  /** Sizes on disk are what DescribeLogDirs answers: DESCRIBE on the cluster (null without it). */
  private static boolean mayDescribeLogDirs(Caller caller) {
    return caller.may(Operation.DESCRIBE, ResourceType.CLUSTER, ResourceType.CLUSTER_NAME);
  }

  private static void operations(JsonOut j, Caller caller, ResourceType type, String name) {
    j.key("operations").arr();
    for (String op : caller.operations(type, name)) j.str(op);
    j.endArr();
  }

  private String createTopic(Caller caller, Map<String, String> q) throws Exception {
    String name = required(q, "name");
    caller.requireCreateTopic(name);
    int partitions = intParam(q, "partitions", 1);
    short rf = (short) intParam(q, "replicationFactor", 1);
    NewTopic t = new NewTopic(name, partitions, rf).configs(keyValues(q.getOrDefault("configs", "")));
    admin().createTopics(List.of(t)).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    return new JsonOut().obj().field("created", name).end().toString();
  }

  private String deleteTopic(Caller caller, String topic) throws Exception {
    caller.require(Operation.DELETE, ResourceType.TOPIC, topic);
    admin().deleteTopics(List.of(topic)).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    metrics.topics().removeTopic(topic);
    return new JsonOut().obj().field("deleted", topic).end().toString();
  }

  private String alterConfigs(Caller caller, String topic, Map<String, String> q) throws Exception {
    caller.require(Operation.ALTER_CONFIGS, ResourceType.TOPIC, topic);
    Map<String, String> set = keyValues(required(q, "configs"));
    List<AlterConfigOp> ops = new ArrayList<>();
    set.forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry(k, v),
        v.isEmpty() ? AlterConfigOp.OpType.DELETE : AlterConfigOp.OpType.SET)));
    admin().incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic), ops)).all()
        .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    return new JsonOut().obj().field("altered", topic).end().toString();
  }

  private String topic(Caller caller, String topic) throws Exception {
    // Before looking: a topic the caller may not DESCRIBE is refused whether it exists or not, as Metadata does.
    caller.require(Operation.DESCRIBE, ResourceType.TOPIC, topic);
    List<Partition> parts = new ArrayList<>();
    for (Partition p : replicas.partitions()) if (p.topicPartition().topic().equals(topic)) parts.add(p);
    if (parts.isEmpty()) throw new BadRequest(404, "no topic " + topic + " on this broker");
    parts.sort((a, b) -> Integer.compare(a.topicPartition().partition(), b.topicPartition().partition()));
    boolean sizes = mayDescribeLogDirs(caller);
    JsonOut j = new JsonOut().obj().field("name", topic);
    operations(j, caller, ResourceType.TOPIC, topic);
    j.key("partitions").arr();
    for (Partition p : parts) {
      j.obj().field("partition", p.topicPartition().partition()).field("leader", p.leaderId()).field("leaderEpoch", p.leaderEpoch());
      j.key("isr").arr();
      for (int r : p.inSyncReplicas()) j.num(r);
      j.endArr();
      j.key("replicas").arr();
      for (int r : p.replicationState().map(s -> s.replicas()).orElse(List.of(p.leaderId()))) j.num(r);
      j.endArr();
      j.field("logStartOffset", p.logStartOffset()).field("logEndOffset", p.logEndOffset())
          .field("highWatermark", p.highWatermark()).field("sizeBytes", sizes ? p.log().sizeInBytes() : Double.NaN).end();
    }
    j.endArr();
    // DescribeConfigs needs DESCRIBE_CONFIGS: without it the page shows the partitions but no configs.
    boolean configs = caller.may(Operation.DESCRIBE_CONFIGS, ResourceType.TOPIC, topic);
    j.field("configsAuthorized", configs);
    Config config = !configs ? new Config(List.of())
        : admin().describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, topic))).all()
            .get(TIMEOUT_MS, TimeUnit.MILLISECONDS).values().iterator().next();
    j.key("configs").arr();
    List<ConfigEntry> entries = new ArrayList<>(config.entries());
    entries.sort((a, b) -> a.name().compareTo(b.name()));
    for (ConfigEntry e : entries) {
      j.obj().field("name", e.name()).field("value", e.isSensitive() ? null : e.value()).field("source", e.source().name()).end();
    }
    j.endArr();
    points(j.key("history"), history.series(History.topicSeries(topic), 0));
    return j.end().toString();
  }

  // ------------------------------------------------------------------------------------------
  // Messages

  /** Browse from (partition, offset | timestamp), optionally filtered by a search in key, value or headers. */
  private String messages(Caller caller, String topic, Map<String, String> q) throws Exception {
    caller.require(Operation.READ, ResourceType.TOPIC, topic);
    int limit = Math.min(MAX_BROWSE, intParam(q, "limit", 50));
    String text = q.getOrDefault("q", "");
    boolean regex = "regex".equals(q.get("mode"));
    String in = q.getOrDefault("in", "any");
    if (!List.of("any", "key", "value", "header").contains(in)) throw new BadRequest("in must be any, key, value or header");
    Pattern pattern = null;
    if (regex && !text.isEmpty()) {
      try {
        pattern = Pattern.compile(text);
      } catch (PatternSyntaxException e) {
        throw new BadRequest("not a regular expression: " + e.getDescription());
      }
    }
    String format = format(q);
    List<TopicPartition> tps = partitionsOf(topic, q);
    try (KafkaConsumer<byte[], byte[]> c = consumer()) {
      c.assign(tps);
      Map<TopicPartition, Long> begin = c.beginningOffsets(tps, Duration.ofMillis(TIMEOUT_MS));
      Map<TopicPartition, Long> end = c.endOffsets(tps, Duration.ofMillis(TIMEOUT_MS));
      seekStart(c, tps, q, begin);
      List<ConsumerRecord<byte[], byte[]>> found = new ArrayList<>();
      int scanned = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
      while (found.size() < limit && scanned < MAX_SCAN && System.nanoTime() < deadline && !atEnd(c, tps, end)) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          scanned++;
          if (found.size() < limit && matches(r, text, pattern, in)) found.add(r);
        }
      }
      JsonOut j = new JsonOut().obj().field("topic", topic).field("scanned", scanned);
      j.key("records").arr();
      for (ConsumerRecord<byte[], byte[]> r : found) record(j, r, format);
      return j.endArr().end().toString();
    }
  }

  /** Live tail: from the positions given ("p:o,p:o"), or — without them — the current ends. */
  private String tail(Caller caller, String topic, Map<String, String> q) throws Exception {
    caller.require(Operation.READ, ResourceType.TOPIC, topic);
    String format = format(q);
    List<TopicPartition> tps = partitionsOf(topic, Map.of());
    try (KafkaConsumer<byte[], byte[]> c = consumer()) {
      c.assign(tps);
      String positions = q.getOrDefault("positions", "");
      List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
      if (positions.isEmpty()) {
        c.seekToEnd(tps);
      } else {
        Map<Integer, Long> pos = new HashMap<>();
        for (String po : positions.split(",")) {
          String[] f = po.split(":");
          if (f.length != 2) throw new BadRequest("positions must be partition:offset,…");
          pos.put(parseInt(f[0], "partition"), parseLong(f[1], "offset"));
        }
        for (TopicPartition tp : tps) {
          Long o = pos.get(tp.partition());
          if (o == null) c.seekToEnd(List.of(tp));
          else c.seek(tp, o);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
        while (got.isEmpty() && System.nanoTime() < deadline) {
          for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(300))) if (got.size() < MAX_BROWSE) got.add(r);
        }
      }
      JsonOut j = new JsonOut().obj();
      StringBuilder next = new StringBuilder();
      for (TopicPartition tp : tps) {
        if (next.length() > 0) next.append(',');
        next.append(tp.partition()).append(':').append(c.position(tp, Duration.ofMillis(TIMEOUT_MS)));
      }
      j.field("positions", next.toString());
      j.key("records").arr();
      for (ConsumerRecord<byte[], byte[]> r : got) record(j, r, format);
      return j.endArr().end().toString();
    }
  }

  private String produce(Caller caller, String topic, Map<String, String> q) throws Exception {
    caller.require(Operation.WRITE, ResourceType.TOPIC, topic);
    String key = q.get("key");
    String value = q.getOrDefault("value", "");
    Integer partition = q.containsKey("partition") && !q.get("partition").isEmpty() ? parseInt(q.get("partition"), "partition") : null;
    ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, partition,
        key == null || key.isEmpty() ? null : key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    keyValues(q.getOrDefault("headers", "")).forEach((k, v) -> r.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
    RecordMetadata m = producer().send(r).get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    return new JsonOut().obj().field("topic", topic).field("partition", m.partition()).field("offset", m.offset()).end().toString();
  }

  private void seekStart(KafkaConsumer<byte[], byte[]> c, List<TopicPartition> tps, Map<String, String> q, Map<TopicPartition, Long> begin) {
    if (q.containsKey("timestamp") && !q.get("timestamp").isEmpty()) {
      long ts = parseLong(q.get("timestamp"), "timestamp");
      Map<TopicPartition, Long> query = new HashMap<>();
      for (TopicPartition tp : tps) query.put(tp, ts);
      Map<TopicPartition, OffsetAndTimestamp> at = c.offsetsForTimes(query, Duration.ofMillis(TIMEOUT_MS));
      for (TopicPartition tp : tps) {
        OffsetAndTimestamp o = at.get(tp);
        if (o == null) c.seekToEnd(List.of(tp));
        else c.seek(tp, o.offset());
      }
    } else if (q.containsKey("offset") && !q.get("offset").isEmpty()) {
      long offset = parseLong(q.get("offset"), "offset");
      for (TopicPartition tp : tps) c.seek(tp, Math.max(offset, begin.get(tp)));
    } else {
      for (TopicPartition tp : tps) c.seek(tp, begin.get(tp));
    }
  }

  private static boolean atEnd(KafkaConsumer<byte[], byte[]> c, List<TopicPartition> tps, Map<TopicPartition, Long> end) {
    for (TopicPartition tp : tps) if (c.position(tp) < end.get(tp)) return false;
    return true;
  }

  private List<TopicPartition> partitionsOf(String topic, Map<String, String> q) {
    List<TopicPartition> tps = new ArrayList<>();
    for (Partition p : replicas.partitions()) if (p.topicPartition().topic().equals(topic)) tps.add(p.topicPartition());
    if (tps.isEmpty()) throw new BadRequest(404, "no topic " + topic + " on this broker");
    String partition = q.get("partition");
    if (partition != null && !partition.isEmpty()) {
      int p = parseInt(partition, "partition");
      TopicPartition tp = new TopicPartition(topic, p);
      if (!tps.contains(tp)) throw new BadRequest(404, "no partition " + p + " of " + topic);
      return List.of(tp);
    }
    tps.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
    return tps;
  }

  private static boolean matches(ConsumerRecord<byte[], byte[]> r, String text, Pattern pattern, String in) {
    if (text.isEmpty()) return true;
    if ((in.equals("any") || in.equals("key")) && found(r.key(), text, pattern)) return true;
    if ((in.equals("any") || in.equals("value")) && found(r.value(), text, pattern)) return true;
    if (in.equals("any") || in.equals("header")) {
      for (Header h : r.headers()) {
        if (found(h.key().getBytes(StandardCharsets.UTF_8), text, pattern) || found(h.value(), text, pattern)) return true;
      }
    }
    return false;
  }

  private static boolean found(byte[] bytes, String text, Pattern pattern) {
    if (bytes == null) return false;
    String s = new String(bytes, StandardCharsets.UTF_8);
    return pattern != null ? pattern.matcher(s).find() : s.contains(text);
  }

  private static String format(Map<String, String> q) {
    String f = q.getOrDefault("format", "text");
    if (!List.of("text", "json", "hex").contains(f)) throw new BadRequest("format must be text, json or hex");
    return f;
  }

  private static void record(JsonOut j, ConsumerRecord<byte[], byte[]> r, String format) {
    j.obj().field("partition", r.partition()).field("offset", r.offset()).field("timestamp", r.timestamp())
        .field("key", render(r.key(), format)).field("value", render(r.value(), format));
    j.key("headers").obj();
    for (Header h : r.headers()) j.field(h.key(), render(h.value(), format));
    j.end().end();
  }

  private static String render(byte[] bytes, String format) {
    if (bytes == null) return null;
    return format.equals("hex") ? HexFormat.ofDelimiter(" ").formatHex(bytes) : new String(bytes, StandardCharsets.UTF_8);
  }

  // ------------------------------------------------------------------------------------------
  // Groups

  /** As ListGroups: the groups the caller may DESCRIBE; their lag over the topics it may DESCRIBE (OffsetFetch). */
  private String groups(Caller caller) throws Exception {
    Collection<ConsumerGroupListing> listed = admin().listConsumerGroups().all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    Map<String, Long> lagByGroup = new HashMap<>();
    Predicate<String> visible = caller.mayDescribe(ResourceType.TOPIC);
    for (ConsumerLag.Lag l : lag.all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
      if (!visible.test(l.topic())) continue;
      lagByGroup.merge(l.group(), l.lag(), Long::sum);
    }
    JsonOut j = new JsonOut().obj().key("groups").arr();
    List<ConsumerGroupListing> sorted = new ArrayList<>(listed);
    if (caller.secured()) sorted.removeIf(g -> !caller.may(Operation.DESCRIBE, ResourceType.GROUP, g.groupId()));
    sorted.sort((a, b) -> a.groupId().compareTo(b.groupId()));
    for (ConsumerGroupListing g : sorted) {
      j.obj().field("groupId", g.groupId()).field("state", g.groupState().map(Enum::name).orElse("UNKNOWN"))
          .field("type", g.type().map(Enum::name).orElse("")).field("lag", lagByGroup.getOrDefault(g.groupId(), 0L)).end();
    }
    return j.endArr().end().toString();
  }

  private String group(Caller caller, String groupId) throws Exception {
    caller.require(Operation.DESCRIBE, ResourceType.GROUP, groupId);
    ConsumerGroupDescription d = admin().describeConsumerGroups(List.of(groupId)).all()
        .get(TIMEOUT_MS, TimeUnit.MILLISECONDS).get(groupId);
    JsonOut j = new JsonOut().obj().field("groupId", groupId).field("state", d.groupState().name())
        .field("coordinator", d.coordinator() == null ? -1 : d.coordinator().id())
        .field("protocol", d.partitionAssignor());
    operations(j, caller, ResourceType.GROUP, groupId);
    // Every part of the page that names a topic shows only the topics the caller may DESCRIBE: the
    // members' assignments, the lag rows, their total and the lag history (OffsetFetch's filter).
    Predicate<String> visible = caller.mayDescribe(ResourceType.TOPIC);
    j.key("members").arr();
    for (MemberDescription m : d.members()) {
      j.obj().field("memberId", m.consumerId()).field("clientId", m.clientId()).field("host", m.host());
      j.key("assignment").arr();
      for (TopicPartition tp : m.assignment().topicPartitions()) if (visible.test(tp.topic())) j.str(tp.topic() + "-" + tp.partition());
      j.endArr().end();
    }
    j.endArr();
    j.key("lag").arr();
    List<ConsumerLag.Lag> lags = new ArrayList<>(lag.of(groupId).get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
    lags.removeIf(l -> !visible.test(l.topic()));
    lags.sort((a, b) -> a.topic().equals(b.topic()) ? Integer.compare(a.partition(), b.partition()) : a.topic().compareTo(b.topic()));
    long total = 0;
    for (ConsumerLag.Lag l : lags) {
      total += l.lag();
      j.obj().field("topic", l.topic()).field("partition", l.partition()).field("committed", l.committed())
          .field("highWatermark", l.highWatermark()).field("lag", l.lag()).end();
    }
    j.endArr().field("totalLag", total);
    points(j.key("history"), history.sum(lagSeries(groupId, visible), 0));
    return j.end().toString();
  }

  /** As {@code kafka-consumer-groups --reset-offsets --to-earliest|--to-latest|--to-offset|--to-datetime}: the group must be empty. */
  private String reset(Caller caller, String groupId, Map<String, String> q) throws Exception {
    String topic = required(q, "topic");
    // OffsetCommit's rule: READ on the group, READ on each topic.
    caller.require(Operation.READ, ResourceType.GROUP, groupId);
    caller.require(Operation.READ, ResourceType.TOPIC, topic);
    String to = required(q, "to");
    List<TopicPartition> tps = partitionsOf(topic, q);
    Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
    Map<TopicPartition, OffsetAndMetadata> target = new HashMap<>();
    switch (to) {
      case "earliest" -> tps.forEach(tp -> specs.put(tp, OffsetSpec.earliest()));
      case "latest" -> tps.forEach(tp -> specs.put(tp, OffsetSpec.latest()));
      case "timestamp" -> {
        long ts = parseLong(required(q, "value"), "value");
        tps.forEach(tp -> specs.put(tp, OffsetSpec.forTimestamp(ts)));
      }
      case "offset" -> {
        long o = parseLong(required(q, "value"), "value");
        if (o < 0) throw new BadRequest("offset must be >= 0");
        tps.forEach(tp -> target.put(tp, new OffsetAndMetadata(o)));
      }
      default -> throw new BadRequest("to must be earliest, latest, offset or timestamp");
    }
    if (!specs.isEmpty()) {
      admin().listOffsets(specs).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS)
          .forEach((tp, info) -> target.put(tp, new OffsetAndMetadata(Math.max(0, info.offset()))));
    }
    admin().alterConsumerGroupOffsets(groupId, target).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    JsonOut j = new JsonOut().obj().field("groupId", groupId).key("offsets").arr();
    target.forEach((tp, o) -> j.obj().field("topic", tp.topic()).field("partition", tp.partition()).field("offset", o.offset()).end());
    return j.endArr().end().toString();
  }

  // ------------------------------------------------------------------------------------------
  // Transactions

  /** As ListTransactions/DescribeTransactions: the ids the caller may DESCRIBE, their partitions of topics it may DESCRIBE. */
  private String transactions(Caller caller) throws Exception {
    Collection<TransactionListing> listed = admin().listTransactions().all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    List<String> ids = listed.stream().map(TransactionListing::transactionalId)
        .filter(id -> caller.may(Operation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, id)).sorted().toList();
    Map<String, TransactionDescription> described = ids.isEmpty() ? Map.of()
        : admin().describeTransactions(ids).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    long now = System.currentTimeMillis();
    JsonOut j = new JsonOut().obj().key("transactions").arr();
    for (String id : ids) {
      TransactionDescription d = described.get(id);
      if (d == null) continue;
      long start = d.transactionStartTimeMs().orElse(-1);
      boolean ongoing = d.state().name().equals("ONGOING");
      // Hanging, as kafka-transactions find-hanging means it: open for longer than its own timeout.
      boolean hanging = ongoing && start > 0 && now - start > d.transactionTimeoutMs();
      j.obj().field("transactionalId", id).field("state", d.state().name()).field("producerId", d.producerId())
          .field("producerEpoch", d.producerEpoch()).field("timeoutMs", d.transactionTimeoutMs())
          .field("startTimeMs", start).field("hanging", hanging);
      j.key("partitions").arr();
      for (TopicPartition tp : d.topicPartitions()) {
        if (caller.may(Operation.DESCRIBE, ResourceType.TOPIC, tp.topic())) j.str(tp.topic() + "-" + tp.partition());
      }
      j.endArr().end();
    }
    return j.endArr().end().toString();
  }

  // ------------------------------------------------------------------------------------------
  // History

  /**
   * One series, as visible as what it measures: {@code topic:<t>} needs DESCRIBE on the topic; {@code
   * lag:<t>:<g>} DESCRIBE on the group and the topic; {@code group:<g>} (the group's total lag) DESCRIBE
   * on the group and sums only the topics the caller may DESCRIBE; anything else DESCRIBE on the cluster.
   */
  private String history(Caller caller, Map<String, String> q) {
    String series = required(q, "series");
    long since = q.containsKey("since") ? parseLong(q.get("since"), "since") : 0;
    String topic = History.topicOf(series);
    History.LagSeries lagSeries = History.LagSeries.parse(series);
    List<History.Point> points;
    if (topic != null) {
      caller.require(Operation.DESCRIBE, ResourceType.TOPIC, topic);
      points = history.series(series, since);
    } else if (series.startsWith("group:")) {
      String group = series.substring("group:".length());
      caller.require(Operation.DESCRIBE, ResourceType.GROUP, group);
      points = history.sum(lagSeries(group, caller.mayDescribe(ResourceType.TOPIC)), since);
    } else if (lagSeries != null) {
      caller.require(Operation.DESCRIBE, ResourceType.GROUP, lagSeries.group());
      caller.require(Operation.DESCRIBE, ResourceType.TOPIC, lagSeries.topic());
      points = history.series(series, since);
    } else {
      caller.require(Operation.DESCRIBE, ResourceType.CLUSTER, ResourceType.CLUSTER_NAME);
      points = history.series(series, since);
    }
    JsonOut j = new JsonOut().obj().field("series", series).field("intervalMs", history.intervalMs());
    points(j.key("points"), points);
    return j.end().toString();
  }

  /** The lag series of {@code group} on the topics {@code visible} lets through. */
  private List<String> lagSeries(String group, Predicate<String> visible) {
    List<String> out = new ArrayList<>();
    for (String name : history.names()) {
      History.LagSeries l = History.LagSeries.parse(name);
      if (l != null && l.group().equals(group) && visible.test(l.topic())) out.add(name);
    }
    return out;
  }

  /** A chart's points as {@code [[time, value], …]}, after a key. */
  private static void points(JsonOut j, List<History.Point> points) {
    j.arr();
    for (History.Point p : points) j.arr().num(p.timeMs()).num(p.value()).endArr();
    j.endArr();
  }

  // ------------------------------------------------------------------------------------------
  // Input

  private static String required(Map<String, String> q, String name) {
    String v = q.get(name);
    if (v == null || v.isBlank()) throw new BadRequest("missing parameter: " + name);
    return v.trim();
  }

  private static int intParam(Map<String, String> q, String name, int dflt) {
    String v = q.get(name);
    return v == null || v.isBlank() ? dflt : parseInt(v, name);
  }

  private static int parseInt(String v, String name) {
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new BadRequest(name + " must be an integer, got \"" + v + "\"");
    }
  }

  private static long parseLong(String v, String name) {
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new BadRequest(name + " must be an integer, got \"" + v + "\"");
    }
  }

  /** "k=v" per line (or separated by commas): configs and headers. */
  private static Map<String, String> keyValues(String text) {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    for (String line : text.split("[\\n,]")) {
      String l = line.trim();
      if (l.isEmpty()) continue;
      int eq = l.indexOf('=');
      if (eq <= 0) throw new BadRequest("expected key=value, got \"" + l + "\"");
      out.put(l.substring(0, eq).trim(), l.substring(eq + 1).trim());
    }
    return out;
  }

  @Override
  public synchronized void close() {
    if (producer != null) producer.close(Duration.ofSeconds(2));
    if (admin != null) admin.close(Duration.ofSeconds(2));
  }
}
