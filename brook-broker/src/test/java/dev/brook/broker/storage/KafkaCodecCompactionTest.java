package dev.brook.broker.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.storage.Clock;
import dev.brook.storage.LogConfig;
import dev.brook.storage.LogId;
import dev.brook.storage.LogManager;
import dev.brook.storage.PartitionLog;
import dev.brook.storage.RecordBatchHeader;
import dev.brook.storage.cleaner.CleanerConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The broker's codec lets the storage cleaner compact batches of every Kafka compression type. */
class KafkaCodecCompactionTest {
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(value = CompressionType.class, names = {"SNAPPY", "LZ4", "ZSTD"})
  void compactsBatchesTheBuiltInCodecCannotRead(CompressionType type) throws Exception {
    LogConfig config = LogConfig.defaults().withCleanupPolicy(true, false).withSegmentBytes(1 << 20);
    try (LogManager logs = LogManager.open(dir, config, Clock.SYSTEM,
        CleanerConfig.defaults().withDedupeBufferSize(1 << 16), KafkaRecordCodec.INSTANCE)) {
      PartitionLog log = logs.getOrCreate(new LogId("t", 0), config);
      int n = 0;
      for (int b = 0; b < 10; b++) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(4096), RecordBatch.MAGIC_VALUE_V2,
            Compression.of(type).build(), TimestampType.CREATE_TIME, 0L);
        for (int r = 0; r < 4; r++, n++) {
          builder.append(new SimpleRecord(1000L, ("k" + (n % 3)).getBytes(StandardCharsets.UTF_8),
              ("v" + n).getBytes(StandardCharsets.UTF_8)));
        }
        log.appendAsLeader(builder.build().buffer(), 0);
      }
      log.roll();
      log.updateHighWatermark(log.logEndOffset());

      assertThat(logs.cleaner().cleanOnce()).isNotNull();

      List<String> kept = new ArrayList<>();
      log.scanBatches(0, buf -> {
        assertThat(RecordBatchHeader.compressionType(buf, 0)).isEqualTo(type.id);
        ByteBuffer copy = ByteBuffer.allocate(buf.remaining()).put(buf.duplicate()).flip();
        for (RecordBatch batch : MemoryRecords.readableRecords(copy).batches()) {
          batch.ensureValid();
          for (Record r : batch) {
            kept.add(r.offset() + ":" + StandardCharsets.UTF_8.decode(r.value()));
          }
        }
      });
      assertThat(kept).containsExactly("37:v37", "38:v38", "39:v39");
    }
  }
}
