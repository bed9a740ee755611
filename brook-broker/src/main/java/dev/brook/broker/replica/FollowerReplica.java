package dev.brook.broker.replica;

/**
 * The leader's view of one follower of a partition: how far its log reaches (the offset of its last
 * fetch: it holds everything below) and when it was last caught up with the leader's log end.
 * Kafka's rule for "caught up": a fetch at or past the leader's log end at that moment, or at or past
 * the leader's log end as of the follower's previous fetch (then it was caught up at that fetch).
 *
 * <p>Guarded by the owning {@link Partition}'s lock.
 */
final class FollowerReplica {
  final int brokerId;
  /** The follower's log end offset; -1 until its first fetch in this leader epoch. */
  long logEndOffset = -1;
  long lastFetchTimeMs;
  long lastFetchLeaderLogEndOffset = -1;
  long lastCaughtUpTimeMs;

  FollowerReplica(int brokerId, long lastCaughtUpTimeMs) {
    this.brokerId = brokerId;
    this.lastCaughtUpTimeMs = lastCaughtUpTimeMs;
  }

  /** Records a fetch at {@code fetchOffset} made when the leader's log ended at {@code leaderEnd}. */
  void onFetch(long fetchOffset, long leaderEnd, long nowMs) {
    if (fetchOffset >= leaderEnd) {
      lastCaughtUpTimeMs = Math.max(lastCaughtUpTimeMs, nowMs);
    } else if (lastFetchLeaderLogEndOffset >= 0 && fetchOffset >= lastFetchLeaderLogEndOffset) {
      lastCaughtUpTimeMs = Math.max(lastCaughtUpTimeMs, lastFetchTimeMs);
    }
    logEndOffset = fetchOffset;
    lastFetchLeaderLogEndOffset = leaderEnd;
    lastFetchTimeMs = nowMs;
  }
}
