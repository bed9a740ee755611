package dev.brook.broker.cluster;

import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * One partition's replication state as the controller decided it (the ZooKeeper state znode
 * {@code /brokers/topics/<t>/partitions/<p>/state}). {@code zkVersion} is the znode version the
 * state was read at; every change is a compare-and-set on it. Immutable.
 */
public record PartitionState(
    TopicPartition tp,
    Uuid topicId,
    List<Integer> replicas,
    int leader,
    int leaderEpoch,
    List<Integer> isr,
    int controllerEpoch,
    int zkVersion) {
  public PartitionState {
    replicas = List.copyOf(replicas);
    isr = List.copyOf(isr);
  }
}
