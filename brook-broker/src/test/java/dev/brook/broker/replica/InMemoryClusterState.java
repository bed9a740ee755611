package dev.brook.broker.replica;

import dev.brook.broker.cluster.BrokerEndpoint;
import dev.brook.broker.cluster.ClusterState;
import dev.brook.broker.cluster.PartitionState;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;

/**
 * A ZooKeeper stand-in for replication tests: one {@link Shared} store of live brokers and
 * partition states (compare-and-set on the version, as the znodes), seen by each broker through its
 * own view. The test plays the controller.
 */
final class InMemoryClusterState implements ClusterState {
  /** The cluster-wide state, as ZooKeeper would hold it. Thread-safe. */
  static final class Shared {
    final Map<Integer, BrokerEndpoint> live = new ConcurrentHashMap<>();
    final Map<TopicPartition, PartitionState> states = new ConcurrentHashMap<>();
    volatile boolean failIsrChanges;

    synchronized CompletableFuture<PartitionState> alterIsr(PartitionState expected, List<Integer> newIsr) {
      PartitionState cur = states.get(expected.tp());
      if (failIsrChanges || cur == null || cur.zkVersion() != expected.zkVersion() || cur.leaderEpoch() != expected.leaderEpoch()) {
        return CompletableFuture.failedFuture(new IllegalStateException("stale ISR change " + expected + " vs " + cur));
      }
      PartitionState next = new PartitionState(cur.tp(), cur.topicId(), cur.replicas(), cur.leader(), cur.leaderEpoch(), newIsr,
          cur.controllerEpoch(), cur.zkVersion() + 1);
      states.put(cur.tp(), next);
      return CompletableFuture.completedFuture(next);
    }

    /** The controller's leader election: a new leader (from the ISR) in a new epoch, without {@code dead}. */
    synchronized PartitionState elect(TopicPartition tp, int newLeader, int dead) {
      PartitionState cur = states.get(tp);
      List<Integer> isr = cur.isr().stream().filter(r -> r != dead).toList();
      PartitionState next = new PartitionState(tp, cur.topicId(), cur.replicas(), newLeader, cur.leaderEpoch() + 1, isr,
          cur.controllerEpoch(), cur.zkVersion() + 1);
      states.put(tp, next);
      return next;
    }
  }

  private final int localBrokerId;
  private final Shared shared;

  InMemoryClusterState(int localBrokerId, Shared shared) {
    this.localBrokerId = localBrokerId;
    this.shared = shared;
  }

  @Override
  public int localBrokerId() {
    return localBrokerId;
  }

  @Override
  public Optional<BrokerEndpoint> broker(int id) {
    return Optional.ofNullable(shared.live.get(id));
  }

  @Override
  public Collection<BrokerEndpoint> liveBrokers() {
    return List.copyOf(shared.live.values());
  }

  @Override
  public int controllerId() {
    return -1;
  }

  @Override
  public Optional<PartitionState> partitionState(TopicPartition tp) {
    return Optional.ofNullable(shared.states.get(tp));
  }

  @Override
  public CompletableFuture<PartitionState> alterIsr(PartitionState expected, List<Integer> newIsr) {
    return shared.alterIsr(expected, newIsr);
  }

  @Override
  public boolean isRegistered() {
    return true;
  }
}
