package dev.brook.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.config.ConfigException;
import dev.brook.broker.security.SecureClients;
import dev.brook.broker.security.TestCertificates;
import dev.brook.broker.security.oauth.StaticTokenLoginHandler;
import dev.brook.broker.security.oauth.TestTokens;
import dev.brook.broker.security.oauth.TokenIssuer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;
import org.apache.kafka.common.requests.SaslAuthenticateRequest;
import org.apache.kafka.common.requests.SaslAuthenticateResponse;
import org.apache.kafka.common.requests.SaslHandshakeRequest;
import org.apache.kafka.common.requests.SaslHandshakeResponse;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jose4j.jwt.JwtClaims;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SASL/OAUTHBEARER with the real Java client: Kafka's own login handler fetches a token from a
 * client-credentials endpoint on loopback, the broker checks it against the issuer's JWKS (served
 * over https on loopback, or read from a file) and takes the principal from the configured claim;
 * tokens with a wrong issuer or audience, expired, badly signed, unsigned or HMAC-signed with the
 * public key are refused with RFC 7628's error; the session ends with the token (KIP-368) and the
 * client re-authenticates with a fresh one; configuration mistakes, including Kafka's unsecured
 * validator, stop the start naming the key.
 */
class OAuthBearerListenersIT {
  private static final String LOGIN_HANDLER = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler";
  private static final String LOGIN_MODULE = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule";
  private static final String VALIDATOR = "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler";
  @TempDir Path dir;
  static TestCertificates certs;
  static TestTokens tokens;
  static TokenIssuer https;
  static TokenIssuer http;

  @BeforeAll
  static void issuer() throws Exception {
    certs = TestCertificates.get();
    tokens = new TestTokens();
    https = new TokenIssuer(tokens, certs.brokerKeyStore, TestCertificates.PASSWORD);
    http = new TokenIssuer(tokens, null, null).client("service-a", "secret-a").client("service-b", "secret-b");
    // Kafka 4's clients fetch tokens only from URLs allowed by this system property.
    System.setProperty("org.apache.kafka.sasl.oauthbearer.allowed.urls", http.url("/token"));
  }

  @AfterAll
  static void stop() {
    if (https != null) https.close();
    if (http != null) http.close();
  }

  /** A SASL_PLAINTEXT listener with PLAIN (for the broker itself) and OAUTHBEARER, its JWKS over https. */
  private Map<String, String> settings() {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("log.dirs", dir.resolve("logs").toString());
    s.put("listeners", "SASL_PLAINTEXT://127.0.0.1:0");
    s.put("sasl.enabled.mechanisms", "PLAIN,OAUTHBEARER");
    s.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
    s.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
        + "username=\"broker\" password=\"broker-secret\" user_broker=\"broker-secret\";");
    s.put("listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config", LOGIN_MODULE + " required ssl.truststore.location=\""
        + certs.trustStore + "\" ssl.truststore.password=\"" + TestCertificates.PASSWORD + "\" ssl.truststore.type=\"PKCS12\";");
    s.put("listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class", VALIDATOR);
    s.put("sasl.oauthbearer.jwks.endpoint.url", https.url("/jwks"));
    s.put("sasl.oauthbearer.expected.issuer", TestTokens.ISSUER);
    s.put("sasl.oauthbearer.expected.audience", TestTokens.AUDIENCE);
    return s;
  }

  private static String bootstrap(Broker b) {
    return "127.0.0.1:" + b.listeners().get(0).port();
  }

  /** A client that logs in with Kafka's OAuth handler (client credentials) at the loopback issuer. */
  private static Properties oauthClient(String bootstrap, String clientId, String secret) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("security.protocol", "SASL_PLAINTEXT");
    p.put("sasl.mechanism", "OAUTHBEARER");
    p.put("sasl.login.callback.handler.class", LOGIN_HANDLER);
    p.put("sasl.oauthbearer.token.endpoint.url", http.url("/token"));
    p.put("sasl.jaas.config", LOGIN_MODULE + " required clientId=\"" + clientId + "\" clientSecret=\"" + secret + "\" scope=\"kafka\";");
    return p;
  }

  /** A client that presents exactly {@code jwt}. */
  private static Properties staticTokenClient(String bootstrap, String jwt) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("security.protocol", "SASL_PLAINTEXT");
    p.put("sasl.mechanism", "OAUTHBEARER");
    p.put("sasl.login.callback.handler.class", StaticTokenLoginHandler.class.getName());
    p.put("sasl.jaas.config", LOGIN_MODULE + " required token=\"" + jwt + "\";");
    return p;
  }

  @Test
  void kafkasLoginHandlerGetsATokenTheBrokerAcceptsWithThePrincipalFromTheConfiguredClaim() throws Exception {
    Map<String, String> s = settings();
    s.put("sasl.oauthbearer.sub.claim.name", "client_id");
    s.put("authorizer.class.name", "dev.brook.broker.security.Authorizer");
    s.put("super.users", "User:broker;User:service-a");
    try (Broker broker = Broker.start(BrokerConfig.of(s))) {
      assertThat(https.jwksServed.get()).as("the JWKS read over https at startup").isPositive();
      int issued = http.tokensIssued.get();
      Properties a = oauthClient(bootstrap(broker), "service-a", "secret-a");
      a.put("sasl.oauthbearer.sub.claim.name", "client_id");
      TlsListenersIT.roundTrip(a, "oauth", 20, 1000);
      assertThat(http.tokensIssued.get()).as("tokens fetched from the endpoint").isGreaterThan(issued);

      // service-b authenticates too, but as User:service-b (its client_id), which no ACL allows.
      Properties b = SecureClients.quick(oauthClient(bootstrap(broker), "service-b", "secret-b"));
      b.put("sasl.oauthbearer.sub.claim.name", "client_id");
      b.put("max.block.ms", "15000");
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(b, new StringSerializer(), new StringSerializer())) {
        assertThatThrownBy(() -> producer.send(new ProducerRecord<>("oauth", "v")).get(30, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TopicAuthorizationException.class);
      }
    }
  }

  @Test
  void badTokensAreRefusedWithTheRfc7628Error() throws Exception {
    try (Broker broker = Broker.start(BrokerConfig.of(settings()))) {
      long now = System.currentTimeMillis();
      // the same client setup with a good token authenticates, so each refusal below is the token's
      assertAccepted(bootstrap(broker), tokens.rs256(TestTokens.claims("alice", now, 600)));
      assertAccepted(bootstrap(broker), tokens.es256(TestTokens.claims("alice", now, 600)));

      JwtClaims wrongIssuer = TestTokens.claims("alice", now, 600);
      wrongIssuer.setIssuer("https://elsewhere.test");
      JwtClaims wrongAudience = TestTokens.claims("alice", now, 600);
      wrongAudience.setAudience("kafka-elsewhere");
      Map<String, String> bad = new LinkedHashMap<>();
      bad.put("wrong issuer", tokens.rs256(wrongIssuer));
      bad.put("wrong audience", tokens.rs256(wrongAudience));
      bad.put("expired", tokens.rs256(TestTokens.claims("alice", now - 700_000, 600)));
      bad.put("bad signature", tokens.badSignature(TestTokens.claims("alice", now, 600)));
      bad.put("alg none", TestTokens.unsigned(TestTokens.claims("alice", now, 600)));
      bad.put("HS256 keyed with the public key", tokens.hmacWithPublicKey(TestTokens.claims("alice", now, 600)));
      for (Map.Entry<String, String> e : bad.entrySet()) {
        try (Admin admin = Admin.create(SecureClients.quick(staticTokenClient(bootstrap(broker), e.getValue())))) {
          assertThatThrownBy(() -> admin.describeCluster().nodes().get(20, TimeUnit.SECONDS)).as(e.getKey())
              .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SaslAuthenticationException.class)
              .hasMessageContaining("{\"status\":\"invalid_token\"}");
        }
      }
    }
  }

  private static void assertAccepted(String bootstrap, String jwt) throws Exception {
    try (Admin admin = Admin.create(SecureClients.quick(staticTokenClient(bootstrap, jwt)))) {
      assertThat(admin.describeCluster().nodes().get(20, TimeUnit.SECONDS)).hasSize(1);
    }
  }

  @Test
  void theSessionEndsWithTheTokenAndKafkasClientReauthenticatesWithAFreshOne() throws Exception {
    try (Broker broker = Broker.start(BrokerConfig.of(settings()))) {
      // Raw exchange: the lifetime told to the client is the token's time left, and a request after it closes.
      try (RawConnection c = new RawConnection(broker.listeners().get(0).port())) {
        long lifetime = c.authenticate(tokens.rs256(TestTokens.claims("alice", System.currentTimeMillis(), 3)));
        assertThat(lifetime).isBetween(1L, 3_000L);
        assertThat(c.metadata()).isTrue();
        // re-authentication on the same connection with a longer-lived token renews the session
        long renewed = c.authenticate(tokens.rs256(TestTokens.claims("alice", System.currentTimeMillis(), 600)));
        assertThat(renewed).isBetween(590_000L, 600_000L);
        Thread.sleep(3_500);
        assertThat(c.metadata()).as("served within the renewed session").isTrue();
      }
      try (RawConnection c = new RawConnection(broker.listeners().get(0).port())) {
        c.authenticate(tokens.rs256(TestTokens.claims("alice", System.currentTimeMillis(), 2)));
        Thread.sleep(2_500);
        assertThat(c.metadata()).as("closed: the session ended with the token").isFalse();
      }

      // Kafka's client with 6 s tokens: it fetches new ones and re-authenticates; every send succeeds.
      http.ttlSeconds = 6;
      try {
        int issued = http.tokensIssued.get();
        Properties p = oauthClient(bootstrap(broker), "service-a", "secret-a");
        p.put("sasl.login.refresh.window.factor", "0.5");
        p.put("sasl.login.refresh.window.jitter", "0");
        p.put("sasl.login.refresh.min.period.seconds", "0");
        p.put("sasl.login.refresh.buffer.seconds", "0");
        p.put("acks", "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
          long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(14);
          int sent = 0;
          while (System.nanoTime() < end) {
            producer.send(new ProducerRecord<>("oauth-reauth", "v" + sent++)).get(20, TimeUnit.SECONDS);
            Thread.sleep(200);
          }
          double reauthenticated = producer.metrics().entrySet().stream()
              .filter(e -> e.getKey().name().equals("successful-reauthentication-total") && e.getKey().group().equals("producer-metrics"))
              .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).sum();
          assertThat(reauthenticated).as("re-authentications within the tokens' lifetimes").isGreaterThanOrEqualTo(1);
        }
        assertThat(http.tokensIssued.get() - issued).as("tokens fetched: the first and its refreshes").isGreaterThanOrEqualTo(2);
      } finally {
        http.ttlSeconds = 600;
      }
    }
  }

  @Test
  void aSessionIsCappedByConnectionsMaxReauthMsWhenThatIsShorter() throws Exception {
    Map<String, String> s = settings();
    s.put("connections.max.reauth.ms", "2000");
    try (Broker broker = Broker.start(BrokerConfig.of(s));
        RawConnection c = new RawConnection(broker.listeners().get(0).port())) {
      assertThat(c.authenticate(tokens.rs256(TestTokens.claims("alice", System.currentTimeMillis(), 600)))).isEqualTo(2_000L);
    }
  }

  @Test
  void aJwksFileServesAsWellAsAnEndpoint() throws Exception {
    Path jwks = dir.resolve("jwks.json");
    Files.writeString(jwks, tokens.jwks());
    Map<String, String> s = settings();
    s.put("sasl.oauthbearer.jwks.endpoint.url", jwks.toUri().toString());
    try (Broker broker = Broker.start(BrokerConfig.of(s))) {
      assertAccepted(bootstrap(broker), tokens.rs256(TestTokens.claims("alice", System.currentTimeMillis(), 600)));
    }
  }

  @Test
  void oauthMistakesAreRefusedAtStartupNamingTheKey() {
    Map<String, String> s = settings();
    s.remove("sasl.oauthbearer.jwks.endpoint.url");
    assertStartFails(s, "sasl.oauthbearer.jwks.endpoint.url");

    s = settings();
    s.put("listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class",
        "org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredValidatorCallbackHandler");
    assertStartFails(s, "listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class");
    s.put("listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class", "com.example.MyValidator");
    assertStartFails(s, "listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class");

    s = settings();
    s.put("sasl.oauthbearer.jwks.endpoint.url", "http://127.0.0.1:1/jwks");
    assertStartFails(s, "sasl.oauthbearer.jwks.endpoint.url");
    s.put("listener.name.sasl_plaintext.oauthbearer.sasl.oauthbearer.jwks.endpoint.url", "ftp://example.test/jwks");
    assertStartFails(s, "listener.name.sasl_plaintext.oauthbearer.sasl.oauthbearer.jwks.endpoint.url");

    s = settings();
    s.put("sasl.oauthbearer.jwks.endpoint.url", dir.resolve("missing.json").toUri().toString());
    assertStartFails(s, "sasl.oauthbearer.jwks.endpoint.url");

    // OAUTHBEARER between brokers: a token endpoint, and a client id and secret, are needed.
    s = settings();
    s.put("sasl.mechanism.inter.broker.protocol", "OAUTHBEARER");
    assertStartFails(s, "sasl.oauthbearer.token.endpoint.url");
    s.put("sasl.oauthbearer.token.endpoint.url", "ftp://example.test/token");
    assertStartFails(s, "sasl.oauthbearer.token.endpoint.url");
    s.put("sasl.oauthbearer.token.endpoint.url", https.url("/token"));
    assertStartFails(s, "listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config"); // no clientId/clientSecret
    s.put("listener.name.sasl_plaintext.oauthbearer.sasl.login.callback.handler.class", "com.example.MyLogin");
    assertStartFails(s, "listener.name.sasl_plaintext.oauthbearer.sasl.login.callback.handler.class");

    Map<String, String> unknown = new HashMap<>(settings());
    unknown.put("listener.name.sasl_plaintext.oauthbearer.sasl.oauthbearer.no.such.key", "1");
    assertThatThrownBy(() -> BrokerConfig.of(unknown)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("listener.name.sasl_plaintext.oauthbearer.sasl.oauthbearer.no.such.key");
  }

  private static void assertStartFails(Map<String, String> s, String key) {
    assertThatThrownBy(() -> Broker.start(BrokerConfig.of(s))).isInstanceOf(ConfigException.class).hasMessageContaining(key);
  }

  /** One connection speaking the SASL exchange by hand, to read what the broker tells the client. */
  private static final class RawConnection implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private int correlation;

    RawConnection(int port) throws IOException {
      socket = new Socket("127.0.0.1", port);
      socket.setSoTimeout(10_000);
      in = new DataInputStream(socket.getInputStream());
      out = new DataOutputStream(socket.getOutputStream());
    }

    /** Handshake and authenticate with {@code jwt}; returns the session lifetime the broker told. */
    long authenticate(String jwt) throws IOException {
      SaslHandshakeResponse hs = (SaslHandshakeResponse) call(ApiKeys.SASL_HANDSHAKE,
          new SaslHandshakeRequest.Builder(new SaslHandshakeRequestData().setMechanism("OAUTHBEARER")).build((short) 1));
      assertThat(hs.error()).isEqualTo(Errors.NONE);
      SaslAuthenticateResponse auth = (SaslAuthenticateResponse) call(ApiKeys.SASL_AUTHENTICATE,
          new SaslAuthenticateRequest.Builder(new SaslAuthenticateRequestData().setAuthBytes(TestTokens.clientMessage(jwt, Map.of())))
              .build((short) 2));
      assertThat(auth.error()).as(auth.data().errorMessage()).isEqualTo(Errors.NONE);
      return auth.data().sessionLifetimeMs();
    }

    /** Whether a Metadata request is answered (false: the broker closed the connection). */
    boolean metadata() throws IOException {
      try {
        call(ApiKeys.METADATA, new MetadataRequest.Builder(new MetadataRequestData().setTopics(List.of())).build((short) 12));
        return true;
      } catch (EOFException | SocketException e) {
        return false;
      }
    }

    private AbstractResponse call(ApiKeys key, AbstractRequest request) throws IOException {
      short version = request.version();
      ByteBuffer req = request.serializeWithHeader(new RequestHeader(key, version, "raw-oauth", ++correlation));
      out.writeInt(req.remaining());
      out.write(req.array(), req.arrayOffset() + req.position(), req.remaining());
      out.flush();
      int size = in.readInt();
      byte[] body = new byte[size];
      in.readFully(body);
      ByteBuffer buf = ByteBuffer.wrap(body);
      ResponseHeader.parse(buf, key.responseHeaderVersion(version));
      return AbstractResponse.parseResponse(key, new org.apache.kafka.common.protocol.ByteBufferAccessor(buf), version);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
