package dev.brook.broker.replica;

import static dev.brook.broker.replica.BatchRecompressionTest.batch;
import static dev.brook.broker.replica.BatchValidatorTest.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.storage.FileSlice;
import dev.brook.storage.LogReadResult;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Appends to a partition whose topic has a compression.type: offsets, sequences, markers, config changes. */
class PartitionRecompressionTest {
  @TempDir Path dir;
  FilePartitionLog log;
  Partition partition;

  @BeforeEach
  void open() throws Exception {
    log = new FilePartitionLog(dir);
    partition = new Partition(new TopicPartition("t", 0), Uuid.randomUuid(), log, 7,
        RecordPolicy.defaults().with(Map.of("compression.type", "zstd")));
  }

  @AfterEach
  void close() throws Exception {
    log.close();
  }

  private AppendOutcome append(ByteBuffer b) {
    return partition.appendRecordsAsLeader(b, AppendOrigin.CLIENT, -1, NOW);
  }

  private static ByteBuffer idempotent(CompressionType codec, long pid, int seq, int count) {
    List<SimpleRecord> records = new ArrayList<>();
    for (int i = 0; i < count; i++) records.add(new SimpleRecord(NOW, ("k" + (seq + i)).getBytes(), ("v" + (seq + i)).getBytes()));
    return batch(Compression.of(codec).build(), pid, (short) 0, seq, false, records);
  }

  private List<RecordBatch> stored() throws Exception {
    LogReadResult r = partition.read(0, 1 << 20, FetchIsolation.LOG_END, true);
    FileSlice s = r.records();
    ByteBuffer b = ByteBuffer.allocate(s.length());
    while (b.hasRemaining()) {
      if (s.channel().read(b, s.position() + b.position()) < 0) break;
    }
    b.flip();
    List<RecordBatch> out = new ArrayList<>();
    for (RecordBatch batch : MemoryRecords.readableRecords(b).batches()) {
      batch.ensureValid();
      out.add(batch);
    }
    return out;
  }

  @Test
  void rewrittenBatchesGetConsecutiveOffsetsAndKeepTheirSequences() throws Exception {
    AppendOutcome first = append(idempotent(CompressionType.GZIP, 5, 0, 3));
    AppendOutcome second = append(idempotent(CompressionType.NONE, 5, 3, 2));
    AppendOutcome third = append(idempotent(CompressionType.ZSTD, 5, 5, 4)); // already zstd: kept as sent

    assertThat(first.error()).isEqualTo(Errors.NONE);
    assertThat(first.baseOffset()).isZero();
    assertThat(first.lastOffset()).isEqualTo(2);
    assertThat(second.baseOffset()).isEqualTo(3);
    assertThat(third.baseOffset()).isEqualTo(5);
    assertThat(partition.logEndOffset()).isEqualTo(9);

    List<RecordBatch> batches = stored();
    assertThat(batches).extracting(RecordBatch::compressionType).containsOnly(CompressionType.ZSTD);
    assertThat(batches).extracting(RecordBatch::baseOffset).containsExactly(0L, 3L, 5L);
    assertThat(batches).extracting(RecordBatch::baseSequence).containsExactly(0, 3, 5);
    assertThat(batches).extracting(RecordBatch::partitionLeaderEpoch).containsOnly(7);
    List<Long> offsets = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    for (RecordBatch b : batches) {
      for (Record r : b) {
        offsets.add(r.offset());
        byte[] k = new byte[r.keySize()];
        r.key().get(k);
        keys.add(new String(k));
      }
    }
    assertThat(offsets).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
    assertThat(keys).containsExactly("k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8");
  }

  @Test
  void retriedBatchIsADuplicateWithTheOriginalOffsetsAndAGapIsOutOfOrder() throws Exception {
    append(idempotent(CompressionType.LZ4, 5, 0, 3));
    long size = log.sizeInBytes();
    AppendOutcome dup = append(idempotent(CompressionType.LZ4, 5, 0, 3));
    assertThat(dup.error()).isEqualTo(Errors.NONE);
    assertThat(dup.baseOffset()).isZero();
    assertThat(dup.lastOffset()).isEqualTo(2);
    assertThat(log.sizeInBytes()).isEqualTo(size);
    assertThat(append(idempotent(CompressionType.LZ4, 5, 10, 1)).error()).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assertThat(append(idempotent(CompressionType.LZ4, 5, 3, 1)).baseOffset()).isEqualTo(3);
  }

  @Test
  void transactionMarkersStayUncompressedWhileTheTransactionsDataIsRewritten() throws Exception {
    List<SimpleRecord> records = List.of(new SimpleRecord(NOW, "k".getBytes(), "v".getBytes()));
    assertThat(append(batch(Compression.snappy().build(), 9, (short) 1, 0, true, records)).error()).isEqualTo(Errors.NONE);
    assertThat(partition.lastStableOffset()).isZero();
    ByteBuffer marker = MemoryRecords.withEndTransactionMarker(0L, NOW, -1, 9L, (short) 1,
        new EndTransactionMarker(ControlRecordType.COMMIT, 0)).buffer();
    assertThat(partition.appendRecordsAsLeader(marker, AppendOrigin.COORDINATOR, -1, NOW).error()).isEqualTo(Errors.NONE);
    assertThat(partition.lastStableOffset()).isEqualTo(2);

    List<RecordBatch> batches = stored();
    assertThat(batches).hasSize(2);
    assertThat(batches.get(0).compressionType()).isEqualTo(CompressionType.ZSTD);
    assertThat(batches.get(0).isTransactional()).isTrue();
    assertThat(batches.get(0).producerId()).isEqualTo(9L);
    assertThat(batches.get(1).isControlBatch()).isTrue();
    assertThat(batches.get(1).compressionType()).isEqualTo(CompressionType.NONE);
  }

  @Test
  void aConfigChangeAppliesToTheNextBatch() throws Exception {
    append(idempotent(CompressionType.GZIP, 5, 0, 1));
    partition.updateConfig(log.config(), RecordPolicy.defaults().with(Map.of("compression.type", "producer")));
    append(idempotent(CompressionType.GZIP, 5, 1, 1));
    partition.updateConfig(log.config(), RecordPolicy.defaults().with(Map.of("compression.type", "uncompressed")));
    append(idempotent(CompressionType.GZIP, 5, 2, 1));
    assertThat(stored()).extracting(RecordBatch::compressionType)
        .containsExactly(CompressionType.ZSTD, CompressionType.GZIP, CompressionType.NONE);
  }

  @Test
  void corruptBatchIsRefusedAndNothingIsWritten() throws Exception {
    ByteBuffer bad = idempotent(CompressionType.GZIP, 5, 0, 3);
    bad.put(bad.limit() - 1, (byte) (bad.get(bad.limit() - 1) ^ 1));
    assertThat(append(bad).error()).isEqualTo(Errors.CORRUPT_MESSAGE);
    assertThat(log.sizeInBytes()).isZero();
    assertThat(append(idempotent(CompressionType.GZIP, 5, 0, 3)).baseOffset()).isZero();
  }
}
