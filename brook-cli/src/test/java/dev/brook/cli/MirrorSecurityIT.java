package dev.brook.cli;

import static dev.brook.cli.MirrorClients.TIMESTAMP_BASE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.brook.broker.Broker;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.security.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mirroring between clusters that only speak SASL_SSL (SCRAM-SHA-512 over TLS, certificates from
 * {@link TestCertificates}): {@code brook mirror} with {@code A.security.protocol}, {@code A.ssl.*}
 * and {@code A.sasl.*} for both its clusters, and a cluster link with the same keys whose fetchers
 * and admin client reach the source over TLS and authenticate with SCRAM.
 */
class MirrorSecurityIT {
  private static final String ADMIN_JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
      + "username=\"admin\" password=\"admin-secret\" user_admin=\"admin-secret\";";
  private static final String MIRROR_JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required "
      + "username=\"mirror\" password=\"mirror-secret\";";
  private static TestCertificates certs;

  @TempDir Path tmp;
  private Broker a;
  private Broker b;
  private final List<BrookProcess> mirrors = new ArrayList<>();

  @BeforeAll
  static void certificates() throws Exception {
    certs = TestCertificates.get();
  }

  @BeforeEach
  void brokers() throws Exception {
    a = start("a");
    b = start("b");
    for (Broker broker : List.of(a, b)) {
      try (Admin admin = Admin.create(client(bootstrap(broker), "PLAIN", ADMIN_JAAS))) {
        admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("mirror",
            new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "mirror-secret"))).all().get(30, TimeUnit.SECONDS);
      }
    }
  }

  @AfterEach
  void stop() throws Exception {
    for (BrookProcess m : mirrors) {
      m.close();
      System.out.println("--- mirror stderr:\n" + m.stderr());
    }
    if (a != null) a.close();
    if (b != null) b.close();
  }

  private Broker start(String name) throws Exception {
    Map<String, String> s = new HashMap<>();
    s.put("log.dirs", tmp.resolve(name).toString());
    s.put("listeners", "SASL_SSL://127.0.0.1:0");
    s.put("ssl.keystore.location", certs.brokerKeyStore.toString());
    s.put("ssl.keystore.password", TestCertificates.PASSWORD);
    s.put("ssl.keystore.type", "PKCS12");
    s.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-512");
    s.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
    s.put("listener.name.sasl_ssl.plain.sasl.jaas.config", ADMIN_JAAS);
    s.put("password.encoder.secret", "link-secrets-" + name); // a link's secrets are stored encrypted
    s.put("offsets.topic.replication.factor", "1");
    s.put("transaction.state.log.replication.factor", "1");
    s.put("transaction.state.log.min.isr", "1");
    return Broker.start(BrokerConfig.of(s));
  }

  private static String bootstrap(Broker broker) {
    return "127.0.0.1:" + broker.listeners().get(0).port();
  }

  private static Map<String, Object> client(String bootstrap, String mechanism, String jaas) {
    Map<String, Object> p = new HashMap<>();
    p.put("bootstrap.servers", bootstrap);
    p.putAll(security(mechanism, jaas));
    return p;
  }

  /** The client keys of a SASL_SSL SCRAM (or PLAIN) client that trusts the test CA. */
  private static Map<String, String> security(String mechanism, String jaas) {
    return Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", mechanism, "sasl.jaas.config", jaas,
        "ssl.truststore.location", certs.trustStore.toString(), "ssl.truststore.password", TestCertificates.PASSWORD,
        "ssl.truststore.type", "PKCS12");
  }

  private void produce(String topic, int n) throws Exception {
    try (Admin admin = Admin.create(client(bootstrap(a), "PLAIN", ADMIN_JAAS))) {
      admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
    try (KafkaProducer<String, String> p = new KafkaProducer<>(client(bootstrap(a), "PLAIN", ADMIN_JAAS),
        new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < n; i++) p.send(new ProducerRecord<>(topic, null, TIMESTAMP_BASE + i, "k" + i, "v" + i));
    }
  }

  /** Every committed record of {@code topic} on broker {@code on}, as "key=value", read as the SCRAM user. */
  private static List<String> records(Broker on, String topic, int expected) {
    Map<String, Object> props = client(bootstrap(on), "SCRAM-SHA-512", MIRROR_JAAS);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<String> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> tps = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
      c.assign(tps);
      c.seekToBeginning(tps);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (out.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) out.add(MirrorClients.str(r.key()) + "=" + MirrorClients.str(r.value()));
      }
    }
    return out;
  }

  @Test
  void mirrorProcessReadsAndWritesOverSaslSslWithPerClusterKeys() throws Exception {
    produce("secured", 3_000);
    StringBuilder config = new StringBuilder(String.join("\n",
        "clusters = A, B",
        "A.bootstrap.servers = " + bootstrap(a),
        "B.bootstrap.servers = " + bootstrap(b),
        "A->B.enabled = true",
        "refresh.topics.interval.seconds = 1",
        "emit.checkpoints.interval.seconds = 1", ""));
    for (String cluster : List.of("A", "B")) {
      security("SCRAM-SHA-512", MIRROR_JAAS).forEach((k, v) -> config.append(cluster).append('.').append(k).append(" = ")
          .append(v.replace("\\", "\\\\")).append('\n'));
    }
    Path file = tmp.resolve("mirror.properties");
    Files.writeString(file, config);
    mirrors.add(MirrorClients.startMirror(file));

    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
        .until(() -> records(b, "A.secured", 3_000).size() >= 3_000);
    List<String> mirrored = records(b, "A.secured", 3_000);
    assertThat(mirrored).hasSize(3_000).doesNotHaveDuplicates().contains("k0=v0", "k2999=v2999");

    BrookProcess.Result status = BrookProcess.run(null, "mirror", "status", "--config", file.toString());
    assertThat(status.exitCode()).as(status.stderr()).isZero();
    assertThat(status.stdout()).contains("A.secured").contains("total lag: 0 records");
  }

  @Test
  void clusterLinkFetchesFromASaslSslSourceWithScram() throws Exception {
    produce("secured", 3_000);
    Path adminConfig = tmp.resolve("admin.properties");
    StringBuilder props = new StringBuilder();
    security("PLAIN", ADMIN_JAAS).forEach((k, v) -> props.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
    Files.writeString(adminConfig, props);
    String target = bootstrap(b);

    List<String> create = new ArrayList<>(List.of("mirror", "link", "create", "--bootstrap-server", target,
        "--command-config", adminConfig.toString(), "--link", "secure", "--config", "bootstrap.servers=" + bootstrap(a),
        "--config", "request.timeout.ms=10000"));
    security("SCRAM-SHA-512", MIRROR_JAAS).forEach((k, v) -> create.addAll(List.of("--config", k + "=" + v)));
    BrookProcess.Result r = BrookProcess.run(null, create.toArray(new String[0]));
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    BrookProcess.Result listed = BrookProcess.run(null, "mirror", "link", "list", "--bootstrap-server", target,
        "--command-config", adminConfig.toString());
    assertThat(listed.stdout()).contains("secure").contains("SASL_SSL").doesNotContain("mirror-secret")
        .doesNotContain(TestCertificates.PASSWORD);

    r = BrookProcess.run(null, "mirror", "topic", "create", "--bootstrap-server", target, "--command-config",
        adminConfig.toString(), "--link", "secure", "--topic", "secured");
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
        .until(() -> records(b, "secured", 3_000).size() >= 3_000);
    assertThat(records(b, "secured", 3_000)).hasSize(3_000).doesNotHaveDuplicates().contains("k0=v0", "k2999=v2999");
  }
}
