package dev.brook.broker.security.oauth;

import dev.brook.broker.config.ConfigException;
import dev.brook.broker.config.ListenerSettings;
import dev.brook.broker.security.JaasConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Reads and checks a SASL listener's OAUTHBEARER keys at startup, with Kafka's names, and builds its
 * {@link JwtValidator}. Brook always validates signed JWTs against the issuer's JWKS: Kafka's
 * validator class names (listener.name.&lt;l&gt;.oauthbearer.sasl.server.callback.handler.class, {@code
 * sasl.oauthbearer.jwt.validator.class}) are accepted as names for it, and Kafka's unsecured validator,
 * which accepts any JWT, is refused. Every mistake stops the start naming its key; so does a JWKS
 * that cannot be read.
 */
public final class OAuthBearerSettings {
  public static final String MECHANISM = "OAUTHBEARER";
  static final String LOGIN_MODULE = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule";
  static final Set<String> VALIDATOR_HANDLERS = Set.of(
      "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler",
      "org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerValidatorCallbackHandler"); // Kafka 3.1-3.9 name
  static final Set<String> UNSECURED_HANDLERS = Set.of(
      "org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredValidatorCallbackHandler");
  static final Set<String> JWT_VALIDATORS = Set.of(
      "org.apache.kafka.common.security.oauthbearer.DefaultJwtValidator",
      "org.apache.kafka.common.security.oauthbearer.BrokerJwtValidator");

  private OAuthBearerSettings() {}

  public static JwtValidator validator(ListenerSettings s, Clock clock) {
    checkHandler(s);
    checkJaas(s);
    String urlKey = s.mechanismKeyName(MECHANISM, "sasl.oauthbearer.jwks.endpoint.url");
    String url = (String) s.getForMechanism(MECHANISM, "sasl.oauthbearer.jwks.endpoint.url");
    if (url == null || url.isBlank()) {
      throw new ConfigException(urlKey, "OAUTHBEARER on listener " + s.listenerName()
          + " needs the token issuer's JWKS (https://, http:// or file: URL): Brook accepts only signed tokens");
    }
    URI uri = uri(urlKey, url.trim());
    JwksSource jwks = JwksSource.forUrl(uri, sslContext(s), (Long) s.getForMechanism(MECHANISM, "sasl.oauthbearer.jwks.endpoint.refresh.ms"),
        (Long) s.getForMechanism(MECHANISM, "sasl.oauthbearer.jwks.endpoint.retry.backoff.ms"),
        (Long) s.getForMechanism(MECHANISM, "sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms"), clock);
    try {
      jwks.load();
    } catch (IOException e) {
      throw new ConfigException(urlKey, "cannot read the JWKS at " + uri + ": " + e.getMessage());
    }
    String issuer = (String) s.getForMechanism(MECHANISM, "sasl.oauthbearer.expected.issuer");
    @SuppressWarnings("unchecked")
    List<String> audiences = (List<String>) s.getForMechanism(MECHANISM, "sasl.oauthbearer.expected.audience");
    String sub = (String) s.getForMechanism(MECHANISM, "sasl.oauthbearer.sub.claim.name");
    String scope = (String) s.getForMechanism(MECHANISM, "sasl.oauthbearer.scope.claim.name");
    if (sub.isBlank()) throw new ConfigException(s.mechanismKeyName(MECHANISM, "sasl.oauthbearer.sub.claim.name"), "must name a claim");
    if (scope.isBlank()) throw new ConfigException(s.mechanismKeyName(MECHANISM, "sasl.oauthbearer.scope.claim.name"), "must name a claim");
    return new JwtValidator(jwks, issuer == null || issuer.isBlank() ? null : issuer.trim(), audiences == null ? List.of() : audiences,
        (Integer) s.getForMechanism(MECHANISM, "sasl.oauthbearer.clock.skew.seconds"), sub.trim(), scope.trim(), clock);
  }

  private static void checkHandler(ListenerSettings s) {
    String key = s.mechanismKeyName(MECHANISM, "sasl.server.callback.handler.class");
    String handler = (String) s.getForMechanism(MECHANISM, "sasl.server.callback.handler.class");
    if (handler != null && !handler.isBlank()) {
      if (UNSECURED_HANDLERS.contains(handler)) {
        throw new ConfigException(key, handler + " accepts unsigned tokens; Brook never does. Remove the key "
            + "(or name OAuthBearerValidatorCallbackHandler) and set sasl.oauthbearer.jwks.endpoint.url");
      }
      if (!VALIDATOR_HANDLERS.contains(handler)) {
        throw new ConfigException(key, "Brook loads no callback handler classes; it validates JWTs itself, "
            + "which Kafka's org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler names. Got " + handler);
      }
    }
    String vKey = s.mechanismKeyName(MECHANISM, "sasl.oauthbearer.jwt.validator.class");
    String v = (String) s.getForMechanism(MECHANISM, "sasl.oauthbearer.jwt.validator.class");
    if (!JWT_VALIDATORS.contains(v)) {
      throw new ConfigException(vKey, "Brook loads no validator classes; it validates JWTs itself as Kafka's "
          + "DefaultJwtValidator does. Got " + v);
    }
  }

  /** The OAUTHBEARER JAAS entry is optional on a listener (Brook needs none of its options); if given, it must be Kafka's module. */
  private static void checkJaas(ListenerSettings s) {
    String text = s.jaasConfig(MECHANISM);
    if (text == null) return;
    String key = s.jaasKeyName(MECHANISM);
    JaasConfig jaas = JaasConfig.parse(key, text);
    // sasl.jaas.config (without the mechanism) may hold another mechanism's entry: only a
    // mechanism-specific entry must be OAUTHBEARER's.
    if (key.toLowerCase(Locale.ROOT).contains(".oauthbearer.") && !jaas.loginModule().equals(LOGIN_MODULE)) {
      throw new ConfigException(key, "OAUTHBEARER needs " + LOGIN_MODULE + ", got " + jaas.loginModule());
    }
  }

  private static URI uri(String key, String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new ConfigException(key, "not a URL: " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    switch (scheme) {
      case "https", "http" -> {
        if (uri.getHost() == null) throw new ConfigException(key, "a URL without a host: " + url);
      }
      case "file" -> {
        try {
          if (!Files.isReadable(Path.of(uri))) throw new ConfigException(key, "cannot read " + url);
        } catch (IllegalArgumentException e) {
          throw new ConfigException(key, "not a file URL of an absolute path (file:/etc/brook/jwks.json): " + url);
        }
      }
      default -> throw new ConfigException(key, "only https, http and file URLs are served, got " + url);
    }
    return uri;
  }

  /**
   * TLS trust for an https JWKS endpoint: the OAUTHBEARER JAAS entry's {@code ssl.truststore.location},
   * {@code ssl.truststore.password} and {@code ssl.truststore.type} options (as Kafka reads them); else
   * the JDK's default trust (null).
   */
  static SSLContext sslContext(ListenerSettings s) {
    String text = s.jaasConfig(MECHANISM);
    if (text == null) return null;
    return sslContext(s.jaasKeyName(MECHANISM), text);
  }

  /** TLS trust for an https OAuth endpoint from the JAAS entry {@code text} (named {@code key} in errors). */
  static SSLContext sslContext(String key, String text) {
    Map<String, String> o = JaasConfig.parse(key, text).options();
    String location = o.get("ssl.truststore.location");
    if (location == null) return null;
    String type = o.getOrDefault("ssl.truststore.type", "JKS");
    String password = o.get("ssl.truststore.password");
    try (InputStream in = Files.newInputStream(Path.of(location))) {
      KeyStore ks = KeyStore.getInstance(type);
      ks.load(in, password == null ? null : password.toCharArray());
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException | GeneralSecurityException e) {
      throw new ConfigException(key, "cannot load the OAuth endpoint's trust store " + location + ": " + e.getMessage());
    }
  }
}
