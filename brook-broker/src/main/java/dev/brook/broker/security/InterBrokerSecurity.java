package dev.brook.broker.security;

import dev.brook.broker.cluster.BrokerEndpoint;
import dev.brook.broker.config.ConfigException;
import dev.brook.broker.config.ListenerSettings;
import dev.brook.broker.replica.BrokerConnector;
import dev.brook.broker.replica.ReplicaClient;
import dev.brook.broker.security.oauth.ClientCredentialsTokens;
import dev.brook.broker.security.oauth.OAuthBearerSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.SaslAuthenticateRequest;
import org.apache.kafka.common.requests.SaslAuthenticateResponse;
import org.apache.kafka.common.requests.SaslHandshakeRequest;
import org.apache.kafka.common.requests.SaslHandshakeResponse;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * This broker as a client of another broker's inter-broker listener, configured as Kafka does:
 * the listener's protocol; for SSL/SASL_SSL the listener's {@code ssl.*} keys (its trust store to
 * check the other broker, its key store for mTLS, {@code ssl.endpoint.identification.algorithm});
 * for SASL, {@code sasl.mechanism.inter.broker.protocol} with the {@code username}/{@code password}
 * of that mechanism's JAAS config on the listener, or for OAUTHBEARER a token from the issuer's token
 * endpoint got with the JAAS entry's {@code clientId}/{@code clientSecret} ({@link
 * ClientCredentialsTokens}). SCRAM's key derivation (PBKDF2) and the token request run here, on the
 * calling fetcher or marker thread, never on an event loop. Immutable (but for the cached token),
 * thread-safe.
 */
public final class InterBrokerSecurity implements BrokerConnector {
  /**
   * Made on first use, not when the class initializes: every start calls {@link #create}, and the JDK's
   * first {@code SecureRandom} walks the security providers (~10 ms of the start's main thread).
   */
  private static final class Random {
    static final SecureRandom RANDOM = new SecureRandom();
  }

  private final SecurityProtocol protocol;
  private final TlsContext tls;
  private final String mechanism;
  private final String username;
  private final String password;
  private final ClientCredentialsTokens tokens;

  private InterBrokerSecurity(SecurityProtocol protocol, TlsContext tls, String mechanism, String username, String password,
      ClientCredentialsTokens tokens) {
    this.protocol = protocol;
    this.tls = tls;
    this.mechanism = mechanism;
    this.username = username;
    this.password = password;
    this.tokens = tokens;
  }

  /** The connector for the inter-broker listener {@code s} of protocol {@code protocol}; checked at startup. */
  public static BrokerConnector create(ListenerSettings s, SecurityProtocol protocol, TlsContext serverTls, String interBrokerMechanism) {
    if (protocol == SecurityProtocol.PLAINTEXT) return PLAINTEXT;
    TlsContext tls = protocol == SecurityProtocol.SSL || protocol == SecurityProtocol.SASL_SSL ? TlsContext.create(s, false) : null;
    if (protocol == SecurityProtocol.SSL) return new InterBrokerSecurity(protocol, tls, null, null, null, null);
    String mechKey = "sasl.mechanism.inter.broker.protocol";
    if (!s.getList("sasl.enabled.mechanisms").contains(interBrokerMechanism)) {
      throw new ConfigException(mechKey, interBrokerMechanism + " is not in sasl.enabled.mechanisms of inter-broker listener " + s.listenerName());
    }
    if (interBrokerMechanism.equals(OAuthBearerSettings.MECHANISM)) {
      ClientCredentialsTokens tokens = ClientCredentialsTokens.forListener(s, Clock.systemUTC());
      return new InterBrokerSecurity(protocol, tls, interBrokerMechanism, null, null, tokens);
    }
    if (!interBrokerMechanism.equals(SaslMechanisms.PLAIN) && ScramMechanism.forName(interBrokerMechanism).isEmpty()) {
      throw new ConfigException(mechKey, "Brook's brokers connect to each other with PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or "
          + "OAUTHBEARER, not " + interBrokerMechanism + " (enable one of those on the inter-broker listener beside it)");
    }
    String jaasKey = s.jaasKeyName(interBrokerMechanism);
    String text = s.jaasConfig(interBrokerMechanism);
    if (text == null) throw new ConfigException(jaasKey, "the inter-broker listener needs this broker's username and password for " + interBrokerMechanism);
    JaasConfig jaas = JaasConfig.parse(jaasKey, text);
    String user = jaas.options().get("username");
    String pw = jaas.options().get("password");
    if (user == null || pw == null) {
      throw new ConfigException(jaasKey, "needs username=\"…\" password=\"…\" (this broker's credentials for inter-broker connections)");
    }
    return new InterBrokerSecurity(protocol, tls, interBrokerMechanism, user, pw, null);
  }

  private static final List<String> CLIENT_SSL_KEYS = List.of("ssl.truststore.type", "ssl.truststore.location",
      "ssl.truststore.password", "ssl.truststore.certificates", "ssl.keystore.type", "ssl.keystore.location",
      "ssl.keystore.password", "ssl.key.password", "ssl.keystore.certificate.chain", "ssl.keystore.key",
      "ssl.endpoint.identification.algorithm", "ssl.protocol", "ssl.keymanager.algorithm", "ssl.trustmanager.algorithm");

  /**
   * The Kafka client properties that connect as this broker to the inter-broker listener {@code s}
   * (the same protocol, trust and key stores, SASL mechanism and JAAS {@code username}/{@code
   * password} as {@link #create} uses): what the broker's own clients (the HTTP console's) need to be
   * the broker's principal rather than {@code User:ANONYMOUS}. Call after {@link #create} has checked
   * the keys.
   */
  public static Map<String, Object> clientProperties(ListenerSettings s, SecurityProtocol protocol, String interBrokerMechanism) {
    Map<String, Object> p = new HashMap<>();
    p.put("security.protocol", protocol.name);
    if (protocol == SecurityProtocol.SSL || protocol == SecurityProtocol.SASL_SSL) {
      for (String k : CLIENT_SSL_KEYS) {
        Object v = s.get(k);
        if (v != null) p.put(k, v.toString());
      }
    }
    if ((protocol == SecurityProtocol.SASL_PLAINTEXT || protocol == SecurityProtocol.SASL_SSL)
        && interBrokerMechanism.equals(OAuthBearerSettings.MECHANISM)) {
      // Kafka's client gets its tokens as this broker does: the same endpoint, JAAS entry and trust.
      String m = OAuthBearerSettings.MECHANISM;
      p.put("sasl.mechanism", m);
      p.put("sasl.login.callback.handler.class", "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler");
      p.put("sasl.oauthbearer.token.endpoint.url", s.getForMechanism(m, "sasl.oauthbearer.token.endpoint.url").toString());
      p.put("sasl.jaas.config", s.jaasConfig(m));
    } else if (protocol == SecurityProtocol.SASL_PLAINTEXT || protocol == SecurityProtocol.SASL_SSL) {
      p.put("sasl.mechanism", interBrokerMechanism);
      JaasConfig jaas = JaasConfig.parse(s.jaasKeyName(interBrokerMechanism), s.jaasConfig(interBrokerMechanism));
      String module = interBrokerMechanism.equals(SaslMechanisms.PLAIN) ? SaslMechanisms.PLAIN_MODULE : SaslMechanisms.SCRAM_MODULE;
      p.put("sasl.jaas.config", module + " required username=\"" + escape(jaas.options().get("username"))
          + "\" password=\"" + escape(jaas.options().get("password")) + "\";");
    }
    return p;
  }

  /** The principal {@link #clientProperties} authenticate as, when known from the config (SASL, PLAINTEXT). */
  public static Optional<KafkaPrincipal> clientPrincipal(ListenerSettings s, SecurityProtocol protocol, String interBrokerMechanism) {
    return switch (protocol) {
      case PLAINTEXT -> Optional.of(KafkaPrincipal.ANONYMOUS);
      case SSL -> Optional.empty(); // the certificate's mapped name
      case SASL_PLAINTEXT, SASL_SSL -> interBrokerMechanism.equals(OAuthBearerSettings.MECHANISM)
          ? Optional.empty() // the token's subject claim, known only to the issuer
          : Optional.of(new KafkaPrincipal(KafkaPrincipal.USER_TYPE,
          JaasConfig.parse(s.jaasKeyName(interBrokerMechanism), s.jaasConfig(interBrokerMechanism)).options().get("username")));
    };
  }

  private static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  /**
   * A client of another cluster's listener (a mirror topic's cluster link): {@code protocol} SSL,
   * SASL_PLAINTEXT or SASL_SSL; {@code tls} (a client context) for the TLS ones; for SASL, {@code
   * mechanism} (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512) as {@code username}.
   */
  public static BrokerConnector client(SecurityProtocol protocol, TlsContext tls, String mechanism, String username, String password) {
    boolean sasl = protocol == SecurityProtocol.SASL_PLAINTEXT || protocol == SecurityProtocol.SASL_SSL;
    boolean ssl = protocol == SecurityProtocol.SSL || protocol == SecurityProtocol.SASL_SSL;
    if (ssl != (tls != null)) throw new IllegalArgumentException(protocol + " with" + (tls == null ? "out" : "") + " a TLS context");
    if (sasl && !mechanism.equals(SaslMechanisms.PLAIN) && ScramMechanism.forName(mechanism).isEmpty()) {
      throw new IllegalArgumentException("unsupported SASL mechanism " + mechanism);
    }
    if (!sasl && !ssl) return PLAINTEXT;
    return new InterBrokerSecurity(protocol, tls, sasl ? mechanism : null, username, password, null);
  }

  /**
   * A client of another cluster's SASL_PLAINTEXT or SASL_SSL listener (a cluster link) that logs in
   * with OAUTHBEARER, with tokens from {@code tokens}; {@code tls} (a client context) for SASL_SSL.
   */
  public static BrokerConnector oauthClient(SecurityProtocol protocol, TlsContext tls, ClientCredentialsTokens tokens) {
    if (protocol != SecurityProtocol.SASL_PLAINTEXT && protocol != SecurityProtocol.SASL_SSL) {
      throw new IllegalArgumentException("OAUTHBEARER over " + protocol);
    }
    if ((protocol == SecurityProtocol.SASL_SSL) != (tls != null)) throw new IllegalArgumentException(protocol + " with" + (tls == null ? "out" : "") + " a TLS context");
    return new InterBrokerSecurity(protocol, tls, OAuthBearerSettings.MECHANISM, null, null, tokens);
  }

  @Override
  public Socket connect(BrokerEndpoint broker, int connectTimeoutMs) throws IOException {
    if (tls != null) return tls.connect(new InetSocketAddress(broker.host(), broker.port()), connectTimeoutMs);
    return PLAINTEXT.connect(broker, connectTimeoutMs);
  }

  @Override
  public void authenticate(ReplicaClient client) throws IOException {
    if (mechanism == null) return;
    SaslHandshakeResponse hs = (SaslHandshakeResponse) client.call(
        new SaslHandshakeRequest.Builder(new SaslHandshakeRequestData().setMechanism(mechanism)).build((short) 1));
    if (hs.error() != Errors.NONE) {
      throw new IOException("SASL handshake for " + mechanism + " refused: " + hs.error() + " (enabled: " + hs.data().mechanisms() + ")");
    }
    if (mechanism.equals(SaslMechanisms.PLAIN)) {
      exchange(client, ("\0" + username + "\0" + password).getBytes(StandardCharsets.UTF_8));
      return;
    }
    if (tokens != null) {
      // RFC 7628's client message: a GS2 header without authzid, then the bearer token as kvpairs.
      exchange(client, ("n,,\u0001auth=Bearer " + tokens.token() + "\u0001\u0001").getBytes(StandardCharsets.UTF_8));
      return;
    }
    ScramMechanism m = ScramMechanism.forName(mechanism).orElseThrow();
    byte[] nonceBytes = new byte[18];
    Random.RANDOM.nextBytes(nonceBytes);
    String clientNonce = Base64.getUrlEncoder().withoutPadding().encodeToString(nonceBytes);
    String clientFirstBare = "n=" + username.replace("=", "=3D").replace(",", "=2C") + ",r=" + clientNonce;
    String serverFirst = new String(exchange(client, ("n,," + clientFirstBare).getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    Map<String, String> f = attributes(serverFirst);
    String nonce = f.get("r");
    if (nonce == null || !nonce.startsWith(clientNonce) || f.get("s") == null || f.get("i") == null) {
      throw new IOException("invalid SCRAM server first message");
    }
    int iterations = Integer.parseInt(f.get("i"));
    if (iterations < ScramMechanism.MIN_ITERATIONS) throw new IOException("SCRAM iterations " + iterations + " below " + ScramMechanism.MIN_ITERATIONS);
    byte[] salted = m.saltedPassword(password.getBytes(StandardCharsets.UTF_8), Base64.getDecoder().decode(f.get("s")), iterations);
    byte[] clientKey = m.hmac(salted, "Client Key".getBytes(StandardCharsets.US_ASCII));
    byte[] serverKey = m.hmac(salted, "Server Key".getBytes(StandardCharsets.US_ASCII));
    String withoutProof = "c=biws,r=" + nonce;
    byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
    byte[] signature = m.hmac(m.hash(clientKey), authMessage);
    byte[] proof = new byte[clientKey.length];
    for (int i = 0; i < proof.length; i++) proof[i] = (byte) (clientKey[i] ^ signature[i]);
    String serverFinal = new String(exchange(client, (withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof))
        .getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    String v = attributes(serverFinal).get("v");
    if (v == null || !MessageDigest.isEqual(Base64.getDecoder().decode(v), m.hmac(serverKey, authMessage))) {
      throw new IOException("SCRAM server signature does not verify: not the broker we meant to reach");
    }
  }

  private static byte[] exchange(ReplicaClient client, byte[] message) throws IOException {
    SaslAuthenticateResponse r = (SaslAuthenticateResponse) client.call(
        new SaslAuthenticateRequest.Builder(new SaslAuthenticateRequestData().setAuthBytes(message)).build((short) 2));
    if (r.error() == Errors.SASL_AUTHENTICATION_FAILED) {
      throw new AuthenticationFailedException("inter-broker SASL authentication failed: " + r.error() + " " + r.errorMessage());
    }
    if (r.error() != Errors.NONE) throw new IOException("inter-broker SASL authentication failed: " + r.error() + " " + r.errorMessage());
    return r.saslAuthBytes();
  }

  private static Map<String, String> attributes(String message) {
    Map<String, String> out = new HashMap<>();
    for (String a : message.split(",")) {
      if (a.length() > 2 && a.charAt(1) == '=') out.put(a.substring(0, 1), a.substring(2));
    }
    return out;
  }

  @Override
  public String toString() {
    return "InterBrokerSecurity[" + protocol + (mechanism == null ? "" : ", " + mechanism + (username == null ? "" : " as " + username)) + "]";
  }
}
