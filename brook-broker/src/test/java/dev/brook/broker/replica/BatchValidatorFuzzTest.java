package dev.brook.broker.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.brook.storage.RecordBatchHeader;
import java.nio.ByteBuffer;
import java.util.Random;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Property: whatever bytes a client sends, the validator answers (never throws), and every batch it
 * accepts is one that Kafka's own reader parses completely with the declared number of records.
 */
class BatchValidatorFuzzTest {

  @ParameterizedTest
  @EnumSource(value = CompressionType.class, names = {"NONE", "GZIP", "LZ4", "ZSTD", "SNAPPY"})
  void mutatedBatchesAreRejectedOrFullyReadable(CompressionType type) {
    mutate(type, RecordPolicy.defaults(), null);
  }

  @ParameterizedTest
  @EnumSource(value = CompressionType.class, names = {"NONE", "GZIP", "LZ4", "ZSTD", "SNAPPY"})
  void mutatedBatchesRewrittenIntoTheTopicsCodecAreRejectedOrFullyReadable(CompressionType type) {
    CompressionType target = type == CompressionType.ZSTD ? CompressionType.GZIP : CompressionType.ZSTD;
    mutate(type, RecordPolicy.defaults().with(java.util.Map.of("compression.type", target.name)), target);
  }

  /** {@code stored}: the codec every accepted batch must be stored in (null: whatever it was sent in). */
  private static void mutate(CompressionType type, RecordPolicy policy, CompressionType stored) {
    Random random = new Random(type.ordinal() * 7919L + 17);
    int accepted = 0;
    for (int iteration = 0; iteration < 400; iteration++) {
      SimpleRecord[] recs = new SimpleRecord[1 + random.nextInt(5)];
      for (int i = 0; i < recs.length; i++) {
        byte[] value = new byte[random.nextInt(40)];
        random.nextBytes(value);
        recs[i] = new SimpleRecord(BatchValidatorTest.NOW, random.nextBoolean() ? null : ("k" + i).getBytes(), value);
      }
      ByteBuffer b = BatchValidatorTest.batch(type, -1, (short) -1, -1, recs);
      int mutations = 1 + random.nextInt(3);
      for (int m = 0; m < mutations; m++) {
        int at = RecordBatchHeader.ATTRIBUTES + random.nextInt(b.limit() - RecordBatchHeader.ATTRIBUTES);
        b.put(at, (byte) random.nextInt(256));
      }
      if (random.nextInt(4) == 0) b.limit(b.limit() - random.nextInt(Math.min(10, b.limit())));
      if (b.limit() >= RecordBatchHeader.SIZE && random.nextInt(5) != 0) {
        b.putInt(RecordBatchHeader.CRC, RecordBatchHeader.computeCrc(b, 0)); // get past the CRC to the records
      }
      BatchValidator.Outcome[] outcome = new BatchValidator.Outcome[1];
      assertThatCode(() -> outcome[0] = BatchValidator.validate(b, policy, BatchValidatorTest.NOW, true))
          .doesNotThrowAnyException();
      if (outcome[0] instanceof BatchValidator.Valid v) {
        accepted++;
        ByteBuffer kept = v.records();
        assertThat(RecordBatchHeader.isCrcValid(kept, kept.position())).isTrue();
        MutableRecordBatch batch = MemoryRecords.readableRecords(kept.duplicate()).batches().iterator().next();
        batch.ensureValid();
        if (stored != null) assertThat(batch.compressionType()).isEqualTo(stored);
        int n = 0;
        for (Record r : batch) {
          assertThat(r.offset()).isEqualTo(n);
          n++;
        }
        assertThat(n).isEqualTo(v.recordCount());
      }
    }
    assertThat(accepted).as("some mutations hit bytes that do not matter").isPositive();
  }
}
