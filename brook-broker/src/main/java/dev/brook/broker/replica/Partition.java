package dev.brook.broker.replica;

import dev.brook.storage.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * One partition this broker hosts: its log, its leader epoch, its high watermark, and (to come) its
 * producer state and waiting fetches. In single-node mode this broker is always the leader and the
 * in-sync replica set is itself, so the high watermark follows the log end.
 *
 * <p>SKELETON: the replica helper owns this class and will fill it in (append with producer-state
 * checks, high watermark, delayed fetch wake-ups).
 */
public final class Partition {
  private final TopicPartition topicPartition;
  private final Uuid topicId;
  private final PartitionLog log;
  private volatile int leaderEpoch;

  public Partition(TopicPartition topicPartition, Uuid topicId, PartitionLog log, int leaderEpoch) {
    this.topicPartition = topicPartition;
    this.topicId = topicId;
    this.log = log;
    this.leaderEpoch = leaderEpoch;
  }

  public TopicPartition topicPartition() {
    return topicPartition;
  }

  public Uuid topicId() {
    return topicId;
  }

  public PartitionLog log() {
    return log;
  }

  public int leaderEpoch() {
    return leaderEpoch;
  }
}
