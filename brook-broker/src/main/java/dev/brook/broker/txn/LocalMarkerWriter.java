package dev.brook.broker.txn;

import dev.brook.broker.replica.AppendOrigin;
import dev.brook.broker.replica.AppendOutcome;
import dev.brook.broker.replica.Partition;
import dev.brook.broker.replica.ReplicaManager;
import dev.brook.storage.Clock;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;

/**
 * Writes transaction markers to the partitions this broker leads, as control batches appended
 * through each {@link Partition} (which ends the producer's open transaction there, moves the last
 * stable offset and records aborted transactions). Also serves WriteTxnMarkers. Thread-safe.
 */
public final class LocalMarkerWriter implements MarkerWriter {
  private final ReplicaManager replicas;
  private final Clock clock;

  public LocalMarkerWriter(ReplicaManager replicas, Clock clock) {
    this.replicas = replicas;
    this.clock = clock;
  }

  @Override
  public Map<TopicPartition, Errors> write(
      long producerId, short producerEpoch, int coordinatorEpoch, boolean commit, Collection<TopicPartition> partitions) {
    Map<TopicPartition, Errors> out = new LinkedHashMap<>();
    for (TopicPartition tp : partitions) out.put(tp, writeOne(tp, producerId, producerEpoch, coordinatorEpoch, commit));
    return out;
  }

  private Errors writeOne(TopicPartition tp, long producerId, short epoch, int coordinatorEpoch, boolean commit) {
    Optional<Partition> p = replicas.partition(tp);
    if (p.isEmpty()) return Errors.UNKNOWN_TOPIC_OR_PARTITION;
    long now = clock.milliseconds();
    MemoryRecords marker = MemoryRecords.withEndTransactionMarker(now, producerId, epoch,
        new EndTransactionMarker(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT, coordinatorEpoch));
    AppendOutcome outcome = p.get().appendRecordsAsLeader(marker.buffer(), AppendOrigin.COORDINATOR, -1, now);
    return outcome.error();
  }
}
