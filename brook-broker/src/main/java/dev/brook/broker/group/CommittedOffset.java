package dev.brook.broker.group;

/**
 * A committed offset of one partition for one group, as stored in __consumer_offsets.
 *
 * @param leaderEpoch the leader epoch of the record at {@code offset - 1}, or -1
 * @param metadata the client's metadata string (may be null)
 * @param expireTimestamp explicit expiry (OffsetCommit v2-4 retention time), or -1 to use
 *     offsets.retention.minutes once the group is empty
 */
public record CommittedOffset(
    long offset, int leaderEpoch, String metadata, long commitTimestamp, long expireTimestamp) {}
