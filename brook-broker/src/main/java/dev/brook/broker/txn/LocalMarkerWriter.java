package dev.brook.broker.txn;

import java.nio.ByteBuffer;
import dev.brook.broker.coordinator.CommittedAppender;
import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.storage.Clock;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;

/**
 * Writes transaction markers to the partitions this broker leads, as control batches appended
 * through each {@link Partition} (which ends the producer's open transaction there, moves the last
 * stable offset and records aborted transactions), with acks=all semantics: a marker counts as
 * written once the partition's high watermark passes it. Partitions not hosted here answer
 * UNKNOWN_TOPIC_OR_PARTITION, hosted but not led NOT_LEADER_OR_FOLLOWER. Serves WriteTxnMarkers and
 * the coordinator's own partitions. The appends run on the caller's thread (short, local); the wait
 * for the in-sync replicas is a delayed produce. Thread-safe.
 */
public final class LocalMarkerWriter implements MarkerWriter {
  private final CommittedAppender appender;

  /** @param timeoutMs how long a marker waits for the in-sync replicas (then REQUEST_TIMED_OUT) */
  public LocalMarkerWriter(LocalReplicaManager replicas, Clock clock, long timeoutMs) {
    this.appender = new CommittedAppender(replicas, clock, timeoutMs);
  }

  @Override
  public CompletableFuture<Map<TopicPartition, Errors>> write(long producerId, short producerEpoch,
      int coordinatorEpoch, boolean commit, Collection<TopicPartition> partitions, BooleanSupplier stillNeeded) {
    Map<TopicPartition, ByteBuffer> batches = new LinkedHashMap<>();
    long now = appender.clock().milliseconds();
    EndTransactionMarker marker =
        new EndTransactionMarker(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT, coordinatorEpoch);
    for (TopicPartition tp : partitions) {
      batches.put(tp, MemoryRecords.withEndTransactionMarker(now, producerId, producerEpoch, marker).buffer());
    }
    return appender.appendAll(batches);
  }
}
