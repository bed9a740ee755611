package dev.brook.broker.cluster;

import java.util.Collection;
import org.apache.kafka.common.TopicPartition;

/**
 * Implemented by the replication side (the replica manager); called by the cluster side when this
 * broker's partitions change: become leader, become follower, or leave. Calls come from one cluster
 * thread at a time, in the order the changes were observed, never on a Netty thread.
 */
public interface ReplicaStateListener {
  /** Partitions hosted by this broker whose state (leader, epoch, replicas or ISR) changed. */
  void onPartitionStates(Collection<PartitionState> changed) throws Exception;

  /** Partitions this broker no longer hosts (topic deleted or replica reassigned away). */
  void onPartitionsRemoved(Collection<TopicPartition> removed) throws Exception;
}
