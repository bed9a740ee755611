package dev.brook.broker.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.brook.broker.Broker;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.security.SecureClients;
import dev.brook.broker.security.TestCertificates;
import dev.brook.broker.security.oauth.TestTokens;
import dev.brook.broker.security.oauth.TokenIssuer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster link that logs in to its source with SASL/OAUTHBEARER: the source's SASL_PLAINTEXT
 * listener checks JWTs against the test issuer's JWKS (over https); the link's fetchers and its admin
 * client get their tokens from the issuer's client-credentials endpoint (over https, trusted through
 * the JAAS entry's trust store), with the link's clientId/clientSecret, stored encrypted. Records
 * land at their source offsets; a refused client secret fails the mirror topic's creation saying so,
 * within the link's request timeout; a secret rotated away under a running mirror turns its status
 * to authentication-failed; a link without a token endpoint is refused naming the key.
 */
class MirrorOAuthIT {
  private static final String LOGIN_MODULE = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule";
  private static final String TOPIC = "orders";

  @TempDir Path dir;
  private TokenIssuer issuer;
  private Broker source;
  private Broker target;

  @AfterEach
  void stop() {
    if (target != null) target.close();
    if (source != null) source.close();
    if (issuer != null) issuer.close();
  }

  @Test
  void linkFetchesAtSourceOffsetsWithTokensFromTheIssuer() throws Exception {
    TestCertificates certs = TestCertificates.get();
    issuer = new TokenIssuer(new TestTokens(), certs.brokerKeyStore, TestCertificates.PASSWORD).client("mirror", "mirror-secret");
    source = Broker.start(BrokerConfig.of(sourceSettings(certs)));
    target = Broker.start(BrokerConfig.of(Map.of("log.dirs", dir.resolve("target").toString(), "listeners", "PLAINTEXT://127.0.0.1:0",
        "password.encoder.secret", "mirror-oauth-it")));
    String src = "127.0.0.1:" + source.listeners().get(0).port();
    Properties srcClient = SecureClients.sasl(src, "SASL_PLAINTEXT", "PLAIN", "admin", "admin-secret", certs);
    try (Admin admin = Admin.create(srcClient)) {
      admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
    produce(srcClient, 0, 500);

    String url = issuer.url("/token");
    String trust = " ssl.truststore.location=\"" + certs.trustStore + "\" ssl.truststore.password=\"" + TestCertificates.PASSWORD
        + "\" ssl.truststore.type=\"PKCS12\";";
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", target.bootstrapServers()))) {
      // A mistake is refused naming the key, before anything is stored.
      assertThatThrownBy(() -> alterLink(admin, "nourl", Map.of("bootstrap.servers", src, "security.protocol", "SASL_PLAINTEXT",
          "sasl.mechanism", "OAUTHBEARER", "sasl.jaas.config", LOGIN_MODULE + " required clientId=\"mirror\" clientSecret=\"x\";")))
          .hasMessageContaining("sasl.oauthbearer.token.endpoint.url");

      alterLink(admin, "oauth", link(src, url, "mirror-secret", trust));
      assertThat(Files.readString(dir.resolve("target").resolve(LocalMirrorLinkStore.FILE)))
          .contains("link.oauth/sasl.jaas.config").doesNotContain("mirror-secret");
      admin.createTopics(List.of(new NewTopic(TOPIC, Optional.empty(), Optional.empty())
          .configs(Map.of("mirror.link", "oauth")))).all().get(60, TimeUnit.SECONDS);
    }
    produce(srcClient, 500, 500);
    Properties tgtClient = new Properties();
    tgtClient.put("bootstrap.servers", target.bootstrapServers());
    List<String> expected = records(srcClient, 1_000);
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
        .until(() -> records(tgtClient, 1_000).size() >= 1_000);
    assertThat(records(tgtClient, 1_000)).containsExactlyElementsOf(expected); // same partition, offset and value
    int issued = issuer.tokensIssued.get();
    assertThat(issued).as("tokens issued (admin client and fetchers)").isBetween(2, 10);

    // A refused client secret: the link is stored, but its source refuses the login; said, not hung.
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", target.bootstrapServers()))) {
      alterLink(admin, "wrong", link(src, url, "not-the-secret", trust));
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("orders-2", Optional.empty(), Optional.empty())
          .configs(Map.of("mirror.link", "wrong", "mirror.source.topic", TOPIC)))).all().get(60, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class).hasMessageContaining("authentication failed");
      System.out.printf("MirrorOAuthIT: %d tokens issued; wrong secret refused after %d ms%n", issued,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
      assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains(TOPIC).doesNotContain("orders-2");
    }
    // The good link still mirrors after the bad one's failures.
    produce(srcClient, 1_000, 10);
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
        .until(() -> records(tgtClient, 1_010).size() >= 1_010);
    assertThat(records(tgtClient, 1_010)).containsExactlyElementsOf(records(srcClient, 1_010));

    // A secret rotated at the issuer under a running mirror: once its token expires (4 s here) the
    // fetcher's new login is refused, and the topic's status says so instead of "connecting".
    issuer.ttlSeconds = 4;
    issuer.client("rotating", "rotating-secret");
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", target.bootstrapServers()))) {
      alterLink(admin, "rotating", link(src, url, "rotating", "rotating-secret", trust));
      admin.createTopics(List.of(new NewTopic("orders-r", Optional.empty(), Optional.empty())
          .configs(Map.of("mirror.link", "rotating", "mirror.source.topic", TOPIC)))).all().get(60, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
          .until(() -> mirrorStatus(admin, "orders-r"), st -> st.contains("0:fetching:") && st.contains("1:fetching:"));
      issuer.client("rotating", "rotated-away");
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
          .until(() -> mirrorStatus(admin, "orders-r"), st -> st.contains("authentication-failed"));
      System.out.println("MirrorOAuthIT: status after rotation: " + mirrorStatus(admin, "orders-r"));
    }
  }

  /** A SASL_PLAINTEXT listener with PLAIN (the broker itself, the test's clients) and OAUTHBEARER checked against the issuer's JWKS. */
  private Map<String, String> sourceSettings(TestCertificates certs) {
    Map<String, String> s = new HashMap<>();
    s.put("log.dirs", dir.resolve("source").toString());
    s.put("listeners", "SASL_PLAINTEXT://127.0.0.1:0");
    s.put("sasl.enabled.mechanisms", "PLAIN,OAUTHBEARER");
    s.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
    s.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
        + "username=\"admin\" password=\"admin-secret\" user_admin=\"admin-secret\";");
    s.put("listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config", LOGIN_MODULE + " required ssl.truststore.location=\""
        + certs.trustStore + "\" ssl.truststore.password=\"" + TestCertificates.PASSWORD + "\" ssl.truststore.type=\"PKCS12\";");
    s.put("listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class",
        "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler");
    s.put("sasl.oauthbearer.jwks.endpoint.url", issuer.url("/jwks"));
    s.put("sasl.oauthbearer.expected.issuer", TestTokens.ISSUER);
    s.put("sasl.oauthbearer.expected.audience", TestTokens.AUDIENCE);
    s.put("offsets.topic.replication.factor", "1");
    return s;
  }

  private static Map<String, String> link(String bootstrap, String tokenUrl, String secret, String trust) {
    return link(bootstrap, tokenUrl, "mirror", secret, trust);
  }

  private static Map<String, String> link(String bootstrap, String tokenUrl, String clientId, String secret, String trust) {
    return Map.of("bootstrap.servers", bootstrap, "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "OAUTHBEARER",
        "sasl.oauthbearer.token.endpoint.url", tokenUrl, "request.timeout.ms", "10000", "consumer.offset.sync.enable", "false",
        "sasl.jaas.config", LOGIN_MODULE + " required clientId=\"" + clientId + "\" clientSecret=\"" + secret + "\"" + trust);
  }

  private static String mirrorStatus(Admin admin, String topic) throws Exception {
    ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    ConfigEntry e = admin.describeConfigs(List.of(r)).all().get(30, TimeUnit.SECONDS).get(r).get("mirror.status");
    return e == null || e.value() == null ? "" : e.value();
  }

  private static void alterLink(Admin admin, String name, Map<String, String> settings) throws Exception {
    List<AlterConfigOp> ops = new ArrayList<>();
    settings.forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry("cluster.link." + name + "." + k, v), AlterConfigOp.OpType.SET)));
    admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.BROKER, ""), ops)).all().get(30, TimeUnit.SECONDS);
  }

  private static void produce(Properties client, int from, int n) throws Exception {
    try (KafkaProducer<String, String> p = new KafkaProducer<>(client, new StringSerializer(), new StringSerializer())) {
      for (int i = from; i < from + n; i++) p.send(new ProducerRecord<>(TOPIC, i % 2, "k" + i, "v" + i));
      p.flush();
    }
  }

  /** Up to {@code expected} records of the topic as "partition@offset=value", partition 0 first, in offset order. */
  private static List<String> records(Properties client, int expected) {
    List<String> out = new ArrayList<>();
    Properties p = new Properties();
    p.putAll(client);
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> tps = List.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1));
      c.assign(tps);
      c.seekToBeginning(tps);
      List<ConsumerRecord<String, String>> got = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (got.size() < expected && System.nanoTime() < deadline) c.poll(Duration.ofMillis(200)).forEach(got::add);
      got.sort(java.util.Comparator.<ConsumerRecord<String, String>>comparingInt(ConsumerRecord::partition)
          .thenComparingLong(ConsumerRecord::offset));
      for (ConsumerRecord<String, String> r : got) out.add(r.partition() + "@" + r.offset() + "=" + r.value());
    }
    return out;
  }
}
