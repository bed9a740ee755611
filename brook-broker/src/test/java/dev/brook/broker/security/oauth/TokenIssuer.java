package dev.brook.broker.security.oauth;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.jose4j.jwt.JwtClaims;

/**
 * A tiny OAuth issuer on loopback for tests: {@code GET /jwks} serves the public keys of {@link
 * TestTokens}, {@code POST /token} is an OAuth client-credentials token endpoint (RFC 6749 section
 * 4.4, client id and secret in HTTP Basic) that issues RS256 JWTs whose {@code client_id} claim is
 * the client's id and whose lifetime is {@link #ttlSeconds}. Over https when given a key store.
 */
public final class TokenIssuer implements AutoCloseable {
  public final TestTokens tokens;
  private final HttpServer server;
  private final Map<String, String> clients = new ConcurrentHashMap<>();
  public final AtomicInteger tokensIssued = new AtomicInteger();
  public final AtomicInteger jwksServed = new AtomicInteger();
  public volatile long ttlSeconds = 600;

  /**
   * @param keyStore PKCS12 key store for https, or null for http
   */
  public TokenIssuer(TestTokens tokens, Path keyStore, String password) throws Exception {
    this.tokens = tokens;
    InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", 0);
    if (keyStore == null) {
      server = HttpServer.create(loopback, 0);
    } else {
      HttpsServer https = HttpsServer.create(loopback, 0);
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(keyStore)) {
        ks.load(in, password.toCharArray());
      }
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, password.toCharArray());
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), null, null);
      https.setHttpsConfigurator(new HttpsConfigurator(ctx));
      server = https;
    }
    server.createContext("/jwks", this::jwks);
    server.createContext("/token", this::token);
    server.start();
  }

  /** Lets {@code clientId} obtain tokens with {@code secret}. */
  public TokenIssuer client(String clientId, String secret) {
    clients.put(clientId, secret);
    return this;
  }

  public String url(String path) {
    String scheme = server instanceof HttpsServer ? "https" : "http";
    return scheme + "://" + (scheme.equals("https") ? "localhost" : "127.0.0.1") + ":" + server.getAddress().getPort() + path;
  }

  private void jwks(HttpExchange ex) throws IOException {
    jwksServed.incrementAndGet();
    respond(ex, 200, tokens.jwks());
  }

  private void token(HttpExchange ex) throws IOException {
    String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    String clientId = null;
    String secret = null;
    if (auth != null && auth.startsWith("Basic ")) {
      String decoded = new String(Base64.getDecoder().decode(auth.substring(6)), StandardCharsets.UTF_8);
      int colon = decoded.indexOf(':');
      clientId = URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8);
      secret = URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8);
    }
    if (!ex.getRequestMethod().equals("POST") || !body.contains("grant_type=client_credentials")) {
      respond(ex, 400, "{\"error\":\"unsupported_grant_type\"}");
      return;
    }
    if (clientId == null || !secret.equals(clients.get(clientId))) {
      respond(ex, 401, "{\"error\":\"invalid_client\"}");
      return;
    }
    long ttl = ttlSeconds;
    JwtClaims c = TestTokens.claims("subject-of-" + clientId, System.currentTimeMillis(), ttl);
    c.setClaim("client_id", clientId);
    String jwt = tokens.rs256(c);
    tokensIssued.incrementAndGet();
    respond(ex, 200, "{\"access_token\":\"" + jwt + "\",\"token_type\":\"Bearer\",\"expires_in\":" + ttl + "}");
  }

  private static void respond(HttpExchange ex, int status, String json) throws IOException {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
