package dev.brook.broker.cluster;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.Uuid;

/**
 * Where the cluster's metadata lives: the cluster id, and the topics with their ids, partition
 * counts and config overrides. The single-node broker keeps it in a local file ({@link
 * LocalMetadataStore}); a cluster will keep it in ZooKeeper behind this same interface.
 *
 * <p>A change returns only once it is durable. Readers see a consistent snapshot; every method is
 * thread-safe. The store does not validate names or configs: the topic admin does that before it
 * writes.
 */
public interface MetadataStore extends AutoCloseable {
  String clusterId();

  /** Every topic, in name order. */
  Collection<TopicMetadata> topics();

  Optional<TopicMetadata> topic(String name);

  Optional<TopicMetadata> topic(Uuid id);

  /** Adds a new topic; fails if the name or id is taken. */
  void createTopic(TopicMetadata topic) throws IOException;

  /**
   * Adds a new topic with its replica assignment (partition index to broker ids, preferred leader
   * first). The single-node store has one broker and ignores the assignment.
   */
  default void createTopic(TopicMetadata topic, Map<Integer, List<Integer>> assignment) throws IOException {
    createTopic(topic);
  }

  /** Grows a topic to {@code grown.partitions()}, placing the added partitions as given. */
  default void addPartitions(TopicMetadata grown, Map<Integer, List<Integer>> added) throws IOException {
    updateTopic(grown);
  }

  /** Replaces an existing topic's partition count and configs (its name and id stay). */
  void updateTopic(TopicMetadata topic) throws IOException;

  /** Removes a topic; returns false if there was none of that name. */
  boolean deleteTopic(String name) throws IOException;

  @Override
  void close() throws IOException;
}
