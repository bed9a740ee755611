package dev.brook.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * OffsetTranslation against a model: a source partition with gaps (markers, aborted records), mirrored
 * in transactions to a target whose offsets have gaps of their own (commit markers); for every source
 * offset, a consumer starting at the translated target offset must read exactly the mirrors of the
 * source records at or after it.
 */
class OffsetTranslationTest {
  private static final TopicPartition TP = new TopicPartition("orders", 0);

  @Test
  void everySourceOffsetTranslatesToExactlyTheNextMirroredRecord() {
    for (int seed = 0; seed < 50; seed++) check(new Random(seed), false);
  }

  @Test
  void afterPruningEveryOffsetFromTheLowestCommitOnStillTranslatesExactlyAndNoneBelowIsGuessed() {
    for (int seed = 0; seed < 50; seed++) check(new Random(seed), true);
  }

  @Test
  void pruningKeepsOnlyTheFloorSyncOfThePositionWhenNoGroupHoldsHistory() {
    OffsetTranslation t = new OffsetTranslation();
    for (int txn = 0; txn < 100; txn++) {
      t.add(TP, txn * 10L, txn * 11L);
      t.add(TP, txn * 10L + 9, txn * 11L + 9);
    }
    assertThat(t.size()).isEqualTo(200);
    assertThat(t.pruneBelow(TP, 1000)).isEqualTo(199);
    assertThat(t.held()).containsExactly(new Mm2Formats.OffsetSync(TP, 999, 1098));
    assertThat(t.translate(TP, 1000, 1000)).hasValue(1099);
    assertThat(t.translate(TP, 500, 1000)).as("below the history kept").isEmpty();
    t.retainOnly(java.util.Set.of());
    assertThat(t.size()).isZero();
  }

  private static void check(Random random, boolean prune) {
    // Source: record offsets with random gaps.
    List<Long> source = new ArrayList<>();
    long o = random.nextInt(5);
    for (int i = 0; i < 300; i++) {
      source.add(o);
      o += 1 + (random.nextInt(10) == 0 ? 1 + random.nextInt(3) : 0);
    }
    long position = o + random.nextInt(3); // the mirror read past trailing markers
    // Target: transactions of random size, each followed by a marker.
    List<Long> target = new ArrayList<>();
    OffsetTranslation t = new OffsetTranslation();
    long next = random.nextInt(3);
    int i = 0;
    while (i < source.size()) {
      int n = Math.min(source.size() - i, 1 + random.nextInt(40));
      int runStart = i;
      for (int k = i; k < i + n; k++) {
        target.add(next++);
        boolean continues = k > runStart && source.get(k) == source.get(k - 1) + 1;
        if (k > i && !continues) {
          t.add(TP, source.get(k - 1), target.get(k - 1));
          runStart = k;
        }
        if (k == i || !continues) t.add(TP, source.get(k), target.get(k));
      }
      t.add(TP, source.get(i + n - 1), target.get(i + n - 1));
      i += n;
      next++; // commit marker
    }
    // A few syncs for group offsets in gaps, as GroupCheckpoints adds them.
    for (int k = 0; k < 20; k++) {
      long g = source.get(0) + random.nextInt((int) (source.get(source.size() - 1) - source.get(0)));
      t.add(TP, g, t.translate(TP, g, position).getAsLong());
    }
    long lowest = prune ? source.get(0) + random.nextInt((int) (position - source.get(0)) + 1) : Long.MIN_VALUE;
    if (prune) t.pruneBelow(TP, lowest);
    for (long s = source.get(0); s <= position; s++) {
      OptionalLong tr = t.translate(TP, s, position);
      if (s < lowest && tr.isEmpty()) continue; // below the history kept: not translated, never guessed
      assertThat(tr).as("offset %d", s).isPresent();
      int firstAtOrAfter = 0;
      while (firstAtOrAfter < source.size() && source.get(firstAtOrAfter) < s) firstAtOrAfter++;
      long from = tr.getAsLong();
      // The first target record at or after `from` must be the mirror of that source record.
      int firstTarget = 0;
      while (firstTarget < target.size() && target.get(firstTarget) < from) firstTarget++;
      assertThat(firstTarget).as("source offset %d -> target %d", s, from).isEqualTo(firstAtOrAfter);
    }
    assertThat(t.translate(TP, position + 1, position)).isEmpty();
  }
}
