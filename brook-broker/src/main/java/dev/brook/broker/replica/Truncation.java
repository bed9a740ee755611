package dev.brook.broker.replica;

import dev.brook.storage.EpochEndOffset;
import java.util.function.IntFunction;

/**
 * Where a follower truncates its log, given where the leader says an epoch ends (an
 * OffsetForLeaderEpoch answer for the follower's latest epoch, or a Fetch response's diverging
 * epoch) — by leader epochs, never by the high watermark alone (KIP-101, KIP-279):
 *
 * <ul>
 *   <li>the leader knows no such epoch (undefined answer): fall back to the high watermark;
 *   <li>the follower has the leader's epoch E: truncate to the smaller of the two ends of E;
 *   <li>the follower's largest epoch ≤ E is older than E: truncate to that epoch's end here and ask
 *       again with it (not complete), as the leader may have diverged earlier still;
 *   <li>the follower has nothing at or below E: truncate to the leader's end.
 * </ul>
 *
 * Every answer is capped by the follower's log end. A pure function.
 *
 * @param offset the offset to truncate to (no-op when at or past the log end)
 * @param complete false when the follower must ask the leader again with its new latest epoch
 */
public record Truncation(long offset, boolean complete) {

  /**
   * @param leader the leader's end of an epoch
   * @param localEndOffsetFor this replica's answer to "where does epoch E end?"
   * @param logEndOffset this replica's log end
   * @param highWatermark this replica's high watermark
   */
  public static Truncation decide(
      EpochEndOffset leader, IntFunction<EpochEndOffset> localEndOffsetFor, long logEndOffset, long highWatermark) {
    if (leader.endOffset() < 0 || leader.leaderEpoch() < 0) {
      return new Truncation(Math.min(highWatermark, logEndOffset), true);
    }
    EpochEndOffset local = localEndOffsetFor.apply(leader.leaderEpoch());
    if (local.endOffset() < 0 || local.leaderEpoch() < 0) {
      return new Truncation(Math.min(leader.endOffset(), logEndOffset), true);
    }
    if (local.leaderEpoch() != leader.leaderEpoch()) {
      return new Truncation(Math.min(local.endOffset(), logEndOffset), false);
    }
    return new Truncation(Math.min(Math.min(local.endOffset(), leader.endOffset()), logEndOffset), true);
  }
}
