package dev.brook.broker.replica;

import dev.brook.storage.LogConfig;
import java.io.IOException;
import java.util.Collection;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * The partitions this broker hosts, by name and by topic id. The topic admin creates and deletes
 * them; produce, fetch, list-offsets and the coordinators find them here.
 *
 * <p>SKELETON: the replica helper owns this class. Contract used by other packages:
 * createPartition / partition / partitions / deletePartition / updateConfig / topicName(Uuid).
 */
public interface ReplicaManager extends AutoCloseable {
  /** Creates (or opens, if its log exists) a partition led by this broker. Idempotent. */
  Partition createPartition(TopicPartition tp, Uuid topicId, LogConfig config) throws IOException;

  Optional<Partition> partition(TopicPartition tp);

  Collection<Partition> partitions();

  /** The topic name of a topic id this broker hosts, for requests that address topics by id. */
  Optional<String> topicName(Uuid topicId);

  /** Removes the partition and deletes its log. */
  void deletePartition(TopicPartition tp) throws IOException;

  /** Applies a topic config change to the partition's log. */
  void updateConfig(TopicPartition tp, LogConfig config);

  @Override
  void close() throws IOException;
}
