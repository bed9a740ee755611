package dev.brook.broker.cluster;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;

/**
 * What this broker knows about the cluster: live brokers, the controller and every partition's
 * replication state. ZooKeeper-backed in cluster mode; a trivial local one in single-node mode.
 * Thread-safe; reads come from a local cache kept current by watches and never block on I/O.
 */
public interface ClusterState {
  int localBrokerId();

  Optional<BrokerEndpoint> broker(int id);

  Collection<BrokerEndpoint> liveBrokers();

  /** The current controller's broker id; -1 when none is known. */
  int controllerId();

  Optional<PartitionState> partitionState(TopicPartition tp);

  /**
   * The leader's conditional ISR change (compare-and-set on {@code expected.zkVersion()} in
   * ZooKeeper). Completes with the new state, or exceptionally (a stale version or a fenced leader
   * epoch); the leader then re-reads {@link #partitionState} and retries if still leader.
   */
  CompletableFuture<PartitionState> alterIsr(PartitionState expected, List<Integer> newIsr);

  /**
   * False while this broker's ZooKeeper session is expired and not yet re-registered: it must then
   * not act as leader (answer NOT_LEADER_OR_FOLLOWER). Always true in single-node mode.
   */
  boolean isRegistered();

  /**
   * This broker's replicas of {@code partitions} are lost with a failed log directory: in a cluster
   * the controller moves their leadership to another in-sync replica and drops this broker from
   * their ISR (until it restarts). Nothing to do without other brokers. May block on the cluster's
   * store: never call it on a network thread.
   */
  default void reportOfflineReplicas(Collection<TopicPartition> partitions) {}
}
