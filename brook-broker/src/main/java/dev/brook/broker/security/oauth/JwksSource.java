package dev.brook.broker.security.oauth;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import org.jose4j.jwk.EllipticCurveJsonWebKey;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.VerificationJwkSelector;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.lang.JoseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The token issuer's public signing keys, read from its JWKS ({@code
 * sasl.oauthbearer.jwks.endpoint.url}: an https or http endpoint, or a file). Only RSA and EC keys
 * meant for signatures are kept: a symmetric ({@code oct}) key is never used, so a token "signed"
 * with HMAC cannot be checked against anything.
 *
 * <p>The set is read again when it is older than the refresh interval, and early (at most once per
 * backoff) when a token names a key id it does not hold, as issuers rotate keys. A failed read keeps
 * the keys held so far and is retried after a backoff that doubles up to its maximum. Reads happen
 * on the caller's thread, which is the SASL executor's, never an event loop. Thread-safe: reads are
 * serialized, lookups see the last set read.
 */
public final class JwksSource {
  private static final Logger log = LoggerFactory.getLogger(JwksSource.class);
  /** A JWKS larger than this is refused (a real one is a few KB). */
  static final int MAX_BYTES = 1 << 20;
  private static final int TIMEOUT_MS = 10_000;

  /** Reads the JWKS document. */
  @FunctionalInterface
  interface Fetcher {
    String fetch() throws IOException;
  }

  private final String location;
  private final Fetcher fetcher;
  private final long refreshMs;
  private final long backoffMs;
  private final long backoffMaxMs;
  private final Clock clock;
  private volatile List<PublicJsonWebKey> keys = List.of();
  private long fetchedAtMs;
  private long nextAttemptMs;
  private int failures;

  JwksSource(String location, Fetcher fetcher, long refreshMs, long backoffMs, long backoffMaxMs, Clock clock) {
    this.location = location;
    this.fetcher = fetcher;
    this.refreshMs = refreshMs;
    this.backoffMs = backoffMs;
    this.backoffMaxMs = Math.max(backoffMs, backoffMaxMs);
    this.clock = clock;
  }

  /** A source for {@code url} (http, https or file); {@code ssl} is for https, null for the JDK's default trust. */
  static JwksSource forUrl(URI url, SSLContext ssl, long refreshMs, long backoffMs, long backoffMaxMs, Clock clock) {
    Fetcher f = switch (url.getScheme().toLowerCase(java.util.Locale.ROOT)) {
      case "file" -> () -> readFile(Path.of(url));
      case "http", "https" -> () -> readHttp(url, ssl);
      default -> throw new IllegalArgumentException("scheme " + url.getScheme());
    };
    return new JwksSource(url.toString(), f, refreshMs, backoffMs, backoffMaxMs, clock);
  }

  /** Reads the set now; throws if it cannot be read or holds no usable key (used at startup). */
  synchronized void load() throws IOException {
    keys = parse(fetcher.fetch());
    fetchedAtMs = clock.millis();
    nextAttemptMs = fetchedAtMs;
    failures = 0;
  }

  /**
   * The key that verifies {@code jws}: chosen by key id, algorithm and key type among the keys held;
   * null when none does, even after reading the set again.
   */
  PublicJsonWebKey select(JsonWebSignature jws) throws JoseException {
    refreshIfStale();
    PublicJsonWebKey key = find(jws, keys);
    if (key != null) return key;
    if (refreshEarly()) key = find(jws, keys);
    return key;
  }

  /** The keys held now. */
  List<PublicJsonWebKey> keys() {
    return keys;
  }

  private static PublicJsonWebKey find(JsonWebSignature jws, List<PublicJsonWebKey> keys) throws JoseException {
    List<JsonWebKey> candidates = new ArrayList<>(keys);
    JsonWebKey k = new VerificationJwkSelector().select(jws, candidates);
    return (PublicJsonWebKey) k;
  }

  private synchronized void refreshIfStale() {
    long now = clock.millis();
    if (now - fetchedAtMs >= refreshMs && now >= nextAttemptMs) refresh(now);
  }

  /** Reads the set again for a key it may have gained; at most once per backoff. */
  private synchronized boolean refreshEarly() {
    long now = clock.millis();
    if (now < nextAttemptMs) return false;
    boolean ok = refresh(now);
    if (ok) nextAttemptMs = now + backoffMs; // unknown key ids must not turn into a fetch each
    return ok;
  }

  private boolean refresh(long now) {
    try {
      keys = parse(fetcher.fetch());
      fetchedAtMs = now;
      nextAttemptMs = now;
      failures = 0;
      return true;
    } catch (IOException e) {
      failures++;
      long wait = Math.min(backoffMaxMs, backoffMs << Math.min(20, failures - 1));
      nextAttemptMs = now + wait;
      log.warn("could not read the JWKS at {} (attempt {}): {}; keeping the {} keys held, next try in {} ms",
          location, failures, e.getMessage(), keys.size(), wait);
      return false;
    }
  }

  /** The RSA and EC signing keys of a JWKS document; IOException when there are none or it is not one. */
  static List<PublicJsonWebKey> parse(String json) throws IOException {
    JsonWebKeySet set;
    try {
      set = new JsonWebKeySet(json);
    } catch (JoseException | RuntimeException e) {
      throw new IOException("not a JWKS document: " + e.getMessage(), e);
    }
    List<PublicJsonWebKey> out = new ArrayList<>();
    for (JsonWebKey k : set.getJsonWebKeys()) {
      boolean signing = k.getUse() == null || k.getUse().equals("sig");
      if (signing && (k instanceof RsaJsonWebKey || k instanceof EllipticCurveJsonWebKey)) out.add((PublicJsonWebKey) k);
    }
    if (out.isEmpty()) throw new IOException("the JWKS holds no RSA or EC signing key");
    return List.copyOf(out);
  }

  private static String readFile(Path p) throws IOException {
    if (Files.size(p) > MAX_BYTES) throw new IOException(p + " is larger than " + MAX_BYTES + " bytes");
    return Files.readString(p, StandardCharsets.UTF_8);
  }

  private static String readHttp(URI url, SSLContext ssl) throws IOException {
    HttpURLConnection c = (HttpURLConnection) url.toURL().openConnection();
    try {
      if (c instanceof HttpsURLConnection https && ssl != null) https.setSSLSocketFactory(ssl.getSocketFactory());
      c.setConnectTimeout(TIMEOUT_MS);
      c.setReadTimeout(TIMEOUT_MS);
      c.setInstanceFollowRedirects(false);
      c.setRequestProperty("Accept", "application/json");
      int status = c.getResponseCode();
      if (status != 200) throw new IOException("HTTP " + status + " from " + url);
      try (InputStream in = c.getInputStream()) {
        byte[] body = in.readNBytes(MAX_BYTES + 1);
        if (body.length > MAX_BYTES) throw new IOException("the JWKS from " + url + " is larger than " + MAX_BYTES + " bytes");
        return new String(body, StandardCharsets.UTF_8);
      }
    } finally {
      c.disconnect();
    }
  }
}
