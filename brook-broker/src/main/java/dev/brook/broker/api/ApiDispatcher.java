package dev.brook.broker.api;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import dev.brook.broker.metrics.RequestMetrics;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ProduceRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes each request to the handler registered for its API key, and knows what the broker
 * implements (which ApiVersions advertises: exactly the registered keys and versions). Registration
 * happens once at startup; dispatch is then read-only and safe from any thread.
 */
public final class ApiDispatcher {
  private static final Logger log = LoggerFactory.getLogger(ApiDispatcher.class);

  private record Registration(ApiHandler<ApiMessage> handler, short minVersion, short maxVersion) {}

  private final Map<ApiKeys, Registration> handlers = new EnumMap<>(ApiKeys.class);
  private final RequestMetrics metrics;

  /** A dispatcher whose connections record no request metrics. */
  public ApiDispatcher() {
    this(RequestMetrics.disabled());
  }

  /** A dispatcher whose connections record each answered request in {@code metrics}. */
  public ApiDispatcher(RequestMetrics metrics) {
    this.metrics = metrics;
  }

  /** Where the connections record their requests' times (Kafka's RequestMetrics). */
  public RequestMetrics requestMetrics() {
    return metrics;
  }

  /** Registers a handler for every version of {@code key} that the pinned codec defines. */
  public <Q extends ApiMessage> void register(ApiKeys key, ApiHandler<Q> handler) {
    register(key, key.oldestVersion(), key.latestVersion(), handler);
  }

  /**
   * Registers {@code handler} for versions {@code min..max} of {@code key}. A key registers once: a
   * second registration is a wiring bug (the last one would silently win), so it throws.
   */
  @SuppressWarnings("unchecked")
  public <Q extends ApiMessage> void register(ApiKeys key, short min, short max, ApiHandler<Q> handler) {
    Registration previous = handlers.putIfAbsent(key, new Registration((ApiHandler<ApiMessage>) handler, min, max));
    if (previous != null) throw new IllegalStateException(key + " is registered twice");
  }

  /**
   * Puts Kafka's authorization rule of each registered API in front of its handler (see
   * {@link AuthorizationRules}); called once, after every API is registered and before the first
   * request. Without this call no rule runs and nothing on the request path changes.
   *
   * @param topicNames a topic's name by its id (requests that name topics by id)
   * @param topicExists whether a topic exists (Metadata's auto-creation needs CREATE; DeleteTopics
   *     tells unknown topics apart only to those who may DESCRIBE them)
   * @param autoCreateTopics auto.create.topics.enable
   */
  public void authorizeWith(dev.brook.broker.security.Authorizer authorizer,
      java.util.function.Function<org.apache.kafka.common.Uuid, java.util.Optional<String>> topicNames,
      java.util.function.Predicate<String> topicExists, boolean autoCreateTopics) {
    Access access = new Access(authorizer, topicNames, topicExists, autoCreateTopics);
    handlers.replaceAll((key, r) ->
        new Registration(AuthorizationRules.wrap(key, r.handler, access), r.minVersion, r.maxVersion));
  }

  public boolean supports(ApiKeys key, short version) {
    Registration r = handlers.get(key);
    return r != null && version >= r.minVersion && version <= r.maxVersion;
  }

  /** The ApiVersions answer: every registered key with its version range. */
  public ApiVersionCollection supportedApis() {
    ApiVersionCollection out = new ApiVersionCollection();
    handlers.forEach(
        (key, r) -> {
          // librdkafka turns off compression when Produce's minimum is above 0 (DESIGN.md pitfall 1):
          // advertise 0 and reject v0-2 at the frame level instead.
          short min = key == ApiKeys.PRODUCE ? 0 : r.minVersion;
          out.add(new ApiVersion().setApiKey(key.id).setMinVersion(min).setMaxVersion(r.maxVersion));
        });
    return out;
  }

  /** Serves a decoded request; never throws, a failing handler becomes an error response. */
  public CompletableFuture<ApiMessage> dispatch(RequestContext ctx, AbstractRequest request) {
    Registration r = handlers.get(ctx.apiKey());
    if (r == null) {
      return CompletableFuture.completedFuture(
          request.getErrorResponse(Errors.UNSUPPORTED_VERSION.exception()).data());
    }
    CompletableFuture<ApiMessage> result;
    try {
      result = r.handler.handle(ctx, request.data());
    } catch (RuntimeException e) {
      result = CompletableFuture.failedFuture(e);
    }
    return result.exceptionally(
        e -> {
          Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
          if (cause instanceof CloseConnectionException c) throw c;
          if (request instanceof ProduceRequest produce && produce.acks() == 0) {
            // The client expects no response to acks=0; only a closed connection tells it.
            throw new CloseConnectionException("acks=0 produce failed: " + cause);
          }
          Errors error = Errors.forException(cause);
          if (error == Errors.UNKNOWN_SERVER_ERROR) {
            log.error("{} v{} from {} (correlation {}) failed", ctx.apiKey(), ctx.apiVersion(), ctx.clientId(), ctx.correlationId(), cause);
          }
          // Kafka's ApiError.fromThrowable: the error's own message goes with it (not for unknown errors).
          Throwable answer = error != Errors.UNKNOWN_SERVER_ERROR && cause instanceof ApiException ? cause : error.exception();
          return request.getErrorResponse(answer).data();
        });
  }
}
