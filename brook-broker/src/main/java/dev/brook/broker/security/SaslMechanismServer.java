package dev.brook.broker.security;

import java.util.OptionalLong;
import org.apache.kafka.common.errors.SaslAuthenticationException;

/**
 * The server side of one SASL mechanism for one authentication exchange: fed each client message
 * in turn, answers the next server message. Failure is a {@link SaslAuthenticationException} whose
 * message goes to the client (it must not say whether the user exists). Used by one thread at a time.
 */
public interface SaslMechanismServer {
  byte[] evaluate(byte[] response) throws SaslAuthenticationException;

  boolean isComplete();

  /** The authenticated user; valid once complete. */
  String authorizationId();

  /**
   * When the credential the client proved itself with expires (epoch ms), once complete: an
   * OAUTHBEARER token's {@code exp}. The session may not outlive it (KIP-368). Empty for passwords.
   */
  default OptionalLong credentialExpiresAtMs() {
    return OptionalLong.empty();
  }
}
