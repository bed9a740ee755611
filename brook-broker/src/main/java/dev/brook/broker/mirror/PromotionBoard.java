package dev.brook.broker.mirror;

import java.io.IOException;
import java.util.Set;
import org.apache.kafka.common.Uuid;

/**
 * Cluster mode: where the leaders of a promoting mirror topic's partitions record that they finished
 * their part of the promote (fetching stopped at a batch boundary, a leader epoch above the source's,
 * the source's open transactions aborted), so that the broker that took the promote request knows
 * when the topic may become writable. Keyed by topic id, so a topic re-created under the same name
 * starts with nothing recorded. Implementations block on the coordination service: never call them on
 * an event loop. Thread-safe.
 */
public interface PromotionBoard {
  /** Records that partition {@code partition} of topic {@code topicId} is ready for writes. */
  void partitionDone(Uuid topicId, int partition) throws IOException;

  /** The partitions of {@code topicId} recorded ready. */
  Set<Integer> donePartitions(Uuid topicId) throws IOException;

  /** Forgets what was recorded for {@code topicId} (its promote completed). */
  void clear(Uuid topicId) throws IOException;
}
