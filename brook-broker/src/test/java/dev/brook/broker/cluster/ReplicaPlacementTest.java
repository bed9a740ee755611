package dev.brook.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ReplicaPlacementTest {
  private static List<BrokerEndpoint> brokers(String... racks) {
    List<BrokerEndpoint> out = new java.util.ArrayList<>();
    for (int i = 0; i < racks.length; i++) out.add(new BrokerEndpoint(i + 1, "h", 9092, racks[i]));
    return out;
  }

  @Test
  void leadersAndReplicasSpreadEvenly() {
    Map<Integer, List<Integer>> a = ReplicaPlacement.assign(brokers(null, null, null), 0, 6, 3, 0);
    assertThat(a).hasSize(6);
    Map<Integer, Integer> leaders = new HashMap<>();
    Map<Integer, Integer> replicas = new HashMap<>();
    a.values().forEach(r -> {
      assertThat(Set.copyOf(r)).hasSize(3);
      leaders.merge(r.get(0), 1, Integer::sum);
      r.forEach(b -> replicas.merge(b, 1, Integer::sum));
    });
    assertThat(leaders).containsOnly(Map.entry(1, 2), Map.entry(2, 2), Map.entry(3, 2));
    assertThat(replicas).containsOnly(Map.entry(1, 6), Map.entry(2, 6), Map.entry(3, 6));
  }

  @Test
  void replicasOfAPartitionAreOnDistinctRacksWhileRacksRemain() {
    List<BrokerEndpoint> b = brokers("a", "a", "b", "b", "c", "c");
    Map<Integer, String> rackOf = b.stream().collect(Collectors.toMap(BrokerEndpoint::id, BrokerEndpoint::rack));
    Map<Integer, List<Integer>> a = ReplicaPlacement.assign(b, 0, 12, 3, 5);
    a.values().forEach(r -> assertThat(r.stream().map(rackOf::get).distinct()).hasSize(3));
    Map<Integer, List<Integer>> more = ReplicaPlacement.assign(b, 0, 4, 4, 1);
    more.values().forEach(r -> assertThat(r.stream().map(rackOf::get).distinct()).hasSize(3));
  }

  @Test
  void addedPartitionsContinueTheNumbering() {
    assertThat(ReplicaPlacement.assign(brokers(null, null), 3, 2, 1, 0)).containsOnlyKeys(3, 4);
  }

  @Test
  void replicationFactorAboveBrokerCountIsRefused() {
    assertThatThrownBy(() -> ReplicaPlacement.assign(brokers(null, null), 0, 1, 3, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
