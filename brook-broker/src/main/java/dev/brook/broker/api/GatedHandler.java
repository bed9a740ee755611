package dev.brook.broker.api;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * A handler whose topics are only known inside it (see {@link TopicGate}): its authorization rule
 * passes the gate in; without an authorizer it serves with {@link TopicGate#OPEN}.
 */
interface GatedHandler<Q extends ApiMessage> extends ApiHandler<Q> {
  CompletableFuture<ApiMessage> handle(RequestContext context, Q request, TopicGate gate);

  @Override
  default CompletableFuture<ApiMessage> handle(RequestContext context, Q request) {
    return handle(context, request, TopicGate.OPEN);
  }

  /** {@code h} as a gated handler; a wiring error at startup if the API's handler is not one. */
  @SuppressWarnings("unchecked")
  static GatedHandler<ApiMessage> of(ApiKeys key, ApiHandler<ApiMessage> h) {
    if (h instanceof GatedHandler<?> g) return (GatedHandler<ApiMessage>) g;
    throw new IllegalStateException(key + "'s handler " + h.getClass().getName()
        + " must take the authorization rule's topic gate (GatedHandler)");
  }
}
