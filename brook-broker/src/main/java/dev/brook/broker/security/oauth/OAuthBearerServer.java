package dev.brook.broker.security.oauth;

import dev.brook.broker.security.SaslMechanismServer;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of SASL/OAUTHBEARER (RFC 7628) as Kafka serves it: one client message carrying a
 * bearer token ({@link ClientFirstMessage}), checked by the {@link JwtValidator}. An accepted token
 * completes the exchange as its subject; the session may not outlive the token ({@link
 * #credentialExpiresAtMs}, KIP-368). A refused token is answered, as RFC 7628 section 3.2.2 says and
 * Kafka does, with the error JSON {@code {"status":"invalid_token"}} as a server challenge; the
 * client acknowledges it with a lone %x01 and the exchange then fails with that JSON as its message.
 * Extensions are accepted and ignored, as Kafka's validator does. Used by one thread at a time.
 */
public final class OAuthBearerServer implements SaslMechanismServer {
  private static final Logger log = LoggerFactory.getLogger(OAuthBearerServer.class);
  static final String INVALID_TOKEN = "{\"status\":\"invalid_token\"}";
  /** Kafka's message for a malformed SASL message (the detail is not the client's business). */
  static final String MALFORMED = "Authentication failed during authentication due to invalid credentials with SASL mechanism OAUTHBEARER";

  private final JwtValidator validator;
  private String error;
  private JwtValidator.ValidatedToken token;
  private boolean ended;

  public OAuthBearerServer(JwtValidator validator) {
    this.validator = validator;
  }

  @Override
  public byte[] evaluate(byte[] response) {
    if (ended) throw new SaslAuthenticationException("Authentication failed: the OAUTHBEARER exchange has already ended");
    if (error != null) {
      // The client's %x01 after our error (anything else is no better): the exchange fails.
      ended = true;
      throw new SaslAuthenticationException(error);
    }
    ClientFirstMessage message;
    try {
      message = ClientFirstMessage.parse(response);
    } catch (SaslAuthenticationException e) {
      ended = true;
      log.info("OAUTHBEARER client message refused: {}", e.getMessage());
      throw new SaslAuthenticationException(MALFORMED);
    }
    JwtValidator.ValidatedToken t;
    try {
      t = validator.validate(message.token());
    } catch (JwtValidator.InvalidTokenException e) {
      log.info("OAUTHBEARER token refused: {}", e.getMessage());
      error = INVALID_TOKEN;
      return error.getBytes(StandardCharsets.UTF_8);
    }
    ended = true;
    if (!message.authorizationId().isEmpty() && !message.authorizationId().equals(t.principal())) {
      throw new SaslAuthenticationException("Authentication failed: Client requested an authorization id ("
          + message.authorizationId() + ") that is different from the token's principal name (" + t.principal() + ")");
    }
    token = t;
    return new byte[0];
  }

  @Override
  public boolean isComplete() {
    return token != null;
  }

  @Override
  public String authorizationId() {
    return token.principal();
  }

  @Override
  public OptionalLong credentialExpiresAtMs() {
    return token == null ? OptionalLong.empty() : OptionalLong.of(token.expiresAtMs());
  }
}
