package dev.brook.broker.replica;

import dev.brook.broker.cluster.PartitionState;
import java.util.List;

/**
 * Sends a leader's ISR change to the cluster (a conditional write on {@code expected}'s version).
 * The answer comes back later, on another thread, through {@link Partition#onIsrChanged} or {@link
 * Partition#onIsrChangeFailed}. Called under the partition's lock: must not block and must not
 * call back into the partition synchronously.
 */
@FunctionalInterface
public interface IsrChanger {
  void requestIsrChange(Partition partition, PartitionState expected, List<Integer> newIsr);
}
