package dev.brook.broker.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The controller's rule for one partition: who leads and which replicas are in sync, given the live
 * brokers. Pure; the controller applies a non-null result as a new leader epoch.
 *
 * <ul>
 *   <li>A new partition is led by its first live replica; its ISR is its live replicas.
 *   <li>Dead (and shutting-down) replicas leave the ISR, unless that would empty it: the last member
 *       stays, so the replica holding the latest data is remembered for a clean election.
 *   <li>A leader that is dead, shutting down or out of the ISR is replaced by the first replica, in
 *       assignment order, that is live, not shutting down and in the ISR. With none, the partition
 *       goes offline (leader -1) unless unclean election is allowed, which picks the first live
 *       replica and makes it the whole ISR (possibly losing acknowledged records).
 *   <li>Preferred election moves leadership to the first assigned replica when it is eligible and
 *       in sync.
 * </ul>
 */
public final class LeaderElection {
  private LeaderElection() {}

  /** The new leader (-1 for none) and ISR. */
  public record Decision(int leader, List<Integer> isr) {}

  /**
   * @param current the partition's state, or null for a partition not yet started
   * @return the change to make, or null when the state is already right
   */
  public static Decision decide(PartitionState current, List<Integer> replicas, Set<Integer> live,
      Set<Integer> shuttingDown, boolean unclean, boolean preferred) {
    if (current == null) {
      List<Integer> isr = replicas.stream().filter(live::contains).toList();
      if (isr.isEmpty()) return null; // no replica can start it yet
      int leader = isr.stream().filter(b -> !shuttingDown.contains(b)).findFirst().orElse(isr.get(0));
      return new Decision(leader, isr);
    }
    List<Integer> isr = new ArrayList<>();
    for (int b : current.isr()) {
      if (live.contains(b) && !shuttingDown.contains(b)) isr.add(b);
    }
    if (isr.isEmpty()) {
      // Keep the last live member, else the last known member, so a clean election stays possible.
      isr = current.isr().stream().filter(live::contains).limit(1).toList();
      if (isr.isEmpty()) isr = current.isr();
    }
    int leader = current.leader();
    boolean leaderOk = leader >= 0 && live.contains(leader) && !shuttingDown.contains(leader) && isr.contains(leader);
    int preferredReplica = replicas.isEmpty() ? -1 : replicas.get(0);
    boolean movePreferred = preferred && preferredReplica != leader && live.contains(preferredReplica)
        && !shuttingDown.contains(preferredReplica) && isr.contains(preferredReplica);
    if (leaderOk && !movePreferred) {
      return isr.equals(current.isr()) ? null : new Decision(leader, isr);
    }
    int newLeader = movePreferred ? preferredReplica : -1;
    if (newLeader < 0) {
      for (int b : replicas) {
        if (live.contains(b) && !shuttingDown.contains(b) && isr.contains(b)) {
          newLeader = b;
          break;
        }
      }
    }
    if (newLeader < 0 && leader >= 0 && live.contains(leader) && isr.contains(leader)) {
      newLeader = leader; // shutting down, but no other in-sync replica can take over: it keeps leading
    }
    if (newLeader < 0 && !isr.isEmpty() && live.contains(isr.get(0)) && replicas.contains(isr.get(0))) {
      newLeader = isr.get(0); // the last in-sync replica came back
    }
    if (newLeader < 0 && unclean) {
      for (int b : replicas) {
        if (live.contains(b)) {
          return new Decision(b, List.of(b));
        }
      }
    }
    if (newLeader == leader && isr.equals(current.isr())) return null;
    return new Decision(newLeader, isr);
  }
}
