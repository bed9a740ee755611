package dev.brook.broker.txn;

import dev.brook.broker.replica.AppendOrigin;
import dev.brook.broker.replica.AppendOutcome;
import dev.brook.broker.replica.DelayedProduce;
import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.Partition;
import dev.brook.storage.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
  private final LocalReplicaManager replicas;
  private final Clock clock;
  private final long timeoutMs;

  /** @param timeoutMs how long a marker waits for the in-sync replicas (then REQUEST_TIMED_OUT) */
  public LocalMarkerWriter(LocalReplicaManager replicas, Clock clock, long timeoutMs) {
    this.replicas = replicas;
    this.clock = clock;
    this.timeoutMs = timeoutMs;
  }

  @Override
  public CompletableFuture<Map<TopicPartition, Errors>> write(long producerId, short producerEpoch,
      int coordinatorEpoch, boolean commit, Collection<TopicPartition> partitions, BooleanSupplier stillNeeded) {
    Map<TopicPartition, Errors> out = new LinkedHashMap<>();
    List<TopicPartition> waiting = new ArrayList<>();
    List<DelayedProduce.Pending> pending = new ArrayList<>();
    for (TopicPartition tp : partitions) {
      Optional<Partition> p = replicas.partition(tp);
      if (p.isEmpty()) {
        out.put(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION);
        continue;
      }
      AppendOutcome o = append(p.get(), producerId, producerEpoch, coordinatorEpoch, commit);
      out.put(tp, o.error());
      if (o.error() == Errors.NONE) {
        waiting.add(tp);
        pending.add(new DelayedProduce.Pending(p.get(), o.lastOffset() + 1));
      }
    }
    if (pending.isEmpty()) return CompletableFuture.completedFuture(out);
    return DelayedProduce.park(replicas, pending, timeoutMs).thenApply(errors -> {
      for (int i = 0; i < waiting.size(); i++) out.put(waiting.get(i), errors.get(i));
      return out;
    });
  }

  private AppendOutcome append(Partition p, long producerId, short epoch, int coordinatorEpoch, boolean commit) {
    long now = clock.milliseconds();
    MemoryRecords marker = MemoryRecords.withEndTransactionMarker(now, producerId, epoch,
        new EndTransactionMarker(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT, coordinatorEpoch));
    return p.appendRecordsAsLeader(marker.buffer(), AppendOrigin.COORDINATOR, -1, now);
  }
}
