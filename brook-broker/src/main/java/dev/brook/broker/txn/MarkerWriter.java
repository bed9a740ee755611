package dev.brook.broker.txn;

import java.util.Collection;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * Writes the COMMIT or ABORT control batch of one producer's transaction to its partitions. The
 * single node writes them in process ({@link LocalMarkerWriter}); in a cluster this seam sends
 * WriteTxnMarkers to each partition's leader.
 */
public interface MarkerWriter {
  /**
   * Writes the markers; the answer has one error per partition (NONE when written;
   * UNKNOWN_TOPIC_OR_PARTITION when the partition no longer exists, which needs no marker).
   */
  Map<TopicPartition, Errors> write(
      long producerId, short producerEpoch, int coordinatorEpoch, boolean commit, Collection<TopicPartition> partitions);
}
