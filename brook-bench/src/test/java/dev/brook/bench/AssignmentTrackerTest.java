package dev.brook.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AssignmentTrackerTest {
  /** Four partitions, two members a and b holding two each. */
  private static AssignmentTracker twoMembers() {
    AssignmentTracker t = new AssignmentTracker(4);
    t.expect(Set.of("a", "b"), 0);
    t.assigned("a", List.of(0, 1), 10);
    t.assigned("b", List.of(2, 3), 20);
    return t;
  }

  @Test
  void formationSettlesAtTheCallbackThatCompletesTheAssignment() throws Exception {
    assertThat(twoMembers().awaitSettledMillis(0)).isEqualTo(20e-6);
  }

  @Test
  void eagerJoinSettlesOnlyWhenEveryMemberHasItsEvenShare() throws Exception {
    AssignmentTracker t = twoMembers();
    t.expect(Set.of("a", "b", "c"), 1_000_000);
    t.revoked("a", List.of(0, 1), 2_000_000);
    t.revoked("b", List.of(2, 3), 3_000_000);
    t.assigned("a", List.of(0, 1), 4_000_000);
    t.assigned("b", List.of(2), 5_000_000); // c still has nothing
    assertThat(t.settled()).isFalse();
    t.assigned("c", List.of(3), 7_000_000);
    assertThat(t.awaitSettledMillis(0)).isEqualTo(6.0);
  }

  @Test
  void aPartitionOwnedTwiceIsNotSettled() {
    AssignmentTracker t = twoMembers();
    t.expect(Set.of("a", "b", "c"), 0);
    t.assigned("c", List.of(1), 5); // a has not given 1 up yet
    assertThat(t.settled()).isFalse();
  }

  @Test
  void cooperativeLeaveSettlesWhenTheLeaversPartitionsAreAssignedIncrementally() throws Exception {
    AssignmentTracker t = twoMembers();
    t.expect(Set.of("a"), 0);
    t.started(1_000_000); // the leaving member starts to close
    t.revoked("b", List.of(2, 3), 2_000_000);
    t.forget("b");
    assertThat(t.settled()).isFalse();
    t.assigned("a", List.of(2, 3), 4_000_000);
    assertThat(t.awaitSettledMillis(0)).isEqualTo(3.0);
  }

  @Test
  void anEarlierSettlingDoesNotCountForTheNextChange() throws Exception {
    AssignmentTracker t = twoMembers();
    t.expect(Set.of("a", "b", "c"), 100);
    assertThat(t.awaitSettledMillis(0)).isNaN();
  }
}
