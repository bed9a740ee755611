package dev.brook.broker.api;

/**
 * A handler's way to say "answer nothing and close this connection", after the responses to the
 * connection's earlier requests have been written. Kafka does this when an acks=0 produce fails: the
 * client expects no response, so a closed connection is the only signal that makes it refresh its
 * metadata and notice the error.
 */
public final class CloseConnectionException extends RuntimeException {
  public CloseConnectionException(String reason) {
    super(reason, null, false, false);
  }
}
