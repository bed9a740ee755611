package dev.brook.broker.txn;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * Writes the COMMIT or ABORT control batch of one producer's transaction to its partitions. {@link
 * LocalMarkerWriter} writes to the partitions this broker leads (and serves WriteTxnMarkers);
 * {@link ClusterMarkerWriter} also sends WriteTxnMarkers to the leaders of the others. Never blocks
 * the caller on replication or on other brokers: the answer is a future.
 */
public interface MarkerWriter {
  /**
   * Writes the markers. The future completes with one error per partition: NONE when written and
   * replicated; UNKNOWN_TOPIC_OR_PARTITION when the partition no longer exists (no marker is
   * needed); any other error when it was not written. A writer that retries stops when {@code
   * stillNeeded} turns false (the coordinator lost its epoch), answering NOT_COORDINATOR for the
   * partitions not yet written.
   */
  CompletableFuture<Map<TopicPartition, Errors>> write(long producerId, short producerEpoch, int coordinatorEpoch,
      boolean commit, Collection<TopicPartition> partitions, BooleanSupplier stillNeeded);
}
