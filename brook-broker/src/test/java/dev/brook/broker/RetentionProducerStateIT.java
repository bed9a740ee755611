package dev.brook.broker;

import static dev.brook.broker.PartitionTestSupport.createPartition;
import static dev.brook.broker.PartitionTestSupport.produce;
import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.network.RawClient;
import dev.brook.broker.replica.Partition;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retention moving the log start forgets the producers whose batches it deleted, as DeleteRecords does. */
class RetentionProducerStateIT {
  @TempDir Path dir;
  Broker broker;
  RawClient client;

  @AfterEach
  void stop() throws Exception {
    if (client != null) client.close();
    if (broker != null) broker.close();
  }

  private static MemoryRecords idempotent(long pid, int seq, long timestamp, String value) {
    MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(1024), RecordBatch.CURRENT_MAGIC_VALUE, Compression.NONE,
        TimestampType.CREATE_TIME, 0L, timestamp, pid, (short) 0, seq, false, RecordBatch.NO_PARTITION_LEADER_EPOCH);
    b.append(new SimpleRecord(timestamp, value.getBytes(), value.getBytes()));
    return b.build();
  }

  @Test
  void retentionEvictsProducersWhollyBelowTheNewLogStart() throws Exception {
    broker = PartitionTestSupport.start(dir, Map.of("log.retention.check.interval.ms", "50"));
    Partition p = createPartition(broker, "r", 0, Uuid.randomUuid(), Map.of("retention.ms", "600000"));
    client = new RawClient("127.0.0.1", broker.port());
    long now = System.currentTimeMillis();
    long old = now - 3_600_000;
    assertThat(Errors.forCode(produce(client, "r", 0, idempotent(1, 0, old, "a")).errorCode())).isEqualTo(Errors.NONE);
    assertThat(p.producerEntry(1)).isNotNull(); // the active segment is never deleted
    p.log().roll(); // retention may delete the old segment from now on
    assertThat(Errors.forCode(produce(client, "r", 0, idempotent(2, 0, now, "b")).errorCode())).isEqualTo(Errors.NONE);
    assertThat(Errors.forCode(produce(client, "r", 0, idempotent(2, 1, now, "c")).errorCode())).isEqualTo(Errors.NONE);

    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> p.logStartOffset() == 1);
    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> p.producerEntry(1) == null);
    assertThat(p.producerEntry(2)).isNotNull(); // its last batch is above the log start
    assertThat(p.activeProducers()).extracting(Partition.ActiveProducer::producerId).containsExactly(2L);
    assertThat(Errors.forCode(produce(client, "r", 0, idempotent(2, 2, now, "d")).errorCode())).isEqualTo(Errors.NONE);
  }
}
