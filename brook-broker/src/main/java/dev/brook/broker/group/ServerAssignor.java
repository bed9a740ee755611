package dev.brook.broker.group;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * A KIP-848 server-side assignor: from the members' subscriptions, the topics' partition counts and
 * the current target assignment, the next target assignment. Pure and deterministic (members are
 * considered in member-id order).
 */
public sealed interface ServerAssignor permits ServerAssignor.Uniform, ServerAssignor.Range {
  String name();

  /**
   * @param subscriptions member id → subscribed topic names (only topics that exist are passed in
   *     {@code partitionCounts})
   * @param current member id → its partitions in the previous target assignment
   */
  Map<String, Set<TopicPartition>> assign(
      Map<String, Set<String>> subscriptions,
      Map<String, Integer> partitionCounts,
      Map<String, Set<TopicPartition>> current);

  static ServerAssignor named(String name) {
    return switch (name) {
      case "uniform" -> new Uniform();
      case "range" -> new Range();
      default -> null;
    };
  }

  /**
   * Spreads all partitions so that members' counts differ by at most one where subscriptions allow,
   * keeping each member's previous partitions where it can (sticky): fewer revocations per
   * rebalance.
   */
  record Uniform() implements ServerAssignor {
    @Override
    public String name() {
      return "uniform";
    }

    @Override
    public Map<String, Set<TopicPartition>> assign(
        Map<String, Set<String>> subscriptions,
        Map<String, Integer> partitionCounts,
        Map<String, Set<TopicPartition>> current) {
      Map<String, Set<TopicPartition>> out = new TreeMap<>();
      subscriptions.keySet().forEach(m -> out.put(m, new HashSet<>()));
      if (subscriptions.isEmpty()) return out;
      List<TopicPartition> all = new ArrayList<>();
      new TreeMap<>(partitionCounts)
          .forEach(
              (topic, n) -> {
                boolean wanted = subscriptions.values().stream().anyMatch(s -> s.contains(topic));
                if (wanted) for (int p = 0; p < n; p++) all.add(new TopicPartition(topic, p));
              });
      int quota = (all.size() + subscriptions.size() - 1) / subscriptions.size();
      Set<TopicPartition> taken = new HashSet<>();
      for (String m : out.keySet()) {
        Set<String> topics = subscriptions.get(m);
        List<TopicPartition> previous = new ArrayList<>(current.getOrDefault(m, Set.of()));
        previous.sort(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        for (TopicPartition tp : previous) {
          if (out.get(m).size() >= quota) break;
          if (topics.contains(tp.topic()) && partitionCounts.getOrDefault(tp.topic(), 0) > tp.partition() && taken.add(tp)) {
            out.get(m).add(tp);
          }
        }
      }
      for (TopicPartition tp : all) {
        if (taken.contains(tp)) continue;
        String best = null;
        for (String m : out.keySet()) {
          if (!subscriptions.get(m).contains(tp.topic())) continue;
          if (best == null || out.get(m).size() < out.get(best).size()) best = m;
        }
        if (best != null) {
          out.get(best).add(tp);
          taken.add(tp);
        }
      }
      rebalance(out, subscriptions);
      return out;
    }

    /** Moves partitions from the fullest to the emptiest eligible member until counts differ by ≤ 1. */
    private static void rebalance(Map<String, Set<TopicPartition>> out, Map<String, Set<String>> subscriptions) {
      for (int guard = 0; guard < 100_000; guard++) {
        String max = null;
        String min = null;
        for (String m : out.keySet()) {
          if (max == null || out.get(m).size() > out.get(max).size()) max = m;
          if (min == null || out.get(m).size() < out.get(min).size()) min = m;
        }
        if (out.get(max).size() - out.get(min).size() <= 1) return;
        String to = min;
        TopicPartition move =
            out.get(max).stream()
                .filter(tp -> subscriptions.get(to).contains(tp.topic()))
                .max(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition))
                .orElse(null);
        if (move == null) return; // heterogeneous subscriptions: as even as they allow
        out.get(max).remove(move);
        out.get(min).add(move);
      }
    }
  }

  /**
   * Kafka's range strategy, per topic: the members subscribed to the topic, in id order, each take a
   * contiguous range; the first {@code partitions % members} take one more.
   */
  record Range() implements ServerAssignor {
    @Override
    public String name() {
      return "range";
    }

    @Override
    public Map<String, Set<TopicPartition>> assign(
        Map<String, Set<String>> subscriptions,
        Map<String, Integer> partitionCounts,
        Map<String, Set<TopicPartition>> current) {
      Map<String, Set<TopicPartition>> out = new TreeMap<>();
      subscriptions.keySet().forEach(m -> out.put(m, new HashSet<>()));
      Map<String, List<String>> byTopic = new HashMap<>();
      new TreeMap<>(subscriptions).forEach((m, topics) -> topics.forEach(t -> byTopic.computeIfAbsent(t, x -> new ArrayList<>()).add(m)));
      byTopic.forEach(
          (topic, members) -> {
            int n = partitionCounts.getOrDefault(topic, 0);
            int each = n / members.size();
            int extra = n % members.size();
            int p = 0;
            for (int i = 0; i < members.size(); i++) {
              int count = each + (i < extra ? 1 : 0);
              for (int k = 0; k < count; k++) out.get(members.get(i)).add(new TopicPartition(topic, p++));
            }
          });
      return out;
    }
  }
}
