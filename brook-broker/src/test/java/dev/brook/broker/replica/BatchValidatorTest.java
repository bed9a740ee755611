package dev.brook.broker.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.replica.BatchValidator.Invalid;
import dev.brook.broker.replica.BatchValidator.Outcome;
import dev.brook.broker.replica.BatchValidator.Valid;
import dev.brook.storage.RecordBatchHeader;
import java.nio.ByteBuffer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class BatchValidatorTest {
  static final long NOW = 1_700_000_000_000L;
  static final RecordPolicy POLICY = RecordPolicy.defaults();

  static ByteBuffer batch(CompressionType compression, long pid, short epoch, int seq, SimpleRecord... records) {
    ByteBuffer buf = ByteBuffer.allocate(1024 + records.length * 200);
    MemoryRecordsBuilder b = MemoryRecords.builder(buf, RecordBatch.CURRENT_MAGIC_VALUE, Compression.of(compression).build(),
        TimestampType.CREATE_TIME, 0L, NOW, pid, epoch, seq, false, RecordBatch.NO_PARTITION_LEADER_EPOCH);
    for (SimpleRecord r : records) b.append(r);
    return b.build().buffer();
  }

  static ByteBuffer batch(SimpleRecord... records) {
    return batch(CompressionType.NONE, -1, (short) -1, -1, records);
  }

  static SimpleRecord rec(String key, String value) {
    return new SimpleRecord(NOW, key == null ? null : key.getBytes(), value.getBytes());
  }

  static Outcome validate(ByteBuffer b) {
    return BatchValidator.validate(b, POLICY, NOW, true);
  }

  static Invalid invalid(Outcome o, Errors e) {
    assertThat(o).isInstanceOf(Invalid.class);
    Invalid i = (Invalid) o;
    assertThat(i.error()).as(i.message()).isEqualTo(e);
    return i;
  }

  static void fixCrc(ByteBuffer b) {
    b.putInt(RecordBatchHeader.CRC, RecordBatchHeader.computeCrc(b, 0));
  }

  @Test
  void validBatchIsAcceptedAndDescribed() {
    ByteBuffer b = batch(CompressionType.NONE, 7, (short) 2, 10, rec("a", "1"), rec("b", "2"), rec(null, "3"));
    Valid v = (Valid) validate(b);
    assertThat(v.recordCount()).isEqualTo(3);
    assertThat(v.producerId()).isEqualTo(7);
    assertThat(v.baseSequence()).isEqualTo(10);
    assertThat(v.lastSequence()).isEqualTo(12);
    assertThat(v.maxTimestamp()).isEqualTo(NOW);
    assertThat(v.logAppendTime()).isEqualTo(-1);
    assertThat(RecordBatchHeader.isCrcValid(b, 0)).isTrue();
  }

  @ParameterizedTest
  @EnumSource(value = CompressionType.class, names = {"GZIP", "SNAPPY", "LZ4", "ZSTD"})
  void compressedBatchesAreValidatedAndKeptAsSent(CompressionType type) {
    ByteBuffer b = batch(type, -1, (short) -1, -1, rec("a", "x".repeat(100)), rec("b", "y".repeat(100)));
    ByteBuffer copy = ByteBuffer.allocate(b.remaining()).put(b.duplicate()).flip();
    Valid v = (Valid) validate(b);
    assertThat(v.recordCount()).isEqualTo(2);
    assertThat(b).isEqualTo(copy);
  }

  @ParameterizedTest
  @EnumSource(value = CompressionType.class, names = {"NONE", "GZIP", "SNAPPY", "LZ4", "ZSTD"})
  void timestampOutOfRangeIsInvalidTimestampWithRecordErrors(CompressionType type) {
    ByteBuffer b = batch(type, -1, (short) -1, -1, rec("a", "1"), new SimpleRecord(NOW + 7_200_000L, "k".getBytes(), "v".getBytes()));
    Invalid i = invalid(validate(b), Errors.INVALID_TIMESTAMP);
    assertThat(i.recordFaults()).extracting(BatchValidator.RecordFault::batchIndex).containsExactly(1);
  }

  @Test
  void timestampTooOldIsRejectedWhenBeforeMaxIsSet() {
    RecordPolicy p = POLICY.with(java.util.Map.of("message.timestamp.before.max.ms", "1000"));
    ByteBuffer b = batch(new SimpleRecord(NOW - 5000, "k".getBytes(), "v".getBytes()));
    invalid(BatchValidator.validate(b, p, NOW, true), Errors.INVALID_TIMESTAMP);
  }

  @Test
  void logAppendTimeRewritesHeaderAndCrc() {
    RecordPolicy p = POLICY.with(java.util.Map.of("message.timestamp.type", "LogAppendTime"));
    ByteBuffer b = batch(new SimpleRecord(5, "k".getBytes(), "v".getBytes()));
    Valid v = (Valid) BatchValidator.validate(b, p, NOW, true);
    assertThat(v.logAppendTime()).isEqualTo(NOW);
    assertThat(RecordBatchHeader.isLogAppendTime(b, 0)).isTrue();
    assertThat(RecordBatchHeader.maxTimestamp(b, 0)).isEqualTo(NOW);
    assertThat(RecordBatchHeader.isCrcValid(b, 0)).isTrue();
    MemoryRecords.readableRecords(b).batches().forEach(RecordBatch::ensureValid);
  }

  @Test
  void wrongMaxTimestampInHeaderIsCorrected() {
    ByteBuffer b = batch(rec("a", "1"));
    b.putLong(RecordBatchHeader.MAX_TIMESTAMP, NOW - 100);
    fixCrc(b);
    validate(b);
    assertThat(RecordBatchHeader.maxTimestamp(b, 0)).isEqualTo(NOW);
    assertThat(RecordBatchHeader.isCrcValid(b, 0)).isTrue();
  }

  @Test
  void emptyRecordsAreInvalidRecord() {
    invalid(validate(ByteBuffer.allocate(0)), Errors.INVALID_RECORD);
  }

  @Test
  void truncatedHeaderIsCorruptMessage() {
    ByteBuffer b = batch(rec("a", "1"));
    b.limit(40);
    invalid(validate(b), Errors.CORRUPT_MESSAGE);
  }

  @Test
  void truncatedBatchIsCorruptMessage() {
    ByteBuffer b = batch(rec("a", "1"));
    b.limit(b.limit() - 1);
    invalid(validate(b), Errors.CORRUPT_MESSAGE);
  }

  @Test
  void oldMagicIsInvalidRecord() {
    ByteBuffer b = batch(rec("a", "1"));
    b.put(RecordBatchHeader.MAGIC, (byte) 1);
    invalid(validate(b), Errors.INVALID_RECORD);
  }

  @Test
  void twoBatchesInOnePartitionAreInvalidRecord() {
    ByteBuffer one = batch(rec("a", "1"));
    ByteBuffer two = ByteBuffer.allocate(one.remaining() * 2).put(one.duplicate()).put(one.duplicate()).flip();
    invalid(validate(two), Errors.INVALID_RECORD);
  }

  @Test
  void batchLargerThanMaxMessageBytesIsMessageTooLarge() {
    RecordPolicy p = POLICY.with(java.util.Map.of("max.message.bytes", "100"));
    ByteBuffer b = batch(rec("a", "x".repeat(200)));
    invalid(BatchValidator.validate(b, p, NOW, true), Errors.MESSAGE_TOO_LARGE);
  }

  @Test
  void crcMismatchIsCorruptMessage() {
    ByteBuffer b = batch(rec("a", "hello"));
    int last = b.limit() - 2;
    b.put(last, (byte) (b.get(last) ^ 0x55));
    invalid(validate(b), Errors.CORRUPT_MESSAGE);
  }

  @Test
  void nonZeroBaseOffsetFromClientIsInvalidRecord() {
    ByteBuffer b = batch(rec("a", "1"));
    b.putLong(0, 42);
    invalid(validate(b), Errors.INVALID_RECORD);
  }

  @Test
  void controlBatchFromClientIsInvalidRecord() {
    ByteBuffer b = batch(CompressionType.NONE, 5, (short) 0, 0, rec("a", "1"));
    b.putShort(RecordBatchHeader.ATTRIBUTES, (short) (RecordBatchHeader.attributes(b, 0) | RecordBatchHeader.CONTROL_MASK));
    fixCrc(b);
    invalid(validate(b), Errors.INVALID_RECORD);
  }

  @Test
  void producerIdWithoutSequenceIsInvalidRecord() {
    ByteBuffer b = batch(CompressionType.NONE, 5, (short) 0, 0, rec("a", "1"));
    b.putInt(RecordBatchHeader.BASE_SEQUENCE, -1);
    fixCrc(b);
    invalid(validate(b), Errors.INVALID_RECORD);
  }

  @Test
  void recordCountNotMatchingOffsetRangeIsInvalidRecord() {
    ByteBuffer b = batch(rec("a", "1"), rec("b", "2"));
    b.putInt(RecordBatchHeader.RECORD_COUNT, 3);
    fixCrc(b);
    invalid(validate(b), Errors.INVALID_RECORD);
  }

  @Test
  void fewerRecordsThanDeclaredIsInvalidRecord() {
    ByteBuffer b = batch(rec("a", "1"), rec("b", "2"));
    b.putInt(RecordBatchHeader.RECORD_COUNT, 3);
    b.putInt(RecordBatchHeader.LAST_OFFSET_DELTA, 2);
    fixCrc(b);
    invalid(validate(b), Errors.INVALID_RECORD);
  }

  @Test
  void wrongOffsetDeltaIsInvalidRecordWithItsIndex() {
    ByteBuffer b = batch(rec("a", "1"), rec("b", "2"));
    // second record: length varint, attributes, timestampDelta (0), offsetDelta (1 -> zigzag 2)
    int first = RecordBatchHeader.SIZE;
    int firstLen = b.get(first) >> 1; // small records: one-byte varint
    int second = first + 1 + firstLen;
    assertThat(b.get(second + 3)).isEqualTo((byte) 2);
    b.put(second + 3, (byte) 4);
    fixCrc(b);
    Invalid i = invalid(validate(b), Errors.INVALID_RECORD);
    assertThat(i.recordFaults()).extracting(BatchValidator.RecordFault::batchIndex).containsExactly(1);
  }

  @Test
  void recordLengthPastBatchEndIsInvalidRecord() {
    ByteBuffer b = batch(rec("a", "1"));
    b.put(RecordBatchHeader.SIZE, (byte) 100); // length varint 50
    fixCrc(b);
    invalid(validate(b), Errors.INVALID_RECORD);
  }

  @Test
  void compactedTopicNeedsKeys() {
    RecordPolicy p = POLICY.with(java.util.Map.of("cleanup.policy", "compact"));
    Invalid i = invalid(BatchValidator.validate(batch(rec("a", "1"), rec(null, "2")), p, NOW, true), Errors.INVALID_RECORD);
    assertThat(i.recordFaults()).extracting(BatchValidator.RecordFault::batchIndex).containsExactly(1);
  }

  @Test
  void sequencesWrap() {
    assertThat(BatchValidator.incrementSequence(Integer.MAX_VALUE, 1)).isZero();
    assertThat(BatchValidator.incrementSequence(Integer.MAX_VALUE - 1, 3)).isEqualTo(1);
    assertThat(BatchValidator.incrementSequence(5, 3)).isEqualTo(8);
  }
}
