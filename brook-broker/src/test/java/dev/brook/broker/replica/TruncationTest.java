package dev.brook.broker.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.storage.EpochEndOffset;
import java.util.TreeMap;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/** The follower's truncation decisions, including the two data-loss scenarios of KIP-101. */
class TruncationTest {
  /** An epoch cache as a map epoch → start offset, answering by Kafka's rules. */
  static IntFunction<EpochEndOffset> cache(long logEnd, long... epochStartPairs) {
    TreeMap<Integer, Long> starts = new TreeMap<>();
    for (int i = 0; i < epochStartPairs.length; i += 2) starts.put((int) epochStartPairs[i], epochStartPairs[i + 1]);
    return epoch -> {
      if (starts.isEmpty() || epoch > starts.lastKey()) return EpochEndOffset.UNDEFINED;
      if (epoch == starts.lastKey()) return new EpochEndOffset(epoch, logEnd);
      var floor = starts.floorKey(epoch);
      long nextStart = starts.higherEntry(epoch).getValue();
      return new EpochEndOffset(floor == null ? epoch : floor, nextStart);
    };
  }

  @Test
  void followerKeepsRecordsAboveItsHighWatermarkThatTheLeaderHas() {
    // KIP-101 scenario 1: the follower has m0, m1 (epoch 0) but learned HW=1 only. Truncating to the
    // HW would drop m1, which the leader acknowledged; by epoch it keeps it.
    Truncation t = Truncation.decide(new EpochEndOffset(0, 2), cache(2, 0, 0), 2, 1);
    assertThat(t).isEqualTo(new Truncation(2, true));
  }

  @Test
  void followerDropsItsDivergedTailWrittenInAnOlderEpoch() {
    // KIP-101 scenario 2: the old leader A has m0, m1 (epoch 0, HW 2 locally); B became leader in
    // epoch 1 with only m0 and wrote m2 at offset 1. B answers epoch 0 ends at 1: A drops m1 (never
    // replicated to B, so never acknowledged with acks=all) and then fetches m2 at offset 1.
    Truncation t = Truncation.decide(new EpochEndOffset(0, 1), cache(2, 0, 0), 2, 2);
    assertThat(t).isEqualTo(new Truncation(1, true));
  }

  @Test
  void followerWithoutTheLeadersEpochTruncatesToItsOwnEndOfThatEpochAndAsksAgain() {
    // Follower epochs {0@0, 2@5}, log end 8; leader epochs {0@0, 1@4, 3@6} answers epoch 2 as (1, 6).
    IntFunction<EpochEndOffset> follower = cache(8, 0, 0, 2, 5);
    Truncation first = Truncation.decide(new EpochEndOffset(1, 6), follower, 8, 3);
    assertThat(first).isEqualTo(new Truncation(5, false));
    // Asked again with epoch 0, the leader says epoch 0 ended at 4.
    Truncation second = Truncation.decide(new EpochEndOffset(0, 4), cache(5, 0, 0), 5, 3);
    assertThat(second).isEqualTo(new Truncation(4, true));
  }

  @Test
  void leaderAheadNeverExtendsTheFollower() {
    Truncation t = Truncation.decide(new EpochEndOffset(3, 100), cache(10, 1, 0, 3, 7), 10, 10);
    assertThat(t).isEqualTo(new Truncation(10, true));
  }

  @Test
  void undefinedAnswerFallsBackToTheHighWatermark() {
    Truncation t = Truncation.decide(EpochEndOffset.UNDEFINED, cache(10, 0, 0), 10, 6);
    assertThat(t).isEqualTo(new Truncation(6, true));
  }

  @Test
  void followerWhoseEpochsAreAllNewerTruncatesToTheLeadersEnd() {
    Truncation t = Truncation.decide(new EpochEndOffset(1, 3), e -> EpochEndOffset.UNDEFINED, 9, 2);
    assertThat(t).isEqualTo(new Truncation(3, true));
  }
}
