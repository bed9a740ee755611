package dev.brook.broker.security;

import dev.brook.broker.config.ConfigException;
import dev.brook.broker.config.ListenerSettings;
import dev.brook.broker.security.oauth.JwtValidator;
import dev.brook.broker.security.oauth.OAuthBearerServer;
import dev.brook.broker.security.oauth.OAuthBearerSettings;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * The SASL side of one SASL_PLAINTEXT or SASL_SSL listener, built once at startup: the mechanisms
 * it serves ({@code sasl.enabled.mechanisms}: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER), PLAIN's
 * users from the listener's JAAS config ({@code user_<name>="<password>"}), the SCRAM credential store,
 * OAUTHBEARER's JWT validator ({@link OAuthBearerSettings}), the wall clock tokens expire by,
 * the session lifetime ({@code connections.max.reauth.ms}) and the largest frame accepted before
 * authentication ({@code sasl.server.max.receive.size}), and how long a failed authentication waits
 * before it is answered and closed ({@code connection.failed.authentication.delay.ms}). Mechanism exchanges run on {@code
 * executor}, never on an event loop (a credential read may wait on ZooKeeper). Immutable.
 */
public final class SaslMechanisms {
  public static final String PLAIN = "PLAIN";
  static final String PLAIN_MODULE = "org.apache.kafka.common.security.plain.PlainLoginModule";
  static final String SCRAM_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule";

  private final List<String> enabled;
  private final Map<String, String> plainPasswords;
  private final ScramCredentialStore scram;
  private final JwtValidator oauth;
  private final Clock clock;
  private final long reauthMs;
  private final int maxReceiveBytes;
  private final int failedAuthenticationDelayMs;
  private final Executor executor;

  private SaslMechanisms(List<String> enabled, Map<String, String> plainPasswords, ScramCredentialStore scram,
      JwtValidator oauth, Clock clock, long reauthMs, int maxReceiveBytes, int failedAuthenticationDelayMs,
      Executor executor) {
    this.enabled = enabled;
    this.plainPasswords = plainPasswords;
    this.scram = scram;
    this.oauth = oauth;
    this.clock = clock;
    this.reauthMs = reauthMs;
    this.maxReceiveBytes = maxReceiveBytes;
    this.failedAuthenticationDelayMs = failedAuthenticationDelayMs;
    this.executor = executor;
  }

  /** Checks the listener's SASL keys; a mechanism Brook cannot serve fails naming the key. */
  public static SaslMechanisms create(ListenerSettings s, ScramCredentialStore scram, Executor executor) {
    return create(s, scram, executor, Clock.systemUTC());
  }

  /** As {@link #create(ListenerSettings, ScramCredentialStore, Executor)}, with the clock tokens are checked against. */
  public static SaslMechanisms create(ListenerSettings s, ScramCredentialStore scram, Executor executor, Clock clock) {
    List<String> enabled = s.getList("sasl.enabled.mechanisms");
    String key = s.keyName("sasl.enabled.mechanisms");
    if (enabled.isEmpty()) throw new ConfigException(key, "listener " + s.listenerName() + " uses SASL and needs at least one mechanism");
    Map<String, String> plain = Map.of();
    JwtValidator oauth = null;
    for (String m : enabled) {
      if (m.equals(PLAIN)) {
        plain = plainUsers(s);
      } else if (m.equals(OAuthBearerSettings.MECHANISM)) {
        oauth = OAuthBearerSettings.validator(s, clock);
      } else if (ScramMechanism.forName(m).isEmpty()) {
        throw new ConfigException(key, m + " is not served by Brook (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER are)");
      }
    }
    return new SaslMechanisms(List.copyOf(enabled), plain, scram, oauth, clock, s.getLong("connections.max.reauth.ms"),
        s.getInt("sasl.server.max.receive.size"), s.getInt("connection.failed.authentication.delay.ms"), executor);
  }

  private static Map<String, String> plainUsers(ListenerSettings s) {
    String jaasKey = s.jaasKeyName(PLAIN);
    String text = s.jaasConfig(PLAIN);
    if (text == null) {
      throw new ConfigException(jaasKey, "PLAIN on listener " + s.listenerName()
          + " needs listener.name." + s.listenerName().toLowerCase(java.util.Locale.ROOT) + ".plain.sasl.jaas.config with user_<name>=\"<password>\" entries");
    }
    JaasConfig jaas = JaasConfig.parse(jaasKey, text);
    if (!jaas.loginModule().equals(PLAIN_MODULE)) {
      throw new ConfigException(jaasKey, "PLAIN needs " + PLAIN_MODULE + ", got " + jaas.loginModule());
    }
    Map<String, String> users = new HashMap<>();
    jaas.options().forEach((k, v) -> {
      if (k.startsWith("user_")) users.put(k.substring("user_".length()), v);
    });
    return Map.copyOf(users);
  }

  /** PLAIN's users and passwords on this listener (for {@link PasswordVerifier}); empty without PLAIN. */
  Map<String, String> plainPasswords() {
    return plainPasswords;
  }

  public List<String> enabled() {
    return enabled;
  }

  /** A fresh server for one exchange of {@code mechanism}, which must be enabled. */
  public SaslMechanismServer server(String mechanism) {
    if (mechanism.equals(PLAIN)) return new PlainServer(plainPasswords);
    if (mechanism.equals(OAuthBearerSettings.MECHANISM)) return new OAuthBearerServer(oauth);
    return new ScramServer(ScramMechanism.forName(mechanism).orElseThrow(), scram);
  }

  /** The wall clock credentials expire by (OAUTHBEARER tokens). */
  public Clock clock() {
    return clock;
  }

  /** Session lifetime in ms (KIP-368); 0 for none. */
  public long reauthMs() {
    return reauthMs;
  }

  public int maxReceiveBytes() {
    return maxReceiveBytes;
  }

  /**
   * How long a failed exchange waits before its answer and the close (Kafka's
   * connection.failed.authentication.delay.ms): a client guessing passwords learns each verdict
   * that much later, on a connection that holds no request memory meanwhile.
   */
  public int failedAuthenticationDelayMs() {
    return failedAuthenticationDelayMs;
  }

  public Executor executor() {
    return executor;
  }
}
