package dev.brook.broker.txn;

import dev.brook.broker.coordinator.CommittedAppender;
import dev.brook.broker.recordformat.LegacyRecordBoundary;
import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.Partition;
import dev.brook.storage.Clock;
import dev.brook.storage.PartitionLog;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
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
  private final CommittedAppender appender;

  /** @param timeoutMs how long an append waits for the in-sync replicas before it fails (REQUEST_TIMED_OUT) */
  public ReplicaTxnLog(LocalReplicaManager replicas, Clock clock, long timeoutMs) {
    this.replicas = replicas;
    this.appender = new CommittedAppender(replicas, clock, timeoutMs);
  }

  @Override
  public CompletableFuture<Void> append(int partition, String transactionalId, TxnRecord record) {
    SimpleRecord r = new SimpleRecord(appender.clock().milliseconds(), TxnRecordCodec.key(transactionalId),
        record == null ? null : TxnRecordCodec.value(record));
    return appender.append(new TopicPartition(TOPIC, partition), MemoryRecords.withRecords(Compression.NONE, r).buffer());
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
