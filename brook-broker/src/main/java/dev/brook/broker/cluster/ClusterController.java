package dev.brook.broker.cluster;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * The controller as the admin APIs see it (ElectLeaders, AlterPartitionReassignments,
 * ListPartitionReassignments): the ZooKeeper controller in a cluster, {@link LocalCluster} on a
 * single node. Both decide with {@link ControllerLogic}. Thread-safe; results complete off the
 * caller's thread when the work may block.
 */
public interface ClusterController {
  /** A reassignment request's outcome for one partition. */
  record Result(Errors error, String message) {
    public static final Result OK = new Result(Errors.NONE, null);
  }

  /** True while this broker is the controller (always, on a single node). */
  boolean isActive();

  /**
   * ElectLeaders: preferred, or unclean (only for partitions without a leader); {@code partitions}
   * null means every partition. Completes with each partition's error.
   */
  CompletableFuture<Map<TopicPartition, Errors>> electLeaders(Collection<TopicPartition> partitions, boolean unclean);

  /** AlterPartitionReassignments: {@code target} empty cancels the partition's reassignment. */
  CompletableFuture<Map<TopicPartition, Result>> alterReassignments(Map<TopicPartition, Optional<List<Integer>>> requests);

  /** ListPartitionReassignments: the ongoing ones. */
  Map<TopicPartition, Reassignment> reassignments();
}
