package dev.brook.broker.cluster;

import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.Uuid;

/**
 * What the cluster knows about one topic: its name, its id (fixed at birth, never reused), its
 * partition count (only grows) and its topic-level config overrides (the keys of {@code
 * TopicConfigs}; absent keys take the broker's defaults). Immutable.
 */
public record TopicMetadata(String name, Uuid id, int partitions, Map<String, String> configs) {
  public TopicMetadata {
    if (partitions < 1) throw new IllegalArgumentException("partitions must be positive: " + partitions);
    configs = Map.copyOf(new TreeMap<>(configs));
  }

  public TopicMetadata withPartitions(int count) {
    return new TopicMetadata(name, id, count, configs);
  }

  public TopicMetadata withConfigs(Map<String, String> overrides) {
    return new TopicMetadata(name, id, partitions, overrides);
  }
}
