package dev.brook.storage;

/**
 * The answer to "where does leader epoch E end?" (OffsetForLeaderEpoch), by Kafka's rules: for the
 * latest epoch, (E, log end offset); for an older E, the largest known epoch ≤ E (or E itself when
 * E is older than every known epoch) and the start offset of the next larger known epoch. Both -1
 * when E is newer than the latest epoch, negative, or the log knows no epoch at all.
 */
public record EpochEndOffset(int leaderEpoch, long endOffset) {
  public static final EpochEndOffset UNDEFINED = new EpochEndOffset(-1, -1);
}
