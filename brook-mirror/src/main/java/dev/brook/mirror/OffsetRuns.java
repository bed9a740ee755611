package dev.brook.mirror;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * The records one transaction mirrored, per source partition in the order they were sent, kept as
 * runs whose source and target offsets are both consecutive; {@link #syncs} gives the offset syncs
 * that keep {@link OffsetTranslation}'s invariant: one for the first and one for the last record of
 * every run. Owned by one flow's thread.
 */
final class OffsetRuns {
  /** Per source partition: runs of {upstream, downstream, count}. */
  private final Map<TopicPartition, List<long[]>> runs = new LinkedHashMap<>();

  /** {@code count} records from source offset {@code upstream} went to target offsets from {@code downstream}, one by one. */
  void add(TopicPartition source, long upstream, long downstream, int count) {
    List<long[]> rs = runs.computeIfAbsent(source, t -> new ArrayList<>());
    long[] last = rs.isEmpty() ? null : rs.get(rs.size() - 1);
    if (last != null && last[0] + last[2] == upstream && last[1] + last[2] == downstream) {
      last[2] += count;
    } else {
      rs.add(new long[] {upstream, downstream, count});
    }
  }

  boolean isEmpty() {
    return runs.isEmpty();
  }

  /** Both ends of every run (one sync for a run of one record). */
  List<Mm2Formats.OffsetSync> syncs() {
    List<Mm2Formats.OffsetSync> out = new ArrayList<>();
    runs.forEach((tp, rs) -> {
      for (long[] r : rs) {
        out.add(new Mm2Formats.OffsetSync(tp, r[0], r[1]));
        if (r[2] > 1) out.add(new Mm2Formats.OffsetSync(tp, r[0] + r[2] - 1, r[1] + r[2] - 1));
      }
    });
    return out;
  }

  void clear() {
    runs.clear();
  }
}
