package dev.brook.storage.cleaner;

/**
 * Record bytes that do not parse as the Kafka v2 format. The broker validates every batch before it
 * is appended, so seeing this in a log means a bug or disk corruption: the cleaner stops cleaning
 * that log and says so, it never rewrites what it cannot read.
 */
public final class CorruptRecordException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CorruptRecordException(String message) {
    super(message);
  }
}
