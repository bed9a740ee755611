package dev.brook.broker.security;

import java.io.IOException;

/**
 * This broker, as a client of another broker or cluster, was refused its login: the other side
 * answered SASL_AUTHENTICATION_FAILED, or an OAuth token endpoint refused the client's credentials
 * (HTTP 400, 401 or 403). An {@link IOException}, so callers that reconnect on I/O failures keep doing
 * so; callers that report a state (a mirror topic's status) can tell it from a network failure.
 */
public final class AuthenticationFailedException extends IOException {
  public AuthenticationFailedException(String message) {
    super(message);
  }
}
