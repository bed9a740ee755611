package dev.brook.broker.api;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * SaslHandshake and SaslAuthenticate in the API table, so that ApiVersions advertises them. On a
 * SASL listener the connection's authenticator serves them before they reach the dispatcher; here
 * they arrive only on a listener without SASL, answered ILLEGAL_SASL_STATE as Kafka does.
 * SaslHandshake v0 (raw SASL tokens after the handshake, pre-Kafka-1.0 clients) is advertised (librdkafka
 * needs it in the range) but refused.
 */
public final class SaslApis {
  private SaslApis() {}

  public static void register(ApiDispatcher dispatcher) {
    // Advertised from v0: librdkafka enables SASL only when SaslHandshake v0 is in the range (its
    // feature map), though it then uses v1. A v0 handshake itself is refused by the authenticator.
    dispatcher.<SaslHandshakeRequestData>register(ApiKeys.SASL_HANDSHAKE, (short) 0, (short) 1, (ctx, r) ->
        CompletableFuture.completedFuture(new SaslHandshakeResponseData().setErrorCode(Errors.ILLEGAL_SASL_STATE.code())));
    dispatcher.<SaslAuthenticateRequestData>register(ApiKeys.SASL_AUTHENTICATE, (ctx, r) ->
        CompletableFuture.completedFuture(new SaslAuthenticateResponseData().setErrorCode(Errors.ILLEGAL_SASL_STATE.code())
            .setErrorMessage("SaslAuthenticate on a listener without SASL").setAuthBytes(new byte[0])));
  }
}
