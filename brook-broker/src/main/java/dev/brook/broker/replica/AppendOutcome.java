package dev.brook.broker.replica;

import dev.brook.broker.replica.BatchValidator.RecordFault;
import java.util.List;
import org.apache.kafka.common.protocol.Errors;

/**
 * What appending one partition's produced records came to, as Produce answers it.
 *
 * @param baseOffset offset of the first record (the original one for a duplicate), -1 on error
 * @param logAppendTime the broker time written for LogAppendTime topics, else -1
 * @param logStartOffset the log start offset after the append, -1 on error
 * @param recordFaults record-level errors (INVALID_RECORD / INVALID_TIMESTAMP)
 * @param lastOffset offset of the last record (the original one for a duplicate), -1 on error: an
 *     acks=all produce waits until the high watermark passes it
 */
public record AppendOutcome(
    Errors error,
    String message,
    long baseOffset,
    long logAppendTime,
    long logStartOffset,
    List<RecordFault> recordFaults,
    long lastOffset) {

  public AppendOutcome(
      Errors error, String message, long baseOffset, long logAppendTime, long logStartOffset, List<RecordFault> recordFaults) {
    this(error, message, baseOffset, logAppendTime, logStartOffset, recordFaults, -1);
  }

  public static AppendOutcome error(Errors error, String message) {
    return new AppendOutcome(error, message, -1, -1, -1, List.of());
  }

  public static AppendOutcome appended(long baseOffset, long logAppendTime, long logStartOffset) {
    return new AppendOutcome(Errors.NONE, null, baseOffset, logAppendTime, logStartOffset, List.of());
  }

  /** A successful append of records {@code baseOffset..lastOffset}. */
  public static AppendOutcome appended(long baseOffset, long lastOffset, long logAppendTime, long logStartOffset) {
    return new AppendOutcome(Errors.NONE, null, baseOffset, logAppendTime, logStartOffset, List.of(), lastOffset);
  }
}
