package dev.brook.broker.replica;

/**
 * Something waiting for a partition to change (a delayed fetch). Called on the thread that
 * advanced the partition (an appender) after the partition's lock is released; must not block.
 */
@FunctionalInterface
public interface PartitionWatcher {
  void onPartitionAdvanced(Partition partition);
}
