package dev.brook.broker.admin;

import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.Uuid;

/**
 * What other areas of the broker need from the topic metadata: the group and transaction
 * coordinators create their internal topics through it, and look up partition counts.
 *
 * <p>CONTRACT shared between areas; {@link TopicManager} implements it (MetadataStore-backed).
 * Topics created here are persisted like any other, with replication factor 1 on a single node;
 * {@code ensureTopic} does disk I/O and must not be called on a network event loop.
 */
public interface TopicAdmin {
  /**
   * Creates the topic if it does not exist (with the given partition count and topic configs,
   * persisted like any topic) and returns its id. Existing topics are returned as they are.
   */
  Uuid ensureTopic(String name, int partitions, Map<String, String> configs) throws Exception;

  /**
   * As {@link #ensureTopic(String, int, Map)}, with {@code replicationFactor} replicas in a cluster
   * (a single node has one): fails (INVALID_REPLICATION_FACTOR) while fewer brokers are live, as
   * Kafka does for its internal topics (offsets.topic.replication.factor). Implementations without
   * a cluster ignore the factor.
   */
  default Uuid ensureTopic(String name, int partitions, int replicationFactor, Map<String, String> configs)
      throws Exception {
    return ensureTopic(name, partitions, configs);
  }

  /**
   * As {@link #ensureTopic(String, int, int, Map)}, making partition {@code firstPartition} before
   * the others where this broker makes them: a coordinator waiting for one key's partition has it
   * first. Implementations that cannot order the creation ignore it.
   */
  default Uuid ensureTopic(String name, int partitions, int replicationFactor, Map<String, String> configs,
      int firstPartition) throws Exception {
    return ensureTopic(name, partitions, replicationFactor, configs);
  }

  /** The number of partitions of an existing topic. */
  Optional<Integer> partitionCount(String topic);

  /** The id of an existing topic. */
  Optional<Uuid> topicId(String topic);
}
