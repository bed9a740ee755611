package dev.brook.broker.replica;

import dev.brook.storage.LogConfig;
import java.io.IOException;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * The partitions this broker hosts, by name and by topic id. The topic admin creates and deletes
 * them; produce, fetch, list-offsets and the coordinators find them here.
 *
 * <p>Contract used by other packages: createPartition / partition / partitions / deletePartition /
 * updateConfig / topicName(Uuid). The topic admin calls {@link #createPartition} for every
 * partition of every topic at startup (to reopen existing logs) and on creation; it is idempotent.
 * Topic-level settings that are not log settings ({@code max.message.bytes}, {@code
 * message.timestamp.*}, {@code min.insync.replicas}) come as the topic's override map; the
 * three-argument forms use the broker's defaults for them.
 *
 * <p>Thread-safe.
 */
public interface ReplicaManager extends AutoCloseable {
  /** Creates (or opens, if its log exists) a partition led by this broker. Idempotent. */
  default Partition createPartition(TopicPartition tp, Uuid topicId, LogConfig config) throws IOException {
    return createPartition(tp, topicId, config, Map.of());
  }

  /**
   * As {@link #createPartition(TopicPartition, Uuid, LogConfig)}, with the topic's config overrides
   * (Kafka topic-level key names) for the produce rules.
   */
  Partition createPartition(TopicPartition tp, Uuid topicId, LogConfig config, Map<String, String> topicOverrides)
      throws IOException;

  Optional<Partition> partition(TopicPartition tp);

  Collection<Partition> partitions();

  /** The topic name of a topic id this broker hosts, for requests that address topics by id. */
  Optional<String> topicName(Uuid topicId);

  /** Removes the partition and deletes its log. */
  void deletePartition(TopicPartition tp) throws IOException;

  /** Applies a topic config change to the partition's log. */
  default void updateConfig(TopicPartition tp, LogConfig config) {
    updateConfig(tp, config, Map.of());
  }

  /** Applies a topic config change (log settings and the topic's overrides) to the partition. */
  void updateConfig(TopicPartition tp, LogConfig config, Map<String, String> topicOverrides);

  @Override
  void close() throws IOException;
}
