package dev.brook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.Broker;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.security.TestCertificates;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A certificate rotated without a restart with Kafka 4.1.1's {@code kafka-configs}, as an operator
 * rotates a Kafka broker's: {@code --entity-type brokers --entity-name <id> --alter --add-config
 * listener.name.ssl.ssl.keystore.location=…} over the SSL listener itself ({@code --command-config}).
 * A connection made afterwards is shown the new certificate (its serial number), a producer connected
 * before goes on producing, {@code --describe} lists the dynamic keys, a key store with another DN
 * is refused with the reason (and the old certificate kept), and the change survives a restart.
 */
class CertificateReloadToolsIT {
  private static final String CONFIGS = "kafka.admin.ConfigCommand";
  @TempDir Path dir;
  static TestCertificates certs;

  @BeforeAll
  static void certificates() throws Exception {
    certs = TestCertificates.get();
  }

  private BrokerConfig config() {
    Map<String, String> s = new HashMap<>();
    s.put("log.dirs", dir.resolve("logs").toString());
    s.put("node.id", "7");
    s.put("listeners", "SSL://127.0.0.1:0");
    s.put("ssl.keystore.location", certs.brokerKeyStore.toString());
    s.put("ssl.keystore.password", TestCertificates.PASSWORD);
    s.put("ssl.keystore.type", "PKCS12");
    return BrokerConfig.of(s);
  }

  private Path clientConfig() throws Exception {
    Path p = dir.resolve("client.properties");
    Files.writeString(p, String.join("\n",
        "security.protocol=SSL",
        "ssl.truststore.location=" + certs.trustStore,
        "ssl.truststore.password=" + TestCertificates.PASSWORD,
        "ssl.truststore.type=PKCS12", ""));
    return p;
  }

  @Test
  void kafkaConfigsRotatesTheListenerCertificateWithoutARestart() throws Exception {
    ExternalTool.requireAnchor();
    Path rotated = certs.signedKeyStore("broker-tools-rotated", "CN=localhost,O=Brook", "SAN=dns:localhost,ip:127.0.0.1");
    Path otherDn = certs.signedKeyStore("broker-tools-other", "CN=other,O=Brook", "SAN=dns:localhost,ip:127.0.0.1");
    String client = clientConfig().toString();
    BigInteger newSerial;
    try (Broker broker = Broker.start(config())) {
      int port = broker.listeners().get(0).port();
      String bootstrap = "localhost:" + port;
      BigInteger oldSerial = serverCertificate(port).getSerialNumber();
      Properties pp = new Properties();
      pp.load(Files.newBufferedReader(Path.of(client)));
      pp.put("bootstrap.servers", bootstrap);
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp, new StringSerializer(), new StringSerializer())) {
        producer.send(new ProducerRecord<>("rotation", "before")).get(30, TimeUnit.SECONDS);

        ExternalTool.Result alter = ExternalTool.anchorTool(null, 300, CONFIGS, "--bootstrap-server", bootstrap,
            "--command-config", client, "--entity-type", "brokers", "--entity-name", "7", "--alter", "--add-config",
            "listener.name.ssl.ssl.keystore.location=" + rotated + ",listener.name.ssl.ssl.keystore.password="
                + TestCertificates.PASSWORD + ",listener.name.ssl.ssl.keystore.type=PKCS12");
        assertThat(alter.exitCode()).as(alter.toString()).isZero();
        assertThat(alter.stdout()).contains("Completed updating config for broker 7.");

        newSerial = serverCertificate(port).getSerialNumber();
        assertThat(newSerial).isNotEqualTo(oldSerial);
        producer.send(new ProducerRecord<>("rotation", "after")).get(30, TimeUnit.SECONDS);
      }

      ExternalTool.Result describe = ExternalTool.anchorTool(null, 300, CONFIGS, "--bootstrap-server", bootstrap,
          "--command-config", client, "--entity-type", "brokers", "--entity-name", "7", "--describe");
      assertThat(describe.exitCode()).as(describe.toString()).isZero();
      assertThat(describe.stdout()).contains("Dynamic configs for broker 7 are:")
          .contains("listener.name.ssl.ssl.keystore.location=" + rotated)
          .containsPattern("listener.name.ssl.ssl.keystore.password=\\S* sensitive=true")
          .doesNotContain(TestCertificates.PASSWORD);

      ExternalTool.Result refused = ExternalTool.anchorTool(null, 300, CONFIGS, "--bootstrap-server", bootstrap,
          "--command-config", client, "--entity-type", "brokers", "--entity-name", "7", "--alter", "--add-config",
          "listener.name.ssl.ssl.keystore.location=" + otherDn);
      assertThat(refused.exitCode()).as(refused.toString()).isNotZero();
      assertThat(refused.stdout() + refused.stderr()).contains("InvalidRequestException")
          .contains("Keystore DistinguishedName does not match");
      assertThat(serverCertificate(port).getSerialNumber()).isEqualTo(newSerial);
    }
    try (Broker restarted = Broker.start(config())) {
      assertThat(serverCertificate(restarted.listeners().get(0).port()).getSerialNumber()).isEqualTo(newSerial);
    }
  }

  /** The certificate a new TLS connection to {@code port} is shown (checked against the test CA). */
  static X509Certificate serverCertificate(int port) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(certs.trustStore)) {
      trust.load(in, TestCertificates.PASSWORD.toCharArray());
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
      s.setSoTimeout(20_000);
      s.startHandshake();
      return (X509Certificate) s.getSession().getPeerCertificates()[0];
    }
  }
}
