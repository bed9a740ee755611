package dev.brook.storage;

/**
 * What the log manager's checkpoints say about a log when it is opened.
 *
 * @param recoveryPoint offset below which the log was fsynced (segments from the one holding it
 *     are scanned after an unclean stop)
 * @param logStartOffset checkpointed log start offset (-1: the first segment's base)
 * @param highWatermark checkpointed high watermark (-1: unknown, 0 after clamping)
 * @param cleanShutdown the clean-shutdown marker was present: nothing is scanned
 */
public record LogLoadState(long recoveryPoint, long logStartOffset, long highWatermark, boolean cleanShutdown) {
  /** A log with no checkpoints that was shut down cleanly (or is new). */
  public static LogLoadState clean() {
    return new LogLoadState(Long.MAX_VALUE, -1, -1, true);
  }

  /** Nothing known: every segment is scanned. */
  public static LogLoadState unclean() {
    return new LogLoadState(0, -1, -1, false);
  }
}
