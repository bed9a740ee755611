package dev.brook.broker.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.brook.broker.Broker;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.config.ConfigException;
import dev.brook.broker.security.SecureClients;
import dev.brook.broker.security.TestCertificates;
import java.io.FileInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's API and the REST API with an authorizer on, as the ACLs decide: a broker with one
 * SASL_PLAINTEXT listener (PLAIN users admin, a super user, and alice; SCRAM user carol), ACLs that give
 * alice READ on the topic {@code orders} and nothing else. Anonymous callers see no topic and are asked
 * to log in (401) for everything else; alice browses and tails {@code orders} but may not produce,
 * delete, alter or create (403 naming the permission); admin does everything; wrong credentials are 401
 * after the failure delay; {@code /metrics} stays open unless {@code http.open.paths} says otherwise;
 * {@code http.ssl.listener} serves HTTPS.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleAuthIT {
  static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
      + "username=\"admin\" password=\"admin-secret\" user_admin=\"admin-secret\" user_alice=\"alice-secret\" "
      + "user_bob=\"bob-secret\";";
  static final long FAILURE_DELAY_MS = 300;

  @TempDir static Path dir;
  Broker broker;
  String clusterId;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  static Map<String, String> secured(Path logDir) {
    Map<String, String> s = new HashMap<>();
    s.put("log.dirs", logDir.toString());
    s.put("listeners", "SASL_PLAINTEXT://127.0.0.1:0");
    s.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256");
    s.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
    s.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", JAAS);
    s.put("authorizer.class.name", "kafka.security.authorizer.AclAuthorizer");
    s.put("super.users", "User:admin");
    s.put("http.port", "0");
    s.put("group.initial.rebalance.delay.ms", "0");
    s.put("offsets.topic.num.partitions", "1");
    s.put("transaction.state.log.num.partitions", "1");
    return s;
  }

  static Properties as(Broker broker, String user, String password) {
    return SecureClients.quick(SecureClients.sasl(broker.bootstrapServers(), "SASL_PLAINTEXT", "PLAIN", user, password, null));
  }

  /**
   * Topics orders and secret with a record each, alice's READ on orders, SCRAM user carol, a group
   * billing with offsets on orders and a group audit with offsets on orders and secret. Bob may READ
   * orders, DESCRIBE the topic ledger, the group audit, the transactional id audit-txn and the cluster,
   * but not secret: every view must show him audit's lag and history without secret's part.
   */
  static void populate(Broker broker) throws Exception {
    try (Admin admin = Admin.create(as(broker, "admin", "admin-secret"))) {
      admin.createTopics(List.of(new NewTopic("orders", 1, (short) 1), new NewTopic("secret", 1, (short) 1)))
          .all().get(30, TimeUnit.SECONDS);
      admin.createAcls(List.of(new AclBinding(new ResourcePattern(ResourceType.TOPIC, "orders", PatternType.LITERAL),
          new AccessControlEntry("User:alice", "*", AclOperation.READ, AclPermissionType.ALLOW)),
          allow("bob", ResourceType.TOPIC, "orders", AclOperation.READ),
          allow("bob", ResourceType.TOPIC, "ledger", AclOperation.DESCRIBE),
          allow("bob", ResourceType.GROUP, "audit", AclOperation.DESCRIBE),
          allow("bob", ResourceType.TRANSACTIONAL_ID, "audit-txn", AclOperation.DESCRIBE),
          allow("bob", ResourceType.CLUSTER, "kafka-cluster", AclOperation.DESCRIBE))).all().get(30, TimeUnit.SECONDS);
      admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("carol",
          new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "carol-secret"))).all().get(30, TimeUnit.SECONDS);
    }
    Properties p = as(broker, "admin", "admin-secret");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>("orders", "o-1", "first order")).get(30, TimeUnit.SECONDS);
      producer.send(new ProducerRecord<>("secret", "s-1", "top secret")).get(30, TimeUnit.SECONDS);
    }
    Properties c = as(broker, "admin", "admin-secret");
    c.put("group.id", "billing");
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
      consumer.commitSync(Map.of(new TopicPartition("orders", 0), new OffsetAndMetadata(0)));
    }
    c.put("group.id", "audit");
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
      consumer.commitSync(Map.of(new TopicPartition("orders", 0), new OffsetAndMetadata(0),
          new TopicPartition("secret", 0), new OffsetAndMetadata(0)));
    }
  }

  private static AclBinding allow(String user, ResourceType type, String name, AclOperation op) {
    return new AclBinding(new ResourcePattern(type, name, PatternType.LITERAL),
        new AccessControlEntry("User:" + user, "*", op, AclPermissionType.ALLOW));
  }

  @BeforeAll
  void start() throws Exception {
    Map<String, String> s = secured(dir.resolve("main"));
    s.put("http.authentication.failure.delay.ms", Long.toString(FAILURE_DELAY_MS));
    System.setProperty("brook.history.interval.ms", "500"); // history points within seconds
    try {
      broker = Broker.start(BrokerConfig.of(s));
    } finally {
      System.clearProperty("brook.history.interval.ms");
    }
    populate(broker);
    HttpResponse<String> clusters = call("GET", "/v3/clusters", null, "admin", "admin-secret");
    assertThat(clusters.statusCode()).as(clusters.body()).isEqualTo(200);
    clusterId = clusters.body().replaceAll(".*\"cluster_id\":\"([^\"]+)\".*", "$1");
  }

  @AfterAll
  void stop() {
    if (broker != null) broker.close();
  }

  @Test
  void anonymousSeesNoTopicAndIsAskedToLogInForTheRest() throws Exception {
    HttpResponse<String> session = call("GET", "/api/session", null, null, null);
    assertThat(session.statusCode()).isEqualTo(200);
    assertThat(session.body()).contains("\"authorization\":true", "\"principal\":\"User:ANONYMOUS\"", "\"authenticated\":false",
        "\"mayCreateTopics\":false");
    HttpResponse<String> topics = call("GET", "/api/topics", null, null, null);
    assertThat(topics.statusCode()).isEqualTo(200);
    assertThat(topics.body()).doesNotContain("orders", "secret");
    assertThat(call("GET", "/api/overview", null, null, null).body()).contains("\"topics\":0", "\"partitions\":null",
        "\"messagesInPerSec\":0", "\"throughputHistory\":[]");
    assertThat(call("GET", "/v3/clusters/" + clusterId + "/topics", null, null, null).body()).doesNotContain("orders", "secret");
    assertThat(call("GET", "/api/groups", null, null, null).body()).doesNotContain("billing");

    HttpResponse<String> topic = call("GET", "/api/topics/orders", null, null, null);
    assertThat(topic.statusCode()).isEqualTo(401);
    assertThat(topic.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic "));
    assertThat(topic.body()).contains("\"principal\":\"User:ANONYMOUS\"", "\"operation\":\"DESCRIBE\"",
        "\"resource_type\":\"TOPIC\"", "\"resource_name\":\"orders\"");
    assertThat(call("GET", "/api/topics/orders/messages", null, null, null).statusCode()).isEqualTo(401);
    assertThat(form("POST", "/api/topics", "name=new-one", null, null).statusCode()).isEqualTo(401);
    assertThat(form("POST", "/api/topics/orders/records", "value=x", null, null).statusCode()).isEqualTo(401);
    assertThat(call("DELETE", "/api/topics/orders", null, null, null).statusCode()).isEqualTo(401);
    HttpResponse<String> v3 = call("POST", "/v3/clusters/" + clusterId + "/topics/orders/records",
        "{\"value\":{\"type\":\"STRING\",\"data\":\"x\"}}", null, null);
    assertThat(v3.statusCode()).isEqualTo(401);
    assertThat(v3.body()).contains("\"error_code\":40101", "\"operation\":\"WRITE\"");

    // The console's own calls get no Basic challenge (the page shows its login, not the browser's dialog).
    HttpResponse<String> xhr = http.send(HttpRequest.newBuilder(uri("/api/topics/orders")).header("X-Requested-With", "XMLHttpRequest")
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(xhr.statusCode()).isEqualTo(401);
    assertThat(xhr.headers().firstValue("WWW-Authenticate")).isEmpty();

    // Prometheus and the probes need nothing by default; the static page neither.
    assertThat(call("GET", "/metrics", null, null, null).statusCode()).isEqualTo(200);
    assertThat(call("GET", "/health/live", null, null, null).statusCode()).isEqualTo(200);
    assertThat(call("GET", "/console/index.html", null, null, null).statusCode()).isEqualTo(200);
    assertTopicIntact();
  }

  @Test
  void aReaderBrowsesItsTopicButMayNotProduceDeleteAlterOrCreate() throws Exception {
    HttpResponse<String> session = call("GET", "/api/session", null, "alice", "alice-secret");
    assertThat(session.body()).contains("\"principal\":\"User:alice\"", "\"authenticated\":true", "\"mayCreateTopics\":false");
    HttpResponse<String> topics = call("GET", "/api/topics", null, "alice", "alice-secret");
    assertThat(topics.body()).contains("\"name\":\"orders\"").doesNotContain("secret");
    assertThat(topics.body()).contains("\"operations\":[\"READ\",\"DESCRIBE\"]");
    HttpResponse<String> topic = call("GET", "/api/topics/orders", null, "alice", "alice-secret");
    assertThat(topic.statusCode()).as(topic.body()).isEqualTo(200);
    // Sizes on disk are DescribeLogDirs' answer: DESCRIBE on the cluster, which alice lacks.
    assertThat(topic.body()).contains("\"configsAuthorized\":false", "\"logEndOffset\":1", "\"sizeBytes\":null");
    HttpResponse<String> messages = call("GET", "/api/topics/orders/messages?q=first", null, "alice", "alice-secret");
    assertThat(messages.statusCode()).as(messages.body()).isEqualTo(200);
    assertThat(messages.body()).contains("first order");
    assertThat(call("GET", "/api/topics/orders/tail", null, "alice", "alice-secret").statusCode()).isEqualTo(200);
    assertThat(call("GET", "/v3/clusters/" + clusterId + "/topics", null, "alice", "alice-secret").body())
        .contains("\"topic_name\":\"orders\"").doesNotContain("secret");

    assertForbidden(call("GET", "/api/topics/secret/messages", null, "alice", "alice-secret"), "READ", "TOPIC", "secret");
    assertForbidden(call("GET", "/api/topics/secret", null, "alice", "alice-secret"), "DESCRIBE", "TOPIC", "secret");
    assertForbidden(form("POST", "/api/topics/orders/records", "key=k&value=forged", "alice", "alice-secret"), "WRITE", "TOPIC", "orders");
    assertForbidden(call("DELETE", "/api/topics/orders", null, "alice", "alice-secret"), "DELETE", "TOPIC", "orders");
    assertForbidden(form("POST", "/api/topics/orders/configs", "configs=retention.ms%3D1", "alice", "alice-secret"),
        "ALTER_CONFIGS", "TOPIC", "orders");
    assertForbidden(form("POST", "/api/topics", "name=alices-topic", "alice", "alice-secret"), "CREATE", "TOPIC", "alices-topic");
    assertForbidden(form("POST", "/api/groups/billing/reset", "topic=orders&to=earliest", "alice", "alice-secret"),
        "READ", "GROUP", "billing");
    assertForbidden(call("GET", "/api/groups/billing", null, "alice", "alice-secret"), "DESCRIBE", "GROUP", "billing");
    HttpResponse<String> v3 = call("POST", "/v3/clusters/" + clusterId + "/topics/orders/records",
        "{\"value\":{\"type\":\"STRING\",\"data\":\"x\"}}", "alice", "alice-secret");
    assertThat(v3.statusCode()).isEqualTo(403);
    assertThat(v3.body()).contains("\"error_code\":40301", "\"operation\":\"WRITE\"");
    assertThat(call("DELETE", "/v3/clusters/" + clusterId + "/topics/orders", null, "alice", "alice-secret").statusCode()).isEqualTo(403);
    HttpResponse<String> lags = call("GET", "/v3/clusters/" + clusterId + "/consumer-groups/billing/lags", null, "alice", "alice-secret");
    assertThat(lags.statusCode()).isEqualTo(403);
    assertThat(lags.body()).contains("\"error_code\":40301", "\"operation\":\"DESCRIBE\"", "\"resource_type\":\"GROUP\"");

    // A SCRAM user of the broker logs in the same way; with no ACLs it sees nothing.
    assertThat(call("GET", "/api/session", null, "carol", "carol-secret").body()).contains("\"principal\":\"User:carol\"");
    assertThat(call("GET", "/api/topics", null, "carol", "carol-secret").body()).doesNotContain("orders");
    assertTopicIntact();
  }

  @Test
  void aSuperUserDoesEverything() throws Exception {
    assertThat(call("GET", "/api/session", null, "admin", "admin-secret").body()).contains("\"mayCreateTopics\":true");
    HttpResponse<String> created = form("POST", "/api/topics", "name=scratch&partitions=2", "admin", "admin-secret");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    HttpResponse<String> produced = form("POST", "/api/topics/scratch/records", "key=k&value=from-admin", "admin", "admin-secret");
    assertThat(produced.statusCode()).as(produced.body()).isEqualTo(200);
    HttpResponse<String> altered = form("POST", "/api/topics/scratch/configs", "configs=retention.ms%3D3600000", "admin", "admin-secret");
    assertThat(altered.statusCode()).as(altered.body()).isEqualTo(200);
    HttpResponse<String> topic = call("GET", "/api/topics/scratch", null, "admin", "admin-secret");
    assertThat(topic.body()).contains("\"configsAuthorized\":true", "\"name\":\"retention.ms\",\"value\":\"3600000\"");
    assertThat(call("GET", "/api/topics/scratch/messages", null, "admin", "admin-secret").body()).contains("from-admin");
    assertThat(call("GET", "/api/topics", null, "admin", "admin-secret").body()).contains("orders", "secret", "scratch");
    HttpResponse<String> group = call("GET", "/api/groups/billing", null, "admin", "admin-secret");
    assertThat(group.statusCode()).as(group.body()).isEqualTo(200);
    HttpResponse<String> reset = form("POST", "/api/groups/billing/reset", "topic=orders&to=latest", "admin", "admin-secret");
    assertThat(reset.statusCode()).as(reset.body()).isEqualTo(200);
    assertThat(reset.body()).contains("\"offset\":1");
    assertThat(call("GET", "/api/transactions", null, "admin", "admin-secret").statusCode()).isEqualTo(200);
    HttpResponse<String> lags = call("GET", "/v3/clusters/" + clusterId + "/consumer-groups/billing/lags", null, "admin", "admin-secret");
    assertThat(lags.statusCode()).as(lags.body()).isEqualTo(200);
    assertThat(lags.body()).contains("\"consumer_group_id\":\"billing\"", "\"topic_name\":\"orders\"");
    HttpResponse<String> v3 = call("POST", "/v3/clusters/" + clusterId + "/topics/scratch/records",
        "{\"value\":{\"type\":\"STRING\",\"data\":\"over rest\"}}", "admin", "admin-secret");
    assertThat(v3.statusCode()).as(v3.body()).isEqualTo(200);
    HttpResponse<String> deleted = call("DELETE", "/api/topics/scratch", null, "admin", "admin-secret");
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
    assertThat(call("GET", "/api/topics", null, "admin", "admin-secret").body()).doesNotContain("scratch");
  }

  /**
   * Bob may DESCRIBE the group audit and the topic orders (and the cluster) but not secret, which audit
   * also consumes and which takes a burst of records: every view (console, history, REST) shows him
   * audit's lag, members and history, the overview's throughput and the open transaction without a
   * trace of secret, while the super user's same views include it (so the filter is what differs).
   */
  @Test
  void aViewerWhoMayNotDescribeATopicSeesNothingOfItInAnyView() throws Exception {
    try (Admin admin = Admin.create(as(broker, "admin", "admin-secret"))) {
      admin.createTopics(List.of(new NewTopic("ledger", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(as(broker, "admin", "admin-secret"), new StringSerializer(),
        new StringSerializer())) {
      for (int i = 0; i < 41; i++) producer.send(new ProducerRecord<>("secret", "s", "hidden " + i));
      producer.flush();
    }
    Properties tp = as(broker, "admin", "admin-secret");
    tp.put("transactional.id", "audit-txn");
    Properties cp = as(broker, "admin", "admin-secret");
    cp.put("group.id", "audit");
    cp.put("enable.auto.commit", "false");
    try (KafkaProducer<String, String> txn = new KafkaProducer<>(tp, new StringSerializer(), new StringSerializer());
        KafkaConsumer<String, String> member = new KafkaConsumer<>(cp, new StringDeserializer(), new StringDeserializer())) {
      txn.initTransactions();
      txn.beginTransaction();
      txn.send(new ProducerRecord<>("ledger", "l", "entry")).get(30, TimeUnit.SECONDS);
      txn.send(new ProducerRecord<>("secret", "s", "in a transaction")).get(30, TimeUnit.SECONDS);
      // A live member assigned both topics, lagging on both (the transaction stays open meanwhile).
      member.subscribe(List.of("orders", "secret"));
      await().atMost(Duration.ofSeconds(30)).pollInSameThread().until(() -> {
        member.poll(Duration.ofMillis(100));
        return member.assignment().size() == 2;
      });
      member.commitSync(Map.of(new TopicPartition("orders", 0), new OffsetAndMetadata(0),
          new TopicPartition("secret", 0), new OffsetAndMetadata(0)));

      // The super user's view: lag on both topics, and a history point with both in it.
      Map<String, Object> all = json(call("GET", "/api/groups/audit", null, "admin", "admin-secret"));
      long ordersLag = lagOf(all, "orders");
      long secretLag = lagOf(all, "secret");
      assertThat(secretLag).isGreaterThan(40);
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() ->
          points(json(call("GET", "/api/groups/audit", null, "admin", "admin-secret")).get("history"))
              .containsValue(ordersLag + secretLag));

      // Bob's group page: lag rows, total, members' assignments and lag history of orders alone.
      HttpResponse<String> groupPage = call("GET", "/api/groups/audit", null, "bob", "bob-secret");
      Map<String, Object> group = json(groupPage);
      assertThat(groupPage.body()).doesNotContain("secret");
      assertThat((List<?>) group.get("lag")).hasSize(1);
      assertThat(lagOf(group, "orders")).isEqualTo(ordersLag);
      assertThat(group.get("totalLag")).isEqualTo(ordersLag);
      assertThat(groupPage.body()).contains("\"assignment\":[\"orders-0\"]");
      Map<Long, Long> bobHistory = points(group.get("history"));
      assertThat(bobHistory).containsValue(ordersLag).doesNotContainValue(ordersLag + secretLag);
      Map<Long, Long> ordersPart = points(json(call("GET", "/api/history?series=lag:orders:audit", null, "bob", "bob-secret"))
          .get("points"));
      assertSameAtCommonTimes(bobHistory, ordersPart);
      Map<Long, Long> adminHistory = points(json(call("GET", "/api/groups/audit", null, "admin", "admin-secret")).get("history"));
      assertGreaterAtSomeCommonTime(adminHistory, bobHistory);
      HttpResponse<String> groupSeries = call("GET", "/api/history?series=group:audit", null, "bob", "bob-secret");
      assertSameAtCommonTimes(points(json(groupSeries).get("points")), ordersPart);
      assertForbidden(call("GET", "/api/history?series=lag:secret:audit", null, "bob", "bob-secret"), "bob", "DESCRIBE", "TOPIC", "secret");
      assertForbidden(call("GET", "/api/history?series=topic:secret", null, "bob", "bob-secret"), "bob", "DESCRIBE", "TOPIC", "secret");

      // The overview's throughput history is the sum over orders and ledger; the super user's has secret's burst too.
      Map<Long, Long> visible = new HashMap<>(points(json(call("GET", "/api/topics/orders", null, "bob", "bob-secret")).get("history")));
      points(json(call("GET", "/api/topics/ledger", null, "bob", "bob-secret")).get("history")).forEach((t, v) -> visible.merge(t, v, Long::sum));
      HttpResponse<String> overview = call("GET", "/api/overview", null, "bob", "bob-secret");
      Map<Long, Long> bobThroughput = points(json(overview).get("throughputHistory"));
      assertThat(json(overview).get("topics")).isEqualTo(2L);
      assertSameAtCommonTimes(bobThroughput, visible);
      assertGreaterAtSomeCommonTime(points(json(call("GET", "/api/overview", null, "admin", "admin-secret")).get("throughputHistory")),
          bobThroughput);

      // Every other view that names topics, groups or transactions: 200, and no trace of secret.
      for (String path : List.of("/api/session", "/api/topics", "/api/topics/orders", "/api/topics/orders/messages",
          "/api/topics/orders/messages?q=order", "/api/topics/orders/tail", "/api/groups", "/api/transactions",
          "/api/history?series=topic:orders", "/v3/clusters/" + clusterId + "/topics", "/v3/clusters/" + clusterId + "/topics/orders",
          "/v3/clusters/" + clusterId + "/consumer-groups/audit/lags")) {
        HttpResponse<String> r = call("GET", path, null, "bob", "bob-secret");
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        assertThat(r.body()).as(path).doesNotContain("secret");
      }
      assertThat(call("GET", "/api/groups", null, "bob", "bob-secret").body())
          .contains("\"groupId\":\"audit\"", "\"lag\":" + ordersLag + "}").doesNotContain("billing");
      assertThat(call("GET", "/api/transactions", null, "bob", "bob-secret").body()).contains("\"audit-txn\"", "\"ledger-0\"");
      assertThat(call("GET", "/api/transactions", null, "admin", "admin-secret").body()).contains("\"secret-0\"");
      assertThat(call("GET", "/v3/clusters/" + clusterId + "/consumer-groups/audit/lags", null, "bob", "bob-secret").body())
          .contains("\"topic_name\":\"orders\"");
      assertThat(call("GET", "/api/topics", null, "bob", "bob-secret").body()).contains("\"name\":\"ledger\"", "\"name\":\"orders\"");
      assertForbidden(call("GET", "/api/topics/secret/tail", null, "bob", "bob-secret"), "bob", "READ", "TOPIC", "secret");
      // An open /metrics (the default http.open.paths) is the operator's choice: everything, to anyone.
      assertThat(call("GET", "/metrics", null, null, null).body()).contains("topic=\"secret\"");
      txn.abortTransaction();
    }
  }

  @Test
  void wrongCredentialsAreRefusedAfterTheDelayWhateverIsWrong() throws Exception {
    for (String[] wrong : List.of(new String[] {"alice", "wrong"}, new String[] {"nobody", "alice-secret"},
        new String[] {"carol", "wrong"}, new String[] {"admin", ""})) {
      long start = System.nanoTime();
      HttpResponse<String> r = call("GET", "/api/topics", null, wrong[0], wrong[1]);
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertThat(r.statusCode()).as(wrong[0]).isEqualTo(401);
      assertThat(r.body()).contains("invalid user name or password").doesNotContain("orders");
      assertThat(r.headers().firstValue("WWW-Authenticate")).isPresent();
      assertThat(ms).as("answered only after http.authentication.failure.delay.ms").isGreaterThanOrEqualTo(FAILURE_DELAY_MS);
    }
    for (String header : List.of("Bearer abc", "Basic not-base64!", "Basic " + b64("no-colon"))) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/api/topics")).header("Authorization", header).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(header).isEqualTo(401);
    }
    // A changed password counts at once, though the old one was just accepted (and remembered).
    try (Admin admin = Admin.create(as(broker, "admin", "admin-secret"))) {
      admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("dave",
          new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), "dave-old"))).all().get(30, TimeUnit.SECONDS);
      assertThat(call("GET", "/api/session", null, "dave", "dave-old").body()).contains("\"principal\":\"User:dave\"");
      admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("dave",
          new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), "dave-new"))).all().get(30, TimeUnit.SECONDS);
    }
    assertThat(call("GET", "/api/session", null, "dave", "dave-old").statusCode()).isEqualTo(401);
    assertThat(call("GET", "/api/session", null, "dave", "dave-new").statusCode()).isEqualTo(200);
  }

  @Test
  void metricsCloseWhenLeftOutOfOpenPathsAndTheKeyIsChecked() throws Exception {
    Map<String, String> s = secured(dir.resolve("closed"));
    s.put("http.open.paths", "/health/live");
    try (Broker closed = Broker.start(BrokerConfig.of(s))) {
      populate(closed);
      String base = "http://127.0.0.1:" + closed.httpPort();
      assertThat(send(base, "GET", "/metrics", null, null, null).statusCode()).isEqualTo(401);
      assertThat(send(base, "GET", "/health/ready", null, null, null).statusCode()).isEqualTo(401);
      assertThat(send(base, "GET", "/health/live", null, null, null).statusCode()).isEqualTo(200);
      HttpResponse<String> alice = send(base, "GET", "/metrics", null, "alice", "alice-secret");
      assertThat(alice.statusCode()).isEqualTo(403);
      assertThat(alice.body()).contains("\"operation\":\"DESCRIBE\"", "\"resource_type\":\"CLUSTER\"");
      HttpResponse<String> admin = send(base, "GET", "/metrics", null, "admin", "admin-secret");
      assertThat(admin.statusCode()).isEqualTo(200);
      assertThat(admin.body()).contains("kafka_server_brokertopicmetrics_messagesin_total{topic=\"secret\"}",
          "kafka_consumergroup_lag{consumergroup=\"audit\",topic=\"secret\",partition=\"0\"}", "consumergroup=\"billing\"");
      // A closed /metrics shows a scraper with DESCRIBE on the cluster the per-topic series and lag only
      // of the topics and groups it may DESCRIBE, as Metadata and OffsetFetch would.
      HttpResponse<String> bob = send(base, "GET", "/metrics", null, "bob", "bob-secret");
      assertThat(bob.statusCode()).as(bob.body()).isEqualTo(200);
      assertThat(bob.body()).contains("kafka_server_brokertopicmetrics_messagesin_total{topic=\"orders\"}",
          "kafka_log_log_size{topic=\"orders\",partition=\"0\"}",
          "kafka_consumergroup_lag{consumergroup=\"audit\",topic=\"orders\",partition=\"0\"} 1",
          "kafka_network_requestmetrics_requests_total{request=\"Produce\"}");
      // The broker-wide series (no topic label) are DESCRIBE on the cluster's, as Kafka's DescribeLogDirs shows every partition.
      assertThat(bob.body()).containsPattern("(?m)^kafka_server_brokertopicmetrics_messagesin_total \\d+$");
      assertThat(bob.body()).doesNotContain("secret", "billing");
    }
    Map<String, String> bad = secured(dir.resolve("bad"));
    bad.put("http.open.paths", "/metrics,/api");
    assertThatThrownBy(() -> Broker.start(BrokerConfig.of(bad))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.open.paths");
    Map<String, String> noListener = secured(dir.resolve("bad2"));
    noListener.put("http.ssl.listener", "SASL_PLAINTEXT");
    assertThatThrownBy(() -> Broker.start(BrokerConfig.of(noListener))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.ssl.listener");
  }

  @Test
  void httpsWithTheKeyStoreOfAnSslListener() throws Exception {
    TestCertificates certs = TestCertificates.get();
    Map<String, String> s = secured(dir.resolve("https"));
    s.put("listeners", "SASL_PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0");
    s.put("inter.broker.listener.name", "SASL_PLAINTEXT");
    s.put("ssl.keystore.location", certs.brokerKeyStore.toString());
    s.put("ssl.keystore.password", TestCertificates.PASSWORD);
    s.put("ssl.keystore.type", "PKCS12");
    s.put("http.ssl.listener", "SSL");
    try (Broker https = Broker.start(BrokerConfig.of(s))) {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      try (FileInputStream in = new FileInputStream(certs.trustStore.toFile())) {
        trust.load(in, TestCertificates.PASSWORD.toCharArray());
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      HttpClient tls = HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(10)).build();
      HttpResponse<String> session = tls.send(HttpRequest.newBuilder(URI.create("https://localhost:" + https.httpPort() + "/api/session"))
          .header("Authorization", "Basic " + b64("admin:admin-secret")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(session.statusCode()).isEqualTo(200);
      assertThat(session.body()).contains("\"principal\":\"User:admin\"");
      // Plain HTTP on the same port gets no HTTP answer (a TLS alert, or the connection closed).
      try (java.net.Socket plain = new java.net.Socket("127.0.0.1", https.httpPort())) {
        plain.setSoTimeout(5_000);
        plain.getOutputStream().write("GET /api/session HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] got = new byte[5];
        int n;
        try {
          n = plain.getInputStream().readNBytes(got, 0, got.length);
        } catch (java.net.SocketTimeoutException | java.net.SocketException e) {
          n = 0;
        }
        assertThat(new String(got, 0, n, StandardCharsets.US_ASCII)).doesNotStartWith("HTTP/");
      }
    }
  }

  private void assertTopicIntact() throws Exception {
    try (Admin admin = Admin.create(as(broker, "admin", "admin-secret"))) {
      assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("orders", "secret");
      var end = admin.listOffsets(Map.of(new TopicPartition("orders", 0), org.apache.kafka.clients.admin.OffsetSpec.latest()))
          .all().get(30, TimeUnit.SECONDS);
      assertThat(end.get(new TopicPartition("orders", 0)).offset()).isEqualTo(1);
    }
  }

  private static void assertForbidden(HttpResponse<String> r, String operation, String type, String name) {
    assertForbidden(r, "alice", operation, type, name);
  }

  private static void assertForbidden(HttpResponse<String> r, String user, String operation, String type, String name) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
    assertThat(r.headers().firstValue("WWW-Authenticate")).isEmpty();
    assertThat(r.body()).contains("\"error_code\":403", "\"principal\":\"User:" + user + "\"", "\"operation\":\"" + operation + "\"",
        "\"resource_type\":\"" + type + "\"", "\"resource_name\":\"" + name + "\"");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> json(HttpResponse<String> r) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return (Map<String, Object>) JsonIn.parse(r.body());
  }

  /** A group page's lag on one topic, summed over its partitions. */
  private static long lagOf(Map<String, Object> group, String topic) {
    long sum = 0;
    for (Object o : (List<?>) group.get("lag")) {
      Map<?, ?> row = (Map<?, ?>) o;
      if (row.get("topic").equals(topic)) sum += (Long) row.get("lag");
    }
    return sum;
  }

  /** A chart's [[time, value], …] as time → value. */
  private static Map<Long, Long> points(Object chart) {
    Map<Long, Long> out = new java.util.TreeMap<>();
    for (Object o : (List<?>) chart) {
      List<?> p = (List<?>) o;
      out.put((Long) p.get(0), (Long) p.get(1));
    }
    return out;
  }

  /** The two series agree wherever both have a point, and they have some in common (the sampler may add one between two reads). */
  private static void assertSameAtCommonTimes(Map<Long, Long> a, Map<Long, Long> b) {
    Map<Long, Long> common = new java.util.TreeMap<>(a);
    common.keySet().retainAll(b.keySet());
    assertThat(common).isNotEmpty();
    common.forEach((t, v) -> assertThat(v).as("at " + t).isEqualTo(b.get(t)));
  }

  /** {@code more} is never below {@code less} where both have a point, and above it somewhere. */
  private static void assertGreaterAtSomeCommonTime(Map<Long, Long> more, Map<Long, Long> less) {
    boolean above = false;
    for (Map.Entry<Long, Long> e : less.entrySet()) {
      Long m = more.get(e.getKey());
      if (m == null) continue;
      assertThat(m).as("at " + e.getKey()).isGreaterThanOrEqualTo(e.getValue());
      above |= m > e.getValue();
    }
    assertThat(above).as("the super user's series has the hidden topic's part somewhere").isTrue();
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private HttpResponse<String> call(String method, String path, String json, String user, String password) throws Exception {
    return send("http://127.0.0.1:" + broker.httpPort(), method, path, json, user, password);
  }

  private HttpResponse<String> send(String base, String method, String path, String json, String user, String password) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
    if (user != null) b.header("Authorization", "Basic " + b64(user + ":" + password));
    if (json != null) b.header("Content-Type", "application/json");
    b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> form(String method, String path, String body, String user, String password) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/x-www-form-urlencoded");
    if (user != null) b.header("Authorization", "Basic " + b64(user + ":" + password));
    return http.send(b.method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + broker.httpPort() + path);
  }
}
