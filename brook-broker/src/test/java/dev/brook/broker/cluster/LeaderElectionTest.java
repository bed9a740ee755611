package dev.brook.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

class LeaderElectionTest {
  private static final List<Integer> REPLICAS = List.of(1, 2, 3);

  private static PartitionState state(int leader, List<Integer> isr) {
    return new PartitionState(new TopicPartition("t", 0), Uuid.ONE_UUID, REPLICAS, leader, 5, isr, 1, 7);
  }

  @Test
  void newPartitionIsLedByFirstLiveReplicaWithLiveReplicasInSync() {
    assertThat(LeaderElection.decide(null, REPLICAS, Set.of(2, 3), Set.of(), false, false))
        .isEqualTo(new LeaderElection.Decision(2, List.of(2, 3)));
    assertThat(LeaderElection.decide(null, REPLICAS, Set.of(4), Set.of(), false, false)).isNull();
  }

  @Test
  void healthyPartitionNeedsNoChange() {
    assertThat(LeaderElection.decide(state(1, REPLICAS), REPLICAS, Set.of(1, 2, 3), Set.of(), false, false)).isNull();
  }

  @Test
  void deadLeaderIsReplacedFromTheIsrInAssignmentOrder() {
    assertThat(LeaderElection.decide(state(1, List.of(1, 3)), REPLICAS, Set.of(2, 3), Set.of(), false, false))
        .isEqualTo(new LeaderElection.Decision(3, List.of(3)));
  }

  @Test
  void deadFollowerLeavesTheIsr() {
    assertThat(LeaderElection.decide(state(1, REPLICAS), REPLICAS, Set.of(1, 3), Set.of(), false, false))
        .isEqualTo(new LeaderElection.Decision(1, List.of(1, 3)));
  }

  @Test
  void noLiveIsrMemberMeansOfflineUnlessUnclean() {
    PartitionState s = state(1, List.of(1));
    assertThat(LeaderElection.decide(s, REPLICAS, Set.of(2, 3), Set.of(), false, false))
        .isEqualTo(new LeaderElection.Decision(-1, List.of(1)));
    assertThat(LeaderElection.decide(s, REPLICAS, Set.of(2, 3), Set.of(), true, false))
        .isEqualTo(new LeaderElection.Decision(2, List.of(2)));
  }

  @Test
  void lastIsrMemberComingBackLeadsAgain() {
    PartitionState offline = state(-1, List.of(1));
    assertThat(LeaderElection.decide(offline, REPLICAS, Set.of(1, 2), Set.of(), false, false))
        .isEqualTo(new LeaderElection.Decision(1, List.of(1)));
    assertThat(LeaderElection.decide(offline, REPLICAS, Set.of(2), Set.of(), false, false)).isNull();
  }

  @Test
  void shuttingDownLeaderHandsOverToAnotherInSyncReplica() {
    assertThat(LeaderElection.decide(state(1, REPLICAS), REPLICAS, Set.of(1, 2, 3), Set.of(1), false, false))
        .isEqualTo(new LeaderElection.Decision(2, List.of(2, 3)));
    // The sole in-sync replica keeps leading while it shuts down.
    assertThat(LeaderElection.decide(state(1, List.of(1)), REPLICAS, Set.of(1, 2, 3), Set.of(1), false, false))
        .isNull();
  }

  @Test
  void preferredElectionMovesLeadershipBackOnlyWhenPreferredIsInSync() {
    assertThat(LeaderElection.decide(state(2, REPLICAS), REPLICAS, Set.of(1, 2, 3), Set.of(), false, true))
        .isEqualTo(new LeaderElection.Decision(1, REPLICAS));
    assertThat(LeaderElection.decide(state(2, List.of(2, 3)), REPLICAS, Set.of(1, 2, 3), Set.of(), false, true))
        .isNull();
  }
}
