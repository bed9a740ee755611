package dev.brook.broker.group;

import dev.brook.broker.config.BrokerConfig;

/** The settings the group coordinator obeys, read from the broker config's group.* and offsets.* keys. */
public record GroupCoordinatorConfig(
    int offsetsTopicPartitions,
    int offsetsTopicSegmentBytes,
    long offsetsRetentionMs,
    long offsetsRetentionCheckIntervalMs,
    int initialRebalanceDelayMs,
    int minSessionTimeoutMs,
    int maxSessionTimeoutMs,
    int maxGroupSize,
    int offsetMetadataMaxBytes,
    int consumerSessionTimeoutMs,
    int consumerHeartbeatIntervalMs,
    java.util.List<String> consumerAssignors) {

  /** Classic-protocol settings with the KIP-848 defaults (for tests). */
  public GroupCoordinatorConfig(
      int offsetsTopicPartitions,
      int offsetsTopicSegmentBytes,
      long offsetsRetentionMs,
      long offsetsRetentionCheckIntervalMs,
      int initialRebalanceDelayMs,
      int minSessionTimeoutMs,
      int maxSessionTimeoutMs,
      int maxGroupSize,
      int offsetMetadataMaxBytes) {
    this(offsetsTopicPartitions, offsetsTopicSegmentBytes, offsetsRetentionMs, offsetsRetentionCheckIntervalMs,
        initialRebalanceDelayMs, minSessionTimeoutMs, maxSessionTimeoutMs, maxGroupSize, offsetMetadataMaxBytes,
        45_000, 5_000, java.util.List.of("uniform", "range"));
  }

  /** Kafka's offset.metadata.max.bytes default. */
  public static final int DEFAULT_OFFSET_METADATA_MAX_BYTES = 4096;

  /** The KIP-848 protocol is served when the first configured server assignor exists. */
  public boolean consumerProtocolEnabled() {
    return !consumerAssignors.isEmpty() && ServerAssignor.named(consumerAssignors.get(0)) != null;
  }

  public GroupCoordinatorConfig withOffsetsTopicPartitions(int partitions) {
    return new GroupCoordinatorConfig(partitions, offsetsTopicSegmentBytes, offsetsRetentionMs,
        offsetsRetentionCheckIntervalMs, initialRebalanceDelayMs, minSessionTimeoutMs, maxSessionTimeoutMs,
        maxGroupSize, offsetMetadataMaxBytes, consumerSessionTimeoutMs, consumerHeartbeatIntervalMs, consumerAssignors);
  }

  public static GroupCoordinatorConfig from(BrokerConfig c) {
    return new GroupCoordinatorConfig(
        c.getInt("offsets.topic.num.partitions"),
        c.getInt("offsets.topic.segment.bytes"),
        c.getInt("offsets.retention.minutes") * 60_000L,
        c.getLong("offsets.retention.check.interval.ms"),
        c.getInt("group.initial.rebalance.delay.ms"),
        c.getInt("group.min.session.timeout.ms"),
        c.getInt("group.max.session.timeout.ms"),
        c.getInt("group.max.size"),
        DEFAULT_OFFSET_METADATA_MAX_BYTES,
        c.getInt("group.consumer.session.timeout.ms"),
        c.getInt("group.consumer.heartbeat.interval.ms"),
        c.getList("group.consumer.assignors"));
  }
}
