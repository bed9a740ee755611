package dev.brook.broker.group;

/**
 * A group the coordinator serves, of one of the two protocols: a {@link ClassicGroup} (JoinGroup /
 * SyncGroup, assignments computed by the leader member) or a {@link ConsumerGroup} (KIP-848
 * ConsumerGroupHeartbeat, assignments computed here). A group id names one group at a time; an
 * empty group of one kind becomes the other when a member of the other protocol arrives. Committed
 * offsets belong to the group id, not to the group object ({@link OffsetManager}), so they survive
 * that change. Owned by the coordinator thread.
 */
sealed interface Group permits ClassicGroup, ConsumerGroup {
  String groupId();

  /** No member under the group's protocol. */
  boolean isEmpty();

  /** The state as Kafka's tools print it (ListGroups, DescribeGroups). */
  String stateName();

  /** The protocol type ListGroups reports ("consumer" for consumer groups; "" when none yet). */
  String protocolType();

  /** "classic" or "consumer", as ListGroups' types filter names them. */
  String type();

  /** When the group entered its state: retention of an empty group's offsets counts from here. */
  long stateTimestamp();

  /** Deleted or unloaded: the object is stale for good, and its timers do nothing. */
  boolean isGone();
}
