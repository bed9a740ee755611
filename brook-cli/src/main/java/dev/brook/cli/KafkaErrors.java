package dev.brook.cli;

import org.apache.kafka.common.KafkaException;

/**
 * Kafka client exceptions as one line. Kept apart from {@link UserError} so that the server path
 * loads no client classes unless a client exception actually occurs.
 */
final class KafkaErrors {
  private KafkaErrors() {}

  static String describe(Throwable t) {
    if (t instanceof org.apache.kafka.common.errors.TimeoutException) {
      return "timed out talking to the broker (is it running at the bootstrap server?): " + t.getMessage();
    }
    if (t instanceof KafkaException) {
      String m = t.getMessage();
      return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }
    return null;
  }
}
