package dev.brook.broker.cluster;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Places partition replicas on brokers, balanced and rack-aware: brokers are ordered alternating
 * between racks (a1, b1, c1, a2, ...); partition p's first (preferred leader) replica is the
 * ({@code start}+p)-th broker of that ring, so leaders spread evenly; each further replica is the
 * next broker on the ring (shifted by p's round, so followers spread too) whose rack no replica of
 * p has yet, while such racks remain. Pure and deterministic for a given {@code start}.
 */
public final class ReplicaPlacement {
  private ReplicaPlacement() {}

  /**
   * @param brokers the live brokers (ids and racks)
   * @param firstPartition index of the first partition to place (CreatePartitions adds after the
   *     existing ones)
   * @param start where on the broker ring the first partition starts (random per topic in Kafka;
   *     the caller chooses)
   * @throws IllegalArgumentException when there are fewer brokers than the replication factor
   */
  public static Map<Integer, List<Integer>> assign(
      Collection<BrokerEndpoint> brokers, int firstPartition, int partitions, int replicationFactor, int start) {
    if (replicationFactor > brokers.size()) {
      throw new IllegalArgumentException("replication factor " + replicationFactor + " larger than the "
          + brokers.size() + " available brokers");
    }
    List<BrokerEndpoint> ring = rackAlternated(brokers);
    int n = ring.size();
    int racks = (int) ring.stream().map(ReplicaPlacement::rackOf).distinct().count();
    Map<Integer, List<Integer>> out = new LinkedHashMap<>();
    for (int i = 0; i < partitions; i++) {
      int p = firstPartition + i;
      int first = Math.floorMod(start + p, n);
      int shift = 1 + Math.floorMod((start + p) / n, Math.max(1, n - 1));
      List<Integer> replicas = new ArrayList<>(replicationFactor);
      Set<String> usedRacks = new HashSet<>();
      replicas.add(ring.get(first).id());
      usedRacks.add(rackOf(ring.get(first)));
      int k = 0;
      while (replicas.size() < replicationFactor) {
        // Candidates in ring order after the shift; prefer a new rack while one remains.
        BrokerEndpoint pick = null;
        for (int j = 0; j < n && pick == null; j++) {
          BrokerEndpoint b = ring.get(Math.floorMod(first + shift + k + j, n));
          if (replicas.contains(b.id())) continue;
          if (usedRacks.size() < racks && usedRacks.contains(rackOf(b))) continue;
          pick = b;
        }
        if (pick == null) throw new IllegalStateException("no broker left for " + p); // unreachable: rf <= n
        replicas.add(pick.id());
        usedRacks.add(rackOf(pick));
        k++;
      }
      out.put(p, List.copyOf(replicas));
    }
    return out;
  }

  private static String rackOf(BrokerEndpoint b) {
    return Objects.requireNonNullElse(b.rack(), "");
  }

  /** Brokers sorted by id within their rack, then taken one per rack in turn. */
  static List<BrokerEndpoint> rackAlternated(Collection<BrokerEndpoint> brokers) {
    Map<String, List<BrokerEndpoint>> byRack = new TreeMap<>();
    brokers.stream().sorted((a, b) -> Integer.compare(a.id(), b.id()))
        .forEach(b -> byRack.computeIfAbsent(rackOf(b), r -> new ArrayList<>()).add(b));
    List<BrokerEndpoint> out = new ArrayList<>(brokers.size());
    for (int round = 0; out.size() < brokers.size(); round++) {
      for (List<BrokerEndpoint> rack : byRack.values()) {
        if (round < rack.size()) out.add(rack.get(round));
      }
    }
    return out;
  }
}
