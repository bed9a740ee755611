package dev.brook.broker.group;

import dev.brook.broker.replica.AppendOrigin;
import dev.brook.broker.replica.AppendOutcome;
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
 */
public final class ReplicaGroupLog implements GroupLog {
  private static final Logger log = LoggerFactory.getLogger(ReplicaGroupLog.class);

  public static final String TOPIC = "__consumer_offsets";

  private final ReplicaManager replicas;
  private final Clock clock;

  public ReplicaGroupLog(ReplicaManager replicas, Clock clock) {
    this.replicas = replicas;
    this.clock = clock;
  }

  @Override
  public CompletableFuture<Void> append(int partition, List<GroupRecord> records) {
    Partition p = replicas.partition(new TopicPartition(TOPIC, partition)).orElse(null);
    if (p == null) {
      return CompletableFuture.failedFuture(new NotCoordinatorException(TOPIC + "-" + partition + " is not hosted here"));
    }
    long now = clock.milliseconds();
    SimpleRecord[] simple = new SimpleRecord[records.size()];
    for (int i = 0; i < simple.length; i++) {
      GroupRecord r = records.get(i);
      simple[i] = new SimpleRecord(now, GroupRecordCodec.key(r), GroupRecordCodec.value(r));
    }
    ByteBuffer batch = MemoryRecords.withRecords(Compression.NONE, simple).buffer();
    // acks=1: the coordinator's own writes on a single node; waiting for the ISR comes with replication.
    AppendOutcome outcome = p.appendRecordsAsLeader(batch, AppendOrigin.COORDINATOR, 1, now);
    if (outcome.error() != Errors.NONE) {
      log.warn("Append to {}-{} failed: {} {}", TOPIC, partition, outcome.error(), outcome.message());
      return CompletableFuture.failedFuture(outcome.error().exception(outcome.message()));
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public List<GroupRecord> read(int partition) throws IOException {
    Partition p = replicas.partition(new TopicPartition(TOPIC, partition)).orElse(null);
    List<GroupRecord> out = new ArrayList<>();
    if (p == null) return out;
    PartitionLog plog = p.log();
    plog.scanBatches(
        plog.logStartOffset(),
        buffer -> {
          for (RecordBatch batch : MemoryRecords.readableRecords(buffer.duplicate()).batches()) {
            if (batch.isControlBatch()) continue;
            for (Record r : batch) {
              if (!r.hasKey()) continue;
              try {
                out.add(GroupRecordCodec.decode(r.key(), r.hasValue() ? r.value() : null));
              } catch (IllegalArgumentException e) {
                log.warn("Skipping undecodable record at offset {} of {}-{}: {}", r.offset(), TOPIC, partition, e.getMessage());
              }
            }
          }
        });
    return out;
  }
}
