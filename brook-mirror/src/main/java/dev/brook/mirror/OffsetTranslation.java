package dev.brook.mirror;

import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.OptionalLong;
import java.util.Set;
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
 * <p>The history is bounded by {@link #pruneBelow}: only offsets that a mirrored group can still
 * ask for need syncs, so everything below the floor sync of the oldest committed group offset (or
 * of the flow's position, without groups) is dropped. Dropping a prefix keeps the invariant for
 * what remains (neighbours stay neighbours); an offset below the kept history is not translated
 * (empty), never guessed, because the records it would skip are still on the target. The flow keeps
 * its offset-syncs topic to about what is held here by writing the held syncs ({@link #held}) anew
 * now and then and deleting the records before them.
 *
 * <p>Only syncs of committed transactions are added. Owned by its flow's thread.
 */
final class OffsetTranslation {
  private final Map<TopicPartition, NavigableMap<Long, Long>> syncs = new HashMap<>();
  /** Per partition: source offsets below this have had their syncs dropped and are not translated. */
  private final Map<TopicPartition, Long> prunedBelow = new HashMap<>();

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
   * Drops the syncs of {@code tp} that no translation of an offset at or above {@code lowest} needs:
   * all below the floor sync of {@code lowest}. Returns the number dropped.
   */
  int pruneBelow(TopicPartition tp, long lowest) {
    NavigableMap<Long, Long> s = syncs.get(tp);
    if (s == null) return 0;
    Long floor = s.floorKey(lowest);
    if (floor == null) return 0;
    NavigableMap<Long, Long> below = s.headMap(floor, false);
    int n = below.size();
    if (n == 0) return 0;
    below.clear();
    prunedBelow.merge(tp, floor, Math::max);
    return n;
  }

  /**
   * Marks the history read back from an offset-syncs topic whose head was deleted: for every
   * partition, offsets below its first sync may lie in the deleted part and are not translated.
   */
  void historyTrimmed() {
    syncs.forEach((tp, s) -> {
      if (!s.isEmpty()) prunedBelow.merge(tp, s.firstKey(), Math::max);
    });
  }

  /** Forgets every partition not in {@code mirrored} (its source topic is gone or no longer mirrored). */
  void retainOnly(Set<TopicPartition> mirrored) {
    syncs.keySet().retainAll(mirrored);
    prunedBelow.keySet().retainAll(mirrored);
  }

  /** Every sync held, to be written anew (oldest first per partition). */
  java.util.List<Mm2Formats.OffsetSync> held() {
    java.util.List<Mm2Formats.OffsetSync> out = new java.util.ArrayList<>();
    syncs.forEach((tp, s) -> s.forEach((up, down) -> out.add(new Mm2Formats.OffsetSync(tp, up, down))));
    return out;
  }

  /**
   * The target offset at which a consumer reads exactly the records after those before source offset
   * {@code offset}, or empty when that is not known: nothing of {@code tp} was mirrored, {@code
   * offset} is beyond {@code position} (the flow's committed source position), or it lies below the
   * history kept ({@link #pruneBelow}).
   */
  OptionalLong translate(TopicPartition tp, long offset, long position) {
    NavigableMap<Long, Long> s = syncs.get(tp);
    if (s == null || s.isEmpty()) return OptionalLong.empty();
    Map.Entry<Long, Long> floor = s.floorEntry(offset);
    if (floor == null) {
      if (prunedBelow.containsKey(tp)) return OptionalLong.empty(); // in the dropped history
      return OptionalLong.of(s.firstEntry().getValue()); // before what was mirrored
    }
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
