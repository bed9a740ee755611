package dev.brook.broker.group;

import org.apache.kafka.common.Uuid;

/**
 * A committed offset of one partition for one group, as stored in __consumer_offsets.
 *
 * @param leaderEpoch the leader epoch of the record at {@code offset - 1}, or -1
 * @param metadata the client's metadata string (may be null)
 * @param expireTimestamp explicit expiry (OffsetCommit v2-4 retention time), or -1 to use
 *     offsets.retention.minutes once the group is empty
 * @param topicId the topic's id when the commit named it (OffsetCommitValue v4's tagged field),
 *     else {@link Uuid#ZERO_UUID}
 */
public record CommittedOffset(
    long offset, int leaderEpoch, String metadata, long commitTimestamp, long expireTimestamp, Uuid topicId) {

  public CommittedOffset {
    if (topicId == null) topicId = Uuid.ZERO_UUID;
  }

  /** An offset whose commit named no topic id. */
  public CommittedOffset(long offset, int leaderEpoch, String metadata, long commitTimestamp, long expireTimestamp) {
    this(offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp, Uuid.ZERO_UUID);
  }
}
