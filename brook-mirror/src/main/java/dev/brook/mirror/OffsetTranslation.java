package dev.brook.mirror;

import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * Exact source-to-target offset translation for one flow, from the offset syncs it wrote.
 *
 * <p>The invariant that makes it exact: for every run of mirrored records whose source offsets are
 * consecutive and which went to the target in one transaction (so their target offsets are
 * consecutive too), the flow writes a sync for the run's first and its last record. Between two
 * neighbouring syncs p and n, either both lie in one run (then {@code n.up - p.up == n.down -
 * p.down} and the offsets between map linearly), or no mirrored record lies strictly between them
 * (then any source offset between p and n maps to n's target offset: a consumer starting there reads
 * the record after p first, skipping only transaction markers). A sync added for a group's committed
 * offset (at or before the last run end) keeps this: its target offset is one a consumer may start
 * at, and the argument above still holds for its neighbours.
 *
 * <p>Only syncs of committed transactions are added. Owned by its flow's thread.
 */
final class OffsetTranslation {
  private final Map<TopicPartition, NavigableMap<Long, Long>> syncs = new HashMap<>();

  /** Records that source offset {@code upstream} of {@code tp} is target offset {@code downstream}. */
  void add(TopicPartition tp, long upstream, long downstream) {
    syncs.computeIfAbsent(tp, t -> new TreeMap<>()).put(upstream, downstream);
  }

  /** The number of syncs held (for status and logs). */
  int size() {
    return syncs.values().stream().mapToInt(Map::size).sum();
  }

  /** The highest source offset with a sync for {@code tp}, or -1. */
  long lastSynced(TopicPartition tp) {
    NavigableMap<Long, Long> s = syncs.get(tp);
    return s == null || s.isEmpty() ? -1 : s.lastKey();
  }

  /**
   * The target offset at which a consumer reads exactly the records after those before source offset
   * {@code offset}, or empty when that is not known yet: nothing of {@code tp} was mirrored, or
   * {@code offset} is beyond {@code position} (the flow's committed source position).
   */
  OptionalLong translate(TopicPartition tp, long offset, long position) {
    NavigableMap<Long, Long> s = syncs.get(tp);
    if (s == null || s.isEmpty()) return OptionalLong.empty();
    Map.Entry<Long, Long> floor = s.floorEntry(offset);
    if (floor == null) return OptionalLong.of(s.firstEntry().getValue()); // before what was mirrored
    if (floor.getKey() == offset) return OptionalLong.of(floor.getValue());
    Map.Entry<Long, Long> next = s.higherEntry(offset);
    if (next == null) {
      // After the last mirrored record: the next target record, once all before offset are mirrored.
      return offset <= position ? OptionalLong.of(floor.getValue() + 1) : OptionalLong.empty();
    }
    long upGap = next.getKey() - floor.getKey();
    long downGap = next.getValue() - floor.getValue();
    return OptionalLong.of(upGap == downGap ? floor.getValue() + (offset - floor.getKey()) : next.getValue());
  }
}
