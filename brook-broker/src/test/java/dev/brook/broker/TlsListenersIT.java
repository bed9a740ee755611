package dev.brook.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.config.ConfigException;
import dev.brook.broker.config.Listener;
import dev.brook.broker.security.SecureClients;
import dev.brook.broker.security.TestCertificates;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SSL listeners with Kafka's keys and the real Java client: key stores in PKCS12, JKS and inline
 * PEM (one listener each, through listener-prefixed keys), fetches of records read from segment
 * files arriving intact over TLS (no zero-copy there), and mTLS that admits only certificates from
 * the trusted CA.
 */
class TlsListenersIT {
  @TempDir Path dir;
  static TestCertificates certs;

  @BeforeAll
  static void certificates() throws Exception {
    certs = TestCertificates.get();
  }

  private Map<String, String> base() {
    Map<String, String> s = new HashMap<>();
    s.put("log.dirs", dir.resolve("logs").toString());
    s.put("ssl.truststore.location", certs.trustStore.toString());
    s.put("ssl.truststore.password", TestCertificates.PASSWORD);
    s.put("ssl.truststore.type", "PKCS12");
    return s;
  }

  @Test
  void everyKeystoreFormatServesProduceAndFetchOverTls() throws Exception {
    Map<String, String> s = base();
    s.put("listeners", "PLAIN://127.0.0.1:0,P12://127.0.0.1:0,JKS://127.0.0.1:0,PEM://127.0.0.1:0");
    s.put("listener.security.protocol.map", "PLAIN:PLAINTEXT,P12:SSL,JKS:SSL,PEM:SSL");
    s.put("inter.broker.listener.name", "PLAIN");
    s.put("listener.name.p12.ssl.keystore.location", certs.brokerKeyStore.toString());
    s.put("listener.name.p12.ssl.keystore.password", TestCertificates.PASSWORD);
    s.put("listener.name.p12.ssl.keystore.type", "PKCS12");
    s.put("listener.name.jks.ssl.keystore.location", certs.asJks(certs.brokerKeyStore).toString());
    s.put("listener.name.jks.ssl.keystore.password", TestCertificates.PASSWORD);
    s.put("listener.name.jks.ssl.key.password", TestCertificates.PASSWORD);
    s.put("listener.name.pem.ssl.keystore.type", "PEM");
    s.put("listener.name.pem.ssl.keystore.certificate.chain", certs.chainPem(certs.brokerKeyStore));
    s.put("listener.name.pem.ssl.keystore.key", certs.keyPem(certs.brokerKeyStore));
    try (Broker broker = Broker.start(BrokerConfig.of(s))) {
      for (Listener l : broker.listeners().subList(1, 4)) {
        String bootstrap = "localhost:" + l.port();
        String topic = "t-" + l.name();
        roundTrip(SecureClients.ssl(bootstrap, certs), topic, 100, 20_000);
      }
    }
  }

  @Test
  void mutualTlsAdmitsOnlyCertificatesOfTheTrustedCa() throws Exception {
    Map<String, String> s = base();
    s.put("listeners", "SSL://127.0.0.1:0");
    s.put("ssl.keystore.location", certs.brokerKeyStore.toString());
    s.put("ssl.keystore.password", TestCertificates.PASSWORD);
    s.put("ssl.keystore.type", "PKCS12");
    s.put("ssl.client.auth", "required");
    s.put("ssl.principal.mapping.rules", "RULE:^CN=(.*?),.*$/$1/,DEFAULT");
    try (Broker broker = Broker.start(BrokerConfig.of(s))) {
      String bootstrap = "localhost:" + broker.listeners().get(0).port();
      roundTrip(SecureClients.mtls(bootstrap, certs, certs.clientKeyStore), "mtls", 10, 100);
      for (Properties refused : List.of(SecureClients.ssl(bootstrap, certs),
          SecureClients.mtls(bootstrap, certs, certs.otherClientKeyStore))) {
        try (Admin admin = Admin.create(SecureClients.quick(refused))) {
          assertThatThrownBy(() -> admin.describeCluster().nodes().get(20, TimeUnit.SECONDS))
              .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SslAuthenticationException.class);
        }
      }
    }
  }

  @Test
  void aTlsListenerWithoutAKeyStoreIsRefusedAtStartupNamingTheKey() {
    Map<String, String> s = base();
    s.put("listeners", "SECURE://127.0.0.1:0");
    s.put("listener.security.protocol.map", "SECURE:SSL");
    assertThatThrownBy(() -> Broker.start(BrokerConfig.of(s))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("ssl.keystore.location");
    s.put("listener.name.secure.ssl.keystore.location", dir.resolve("missing.p12").toString());
    s.put("listener.name.secure.ssl.keystore.type", "PKCS12");
    assertThatThrownBy(() -> Broker.start(BrokerConfig.of(s))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("listener.name.secure.ssl.keystore.location");
    s.put("listener.name.secure.ssl.keystore.location", certs.brokerKeyStore.toString());
    s.put("listener.name.secure.ssl.keystore.password", TestCertificates.PASSWORD);
    s.put("ssl.enabled.protocols", "TLSv9");
    assertThatThrownBy(() -> Broker.start(BrokerConfig.of(s))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("ssl.enabled.protocols");
  }

  /** Produces {@code count} records of {@code size} bytes, then reads them back from the start. */
  static void roundTrip(Properties client, String topic, int count, int size) throws Exception {
    try (Admin admin = Admin.create(SecureClients.quick((Properties) client.clone()))) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(20, TimeUnit.SECONDS);
    }
    List<byte[]> sent = new ArrayList<>();
    Properties pp = (Properties) client.clone();
    pp.put("acks", "all");
    pp.put("linger.ms", "5");
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < count; i++) {
        byte[] v = new byte[size];
        Arrays.fill(v, (byte) i);
        v[0] = (byte) (i >> 8);
        sent.add(v);
        producer.send(new ProducerRecord<>(topic, v));
      }
      producer.flush();
    }
    Properties cp = (Properties) client.clone();
    cp.put("auto.offset.reset", "earliest");
    cp.put("max.partition.fetch.bytes", "65536"); // several fetches, each from the segment file
    List<byte[]> received = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(List.of(new TopicPartition(topic, 0)));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (received.size() < count && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) received.add(r.value());
      }
    }
    assertThat(received).as(topic).hasSize(count);
    for (int i = 0; i < count; i++) assertThat(received.get(i)).as(topic + " record " + i).isEqualTo(sent.get(i));
  }
}
