package dev.brook.broker.api;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * Serves one API key: translates the decoded request into the broker's operations and answers with
 * the response message. Called on the connection's event loop: it must not block; anything that may
 * wait completes the future later. A protocol error is a value in the response, never an exception;
 * an exception completing the future is a bug and is answered with UNKNOWN_SERVER_ERROR.
 *
 * <p>A future completed with {@code null} sends no response (acks=0 produce).
 *
 * @param <Q> the generated request data class of the API
 */
@FunctionalInterface
public interface ApiHandler<Q extends ApiMessage> {
  CompletableFuture<ApiMessage> handle(RequestContext context, Q request);
}
