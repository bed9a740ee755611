package dev.brook.storage;

import java.util.OptionalInt;

/**
 * Leader epoch → start offset, checkpointed to {@code leader-epoch-checkpoint} in the partition
 * directory. Used by OffsetForLeaderEpoch and by a follower's truncation (never the high watermark
 * alone, KIP-101). Thread-safe.
 */
public interface LeaderEpochCache {
  /** Records that {@code epoch} starts at {@code startOffset}; ignored if not newer than the latest. */
  void assign(int epoch, long startOffset);

  OptionalInt latestEpoch();

  /** See {@link EpochEndOffset}; uses the log end offset for the latest epoch. */
  EpochEndOffset endOffsetFor(int epoch, long logEndOffset);

  /** Drops entries with start offset ≥ {@code offset} (after truncation). */
  void truncateFromEnd(long offset);

  /** Drops entries wholly below {@code offset}, keeping the one covering it (after start moves). */
  void truncateFromStart(long offset);
}
