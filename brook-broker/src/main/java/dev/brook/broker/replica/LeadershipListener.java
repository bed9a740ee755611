package dev.brook.broker.replica;

/**
 * Told when this broker starts or stops leading a partition (both modes: a single node's partitions
 * are led from creation, epoch from the log). Called on the thread that made the change (cluster
 * thread, topic-creation thread), never a Netty thread, in order per partition; implementations must
 * not block: hand the work to their own executor.
 */
public interface LeadershipListener {
  void onBecomeLeader(org.apache.kafka.common.TopicPartition tp, int leaderEpoch);

  /** Became follower, was deleted or reassigned away, or the broker is closing. */
  void onResign(org.apache.kafka.common.TopicPartition tp);
}
