package dev.brook.storage;

/**
 * The answer to "where does leader epoch E end?" (OffsetForLeaderEpoch): the largest epoch ≤ E that
 * this log knows and the start offset of the next larger epoch (or the log end offset). Both -1 when
 * the log knows no epoch ≤ E.
 */
public record EpochEndOffset(int leaderEpoch, long endOffset) {
  public static final EpochEndOffset UNDEFINED = new EpochEndOffset(-1, -1);
}
