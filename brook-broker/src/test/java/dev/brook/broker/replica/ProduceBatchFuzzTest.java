package dev.brook.broker.replica;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;

/**
 * Coverage-guided fuzzing of the produce-path validator (BatchValidatorFuzzTest is its seeded
 * property test): record batches built well by the real codec (any compression, idempotent or not,
 * transactional or not), then damaged anywhere, their CRC made right again or not, or arbitrary
 * bytes, under any topic compression.type (so the rewrite into another codec is fuzzed too). The
 * validator answers Valid or Invalid, never throws, leaves the buffer's position where it was, and a
 * batch it accepts (as it will be stored) is one Kafka's own reader reads completely, with the
 * records it counted.
 */
class ProduceBatchFuzzTest {
  private static final CompressionType[] CODECS = CompressionType.values();
  private static final String[] TOPIC_CODECS = {"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"};

  @FuzzTest(maxExecutions = 1_000_000, maxDuration = "60m")
  void fuzzBatches(FuzzedDataProvider data) {
    RecordPolicy policy = new RecordPolicy(data.consumeInt(0, 2_000_000), data.consumeBoolean(),
        data.consumeLong(), data.consumeLong(), 1, data.consumeBoolean())
        .with(java.util.Map.of("compression.type", TOPIC_CODECS[data.consumeInt(0, TOPIC_CODECS.length - 1)]));
    boolean fromClient = data.consumeBoolean();
    ByteBuffer records = data.consumeBoolean() ? damaged(data) : ByteBuffer.wrap(data.consumeBytes(4096));
    int position = records.position();
    BatchValidator.Outcome outcome = BatchValidator.validate(records, policy, data.consumeLong(), fromClient);
    assertThat(outcome).isNotNull();
    assertThat(records.position()).isEqualTo(position);
    if (outcome instanceof BatchValidator.Valid v) {
      int n = 0;
      for (var batch : MemoryRecords.readableRecords(v.records().duplicate()).batches()) {
        batch.ensureValid();
        for (var r : batch) n++;
      }
      assertThat(n).as("records Kafka's reader finds in an accepted batch").isEqualTo(v.recordCount());
    }
  }

  private static ByteBuffer damaged(FuzzedDataProvider data) {
    int count = data.consumeInt(1, 8);
    SimpleRecord[] rs = new SimpleRecord[count];
    for (int i = 0; i < count; i++) {
      rs[i] = new SimpleRecord(data.consumeLong(-1, Long.MAX_VALUE), data.consumeBoolean() ? null : data.consumeBytes(16),
          data.consumeBytes(64));
    }
    CompressionType codec = CODECS[data.consumeInt(0, CODECS.length - 1)];
    long producerId = data.consumeBoolean() ? RecordBatch.NO_PRODUCER_ID : data.consumeLong(0, Long.MAX_VALUE);
    boolean transactional = producerId != RecordBatch.NO_PRODUCER_ID && data.consumeBoolean();
    MemoryRecords built;
    try {
      built = MemoryRecords.withRecords(RecordBatch.MAGIC_VALUE_V2, 0L, Compression.of(codec).build(),
          org.apache.kafka.common.record.TimestampType.CREATE_TIME, producerId, (short) data.consumeInt(0, 5),
          data.consumeInt(0, 100), 0, transactional, rs);
    } catch (IllegalArgumentException builderRefused) { // the client codec's own checks, not Brook's
      return ByteBuffer.wrap(data.consumeRemainingAsBytes());
    }
    byte[] bytes = new byte[built.sizeInBytes()];
    built.buffer().duplicate().get(bytes);
    int flips = data.consumeInt(0, 4);
    for (int i = 0; i < flips && bytes.length > 0; i++) {
      bytes[data.consumeInt(0, bytes.length - 1)] = data.consumeByte();
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    if (bytes.length >= dev.brook.storage.RecordBatchHeader.SIZE && data.consumeBoolean()) {
      // Past the CRC to the records, where a damaged batch is most interesting.
      try {
        b.putInt(dev.brook.storage.RecordBatchHeader.CRC, dev.brook.storage.RecordBatchHeader.computeCrc(b, 0));
      } catch (IllegalArgumentException | IndexOutOfBoundsException lengthDamaged) {
        // the damaged length field points past the bytes: the CRC stays as it is
      }
    }
    return b;
  }
}
