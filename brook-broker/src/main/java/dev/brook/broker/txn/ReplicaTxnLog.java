package dev.brook.broker.txn;

import dev.brook.broker.replica.AppendOrigin;
import dev.brook.broker.replica.AppendOutcome;
import dev.brook.broker.replica.Partition;
import dev.brook.broker.replica.ReplicaManager;
import dev.brook.storage.Clock;
import dev.brook.storage.PartitionLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
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
 * any batch).
 */
public final class ReplicaTxnLog implements TxnLog {
  private static final Logger log = LoggerFactory.getLogger(ReplicaTxnLog.class);
  public static final String TOPIC = "__transaction_state";

  private final ReplicaManager replicas;
  private final Clock clock;

  public ReplicaTxnLog(ReplicaManager replicas, Clock clock) {
    this.replicas = replicas;
    this.clock = clock;
  }

  @Override
  public void append(int partition, String transactionalId, TxnRecord record) throws IOException {
    Partition p = replicas.partition(new TopicPartition(TOPIC, partition))
        .orElseThrow(() -> new NotCoordinatorException(TOPIC + "-" + partition + " is not hosted here"));
    long now = clock.milliseconds();
    SimpleRecord r = new SimpleRecord(now, TxnRecordCodec.key(transactionalId),
        record == null ? null : TxnRecordCodec.value(record));
    ByteBuffer batch = MemoryRecords.withRecords(Compression.NONE, r).buffer();
    AppendOutcome outcome = p.appendRecordsAsLeader(batch, AppendOrigin.COORDINATOR, -1, now);
    if (outcome.error() != Errors.NONE) {
      throw new IOException("append to " + TOPIC + "-" + partition + " failed: " + outcome.error() + " " + outcome.message());
    }
  }

  @Override
  public Map<String, TxnRecord> read(int partition) throws IOException {
    Map<String, TxnRecord> out = new LinkedHashMap<>();
    Partition p = replicas.partition(new TopicPartition(TOPIC, partition)).orElse(null);
    if (p == null) return out;
    PartitionLog plog = p.log();
    if (plog.logStartOffset() >= plog.logEndOffset()) return out;
    plog.scanBatches(plog.logStartOffset(), buffer -> {
      for (RecordBatch batch : MemoryRecords.readableRecords(buffer.duplicate()).batches()) {
        if (batch.isControlBatch()) continue;
        for (Record rec : batch) {
          if (!rec.hasKey()) continue;
          try {
            String id = TxnRecordCodec.decodeKey(rec.key());
            if (rec.hasValue()) {
              out.put(id, TxnRecordCodec.decodeValue(id, rec.value()));
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
