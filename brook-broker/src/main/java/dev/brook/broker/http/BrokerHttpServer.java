package dev.brook.broker.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.brook.broker.metrics.BrokerMetrics;
import dev.brook.broker.metrics.ConsumerLag;
import dev.brook.broker.metrics.History;
import dev.brook.broker.metrics.PartitionGauges;
import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.security.Operation;
import dev.brook.broker.security.ResourceType;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's HTTP side on {@code http.port}: {@code GET /metrics} (Prometheus text, {@link
 * PrometheusText}), {@code GET /health/live} and {@code GET /health/ready} (Kubernetes probes), the web
 * console ({@code /console/}: static HTML and JS from this package's resources) and its JSON API
 * ({@code /api/…}, {@link ConsoleApi}; form-encoded input).
 *
 * <p>It cannot stall the broker: it runs on the JDK's HTTP server with its own threads (a virtual
 * thread per exchange, at most {@value #MAX_CONCURRENT} at once, the rest answered 503 at once), reads
 * the broker only through thread-safe views (metrics, gauges, the group coordinator's public
 * futures, bounded by a timeout), and turns every failure into a JSON error. Every request that calls
 * into the broker ({@code /metrics}, {@code /api/…}, {@code /v3/…}) answers within {@value
 * #REQUEST_TIMEOUT_MS} ms whatever the broker does: past that its work is interrupted and the answer is a
 * 504 JSON error. Bad input gets a 4xx JSON error: {@code {"error_code":404,"message":"…"}}.
 *
 * <p>With an authorizer ({@link HttpSecurity}) every request to the console's API and the REST API has a
 * principal: {@code User:<name>} with valid HTTP Basic credentials (a SASL user of this broker, {@link
 * HttpAuthenticator}), {@code User:ANONYMOUS} without; wrong credentials are answered 401 after {@code
 * http.authentication.failure.delay.ms}, on a connection then closed. Each action is authorized as the
 * Kafka API it stands for ({@link Caller}); a refusal is 401 for an anonymous caller (with {@code
 * WWW-Authenticate: Basic}, except to the console's own calls, marked {@code X-Requested-With:
 * XMLHttpRequest}, so that the browser shows the page's login rather than its own dialog) and 403 for an
 * authenticated one, with a JSON error naming the missing permission. {@code http.open.paths} ({@code
 * /metrics} and the health probes by default) stay open; the console's static files always are. A
 * {@code /metrics} left out of them needs DESCRIBE on the cluster and then shows per-topic series and
 * consumer lag only of the topics and groups the scraper may DESCRIBE ({@link PrometheusText.Scope}).
 * Without an authorizer nothing changes: no credentials are asked for or checked.
 */
public final class BrokerHttpServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BrokerHttpServer.class);
  static final int MAX_CONCURRENT = 16;
  private static final int MAX_BODY = 1 << 20;
  private static final long LAG_TIMEOUT_MS = 2_000;
  /** The most any request may take: the console's and REST's calls are bounded well below it (10 s each). */
  static final long REQUEST_TIMEOUT_MS = 15_000;

  /** What readiness means (DESIGN: log loaded, partitions led, coordinators loaded). */
  public record Readiness(BooleanSupplier logsLoaded, BooleanSupplier partitionsLed, BooleanSupplier coordinatorsLoaded) {}

  private final HttpServer server;
  private final ExecutorService executor;
  private final Semaphore permits = new Semaphore(MAX_CONCURRENT);
  private final BrokerMetrics metrics;
  private final PartitionGauges gauges;
  private final ConsumerLag lag;
  private final Readiness readiness;
  private final ConsoleApi console;
  private final RestV3Api rest;
  private final HttpSecurity security;
  private final HttpAuthenticator authenticator;

  private BrokerHttpServer(HttpServer server, BrokerMetrics metrics, PartitionGauges gauges, ConsumerLag lag, Readiness readiness,
      ConsoleApi console, LocalReplicaManager replicas, HttpSecurity security) {
    this.console = console;
    this.security = security;
    this.authenticator = security.authorizer() == null ? null : new HttpAuthenticator(security.passwords(), System::nanoTime);
    this.rest = new RestV3Api(console, replicas, lag);
    this.server = server;
    this.metrics = metrics;
    this.gauges = gauges;
    this.lag = lag;
    this.readiness = readiness;
    this.executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("brook-http-", 0).factory());
  }

  /** Binds {@code host:port} (port 0: a free one) and starts serving, over HTTPS when {@code security} has TLS. */
  public static BrokerHttpServer start(String host, int port, BrokerMetrics metrics, PartitionGauges gauges, ConsumerLag lag,
      Readiness readiness, History history, LocalReplicaManager replicas, Supplier<String> bootstrap, HttpSecurity security)
      throws IOException {
    HttpServer http;
    if (security.tls() != null) {
      HttpsServer https = HttpsServer.create(new InetSocketAddress(host, port), 64);
      https.setHttpsConfigurator(new HttpsConfigurator(security.tls().sslContext()) {
        @Override
        public void configure(HttpsParameters params) {
          params.setSSLParameters(security.tls().serverParametersWithoutClientAuth());
        }
      });
      http = https;
    } else {
      http = HttpServer.create(new InetSocketAddress(host, port), 64);
    }
    ConsoleApi console = new ConsoleApi(bootstrap, security.clientProperties(), metrics, replicas, lag, history);
    BrokerHttpServer s = new BrokerHttpServer(http, metrics, gauges, lag, readiness, console, replicas, security);
    http.setExecutor(s.executor);
    http.createContext("/", s::serve);
    http.start();
    log.info("HTTP{} (console, metrics, health) listening on {}:{}{}", security.tls() != null ? "S" : "", host, s.port(),
        security.authorizer() == null ? "" : "; authorization on (HTTP Basic against the SASL users), open paths " + security.openPaths());
    return s;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void serve(HttpExchange ex) {
    if (!permits.tryAcquire()) {
      respondQuietly(ex, 503, "application/json", error(503, "too many HTTP requests in flight; retry"));
      return;
    }
    boolean held = true;
    try {
      String path = ex.getRequestURI().getPath();
      Caller caller = Caller.unrestricted(ex.getRemoteAddress().getAddress());
      if (authenticator != null && needsPrincipal(path)) {
        switch (authenticator.authenticate(ex.getRequestHeaders().getFirst("Authorization"))) {
          case HttpAuthenticator.Outcome.Failed f -> {
            // The permit goes back first: a waiting failure holds no share of the server.
            permits.release();
            held = false;
            refuseCredentials(ex, path, f.reason());
            return;
          }
          case HttpAuthenticator.Outcome.Anonymous a ->
              caller = new Caller(org.apache.kafka.common.security.auth.KafkaPrincipal.ANONYMOUS, false,
                  ex.getRemoteAddress().getAddress(), security.authorizer());
          case HttpAuthenticator.Outcome.Authenticated a ->
              caller = new Caller(a.principal(), true, ex.getRemoteAddress().getAddress(), security.authorizer());
        }
      }
      route(ex, caller);
    } catch (Denied d) {
      respondQuietly(ex, d.status, "application/json", error(d, d.status));
    } catch (Throwable t) {
      log.warn("HTTP {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), t);
      respondQuietly(ex, 500, "application/json", error(500, "internal error: " + t.getClass().getSimpleName()));
    } finally {
      if (held) permits.release();
      ex.close();
    }
  }

  /** Whether serving {@code path} needs to know who asks: everything but the static console and open paths. */
  private boolean needsPrincipal(String path) {
    if (path.equals("/") || path.equals("/console") || path.startsWith("/console/")) return false;
    return !security.openPaths().contains(path);
  }

  /**
   * Wrong credentials: 401 after the failure delay, and the connection closed, so that a guess over
   * HTTP costs at least what a failed SASL authentication does (a new connection and the broker's full
   * check, {@link HttpAuthenticator}).
   */
  private void refuseCredentials(HttpExchange ex, String path, String reason) {
    log.info("HTTP authentication from {} failed: {}", ex.getRemoteAddress().getAddress().getHostAddress(), reason);
    try {
      Thread.sleep(security.failureDelayMs());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    ex.getResponseHeaders().set("Connection", "close");
    boolean v3 = path.startsWith("/v3");
    respondQuietly(ex, 401, "application/json", v3 ? v3Error(401, reason) : error(401, reason));
  }

  private void route(HttpExchange ex, Caller caller) throws Exception {
    String path = ex.getRequestURI().getPath();
    String method = ex.getRequestMethod();
    // A path left out of http.open.paths shows the whole broker: DESCRIBE on the cluster.
    if ((path.equals("/metrics") || path.startsWith("/health/")) && caller.secured() && !security.openPaths().contains(path)) {
      caller.require(Operation.DESCRIBE, ResourceType.CLUSTER, ResourceType.CLUSTER_NAME);
    }
    switch (path) {
      case "/metrics" -> {
        if (!requireGet(ex, method)) return;
        // An open /metrics shows everything (the operator's choice); a closed one what the scraper may DESCRIBE.
        PrometheusText.Scope scope = !caller.secured() || security.openPaths().contains(path) ? PrometheusText.Scope.ALL
            : new PrometheusText.Scope(caller.mayDescribe(ResourceType.TOPIC), caller.mayDescribe(ResourceType.GROUP));
        reply(ex, bounded(method + " " + path, () -> metricsText(scope)));
      }
      case "/health/live" -> {
        if (!requireGet(ex, method)) return;
        respond(ex, 200, "application/json", "{\"status\":\"UP\"}");
      }
      case "/health/ready" -> {
        if (!requireGet(ex, method)) return;
        boolean logs = readiness.logsLoaded().getAsBoolean();
        boolean led = readiness.partitionsLed().getAsBoolean();
        boolean coord = readiness.coordinatorsLoaded().getAsBoolean();
        boolean up = logs && led && coord;
        respond(ex, up ? 200 : 503, "application/json", "{\"status\":\"" + (up ? "UP" : "DOWN") + "\",\"checks\":{\"logsLoaded\":"
            + logs + ",\"partitionsLed\":" + led + ",\"coordinatorsLoaded\":" + coord + "}}");
      }
      case "/", "/console", "/console/" -> {
        if (!requireGet(ex, method)) return;
        ex.getResponseHeaders().set("Location", "/console/index.html");
        respond(ex, 302, "text/plain", "");
      }
      default -> {
        if (path.startsWith("/v3/") || path.equals("/v3")) {
          v3(ex, caller, method, path);
        } else if (path.startsWith("/api/")) {
          api(ex, caller, method, path.substring("/api".length()));
        } else if (path.startsWith("/console/")) {
          if (!requireGet(ex, method)) return;
          staticFile(ex, path.substring("/console/".length()));
        } else {
          respond(ex, 404, "application/json", error(404, "no such resource: " + path));
        }
      }
    }
  }

  private Reply metricsText(PrometheusText.Scope scope) throws Exception {
    gauges.sync();
    List<ConsumerLag.Lag> lags = List.of();
    if (lag != null) {
      try {
        lags = lag.all().get(LAG_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        // The broker's own metrics still answer; the lag series are left out of this scrape.
        log.warn("consumer lag did not answer in {} ms; /metrics answers without kafka_consumergroup_lag", LAG_TIMEOUT_MS);
      }
    }
    return new Reply(200, "text/plain; version=0.0.4; charset=utf-8", PrometheusText.write(metrics.registry(), metrics.attributeGroups(), lags, scope));
  }

  private void api(HttpExchange ex, Caller caller, String method, String path) throws IOException {
    Map<String, String> params;
    try {
      params = Forms.parse(ex.getRequestURI().getRawQuery());
      if (method.equals("POST") || method.equals("PUT") || method.equals("DELETE")) {
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        byte[] body = ex.getRequestBody().readNBytes(MAX_BODY + 1);
        if (body.length > MAX_BODY) throw new BadRequest(413, "request body over " + MAX_BODY + " bytes");
        if (body.length > 0) {
          if (type == null || !type.startsWith("application/x-www-form-urlencoded")) {
            throw new BadRequest(415, "send application/x-www-form-urlencoded, not " + type);
          }
          params.putAll(Forms.parse(new String(body, StandardCharsets.UTF_8)));
        }
      }
    } catch (BadRequest e) {
      respond(ex, e.status, "application/json", error(e.status, e.getMessage()));
      return;
    }
    Map<String, String> input = params;
    reply(ex, bounded(method + " /api" + path, () -> {
      try {
        return new Reply(200, "application/json", console.handle(caller, method, path, input));
      } catch (BadRequest e) {
        return new Reply(e.status, "application/json", error(e, e.status));
      } catch (java.util.concurrent.TimeoutException e) {
        return new Reply(504, "application/json", error(504, "the broker did not answer in time"));
      }
    }));
  }

  private void v3(HttpExchange ex, Caller caller, String method, String path) throws IOException {
    String body = null;
    try {
      if (method.equals("POST") || method.equals("PUT")) {
        byte[] bytes = ex.getRequestBody().readNBytes(MAX_BODY + 1);
        if (bytes.length > MAX_BODY) throw new BadRequest(413, "request body over " + MAX_BODY + " bytes");
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        if (bytes.length > 0 && (type == null || !type.startsWith("application/json"))) {
          throw new BadRequest(415, "send application/json, not " + type);
        }
        body = new String(bytes, StandardCharsets.UTF_8);
      }
    } catch (BadRequest e) {
      respond(ex, e.status, "application/json", v3Error(e.status, e.getMessage()));
      return;
    }
    String input = body;
    reply(ex, bounded(method + " " + path, () -> {
      try {
        RestV3Api.Answer a = rest.handle(caller, method, path, input);
        return new Reply(a.status(), "application/json", a.body() == null ? "" : a.body());
      } catch (BadRequest e) {
        return new Reply(e.status, "application/json", error(e, e.status * 100 + 1));
      } catch (java.util.concurrent.TimeoutException e) {
        return new Reply(504, "application/json", v3Error(504, "the broker did not answer in time"));
      }
    }));
  }

  private static String v3Error(int status, String message) {
    return "{\"error_code\":" + (status * 100 + 1) + ",\"message\":" + Json.quote(message) + "}";
  }

  /** What a dynamic resource answers; computed off the exchange so a late answer can be dropped. */
  private record Reply(int status, String contentType, String body) {}

  /**
   * Runs {@code work} on its own virtual thread and waits at most {@value #REQUEST_TIMEOUT_MS} ms: past
   * that the work is interrupted and the client gets a 504 JSON error, so no call into the broker or its
   * clients can keep an HTTP request (and the page waiting on it) open. {@code what} names the request
   * in the log.
   */
  private Reply bounded(String what, java.util.concurrent.Callable<Reply> work) {
    long start = System.nanoTime();
    java.util.concurrent.Future<Reply> f = executor.submit(work);
    try {
      Reply r = f.get(REQUEST_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      if (log.isDebugEnabled()) log.debug("HTTP {} answered {} in {} ms", what, r.status(), (System.nanoTime() - start) / 1_000_000);
      return r;
    } catch (java.util.concurrent.TimeoutException e) {
      f.cancel(true);
      log.warn("HTTP {} did not finish in {} ms; answered 504", what, REQUEST_TIMEOUT_MS);
      return new Reply(504, "application/json", error(504, "no answer within " + REQUEST_TIMEOUT_MS + " ms"));
    } catch (InterruptedException e) {
      f.cancel(true);
      Thread.currentThread().interrupt();
      return new Reply(503, "application/json", error(503, "the HTTP server is stopping"));
    } catch (java.util.concurrent.ExecutionException e) {
      log.warn("HTTP {} failed", what, e.getCause());
      return new Reply(500, "application/json", error(500, "internal error: " + e.getCause().getClass().getSimpleName()));
    }
  }

  private static void reply(HttpExchange ex, Reply r) throws IOException {
    respond(ex, r.status(), r.contentType(), r.body());
  }

  private static final java.util.Map<String, String> TYPES = java.util.Map.of(
      "html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8",
      "svg", "image/svg+xml");

  private static void staticFile(HttpExchange ex, String name) throws IOException {
    if (!name.matches("[a-z0-9-]+\\.(html|js|css|svg)")) {
      respond(ex, 404, "application/json", error(404, "no such file: " + name));
      return;
    }
    try (var in = BrokerHttpServer.class.getResourceAsStream("console/" + name)) {
      if (in == null) {
        respond(ex, 404, "application/json", error(404, "no such file: " + name));
        return;
      }
      byte[] bytes = in.readAllBytes();
      ex.getResponseHeaders().set("Content-Type", TYPES.get(name.substring(name.lastIndexOf('.') + 1)));
      ex.sendResponseHeaders(200, bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  private static boolean requireGet(HttpExchange ex, String method) throws IOException {
    if (method.equals("GET") || method.equals("HEAD")) return true;
    ex.getResponseHeaders().set("Allow", "GET, HEAD");
    respond(ex, 405, "application/json", error(405, "method " + method + " is not allowed here; use GET"));
    return false;
  }

  static String error(int code, String message) {
    return "{\"error_code\":" + code + ",\"message\":" + Json.quote(message) + "}";
  }

  /** The JSON error of a refused request; a {@link Denied} also names the principal and the missing permission. */
  static String error(BadRequest e, int code) {
    if (!(e instanceof Denied d)) return error(code, e.getMessage());
    return new JsonOut().obj().field("error_code", code).field("message", d.getMessage()).field("principal", d.principal)
        .field("operation", d.operation.name()).field("resource_type", d.resourceType.name())
        .field("resource_name", d.resourceName).end().toString();
  }

  static void respond(HttpExchange ex, int status, String contentType, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", contentType);
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    // The console's own calls (X-Requested-With) get no challenge: the page shows its login instead of
    // the browser's dialog. Everyone else (curl, scripts) is told to use Basic.
    if (status == 401 && !"XMLHttpRequest".equals(ex.getRequestHeaders().getFirst("X-Requested-With"))) {
      ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"Brook\", charset=\"UTF-8\"");
    }
    boolean head = ex.getRequestMethod().equals("HEAD");
    ex.sendResponseHeaders(status, head ? -1 : bytes.length == 0 ? -1 : bytes.length);
    if (!head && bytes.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  private static void respondQuietly(HttpExchange ex, int status, String contentType, String body) {
    try {
      respond(ex, status, contentType, body);
    } catch (IOException | RuntimeException e) {
      log.debug("could not answer HTTP {}: {}", ex.getRequestURI(), e.toString());
    }
  }

  @Override
  public void close() {
    console.close();
    server.stop(0);
    executor.shutdownNow();
  }
}
