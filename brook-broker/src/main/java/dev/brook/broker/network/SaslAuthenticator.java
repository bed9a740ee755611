package dev.brook.broker.network;

import dev.brook.broker.security.SaslMechanismServer;
import dev.brook.broker.security.SaslMechanisms;
import dev.brook.broker.security.Session;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SASL exchange of one connection on a SASL listener, as Kafka runs it: SaslHandshake (the
 * mechanism), then SaslAuthenticate requests carrying the mechanism's messages until it completes;
 * ApiVersions may come first. Anything else before authentication closes the connection. A failure
 * answers SASL_AUTHENTICATION_FAILED with its message, then the connection closes. With {@code
 * connections.max.reauth.ms}, or a credential that expires (an OAUTHBEARER token), the session has a
 * lifetime (the shorter of the two, told to the client in SaslAuthenticate v1+); the client
 * re-authenticates within it with the same exchange and the same principal (KIP-368), and a request
 * after it has ended closes the connection.
 *
 * <p>State is confined to the connection's event loop; the mechanism's work runs on the SASL
 * executor, one message at a time, and its outcome is applied back on the event loop.
 */
final class SaslAuthenticator {
  private static final Logger log = LoggerFactory.getLogger(SaslAuthenticator.class);

  /** What the connection does with a request. */
  enum Verdict { SERVE, EXCHANGE, CLOSE }

  /** The response to an exchange request, and whether the connection closes once it is sent. */
  record Outcome(ApiMessage response, boolean closeAfter) {}

  private enum State { HANDSHAKE, AUTHENTICATE, FAILED }

  private final SaslMechanisms mechanisms;
  private final Session session;
  private final EventExecutor loop;
  private State state = State.HANDSHAKE;
  private SaslMechanismServer server;
  private String mechanism;
  /** System.nanoTime() at which the session ends; 0 for never. */
  private long expiresAtNanos;
  private CompletableFuture<?> previous = CompletableFuture.completedFuture(null);

  SaslAuthenticator(SaslMechanisms mechanisms, Session session, EventExecutor loop) {
    this.mechanisms = mechanisms;
    this.session = session;
    this.loop = loop;
  }

  Verdict verdict(ApiKeys key) {
    if (key == ApiKeys.SASL_HANDSHAKE || key == ApiKeys.SASL_AUTHENTICATE) return Verdict.EXCHANGE;
    if (!session.authenticated()) return key == ApiKeys.API_VERSIONS && state == State.HANDSHAKE ? Verdict.SERVE : Verdict.CLOSE;
    if (expiresAtNanos != 0 && System.nanoTime() - expiresAtNanos > 0) {
      log.info("closing connection from {} ({}): its session expired without re-authentication",
          session.clientAddress(), session.principal());
      return Verdict.CLOSE;
    }
    return Verdict.SERVE;
  }

  CompletableFuture<Outcome> exchange(ApiKeys key, short version, ApiMessage request) {
    if (key == ApiKeys.SASL_HANDSHAKE && version == 0) {
      // v0 would switch the connection to raw SASL tokens (pre-1.0 clients): not served.
      log.info("closing connection from {}: SaslHandshake v0 (raw SASL tokens) is not served", session.clientAddress());
      state = State.FAILED;
      return CompletableFuture.completedFuture(new Outcome(new SaslHandshakeResponseData()
          .setErrorCode(Errors.UNSUPPORTED_VERSION.code()).setMechanisms(mechanisms.enabled()), true));
    }
    if (key == ApiKeys.SASL_HANDSHAKE) return CompletableFuture.completedFuture(handshake((SaslHandshakeRequestData) request));
    return authenticate(version, (SaslAuthenticateRequestData) request);
  }

  private Outcome handshake(SaslHandshakeRequestData request) {
    SaslHandshakeResponseData response = new SaslHandshakeResponseData().setMechanisms(mechanisms.enabled());
    if (state != State.HANDSHAKE) {
      state = State.FAILED;
      return new Outcome(response.setErrorCode(Errors.ILLEGAL_SASL_STATE.code()), true);
    }
    if (!mechanisms.enabled().contains(request.mechanism())) {
      log.info("closing connection from {}: SASL mechanism {} is not enabled", session.clientAddress(), request.mechanism());
      state = State.FAILED;
      return new Outcome(response.setErrorCode(Errors.UNSUPPORTED_SASL_MECHANISM.code()), true);
    }
    mechanism = request.mechanism();
    server = mechanisms.server(mechanism);
    state = State.AUTHENTICATE;
    return new Outcome(response.setErrorCode(Errors.NONE.code()), false);
  }

  private CompletableFuture<Outcome> authenticate(short version, SaslAuthenticateRequestData request) {
    if (state != State.AUTHENTICATE) {
      state = State.FAILED;
      return CompletableFuture.completedFuture(new Outcome(failed(Errors.ILLEGAL_SASL_STATE,
          "SaslAuthenticate before a SaslHandshake"), true));
    }
    SaslMechanismServer s = server;
    byte[] message = request.authBytes();
    // One message at a time even if a client pipelines them: each waits for the previous one.
    CompletableFuture<Object> evaluated = previous.handleAsync((ignored, e) -> {
      try {
        return (Object) s.evaluate(message);
      } catch (SaslAuthenticationException ex) {
        return ex;
      } catch (RuntimeException ex) {
        log.warn("SASL {} exchange with {} failed", mechanism, session.clientAddress(), ex);
        return new SaslAuthenticationException("Authentication failed: " + mechanism + " exchange error");
      }
    }, mechanisms.executor());
    previous = evaluated;
    return evaluated.thenApplyAsync(r -> applied(version, s, r), loop);
  }

  private Outcome applied(short version, SaslMechanismServer s, Object result) {
    if (result instanceof SaslAuthenticationException e) {
      log.info("authentication of {} with {} failed: {}", session.clientAddress(), mechanism,
          e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
      state = State.FAILED;
      return new Outcome(failed(Errors.SASL_AUTHENTICATION_FAILED, e.getMessage()), true);
    }
    SaslAuthenticateResponseData response = new SaslAuthenticateResponseData()
        .setErrorCode(Errors.NONE.code()).setAuthBytes((byte[]) result);
    if (!s.isComplete()) return new Outcome(response, false);
    KafkaPrincipal principal = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, s.authorizationId());
    if (session.authenticated() && !principal.equals(session.principal())) {
      state = State.FAILED;
      return new Outcome(failed(Errors.SASL_AUTHENTICATION_FAILED,
          "Re-authentication as " + principal + " on a connection of " + session.principal() + " is not allowed"), true);
    }
    session.authenticatedAs(principal);
    state = State.HANDSHAKE; // a later SaslHandshake is a re-authentication
    server = null;
    expiresAtNanos = 0;
    long lifetime = sessionLifetimeMs(s);
    if (lifetime >= 0) {
      // At least 1 ns ahead: 0 is "never". A token that expires now ends the session at its next
      // request; one that expires centuries from now must not overflow the nanosecond clock.
      long nanos = lifetime >= Long.MAX_VALUE / 2_000_000 ? Long.MAX_VALUE / 2 : Math.max(1, lifetime * 1_000_000);
      expiresAtNanos = System.nanoTime() + nanos;
      if (version >= 1) response.setSessionLifetimeMs(lifetime);
    }
    return new Outcome(response, false);
  }

  /**
   * The session's lifetime as Kafka computes it (KIP-368): {@code connections.max.reauth.ms} when set,
   * capped by the time left on the credential (an OAUTHBEARER token's exp); -1 when neither applies.
   * Enforced whatever the SaslAuthenticate version, told to the client from v1.
   */
  private long sessionLifetimeMs(SaslMechanismServer s) {
    long reauth = mechanisms.reauthMs();
    java.util.OptionalLong credentialExpiry = s.credentialExpiresAtMs();
    if (credentialExpiry.isEmpty()) return reauth > 0 ? reauth : -1;
    long left = Math.max(0, credentialExpiry.getAsLong() - mechanisms.clock().millis());
    return reauth > 0 ? Math.min(left, reauth) : left;
  }

  private static SaslAuthenticateResponseData failed(Errors error, String message) {
    return new SaslAuthenticateResponseData().setErrorCode(error.code()).setErrorMessage(message)
        .setAuthBytes(new byte[0]);
  }

  /** Frames larger than this are refused until the connection has authenticated (CVE-2022-34917). */
  int maxReceiveBytes() {
    return mechanisms.maxReceiveBytes();
  }

}
