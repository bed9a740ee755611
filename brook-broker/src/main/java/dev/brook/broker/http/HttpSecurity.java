package dev.brook.broker.http;

import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.config.ConfigException;
import dev.brook.broker.config.ListenerSettings;
import dev.brook.broker.security.Authorizer;
import dev.brook.broker.security.PasswordVerifier;
import dev.brook.broker.security.TlsContext;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * How the HTTP port is secured, checked once at startup.
 *
 * @param authorizer the broker's ACL authorizer; null: no authorization, every request is served as
 *     today (and credentials are not asked for)
 * @param passwords the broker's SASL users, for HTTP Basic
 * @param openPaths {@code http.open.paths}: the paths served without authorization when an authorizer is on
 * @param failureDelayMs {@code http.authentication.failure.delay.ms}
 * @param tls {@code http.ssl.listener}'s TLS settings (HTTPS), or null for plain HTTP
 * @param clientProperties what the console's own Kafka clients need to connect to the inter-broker
 *     listener as this broker (security.protocol, ssl.*, sasl.*)
 */
public record HttpSecurity(Authorizer authorizer, PasswordVerifier passwords, Set<String> openPaths, long failureDelayMs,
    TlsContext tls, Map<String, Object> clientProperties) {

  public HttpSecurity {
    openPaths = Set.copyOf(openPaths);
    clientProperties = Map.copyOf(clientProperties);
  }

  /** No authorization, plain HTTP, PLAINTEXT clients (tests of the HTTP side alone). */
  public static HttpSecurity none() {
    return new HttpSecurity(null, null, Set.of(), 0, null, Map.of());
  }

  /**
   * Reads the {@code http.*} security keys. {@code http.ssl.listener} must name an SSL or SASL_SSL
   * listener (its key store is built again here; the HTTP port never asks for client certificates).
   */
  public static HttpSecurity fromConfig(BrokerConfig config, Authorizer authorizer, PasswordVerifier passwords,
      Map<String, Object> clientProperties) {
    @SuppressWarnings("unchecked")
    List<String> open = (List<String>) config.get("http.open.paths");
    TlsContext tls = null;
    String listener = config.getString("http.ssl.listener");
    if (listener != null && !listener.isBlank()) {
      String name = listener.trim();
      SecurityProtocol p = config.listenerConfig().protocols().get(name);
      if (p == null || config.listenerConfig().listeners().stream().noneMatch(l -> l.name().equals(name))) {
        throw new ConfigException("http.ssl.listener", "no listener named " + name + " (listeners: "
            + config.listenerConfig().listeners().stream().map(l -> l.name()).toList() + ")");
      }
      if (p != SecurityProtocol.SSL && p != SecurityProtocol.SASL_SSL) {
        throw new ConfigException("http.ssl.listener", "listener " + name + " is " + p + "; HTTPS needs an SSL or SASL_SSL listener's key store");
      }
      tls = TlsContext.create(new ListenerSettings(config, name), true);
    }
    return new HttpSecurity(authorizer, passwords, Set.copyOf(open), config.getLong("http.authentication.failure.delay.ms"),
        tls, clientProperties);
  }
}
