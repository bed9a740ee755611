package dev.brook.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.config.LocalDynamicBrokerConfigStore;
import dev.brook.broker.security.SecureClients;
import dev.brook.broker.security.TestCertificates;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TLS listener's certificate rotated at runtime through IncrementalAlterConfigs on the BROKER
 * resource (Kafka's {@code listener.name.<l>.ssl.keystore.*} keys) with the Java admin client:
 * connections accepted afterwards get the new certificate (another serial number), a connection
 * opened before keeps being served, a bad store or another DN is refused with the reason and the old
 * certificate kept, and the change survives a restart (the local file on a single node; ZooKeeper's
 * {@code /config/brokers/<id>} in a cluster). {@code CertificateReloadToolsIT} (brook-cli) does the
 * same with Kafka's {@code kafka-configs}.
 */
class DynamicTlsIT {
  private static final String DN = "CN=localhost,O=Brook";
  private static final String SAN = "SAN=dns:localhost,ip:127.0.0.1";
  @TempDir Path dir;
  static TestCertificates certs;

  @BeforeAll
  static void certificates() throws Exception {
    certs = TestCertificates.get();
  }

  private Map<String, String> settings() {
    Map<String, String> s = new HashMap<>();
    s.put("log.dirs", dir.resolve("logs").toString());
    s.put("listeners", "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0");
    s.put("inter.broker.listener.name", "PLAINTEXT");
    s.put("ssl.keystore.location", certs.brokerKeyStore.toString());
    s.put("ssl.keystore.password", TestCertificates.PASSWORD);
    s.put("ssl.keystore.type", "PKCS12");
    return s;
  }

  @Test
  void rotatedKeystoreServesNewConnectionsKeepsOldOnesAndSurvivesRestart() throws Exception {
    Path rotated = certs.signedKeyStore("broker-rotated", DN, SAN);
    BigInteger before;
    BigInteger after;
    try (Broker broker = Broker.start(BrokerConfig.of(settings()))) {
      int port = broker.listeners().get(1).port();
      before = serverCertificate(port).getSerialNumber();
      try (SSLSocket old = connect(port);
          Admin admin = Admin.create(SecureClients.quick(SecureClients.ssl("localhost:" + port, certs)));
          KafkaProducer<String, String> producer = producer(port)) {
        producer.send(new ProducerRecord<>("rotation", "before")).get(20, TimeUnit.SECONDS);
        assertThat(apiVersionsAnswered(old, 1)).isTrue();

        alter(admin, broker, Map.of(
            "listener.name.ssl.ssl.keystore.location", rotated.toString(),
            "listener.name.ssl.ssl.keystore.password", TestCertificates.PASSWORD,
            "listener.name.ssl.ssl.keystore.type", "PKCS12"));

        after = serverCertificate(port).getSerialNumber();
        assertThat(after).isNotEqualTo(before).isEqualTo(leaf(rotated).getSerialNumber());
        assertThat(apiVersionsAnswered(old, 2)).as("a connection from before the change").isTrue();
        producer.send(new ProducerRecord<>("rotation", "after")).get(20, TimeUnit.SECONDS);

        Config described = admin.describeConfigs(List.of(brokerResource(broker))).all().get(20, TimeUnit.SECONDS)
            .get(brokerResource(broker));
        ConfigEntry location = described.get("listener.name.ssl.ssl.keystore.location");
        assertThat(location.value()).isEqualTo(rotated.toString());
        assertThat(location.source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG);
        ConfigEntry password = described.get("listener.name.ssl.ssl.keystore.password");
        assertThat(password.isSensitive()).isTrue();
        assertThat(password.value()).isNull();
      }
    }
    assertThat(dir.resolve("logs").resolve(LocalDynamicBrokerConfigStore.FILE_NAME)).exists();
    try (Broker restarted = Broker.start(BrokerConfig.of(settings()))) {
      assertThat(serverCertificate(restarted.listeners().get(1).port()).getSerialNumber()).isEqualTo(after);
    }
  }

  @Test
  void invalidKeystoresAreRefusedWithTheReasonAndTheOldOneKept() throws Exception {
    Path otherName = certs.signedKeyStore("broker-other-dn", "CN=elsewhere,O=Brook", SAN);
    Path garbage = dir.resolve("garbage.p12");
    Files.writeString(garbage, "not a key store");
    try (Broker broker = Broker.start(BrokerConfig.of(settings()))) {
      int port = broker.listeners().get(1).port();
      BigInteger serial = serverCertificate(port).getSerialNumber();
      try (Admin admin = Admin.create(SecureClients.quick(SecureClients.ssl("localhost:" + port, certs)))) {
        assertRefused(admin, broker, Map.of("listener.name.ssl.ssl.keystore.location", otherName.toString(),
            "listener.name.ssl.ssl.keystore.password", TestCertificates.PASSWORD, "listener.name.ssl.ssl.keystore.type", "PKCS12"),
            "Keystore DistinguishedName does not match", "CN=elsewhere");
        assertRefused(admin, broker, Map.of("listener.name.ssl.ssl.keystore.location", garbage.toString(),
            "listener.name.ssl.ssl.keystore.type", "PKCS12"),
            "listener.name.ssl.ssl.keystore.location", "cannot load PKCS12 store");
        assertRefused(admin, broker, Map.of("listener.name.ssl.ssl.keystore.password", "wrong"),
            "ssl.keystore.location", "cannot load", "password");
        assertRefused(admin, broker, Map.of("ssl.keystore.location", garbage.toString()),
            "only per-listener using the listener prefix");
        assertRefused(admin, broker, Map.of("num.io.threads", "4"), "Cannot update these configs dynamically", "num.io.threads");
        assertRefused(admin, broker, Map.of("listener.name.plaintext.ssl.keystore.location", garbage.toString()),
            "PLAINTEXT", "without TLS");
        assertThat(serverCertificate(port).getSerialNumber()).isEqualTo(serial);
        Config described = admin.describeConfigs(List.of(brokerResource(broker))).all().get(20, TimeUnit.SECONDS)
            .get(brokerResource(broker));
        assertThat(described.entries()).noneMatch(e -> e.source() == ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG);
      }
    }
  }

  @Test
  void inAClusterTheRotationIsKeptInZooKeeper() throws Exception {
    Path rotated = certs.signedKeyStore("broker-rotated-zk", DN, SAN);
    Map<String, String> s = settings();
    s.remove("log.dirs");
    try (InProcessCluster cluster = new InProcessCluster(dir, s)) {
      Broker b1 = cluster.start(1);
      int port = b1.listeners().get(1).port();
      try (Admin admin = Admin.create(SecureClients.quick(SecureClients.ssl("localhost:" + port, certs)))) {
        alter(admin, b1, Map.of(
            "listener.name.ssl.ssl.keystore.location", rotated.toString(),
            "listener.name.ssl.ssl.keystore.password", TestCertificates.PASSWORD,
            "listener.name.ssl.ssl.keystore.type", "PKCS12"));
      }
      BigInteger serial = leaf(rotated).getSerialNumber();
      assertThat(serverCertificate(port).getSerialNumber()).isEqualTo(serial);
      cluster.stop(1);
      assertThat(dir.resolve("broker-1").resolve(LocalDynamicBrokerConfigStore.FILE_NAME)).doesNotExist();
      Broker again = cluster.start(1);
      assertThat(serverCertificate(again.listeners().get(1).port()).getSerialNumber()).isEqualTo(serial);
    }
  }

  private static ConfigResource brokerResource(Broker broker) {
    return new ConfigResource(ConfigResource.Type.BROKER, Integer.toString(broker.config().nodeId()));
  }

  private static void alter(Admin admin, Broker broker, Map<String, String> set) throws Exception {
    Collection<AlterConfigOp> ops = set.entrySet().stream()
        .map(e -> new AlterConfigOp(new ConfigEntry(e.getKey(), e.getValue()), AlterConfigOp.OpType.SET)).toList();
    admin.incrementalAlterConfigs(Map.of(brokerResource(broker), ops)).all().get(20, TimeUnit.SECONDS);
  }

  private static void assertRefused(Admin admin, Broker broker, Map<String, String> set, String... messageParts) {
    assertThatThrownBy(() -> alter(admin, broker, set)).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(InvalidRequestException.class).message().contains(messageParts);
  }

  private static KafkaProducer<String, String> producer(int port) {
    Properties p = SecureClients.quick(SecureClients.ssl("localhost:" + port, certs));
    p.put("delivery.timeout.ms", "30000");
    return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
  }

  private static SSLSocket connect(int port) throws Exception {
    return connect(port, null);
  }

  /** A TLS connection to {@code port} trusting the test CA, presenting {@code clientKeyStore} when not null. */
  static SSLSocket connect(int port, Path clientKeyStore) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(certs.trustStore)) {
      trust.load(in, TestCertificates.PASSWORD.toCharArray());
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(trust);
    javax.net.ssl.KeyManager[] keys = null;
    if (clientKeyStore != null) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(clientKeyStore)) {
        ks.load(in, TestCertificates.PASSWORD.toCharArray());
      }
      javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance("PKIX");
      kmf.init(ks, TestCertificates.PASSWORD.toCharArray());
      keys = kmf.getKeyManagers();
    }
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(keys, tmf.getTrustManagers(), null);
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
    s.setSoTimeout(20_000);
    s.startHandshake();
    return s;
  }

  /** The certificate a new connection to {@code port} is shown. */
  private static X509Certificate serverCertificate(int port) throws Exception {
    return serverCertificate(port, null);
  }

  static X509Certificate serverCertificate(int port, Path clientKeyStore) throws Exception {
    try (SSLSocket s = connect(port, clientKeyStore)) {
      return (X509Certificate) s.getSession().getPeerCertificates()[0];
    }
  }

  static X509Certificate leaf(Path p12) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(p12)) {
      ks.load(in, TestCertificates.PASSWORD.toCharArray());
    }
    for (String alias : java.util.Collections.list(ks.aliases())) {
      if (ks.isKeyEntry(alias)) return (X509Certificate) ks.getCertificate(alias);
    }
    throw new IllegalStateException("no key entry in " + p12);
  }

  /** Sends ApiVersions v0 on an open connection and reads the answer's correlation id. */
  private static boolean apiVersionsAnswered(SSLSocket s, int correlationId) throws Exception {
    byte[] clientId = "old-connection".getBytes(StandardCharsets.UTF_8);
    DataOutputStream out = new DataOutputStream(s.getOutputStream());
    out.writeInt(2 + 2 + 4 + 2 + clientId.length);
    out.writeShort(18); // ApiVersions
    out.writeShort(0);
    out.writeInt(correlationId);
    out.writeShort(clientId.length);
    out.write(clientId);
    out.flush();
    DataInputStream in = new DataInputStream(s.getInputStream());
    int size = in.readInt();
    byte[] body = new byte[size];
    in.readFully(body);
    return size >= 4 && java.nio.ByteBuffer.wrap(body).getInt() == correlationId;
  }
}
