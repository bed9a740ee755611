package dev.brook.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.brook.broker.cluster.BrokerEndpoint;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.config.ConfigException;
import dev.brook.broker.config.ListenerSettings;
import dev.brook.broker.replica.BrokerConnector;
import dev.brook.broker.replica.ReplicaClient;
import dev.brook.broker.security.InterBrokerSecurity;
import dev.brook.broker.security.SecureClients;
import dev.brook.broker.security.TargetBroker;
import dev.brook.broker.security.TestCertificates;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.ResourceNotFoundException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.SaslAuthenticateRequest;
import org.apache.kafka.common.requests.SaslAuthenticateResponse;
import org.apache.kafka.common.requests.SaslHandshakeRequest;
import org.apache.kafka.common.requests.SaslHandshakeResponse;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SASL listeners with the real Java client: PLAIN from the listener's JAAS config over SASL_SSL,
 * SCRAM-SHA-256/512 users created and listed with the Admin API (what kafka-configs sends) and kept
 * across a restart, failed authentication answered then closed, nothing but the exchange served
 * before authentication, frames over 512 KB refused before it, and KIP-368 session lifetimes. With
 * {@code -Dbrook.it.target=kafka} the same tests run against Apache Kafka 4.1.1 with the same settings
 * ({@link TargetBroker}); there Brook's own SASL client (what a broker uses) is checked against Kafka.
 */
class SaslListenersIT {
  @TempDir Path dir;
  static TestCertificates certs;

  static final String ADMIN_JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
      + "username=\"admin\" password=\"admin-secret\" user_admin=\"admin-secret\" user_carol=\"carol-secret\";";

  @BeforeAll
  static void certificates() throws Exception {
    certs = TestCertificates.get();
  }

  private Map<String, String> saslSsl() {
    Map<String, String> s = new HashMap<>();
    s.put("log.dirs", dir.resolve("logs").toString());
    s.put("listeners", "SASL_SSL://127.0.0.1:0");
    s.put("ssl.keystore.location", certs.brokerKeyStore.toString());
    s.put("ssl.keystore.password", TestCertificates.PASSWORD);
    s.put("ssl.keystore.type", "PKCS12");
    s.put("ssl.truststore.location", certs.trustStore.toString()); // for this broker as a client
    s.put("ssl.truststore.password", TestCertificates.PASSWORD);
    s.put("ssl.truststore.type", "PKCS12");
    s.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512");
    s.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
    s.put("listener.name.sasl_ssl.plain.sasl.jaas.config", ADMIN_JAAS);
    return s;
  }

  private static String bootstrap(TargetBroker b) {
    return b.bootstrap();
  }

  @Test
  void plainAuthenticatesJaasUsersAndRefusesAWrongPassword() throws Exception {
    try (TargetBroker broker = TargetBroker.start(dir, saslSsl())) {
      Properties carol = SecureClients.sasl(bootstrap(broker), "SASL_SSL", "PLAIN", "carol", "carol-secret", certs);
      TlsListenersIT.roundTrip(carol, "plain", 20, 1000);
      for (Properties wrong : List.of(
          SecureClients.sasl(bootstrap(broker), "SASL_SSL", "PLAIN", "carol", "carol-wrong", certs),
          SecureClients.sasl(bootstrap(broker), "SASL_SSL", "PLAIN", "nobody", "carol-secret", certs))) {
        try (Admin admin = Admin.create(SecureClients.quick(wrong))) {
          assertThatThrownBy(() -> admin.describeCluster().nodes().get(20, TimeUnit.SECONDS))
              .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SaslAuthenticationException.class)
              .hasMessageContaining("Invalid username or password");
        }
      }
    }
  }

  @Test
  void scramUsersCreatedWithTheAdminApiAuthenticateAndSurviveARestart() throws Exception {
    Map<String, String> s = saslSsl();
    try (TargetBroker broker = TargetBroker.start(dir, s)) {
      try (Admin admin = Admin.create(SecureClients.quick(
          SecureClients.sasl(bootstrap(broker), "SASL_SSL", "PLAIN", "admin", "admin-secret", certs)))) {
        admin.alterUserScramCredentials(List.of(
            new UserScramCredentialUpsertion("alice", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "alice-secret"),
            new UserScramCredentialUpsertion("bob", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), "bob-secret")))
            .all().get(20, TimeUnit.SECONDS);
        Map<String, UserScramCredentialsDescription> d = admin.describeUserScramCredentials().all().get(20, TimeUnit.SECONDS);
        assertThat(d).containsOnlyKeys("alice", "bob");
        assertThat(d.get("bob").credentialInfos()).containsExactly(new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192));
        assertThatThrownBy(() -> admin.describeUserScramCredentials(List.of("nobody")).description("nobody").get(20, TimeUnit.SECONDS))
            .hasCauseInstanceOf(ResourceNotFoundException.class);
      }
      TlsListenersIT.roundTrip(SecureClients.sasl(bootstrap(broker), "SASL_SSL", "SCRAM-SHA-256", "alice", "alice-secret", certs),
          "scram256", 20, 1000);
      TlsListenersIT.roundTrip(SecureClients.sasl(bootstrap(broker), "SASL_SSL", "SCRAM-SHA-512", "bob", "bob-secret", certs),
          "scram512", 20, 1000);
      assertRefused(SecureClients.sasl(bootstrap(broker), "SASL_SSL", "SCRAM-SHA-256", "alice", "wrong", certs));
      // a credential of the other mechanism does not authenticate
      assertRefused(SecureClients.sasl(bootstrap(broker), "SASL_SSL", "SCRAM-SHA-512", "alice", "alice-secret", certs));
      assertRefused(SecureClients.sasl(bootstrap(broker), "SASL_SSL", "SCRAM-SHA-256", "nobody", "alice-secret", certs));
      broker.restart();
      TlsListenersIT.roundTrip(SecureClients.sasl(bootstrap(broker), "SASL_SSL", "SCRAM-SHA-256", "alice", "alice-secret", certs),
          "after-restart", 5, 100);
    }
  }

  private static void assertRefused(Properties client) {
    try (Admin admin = Admin.create(SecureClients.quick(client))) {
      assertThatThrownBy(() -> admin.describeCluster().nodes().get(20, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SaslAuthenticationException.class)
          // Kafka's words for every failed SCRAM exchange: which part failed is not told to the client
          .hasMessageContaining("Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-");
    }
  }

  @Test
  void beforeAuthenticationOnlyTheExchangeIsServedAndFramesAreCappedAt512KB() throws Exception {
    Map<String, String> s = saslSsl();
    s.put("listeners", "SASL_PLAINTEXT://127.0.0.1:0");
    s.remove("listener.name.sasl_ssl.plain.sasl.jaas.config");
    s.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", ADMIN_JAAS);
    s.put("message.max.bytes", "2000000");
    try (TargetBroker broker = TargetBroker.start(dir, s)) {
      int port = broker.port(0);
      // A Metadata request before authentication: the connection closes, no response.
      try (Socket socket = new Socket("127.0.0.1", port)) {
        ByteBuffer req = new MetadataRequest.Builder(new MetadataRequestData().setTopics(null)).build((short) 12)
            .serializeWithHeader(new RequestHeader(org.apache.kafka.common.protocol.ApiKeys.METADATA, (short) 12, "raw", 1));
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        out.writeInt(req.remaining());
        out.write(req.array(), req.arrayOffset() + req.position(), req.remaining());
        out.flush();
        assertClosed(socket);
      }
      // A frame announced at 600 KB before authentication: closed before the broker reads it.
      try (Socket socket = new Socket("127.0.0.1", port)) {
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        out.writeInt(600 * 1024);
        out.write(new byte[64 * 1024]);
        out.flush();
        assertClosed(socket);
      }
      // Issue 17's attack on a SASL listener: 20 connections announcing 100 MB frames are all closed
      // at their first 4 bytes; nothing is reserved or allocated for them.
      List<Socket> attackers = new java.util.ArrayList<>();
      try {
        for (int i = 0; i < 20; i++) {
          Socket a = new Socket("127.0.0.1", port);
          attackers.add(a);
          DataOutputStream out = new DataOutputStream(a.getOutputStream());
          out.writeInt(100 * 1024 * 1024);
          out.flush();
        }
        for (Socket a : attackers) assertClosed(a);
      } finally {
        for (Socket a : attackers) a.close();
      }
      // After authentication the same size is a legitimate request.
      Properties admin = SecureClients.sasl("127.0.0.1:" + port, "SASL_PLAINTEXT", "PLAIN", "admin", "admin-secret", certs);
      admin.put("max.request.size", "1500000");
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(admin, new StringSerializer(), new StringSerializer())) {
        producer.send(new ProducerRecord<>("big", "x".repeat(900 * 1024))).get(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aFailedAuthenticationIsAnsweredAndClosedOnlyAfterTheConfiguredDelay() throws Exception {
    Map<String, String> s = saslSsl();
    s.put("listeners", "SASL_PLAINTEXT://127.0.0.1:0");
    s.remove("listener.name.sasl_ssl.plain.sasl.jaas.config");
    s.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", ADMIN_JAAS);
    s.put("connection.failed.authentication.delay.ms", "1500");
    try (TargetBroker broker = TargetBroker.start(dir, s); Socket socket = new Socket("127.0.0.1", broker.port(0))) {
      socket.setSoTimeout(30_000);
      RequestHeader handshake = new RequestHeader(ApiKeys.SASL_HANDSHAKE, (short) 1, "raw", 1);
      SaslHandshakeResponse h = (SaslHandshakeResponse) roundTrip(socket, new SaslHandshakeRequest.Builder(
          new SaslHandshakeRequestData().setMechanism("PLAIN")).build((short) 1), handshake);
      assertThat(h.error()).isEqualTo(Errors.NONE);
      RequestHeader authenticate = new RequestHeader(ApiKeys.SASL_AUTHENTICATE, (short) 2, "raw", 2);
      long start = System.nanoTime();
      SaslAuthenticateResponse refused = (SaslAuthenticateResponse) roundTrip(socket, new SaslAuthenticateRequest.Builder(
          new SaslAuthenticateRequestData().setAuthBytes("\0admin\0wrong".getBytes(StandardCharsets.UTF_8)))
          .build((short) 2), authenticate);
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(refused.error()).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED);
      // A lower bound only: the answer cannot come sooner; how much later depends on the machine.
      assertThat(ms).as("answered after connection.failed.authentication.delay.ms").isGreaterThanOrEqualTo(1_400);
      assertClosed(socket);
    }
  }

  /** Sends one request on a raw connection and reads its answer. */
  private static AbstractResponse roundTrip(Socket socket, AbstractRequest request, RequestHeader header) throws IOException {
    ByteBuffer b = request.serializeWithHeader(header);
    DataOutputStream out = new DataOutputStream(socket.getOutputStream());
    out.writeInt(b.remaining());
    out.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
    out.flush();
    DataInputStream in = new DataInputStream(socket.getInputStream());
    byte[] response = new byte[in.readInt()];
    in.readFully(response);
    return AbstractResponse.parseResponse(ByteBuffer.wrap(response), header);
  }

  private static void assertClosed(Socket socket) throws IOException {
    socket.setSoTimeout(10_000);
    DataInputStream in = new DataInputStream(socket.getInputStream());
    try {
      assertThat(in.read()).as("the broker closed the connection").isEqualTo(-1);
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the connection was still open after 10 s", e);
    } catch (IOException e) {
      // reset by the broker: closed too
    }
  }

  @Test
  void aSessionPastItsLifetimeIsClosedUnlessTheClientReauthenticates() throws Exception {
    Map<String, String> s = saslSsl();
    // The client re-authenticates at a random 85-95 % of the lifetime, on its next I/O: with 1.5 s that
    // left it 75-225 ms, which a loaded machine overran (the broker then closed the connection, the
    // client reconnected, and no re-authentication was counted). 4 s leaves 200-600 ms.
    s.put("connections.max.reauth.ms", "4000");
    try (TargetBroker broker = TargetBroker.start(dir, s)) {
      Properties p = SecureClients.sasl(bootstrap(broker), "SASL_SSL", "PLAIN", "carol", "carol-secret", certs);
      p.put("acks", "all");
      // The Java client re-authenticates within the lifetime (KIP-368): sends over 9 s all succeed.
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
        // The first send creates the topic (seconds on a loaded machine, against Kafka): the 9 s start after it.
        producer.send(new ProducerRecord<>("reauth", "k", "first")).get(30, TimeUnit.SECONDS);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(9);
        int sent = 0;
        while (System.nanoTime() < end || sent < 3) {
          producer.send(new ProducerRecord<>("reauth", "k", "v" + sent++)).get(10, TimeUnit.SECONDS);
          Thread.sleep(100);
        }
        assertThat(sent).as("sends across the session lifetime, all acknowledged").isGreaterThan(1);
        // re-authenticated on its connections rather than reconnected after being closed
        double reauthenticated = producer.metrics().entrySet().stream()
            .filter(e -> e.getKey().name().equals("successful-reauthentication-total")
                && e.getKey().group().equals("producer-metrics"))
            .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).sum();
        assertThat(reauthenticated).isGreaterThanOrEqualTo(1);
      }
      // A client that authenticates once and never again: closed once its session has ended.
      Map<String, String> own = new HashMap<>(s);
      own.put("listener.name.sasl_ssl.plain.sasl.jaas.config", ADMIN_JAAS);
      BrokerConnector connector = InterBrokerSecurity.create(new ListenerSettings(BrokerConfig.of(own), "SASL_SSL"),
          SecurityProtocol.SASL_SSL, null, "PLAIN");
      BrokerEndpoint endpoint = new BrokerEndpoint(1, "localhost", broker.port(0), null, Map.of());
      try (ReplicaClient client = new ReplicaClient(endpoint, "once", 10_000, 10_000, connector)) {
        client.call(new MetadataRequest.Builder(new MetadataRequestData().setTopics(null)).build((short) 12));
        Thread.sleep(5_000);
        assertThatThrownBy(() -> client.call(new MetadataRequest.Builder(new MetadataRequestData().setTopics(null)).build((short) 12)))
            .isInstanceOf(IOException.class);
      }
    }
  }

  @Test
  void theBrokersOwnScramClientAuthenticatesWithAStoredCredential() throws Exception {
    Map<String, String> s = saslSsl();
    try (TargetBroker broker = TargetBroker.start(dir, s)) {
      try (Admin admin = Admin.create(SecureClients.quick(
          SecureClients.sasl(bootstrap(broker), "SASL_SSL", "PLAIN", "admin", "admin-secret", certs)))) {
        admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("broker",
            new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "broker-secret"))).all().get(20, TimeUnit.SECONDS);
      }
      BrokerEndpoint endpoint = new BrokerEndpoint(1, "localhost", broker.port(0), null, Map.of());
      for (String password : List.of("broker-secret", "wrong")) {
        Map<String, String> own = new HashMap<>(s);
        own.put("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"broker\" password=\"" + password + "\";");
        BrokerConnector connector = InterBrokerSecurity.create(new ListenerSettings(BrokerConfig.of(own), "SASL_SSL"),
            SecurityProtocol.SASL_SSL, null, "SCRAM-SHA-512");
        if (password.equals("wrong")) {
          assertThatThrownBy(() -> new ReplicaClient(endpoint, "scram", 10_000, 10_000, connector).close())
              .isInstanceOf(IOException.class).hasMessageContaining("SASL_AUTHENTICATION_FAILED");
        } else {
          try (ReplicaClient client = new ReplicaClient(endpoint, "scram", 10_000, 10_000, connector)) {
            client.call(new MetadataRequest.Builder(new MetadataRequestData().setTopics(null)).build((short) 12));
          }
        }
      }
    }
  }

  @Test
  void saslMistakesAreRefusedAtStartupNamingTheKey() {
    assumeFalse(TargetBroker.isKafka(), "Brook's start-up checks (Kafka words its own differently)");
    Map<String, String> s = saslSsl();
    s.put("sasl.enabled.mechanisms", "GSSAPI");
    assertThatThrownBy(() -> Broker.start(BrokerConfig.of(s))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("sasl.enabled.mechanisms");
    s.put("sasl.enabled.mechanisms", "PLAIN");
    s.remove("listener.name.sasl_ssl.plain.sasl.jaas.config");
    assertThatThrownBy(() -> Broker.start(BrokerConfig.of(s))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("sasl.jaas.config");
    s.put("listener.name.sasl_ssl.plain.sasl.jaas.config", "org.example.Nope required;");
    assertThatThrownBy(() -> Broker.start(BrokerConfig.of(s))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("listener.name.sasl_ssl.plain.sasl.jaas.config");
    Map<String, String> slow = saslSsl();
    slow.put("connections.max.idle.ms", "1000");
    slow.put("connection.failed.authentication.delay.ms", "1000");
    assertThatThrownBy(() -> BrokerConfig.of(slow)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("connection.failed.authentication.delay.ms").hasMessageContaining("connections.max.idle.ms");
  }
}
