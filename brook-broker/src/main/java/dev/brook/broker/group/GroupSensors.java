package dev.brook.broker.group;

/**
 * What the group coordinator tells its metrics as it happens (the events behind Kafka's {@code
 * group-coordinator-metrics} rates and counts). Called on the coordinator thread, so an
 * implementation must be cheap and never block; {@link #NONE} when nobody listens.
 */
public interface GroupSensors {
  /** {@code count} offsets of one OffsetCommit were stored (Kafka: offset-commit-rate/count). */
  void offsetsCommitted(int count);

  /** A classic group finished a rebalance: it is Stable with its new assignment stored (group-completed-rebalance). */
  void classicRebalanceCompleted();

  /** A consumer group (KIP-848) computed a new target assignment for a new group epoch (consumer-group-rebalance). */
  void consumerRebalanced();

  GroupSensors NONE = new GroupSensors() {
    @Override
    public void offsetsCommitted(int count) {}

    @Override
    public void classicRebalanceCompleted() {}

    @Override
    public void consumerRebalanced() {}
  };
}
