package dev.brook.broker.security.oauth;

import dev.brook.broker.config.ConfigException;
import dev.brook.broker.config.ListenerSettings;
import dev.brook.broker.security.JaasConfig;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLContext;
import org.jose4j.json.JsonUtil;
import org.jose4j.lang.JoseException;

/**
 * This broker's own OAUTHBEARER tokens, for its connections to other brokers: an OAuth
 * client-credentials grant (RFC 6749 section 4.4) against {@code sasl.oauthbearer.token.endpoint.url},
 * as Kafka's {@code OAuthBearerLoginCallbackHandler} does, with the {@code clientId}, {@code
 * clientSecret} and optional {@code scope} of the listener's OAUTHBEARER JAAS entry (the client id and
 * secret in HTTP Basic, URL-encoded first, as Kafka sends them). A token is kept until 80 % of its
 * lifetime has passed, so a fetcher reconnecting does not ask the issuer each time. Thread-safe: the
 * fetcher and marker threads share one.
 */
public final class ClientCredentialsTokens {
  static final String TOKEN_URL = "sasl.oauthbearer.token.endpoint.url";
  static final String LOGIN_HANDLER = "sasl.login.callback.handler.class";
  static final Set<String> LOGIN_HANDLERS = Set.of(
      "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler",
      "org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerLoginCallbackHandler"); // Kafka 3.1-3.9 name
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final URI endpoint;
  private final String basicAuth;
  private final String body;
  private final HttpClient http;
  private final Clock clock;
  private String token;
  private long refreshAtMillis;

  ClientCredentialsTokens(URI endpoint, String clientId, String clientSecret, String scope, SSLContext tls, Clock clock) {
    this.endpoint = endpoint;
    this.basicAuth = "Basic " + Base64.getEncoder().encodeToString((URLEncoder.encode(clientId, StandardCharsets.UTF_8) + ":"
        + URLEncoder.encode(clientSecret, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
    this.body = "grant_type=client_credentials" + (scope == null || scope.isBlank() ? "" : "&scope=" + URLEncoder.encode(scope, StandardCharsets.UTF_8));
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(TIMEOUT);
    if (tls != null) b.sslContext(tls);
    this.http = b.build();
    this.clock = clock;
  }

  /**
   * The token source of the inter-broker listener {@code s}, checked at startup: Kafka's login
   * handler (if named), the token endpoint and the JAAS entry's {@code clientId}/{@code clientSecret}.
   * No token is fetched yet: the issuer may start after this broker.
   */
  public static ClientCredentialsTokens forListener(ListenerSettings s, Clock clock) {
    String mechanism = OAuthBearerSettings.MECHANISM;
    Object handler = s.getForMechanism(mechanism, LOGIN_HANDLER);
    if (handler != null && !LOGIN_HANDLERS.contains(handler.toString())) {
      throw new ConfigException(s.mechanismKeyName(mechanism, LOGIN_HANDLER), "Brook's brokers get their OAUTHBEARER tokens "
          + "with OAuth client credentials, as org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler does; got " + handler);
    }
    String urlKey = s.mechanismKeyName(mechanism, TOKEN_URL);
    Object url = s.getForMechanism(mechanism, TOKEN_URL);
    if (url == null || url.toString().isBlank()) {
      throw new ConfigException(urlKey, "OAUTHBEARER between brokers needs the issuer's token endpoint (this broker asks it for "
          + "tokens with the clientId and clientSecret of " + s.jaasKeyName(mechanism) + ")");
    }
    String text = s.jaasConfig(mechanism);
    String jaasKey = s.jaasKeyName(mechanism);
    if (text == null) throw new ConfigException(jaasKey, "OAUTHBEARER between brokers needs clientId=\"…\" clientSecret=\"…\" here");
    return create(urlKey, url.toString(), jaasKey, text, clock);
  }

  /**
   * The token source of a client of another cluster (a cluster link), from Kafka's client keys: the
   * token endpoint {@code url} (named {@code urlKey} in errors) and the OAUTHBEARER JAAS entry {@code
   * jaasText} ({@code clientId}, {@code clientSecret}, optional {@code scope} and {@code
   * ssl.truststore.*} for an https endpoint). Checked here, naming the bad key; no token is fetched yet.
   */
  public static ClientCredentialsTokens forClient(String urlKey, String url, String jaasKey, String jaasText, Clock clock) {
    if (url == null || url.isBlank()) {
      throw new ConfigException(urlKey, "is required with OAUTHBEARER (the issuer's token endpoint, asked for tokens with the "
          + "clientId and clientSecret of " + jaasKey + ")");
    }
    if (jaasText == null) throw new ConfigException(jaasKey, "OAUTHBEARER needs clientId=\"…\" clientSecret=\"…\" here");
    return create(urlKey, url, jaasKey, jaasText, clock);
  }

  private static ClientCredentialsTokens create(String urlKey, String url, String jaasKey, String text, Clock clock) {
    URI uri;
    try {
      uri = new URI(url.trim());
    } catch (java.net.URISyntaxException e) {
      throw new ConfigException(urlKey, "is not a URL: " + url);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http")) throw new ConfigException(urlKey, "needs an https:// or http:// URL, got " + url);
    Map<String, String> o = JaasConfig.parse(jaasKey, text).options();
    if (o.get("clientId") == null || o.get("clientSecret") == null) {
      throw new ConfigException(jaasKey, "OAUTHBEARER needs clientId=\"…\" clientSecret=\"…\" (the OAuth client this broker logs in as)");
    }
    return new ClientCredentialsTokens(uri, o.get("clientId"), o.get("clientSecret"), o.get("scope"),
        OAuthBearerSettings.sslContext(jaasKey, text), clock);
  }

  /**
   * Kafka 4's clients fetch OAuth tokens only from URLs the JVM property {@code
   * org.apache.kafka.sasl.oauthbearer.allowed.urls} lists, compared exactly (CVE-2025-27817): a
   * Kafka client this broker makes with a token endpoint the operator has named in the broker's or a
   * cluster link's config gets that one URL added to the list (kept if already there). Nothing else is
   * allowed by it. Any thread.
   */
  public static synchronized void allowInKafkaClients(String url) {
    String key = "org.apache.kafka.sasl.oauthbearer.allowed.urls";
    String now = System.getProperty(key, "").trim();
    String u = url.trim();
    if (!java.util.Arrays.asList(now.split("\\s*,\\s*")).contains(u)) System.setProperty(key, now.isEmpty() ? u : now + "," + u);
  }

  /** A token that has at least 20 % of its lifetime left, fetched from the issuer when needed. */
  public synchronized String token() throws IOException {
    long now = clock.millis();
    if (token != null && now < refreshAtMillis) return token;
    HttpRequest request = HttpRequest.newBuilder(endpoint).timeout(TIMEOUT)
        .header("Authorization", basicAuth)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while asking " + endpoint + " for a token", e);
    }
    int status = response.statusCode();
    if (status == 400 || status == 401 || status == 403) { // RFC 6749 5.2: invalid_client, unauthorized_client, …
      throw new dev.brook.broker.security.AuthenticationFailedException("the token endpoint " + endpoint + " refused the client: "
          + status + " " + abbreviate(response.body()));
    }
    if (status != 200) {
      throw new IOException("the token endpoint " + endpoint + " answered " + response.statusCode() + ": " + abbreviate(response.body()));
    }
    Map<String, Object> json;
    try {
      json = JsonUtil.parseJson(response.body());
    } catch (JoseException e) {
      throw new IOException("the token endpoint " + endpoint + " answered with no JSON: " + abbreviate(response.body()));
    }
    Object access = json.get("access_token");
    if (!(access instanceof String t) || t.isBlank()) throw new IOException("the token endpoint " + endpoint + " sent no access_token");
    long lifetimeMs = json.get("expires_in") instanceof Number n ? n.longValue() * 1000 : 60_000; // unknown: ask again in a minute
    token = t;
    refreshAtMillis = now + lifetimeMs * 8 / 10;
    return token;
  }

  /** The token endpoint's answer is not echoed whole into logs: it may be long, or hold a token. */
  private static String abbreviate(String body) {
    String b = body == null ? "" : body.replaceAll("\\s+", " ");
    return b.length() > 200 ? b.substring(0, 200) + "…" : b;
  }
}
