package dev.brook.broker.cluster;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * What the controller decides, apart from where its decisions are stored: from one {@link View} of
 * the cluster it computes the partition states to write (a new leader epoch on every change), the
 * answer to an ElectLeaders request, the next step of each partition reassignment. Pure and
 * deterministic: the ZooKeeper controller applies the result as fenced conditional transactions,
 * the single node's {@link LocalCluster} as one atomic rewrite of its metadata file. The rules for
 * one partition are {@link LeaderElection}'s.
 */
public final class ControllerLogic {
  private ControllerLogic() {}

  /**
   * The cluster as the controller sees it.
   *
   * @param registered the brokers registered now (restarted ones included)
   * @param shuttingDown brokers in controlled shutdown
   * @param assignments per topic, partition index to replicas (preferred leader first)
   * @param states every started partition's state
   * @param deleting topics being deleted (no longer elected)
   * @param uncleanAllowed whether a topic allows unclean leader election
   * @param offlineReplicas per broker, the replicas it lost with a failed log directory: such a
   *     replica counts as dead for its partition (it neither leads nor stays in the ISR)
   */
  public record View(
      Set<Integer> registered,
      Set<Integer> shuttingDown,
      Map<String, Map<Integer, List<Integer>>> assignments,
      Map<TopicPartition, PartitionState> states,
      Set<String> deleting,
      Predicate<String> uncleanAllowed,
      Map<Integer, Set<TopicPartition>> offlineReplicas) {

    /** A view in which no replica is offline. */
    public View(Set<Integer> registered, Set<Integer> shuttingDown, Map<String, Map<Integer, List<Integer>>> assignments,
        Map<TopicPartition, PartitionState> states, Set<String> deleting, Predicate<String> uncleanAllowed) {
      this(registered, shuttingDown, assignments, states, deleting, uncleanAllowed, Map.of());
    }

    /** {@code live} without the brokers whose replica of {@code tp} is offline. */
    public Set<Integer> liveFor(TopicPartition tp, Set<Integer> live) {
      if (offlineReplicas.isEmpty()) return live;
      Set<Integer> out = null;
      for (Map.Entry<Integer, Set<TopicPartition>> e : offlineReplicas.entrySet()) {
        if (!e.getValue().contains(tp) || !live.contains(e.getKey())) continue;
        if (out == null) out = new java.util.HashSet<>(live);
        out.remove(e.getKey());
      }
      return out == null ? live : out;
    }

    public Optional<List<Integer>> replicas(TopicPartition tp) {
      Map<Integer, List<Integer>> a = assignments.get(tp.topic());
      return Optional.ofNullable(a == null ? null : a.get(tp.partition()));
    }
  }

  /**
   * A partition's next state: {@code current} null for a partition being started (epoch 0), else
   * the next leader epoch after {@code current}'s.
   */
  public record Transition(TopicPartition tp, PartitionState current, List<Integer> replicas, int leader, List<Integer> isr) {
    public Transition {
      replicas = List.copyOf(replicas);
      isr = List.copyOf(isr);
    }

    public int leaderEpoch() {
      return current == null ? 0 : current.leaderEpoch() + 1;
    }

    static Transition of(TopicPartition tp, PartitionState current, List<Integer> replicas, LeaderElection.Decision d) {
      return new Transition(tp, current, replicas, d.leader(), d.isr());
    }
  }

  /**
   * Every partition whose state must change, given the brokers that are {@code live} (registered
   * minus those that restarted unseen, which are failed over first), in assignment order.
   * {@code preferred} also moves leaders back to their preferred replicas.
   */
  public static List<Transition> reconcile(View v, Set<Integer> live, boolean preferred) {
    List<Transition> out = new ArrayList<>();
    for (Map.Entry<String, Map<Integer, List<Integer>>> e : v.assignments().entrySet()) {
      String topic = e.getKey();
      if (v.deleting().contains(topic)) continue;
      boolean unclean = v.uncleanAllowed().test(topic);
      for (Map.Entry<Integer, List<Integer>> p : e.getValue().entrySet()) {
        TopicPartition tp = new TopicPartition(topic, p.getKey());
        PartitionState current = v.states().get(tp);
        LeaderElection.Decision d =
            LeaderElection.decide(current, p.getValue(), v.liveFor(tp, live), v.shuttingDown(), unclean, preferred);
        if (d != null) out.add(Transition.of(tp, current, p.getValue(), d));
      }
    }
    return out;
  }

  /** One partition's ElectLeaders answer: NONE with the transition to apply, or the error. */
  public record Election(Errors error, Transition transition) {}

  /**
   * ElectLeaders for one partition: preferred (move to the first replica when it is eligible and in
   * sync) or unclean (only for a partition without a live leader).
   */
  public static Election elect(View v, TopicPartition tp, boolean unclean) {
    List<Integer> replicas = v.replicas(tp).orElse(null);
    PartitionState current = v.states().get(tp);
    if (replicas == null || current == null || v.deleting().contains(tp.topic())) {
      return new Election(Errors.UNKNOWN_TOPIC_OR_PARTITION, null);
    }
    Set<Integer> live = v.liveFor(tp, v.registered());
    if (unclean ? current.leader() >= 0 && live.contains(current.leader()) : current.leader() == replicas.get(0)) {
      return new Election(Errors.ELECTION_NOT_NEEDED, null);
    }
    LeaderElection.Decision d = LeaderElection.decide(current, replicas, live, v.shuttingDown(), unclean, !unclean);
    boolean ok = d != null && (unclean ? d.leader() >= 0 : d.leader() == replicas.get(0));
    if (!ok) {
      return new Election(unclean ? Errors.ELIGIBLE_LEADERS_NOT_AVAILABLE : Errors.PREFERRED_LEADER_NOT_AVAILABLE, null);
    }
    return new Election(Errors.NONE, Transition.of(tp, current, replicas, d));
  }

  // ---- reassignment

  /** The pending reassignments after a request, and each requested partition's answer. */
  public record Altered(Map<TopicPartition, Reassignment> pending, Map<TopicPartition, ClusterController.Result> results) {}

  /**
   * AlterPartitionReassignments: validates each request against the view and records it in (a copy
   * of) {@code pending}; an empty target cancels (the replicas go back to the original ones).
   */
  public static Altered alterReassignments(View v, Map<TopicPartition, Reassignment> pending,
      Map<TopicPartition, Optional<List<Integer>>> requests) {
    Map<TopicPartition, Reassignment> next = new LinkedHashMap<>(pending);
    Map<TopicPartition, ClusterController.Result> out = new LinkedHashMap<>();
    for (Map.Entry<TopicPartition, Optional<List<Integer>>> e : requests.entrySet()) {
      TopicPartition tp = e.getKey();
      List<Integer> current = v.replicas(tp).orElse(null);
      if (current == null || v.deleting().contains(tp.topic())) {
        out.put(tp, new ClusterController.Result(Errors.UNKNOWN_TOPIC_OR_PARTITION, "Unknown topic or partition."));
      } else if (e.getValue().isEmpty()) {
        Reassignment r = next.get(tp);
        if (r == null) {
          out.put(tp, new ClusterController.Result(Errors.NO_REASSIGNMENT_IN_PROGRESS,
              "No ongoing reassignment for " + tp + "."));
        } else {
          next.put(tp, new Reassignment(r.original(), r.original()));
          out.put(tp, ClusterController.Result.OK);
        }
      } else {
        List<Integer> target = e.getValue().get();
        String bad = target.isEmpty() ? "The replica list is empty."
            : Set.copyOf(target).size() != target.size() ? "The replica list " + target + " has duplicates."
            : target.stream().anyMatch(b -> !v.registered().contains(b))
                ? "The replica list " + target + " names brokers that are not registered." : null;
        if (bad != null) {
          out.put(tp, new ClusterController.Result(Errors.INVALID_REPLICA_ASSIGNMENT, bad));
        } else {
          Reassignment before = next.get(tp);
          next.put(tp, new Reassignment(target, before != null ? before.original() : current));
          out.put(tp, ClusterController.Result.OK);
        }
      }
    }
    return new Altered(next, out);
  }

  /** One step of one partition's reassignment. */
  public sealed interface Step {
    TopicPartition tp();
  }

  /** The reassignment is over (done, or its topic went away): forget it. */
  public record Finished(TopicPartition tp, boolean done) implements Step {}

  /** Add the target replicas to the assignment (they start following); leadership stays. */
  public record AddReplicas(TopicPartition tp, List<Integer> replicas) implements Step {}

  /** Every target replica is in sync: the assignment becomes the target, with a new leader epoch. */
  public record Complete(TopicPartition tp, List<Integer> replicas, Transition transition) implements Step {}

  /**
   * The next step of each pending reassignment (none for one that must wait: its partition not
   * started, target replicas not yet in sync, or no target replica able to lead).
   */
  public static List<Step> advanceReassignments(View v, Map<TopicPartition, Reassignment> pending) {
    List<Step> out = new ArrayList<>();
    for (Map.Entry<TopicPartition, Reassignment> e : pending.entrySet()) {
      TopicPartition tp = e.getKey();
      List<Integer> target = e.getValue().target();
      List<Integer> current = v.replicas(tp).orElse(null);
      PartitionState state = v.states().get(tp);
      if (current == null) {
        out.add(new Finished(tp, false)); // the topic went away
      } else if (current.equals(target)) {
        out.add(new Finished(tp, true));
      } else if (state == null) {
        continue;
      } else if (!current.containsAll(target)) {
        List<Integer> adding = new ArrayList<>(target);
        for (int b : current) if (!adding.contains(b)) adding.add(b);
        out.add(new AddReplicas(tp, adding));
      } else if (state.isr().containsAll(target)) {
        Set<Integer> live = v.liveFor(tp, v.registered());
        int leader = target.contains(state.leader()) && live.contains(state.leader()) ? state.leader()
            : target.stream().filter(b -> live.contains(b) && state.isr().contains(b)).findFirst().orElse(-1);
        if (leader < 0) continue; // no target replica can lead yet
        List<Integer> isr = state.isr().stream().filter(target::contains).toList();
        out.add(new Complete(tp, target, new Transition(tp, state, target, leader, isr)));
      }
    }
    return out;
  }
}
