package dev.brook.broker.replica;

import org.apache.kafka.common.IsolationLevel;

/** How far a fetch may read: the log end (followers), the high watermark, or the last stable offset. */
public enum FetchIsolation {
  LOG_END,
  HIGH_WATERMARK,
  TXN_COMMITTED;

  /** A consumer's (replicaId < 0) or a follower's isolation for a fetch. */
  public static FetchIsolation of(int replicaId, IsolationLevel level) {
    if (replicaId >= 0) return LOG_END;
    return level == IsolationLevel.READ_COMMITTED ? TXN_COMMITTED : HIGH_WATERMARK;
  }
}
