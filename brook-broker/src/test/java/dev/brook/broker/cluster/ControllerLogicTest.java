package dev.brook.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** The controller's decisions from a view, as both stores apply them (ZooKeeper, the single node). */
class ControllerLogicTest {
  static final TopicPartition TP = new TopicPartition("t", 0);
  static final Uuid ID = Uuid.randomUuid();

  static PartitionState state(List<Integer> replicas, int leader, int epoch, List<Integer> isr) {
    return new PartitionState(TP, ID, replicas, leader, epoch, isr, 1, 0);
  }

  static ControllerLogic.View view(Set<Integer> registered, List<Integer> replicas, PartitionState state) {
    return new ControllerLogic.View(registered, Set.of(), Map.of("t", Map.of(0, replicas)),
        state == null ? Map.of() : Map.of(TP, state), Set.of(), t -> false);
  }

  @Test
  void aSingleNodesNewPartitionIsLedByItAtEpochZeroWithAnIsrOfOne() {
    List<ControllerLogic.Transition> t = ControllerLogic.reconcile(view(Set.of(1), List.of(1), null), Set.of(1), false);
    assertThat(t).singleElement().satisfies(x -> {
      assertThat(x.leader()).isEqualTo(1);
      assertThat(x.leaderEpoch()).isZero();
      assertThat(x.isr()).containsExactly(1);
      assertThat(x.replicas()).containsExactly(1);
      assertThat(x.current()).isNull();
    });
  }

  @Test
  void aLeaderWhoseReplicaIsOfflineHandsLeadershipToAnotherInSyncReplicaAndLeavesTheIsr() {
    PartitionState s = state(List.of(1, 2, 3), 1, 4, List.of(1, 2, 3));
    TopicPartition other = new TopicPartition("t", 1);
    ControllerLogic.View v = new ControllerLogic.View(Set.of(1, 2, 3), Set.of(), Map.of("t", Map.of(0, List.of(1, 2, 3))),
        Map.of(TP, s), Set.of(), t -> false, Map.of(1, Set.of(TP), 3, Set.of(other)));
    ControllerLogic.Transition t = ControllerLogic.reconcile(v, Set.of(1, 2, 3), false).getFirst();
    assertThat(t.leader()).isEqualTo(2);
    assertThat(t.leaderEpoch()).isEqualTo(5);
    assertThat(t.isr()).containsExactly(2, 3); // broker 3's offline replica is of another partition
    // Preferred election does not bring leadership back to the offline replica.
    PartitionState moved = state(List.of(1, 2, 3), 2, 5, List.of(2, 3));
    ControllerLogic.View after = new ControllerLogic.View(Set.of(1, 2, 3), Set.of(), Map.of("t", Map.of(0, List.of(1, 2, 3))),
        Map.of(TP, moved), Set.of(), x -> false, Map.of(1, Set.of(TP)));
    assertThat(ControllerLogic.reconcile(after, Set.of(1, 2, 3), true)).isEmpty();
    assertThat(ControllerLogic.elect(after, TP, false).error()).isEqualTo(Errors.PREFERRED_LEADER_NOT_AVAILABLE);
  }

  @Test
  void anOfflineLastInSyncReplicaLeavesThePartitionWithoutALeader() {
    PartitionState s = state(List.of(1, 2), 1, 4, List.of(1));
    ControllerLogic.View v = new ControllerLogic.View(Set.of(1, 2), Set.of(), Map.of("t", Map.of(0, List.of(1, 2))),
        Map.of(TP, s), Set.of(), t -> false, Map.of(1, Set.of(TP)));
    ControllerLogic.Transition t = ControllerLogic.reconcile(v, Set.of(1, 2), false).getFirst();
    assertThat(t.leader()).isEqualTo(-1);
    assertThat(t.isr()).containsExactly(1); // remembered for a clean election once it is back
  }

  @Test
  void aStartedPartitionOfALiveLeaderNeedsNothing() {
    assertThat(ControllerLogic.reconcile(view(Set.of(1), List.of(1), state(List.of(1), 1, 4, List.of(1))), Set.of(1), true))
        .isEmpty();
  }

  @Test
  void aRestartedSingleNodeFailsItsOldLeadershipOverThenLeadsAgainTwoEpochsOn() {
    PartitionState before = state(List.of(1), 1, 4, List.of(1));
    ControllerLogic.Transition down =
        ControllerLogic.reconcile(view(Set.of(1), List.of(1), before), Set.of(), false).getFirst();
    assertThat(down.leader()).isEqualTo(-1);
    assertThat(down.leaderEpoch()).isEqualTo(5);
    assertThat(down.isr()).containsExactly(1); // the last in-sync replica is remembered for a clean election
    PartitionState offline = state(List.of(1), down.leader(), down.leaderEpoch(), down.isr());
    ControllerLogic.Transition up =
        ControllerLogic.reconcile(view(Set.of(1), List.of(1), offline), Set.of(1), false).getFirst();
    assertThat(up.leader()).isEqualTo(1);
    assertThat(up.leaderEpoch()).isEqualTo(6);
    assertThat(up.isr()).containsExactly(1);
  }

  @Test
  void electionsOnASingleNodeAreNotNeeded() {
    ControllerLogic.View v = view(Set.of(1), List.of(1), state(List.of(1), 1, 0, List.of(1)));
    assertThat(ControllerLogic.elect(v, TP, false).error()).isEqualTo(Errors.ELECTION_NOT_NEEDED);
    assertThat(ControllerLogic.elect(v, TP, true).error()).isEqualTo(Errors.ELECTION_NOT_NEEDED);
    assertThat(ControllerLogic.elect(v, new TopicPartition("t", 1), false).error())
        .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
  }

  @Test
  void preferredElectionMovesLeadershipToTheFirstReplicaInSync() {
    ControllerLogic.View v = view(Set.of(1, 2), List.of(1, 2), state(List.of(1, 2), 2, 3, List.of(1, 2)));
    ControllerLogic.Election e = ControllerLogic.elect(v, TP, false);
    assertThat(e.error()).isEqualTo(Errors.NONE);
    assertThat(e.transition().leader()).isEqualTo(1);
    assertThat(e.transition().leaderEpoch()).isEqualTo(4);
    ControllerLogic.View notInSync = view(Set.of(1, 2), List.of(1, 2), state(List.of(1, 2), 2, 3, List.of(2)));
    assertThat(ControllerLogic.elect(notInSync, TP, false).error()).isEqualTo(Errors.PREFERRED_LEADER_NOT_AVAILABLE);
  }

  @Test
  void uncleanElectionPicksALiveReplicaOnlyWhenNoLeaderLives() {
    ControllerLogic.View v = view(Set.of(2), List.of(1, 2), state(List.of(1, 2), -1, 3, List.of(1)));
    ControllerLogic.Election e = ControllerLogic.elect(v, TP, true);
    assertThat(e.error()).isEqualTo(Errors.NONE);
    assertThat(e.transition().leader()).isEqualTo(2);
    assertThat(e.transition().isr()).containsExactly(2);
  }

  @Test
  void reassignmentRequestsAreCheckedAgainstTheRegisteredBrokers() {
    ControllerLogic.View v = view(Set.of(1), List.of(1), state(List.of(1), 1, 0, List.of(1)));
    ControllerLogic.Altered a = ControllerLogic.alterReassignments(v, Map.of(), Map.of(
        TP, Optional.of(List.of(1)),
        new TopicPartition("t", 7), Optional.of(List.of(1))));
    assertThat(a.results().get(TP).error()).isEqualTo(Errors.NONE);
    assertThat(a.results().get(new TopicPartition("t", 7)).error()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
    assertThat(a.pending()).containsOnlyKeys(TP);
    // Already on its target: the step finishes it.
    assertThat(ControllerLogic.advanceReassignments(v, a.pending()))
        .containsExactly(new ControllerLogic.Finished(TP, true));

    assertThat(ControllerLogic.alterReassignments(v, Map.of(), Map.of(TP, Optional.of(List.of(2)))).results().get(TP).error())
        .isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT);
    assertThat(ControllerLogic.alterReassignments(v, Map.of(), Map.of(TP, Optional.of(List.of(1, 1)))).results().get(TP).error())
        .isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT);
    assertThat(ControllerLogic.alterReassignments(v, Map.of(), Map.of(TP, Optional.empty())).results().get(TP).error())
        .isEqualTo(Errors.NO_REASSIGNMENT_IN_PROGRESS);
  }

  @Test
  void aReassignmentAddsTheTargetThenSwitchesOnceItIsInSync() {
    Map<TopicPartition, Reassignment> pending = Map.of(TP, new Reassignment(List.of(2), List.of(1)));
    ControllerLogic.View start = view(Set.of(1, 2), List.of(1), state(List.of(1), 1, 3, List.of(1)));
    assertThat(ControllerLogic.advanceReassignments(start, pending))
        .containsExactly(new ControllerLogic.AddReplicas(TP, List.of(2, 1)));
    ControllerLogic.View adding = view(Set.of(1, 2), List.of(2, 1), state(List.of(2, 1), 1, 3, List.of(1)));
    assertThat(ControllerLogic.advanceReassignments(adding, pending)).isEmpty(); // 2 not in sync yet
    ControllerLogic.View caughtUp = view(Set.of(1, 2), List.of(2, 1), state(List.of(2, 1), 1, 3, List.of(1, 2)));
    ControllerLogic.Step step = ControllerLogic.advanceReassignments(caughtUp, pending).getFirst();
    assertThat(step).isInstanceOf(ControllerLogic.Complete.class);
    ControllerLogic.Transition t = ((ControllerLogic.Complete) step).transition();
    assertThat(t.leader()).isEqualTo(2);
    assertThat(t.isr()).containsExactly(2);
    assertThat(t.leaderEpoch()).isEqualTo(4);
  }
}
