package dev.brook.broker.txn;

import dev.brook.broker.recordformat.LegacyRecordBoundary;
import dev.brook.broker.replica.AppendOrigin;
import dev.brook.broker.replica.AppendOutcome;
import dev.brook.broker.replica.DelayedProduce;
import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.Partition;
import dev.brook.storage.Clock;
import dev.brook.storage.PartitionLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link TxnLog} over this broker's partitions of {@code __transaction_state}: each state change
 * is one uncompressed batch of one record, appended as leader through the partition (validated like
 * any batch) with acks=all semantics: refused (NOT_ENOUGH_REPLICAS) when the in-sync replicas are
 * fewer than the topic's min.insync.replicas ({@code transaction.state.log.min.isr}), and durable
 * only once the high watermark passes it. The append runs on the caller's thread (the
 * coordinator's); the wait for the in-sync replicas is a delayed produce, never a blocked thread.
 */
public final class ReplicaTxnLog implements TxnLog {
  private static final Logger log = LoggerFactory.getLogger(ReplicaTxnLog.class);
  public static final String TOPIC = "__transaction_state";

  private final LocalReplicaManager replicas;
  private final Clock clock;
  private final long timeoutMs;

  /** @param timeoutMs how long an append waits for the in-sync replicas before it fails (REQUEST_TIMED_OUT) */
  public ReplicaTxnLog(LocalReplicaManager replicas, Clock clock, long timeoutMs) {
    this.replicas = replicas;
    this.clock = clock;
    this.timeoutMs = timeoutMs;
  }

  @Override
  public CompletableFuture<Void> append(int partition, String transactionalId, TxnRecord record) {
    Partition p = replicas.partition(new TopicPartition(TOPIC, partition)).orElse(null);
    if (p == null) {
      return CompletableFuture.failedFuture(new NotCoordinatorException(TOPIC + "-" + partition + " is not hosted here"));
    }
    long now = clock.milliseconds();
    SimpleRecord r = new SimpleRecord(now, TxnRecordCodec.key(transactionalId),
        record == null ? null : TxnRecordCodec.value(record));
    ByteBuffer batch = MemoryRecords.withRecords(Compression.NONE, r).buffer();
    AppendOutcome outcome = p.appendRecordsAsLeader(batch, AppendOrigin.COORDINATOR, -1, now);
    if (outcome.error() != Errors.NONE) {
      return CompletableFuture.failedFuture(outcome.error().exception(
          "append to " + TOPIC + "-" + partition + " failed: " + outcome.error() + " " + outcome.message()));
    }
    return DelayedProduce.park(replicas, List.of(new DelayedProduce.Pending(p, outcome.lastOffset() + 1)), timeoutMs)
        .thenApply(errors -> {
          Errors e = errors.get(0);
          if (e != Errors.NONE) {
            throw e.exception(TOPIC + "-" + partition + " did not replicate the state of " + transactionalId + ": " + e);
          }
          return null;
        });
  }

  @Override
  public Map<String, TxnRecord> read(int partition) throws IOException {
    Map<String, TxnRecord> out = new LinkedHashMap<>();
    Partition p = replicas.partition(new TopicPartition(TOPIC, partition)).orElse(null);
    if (p == null) return out;
    PartitionLog plog = p.log();
    if (plog.logStartOffset() >= plog.logEndOffset()) return out;
    long legacyBelow = LegacyRecordBoundary.of(plog.dir()); // Brook's old value layout below it
    plog.scanBatches(plog.logStartOffset(), buffer -> {
      for (RecordBatch batch : MemoryRecords.readableRecords(buffer.duplicate()).batches()) {
        if (batch.isControlBatch()) continue;
        for (Record rec : batch) {
          if (!rec.hasKey()) continue;
          try {
            String id = TxnRecordCodec.decodeKey(rec.key());
            if (rec.hasValue()) {
              out.put(id, rec.offset() < legacyBelow
                  ? LegacyTxnRecordCodec.decodeValue(id, rec.value())
                  : TxnRecordCodec.decodeValue(id, rec.value()));
            } else {
              out.remove(id);
            }
          } catch (IllegalArgumentException e) {
            log.warn("Skipping undecodable record at offset {} of {}-{}: {}", rec.offset(), TOPIC, partition, e.getMessage());
          }
        }
      }
    });
    return out;
  }
}
