package dev.brook.cli.fault;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads the healed cluster to its end and compares it with what {@link Workload} observed. Each count
 * must be zero:
 *
 * <ul>
 *   <li>lost: an acknowledged value absent from its partition; misplaced: present at another offset
 *       than its acknowledgement named; duplicated: any value twice in the source topic; reordered: a
 *       producer's values out of send order within a partition;
 *   <li>aborted/unfinished visible: {@code A|} or {@code U|} records that a read_committed consumer of
 *       the sink returned; copied twice: a source offset copied by two committed transactions; copy
 *       lost: a source offset below the copier's committed offset with no committed copy; copy wrong:
 *       a copy whose value is not the source record at that offset;
 *   <li>offsets backwards and unclean elections: the monitor's findings during the run.
 * </ul>
 */
final class Checker {
  private Checker() {}

  static Map<String, Long> check(Workload w) throws Exception {
    Map<Integer, List<String>> source = readAll(w, Workload.SOURCE, false);
    Map<Integer, List<String>> sink = readAll(w, Workload.SINK, true);
    Map<String, Long> r = new LinkedHashMap<>();
    r.put("acknowledged", (long) w.acked.size());
    r.put("refused", w.refused.get());
    r.put("source records", source.values().stream().mapToLong(List::size).sum());

    Map<String, long[]> where = new HashMap<>();
    long duplicated = 0;
    long reordered = 0;
    for (Map.Entry<Integer, List<String>> e : source.entrySet()) {
      Map<String, Long> lastSeqOfProducer = new HashMap<>();
      for (int off = 0; off < e.getValue().size(); off++) {
        String v = e.getValue().get(off);
        if (where.put(v, new long[] {e.getKey(), off}) != null) duplicated++;
        String[] ps = v.split("-", 2);
        long seq = Long.parseLong(ps[1]);
        Long last = lastSeqOfProducer.put(ps[0], seq);
        if (last != null && seq <= last) reordered++;
      }
    }
    long lost = 0;
    long misplaced = 0;
    for (Map.Entry<String, long[]> a : w.acked.entrySet()) {
      long[] found = where.get(a.getKey());
      if (found == null) lost++;
      else if (found[0] != a.getValue()[0] || found[1] != a.getValue()[1]) misplaced++;
    }
    r.put("lost", lost);
    r.put("duplicated", duplicated);
    r.put("reordered", reordered);
    r.put("misplaced", misplaced);

    long leaked = 0;
    long copiedTwice = 0;
    long copyWrong = 0;
    Set<String> copied = new HashSet<>();
    for (List<String> l : sink.values()) {
      for (String v : l) {
        if (!v.startsWith("C|")) {
          leaked++;
          continue;
        }
        String[] parts = v.split("\\|", 3);
        if (!copied.add(parts[1])) copiedTwice++;
        String[] po = parts[1].split(":");
        List<String> src = source.get(Integer.parseInt(po[0]));
        int off = Integer.parseInt(po[1]);
        if (off >= src.size() || !src.get(off).equals(parts[2])) copyWrong++;
      }
    }
    long copyLost = 0;
    try (KafkaConsumer<String, String> c = w.consumer(Workload.CTP_GROUP, true)) {
      Map<TopicPartition, OffsetAndMetadata> committed =
          c.committed(new HashSet<>(Workload.partitions(Workload.SOURCE)), Duration.ofSeconds(30));
      for (TopicPartition tp : Workload.partitions(Workload.SOURCE)) {
        OffsetAndMetadata o = committed.get(tp);
        long upTo = o == null ? 0 : o.offset();
        r.put("copier committed " + tp.partition(), upTo);
        for (long off = 0; off < upTo; off++) {
          if (!copied.contains(tp.partition() + ":" + off)) copyLost++;
        }
      }
    }
    r.put("aborted or unfinished visible", leaked);
    r.put("copied twice", copiedTwice);
    r.put("copy lost", copyLost);
    r.put("copy wrong", copyWrong);
    r.put("committed offsets backwards", (long) w.offsetRegressions.size());
    r.put("unclean elections", (long) w.uncleanElections.size());
    return r;
  }

  /** Each partition's values in offset order up to its end (the LSO for read_committed). */
  static Map<Integer, List<String>> readAll(Workload w, String topic, boolean readCommitted) {
    Map<Integer, List<String>> out = new HashMap<>();
    List<TopicPartition> tps = Workload.partitions(topic);
    try (KafkaConsumer<String, String> c = w.consumer(null, readCommitted)) {
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<TopicPartition, Long> end = c.endOffsets(tps, Duration.ofSeconds(30));
      for (TopicPartition tp : tps) out.put(tp.partition(), new ArrayList<>());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (System.nanoTime() < deadline && tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
          if (readCommitted) {
            out.get(r.partition()).add(r.value());
          } else {
            List<String> l = out.get(r.partition());
            if (r.offset() != l.size()) {
              throw new IllegalStateException(topic + "-" + r.partition() + " has a gap or repeat at " + r.offset());
            }
            l.add(r.value());
          }
        }
      }
      if (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        throw new IllegalStateException("could not read " + topic + " to its end " + end + " in 120 s");
      }
    }
    return out;
  }
}
