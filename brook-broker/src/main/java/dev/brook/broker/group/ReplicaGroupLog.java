package dev.brook.broker.group;

import dev.brook.broker.recordformat.LegacyRecordBoundary;
import dev.brook.broker.replica.AppendOrigin;
import dev.brook.broker.replica.AppendOutcome;
import dev.brook.broker.replica.DelayedProduce;
import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.Partition;
import dev.brook.broker.replica.ReplicaManager;
import dev.brook.storage.Clock;
import dev.brook.storage.PartitionLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link GroupLog} over the partitions of the __consumer_offsets topic hosted by this broker.
 * Each append is one uncompressed v2 batch (so a commit is all-or-nothing) appended through the
 * partition as the coordinator's own write, which advances the high watermark and wakes fetches.
 *
 * <p>On a single node an append is durable once written (the ISR is this broker). In a cluster it
 * is acknowledged as an acks=all produce is, as Kafka does for this topic: once the high watermark
 * passes it (every in-sync replica has it), so a committed offset survives the loss of the
 * coordinator's broker; a leader change or the commit timeout fails it instead.
 */
public final class ReplicaGroupLog implements GroupLog {
  private static final Logger log = LoggerFactory.getLogger(ReplicaGroupLog.class);

  public static final String TOPIC = "__consumer_offsets";

  private final ReplicaManager replicas;
  private final Clock clock;
  /** Cluster mode: where appends wait for the in-sync replicas; null on a single node. */
  private final LocalReplicaManager replicated;
  private final long commitTimeoutMs;

  /** Single node: appends are durable once in the local log. */
  public ReplicaGroupLog(ReplicaManager replicas, Clock clock) {
    this(replicas, clock, null, 0);
  }

  /**
   * Cluster mode: appends complete once replicated to the ISR, or fail after {@code
   * commitTimeoutMs} (offsets.commit.timeout.ms).
   */
  public ReplicaGroupLog(LocalReplicaManager replicas, Clock clock, long commitTimeoutMs) {
    this(replicas, clock, replicas, commitTimeoutMs);
  }

  private ReplicaGroupLog(ReplicaManager replicas, Clock clock, LocalReplicaManager replicated, long commitTimeoutMs) {
    this.replicas = replicas;
    this.clock = clock;
    this.replicated = replicated;
    this.commitTimeoutMs = commitTimeoutMs;
  }

  @Override
  public CompletableFuture<Void> append(int partition, List<GroupRecord> records) {
    long now = clock.milliseconds();
    return appendBatch(partition, MemoryRecords.withRecords(Compression.NONE, simple(records, now)).buffer(), now);
  }

  /**
   * The batch is at sequence 0, as Kafka's coordinator writes it: for a coordinator write the
   * partition checks only the producer's epoch, not the sequence.
   */
  @Override
  public CompletableFuture<Void> appendTransactional(
      int partition, long producerId, short producerEpoch, List<GroupRecord> records) {
    long now = clock.milliseconds();
    ByteBuffer batch = MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, producerEpoch,
        0, simple(records, now)).buffer();
    return appendBatch(partition, batch, now);
  }

  private static SimpleRecord[] simple(List<GroupRecord> records, long now) {
    SimpleRecord[] simple = new SimpleRecord[records.size()];
    for (int i = 0; i < simple.length; i++) {
      GroupRecord r = records.get(i);
      simple[i] = new SimpleRecord(now, GroupRecordCodec.key(r), GroupRecordCodec.value(r));
    }
    return simple;
  }

  private CompletableFuture<Void> appendBatch(int partition, ByteBuffer batch, long now) {
    Partition p = replicas.partition(new TopicPartition(TOPIC, partition)).orElse(null);
    if (p == null) {
      return CompletableFuture.failedFuture(new NotCoordinatorException(TOPIC + "-" + partition + " is not hosted here"));
    }
    int acks = replicated == null ? 1 : -1;
    AppendOutcome outcome = p.appendRecordsAsLeader(batch, AppendOrigin.COORDINATOR, acks, now);
    if (outcome.error() != Errors.NONE) {
      log.warn("Append to {}-{} failed: {} {}", TOPIC, partition, outcome.error(), outcome.message());
      return CompletableFuture.failedFuture(outcome.error().exception(outcome.message()));
    }
    if (replicated == null) return CompletableFuture.completedFuture(null);
    return DelayedProduce.park(replicated, List.of(new DelayedProduce.Pending(p, outcome.lastOffset() + 1)), commitTimeoutMs)
        .thenCompose(errors -> {
          Errors e = errors.get(0);
          if (e == Errors.NONE) return CompletableFuture.<Void>completedFuture(null);
          log.debug("Append to {}-{} not replicated: {}", TOPIC, partition, e);
          return CompletableFuture.<Void>failedFuture(e.exception());
        });
  }

  @Override
  public List<GroupRecord> read(int partition) throws IOException {
    Partition p = replicas.partition(new TopicPartition(TOPIC, partition)).orElse(null);
    List<GroupRecord> out = new ArrayList<>();
    if (p == null) return out;
    PartitionLog plog = p.log();
    long legacyBelow = LegacyRecordBoundary.of(plog.dir()); // Brook's old value layout below it
    plog.scanBatches(
        plog.logStartOffset(),
        buffer -> {
          for (RecordBatch batch : MemoryRecords.readableRecords(buffer.duplicate()).batches()) {
            if (batch.isControlBatch()) {
              if (batch.hasProducerId()) marker(batch).ifPresent(out::add);
              continue;
            }
            for (Record r : batch) {
              if (!r.hasKey()) continue;
              try {
                GroupRecord g = r.offset() < legacyBelow
                    ? LegacyGroupRecordCodec.decode(r.key(), r.hasValue() ? r.value() : null)
                    : GroupRecordCodec.decode(r.key(), r.hasValue() ? r.value() : null);
                if (batch.isTransactional() && g instanceof GroupRecord.OffsetRecord o) {
                  g = new GroupRecord.TransactionalOffsetRecord(batch.producerId(), o);
                }
                out.add(g);
              } catch (IllegalArgumentException e) {
                log.warn("Skipping undecodable record at offset {} of {}-{}: {}", r.offset(), TOPIC, partition, e.getMessage());
              }
            }
          }
        });
    return out;
  }

  private static java.util.Optional<GroupRecord> marker(RecordBatch batch) {
    for (Record r : batch) {
      ControlRecordType type = ControlRecordType.parse(r.key());
      if (type == ControlRecordType.COMMIT || type == ControlRecordType.ABORT) {
        return java.util.Optional.of(new GroupRecord.TxnMarker(batch.producerId(), type == ControlRecordType.COMMIT, r.offset()));
      }
    }
    return java.util.Optional.empty();
  }
}
