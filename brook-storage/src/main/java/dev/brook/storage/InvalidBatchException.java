package dev.brook.storage;

/**
 * An append was given bytes that are not whole v2 record batches, or (for a follower) offsets that
 * go backwards. The log is unchanged. The broker answers CORRUPT_MESSAGE / INVALID_RECORD.
 */
public final class InvalidBatchException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InvalidBatchException(String message) {
    super(message);
  }
}
