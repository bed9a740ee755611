package dev.brook.storage;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads record-level fields (offset delta, timestamp delta) inside one v2 batch, for timestamp
 * lookups. Record layout: length varint | attributes int8 | timestampDelta varlong | offsetDelta
 * varint | key | value | headers. Compressed batches are read through the log's {@link
 * RecordCodec}; for a codec it does not support, the batch's base offset and max timestamp are
 * answered, which is never later than the exact record.
 */
final class RecordScanner {
  private RecordScanner() {}

  /**
   * The first record in {@code batch} (positioned at its first byte) with timestamp ≥ {@code
   * timestamp} and offset ≥ {@code minOffset}, or null.
   */
  static TimestampOffset firstAtOrAfter(ByteBuffer batch, long timestamp, long minOffset, RecordCodec codec) throws IOException {
    int at = batch.position();
    long base = RecordBatchHeader.baseOffset(batch, at);
    long maxTs = RecordBatchHeader.maxTimestamp(batch, at);
    if (RecordBatchHeader.isLogAppendTime(batch, at)) {
      long offset = Math.max(base, minOffset);
      return maxTs >= timestamp && offset <= RecordBatchHeader.lastOffset(batch, at) ? new TimestampOffset(maxTs, offset) : null;
    }
    ByteBuffer records = records(batch, at, codec);
    if (records == null) {
      return maxTs >= timestamp ? new TimestampOffset(maxTs, Math.max(base, minOffset)) : null;
    }
    long baseTs = RecordBatchHeader.baseTimestamp(batch, at);
    int count = RecordBatchHeader.recordCount(batch, at);
    for (int i = 0; i < count && records.hasRemaining(); i++) {
      int length = readVarint(records);
      int next = records.position() + length;
      records.get(); // attributes
      long ts = baseTs + readVarlong(records);
      long offset = base + readVarint(records);
      if (ts >= timestamp && offset >= minOffset) {
        return new TimestampOffset(ts, offset);
      }
      records.position(next);
    }
    return null;
  }

  /**
   * The earliest record with the largest timestamp among the records of {@code batch} (positioned
   * at its first byte) whose offset is ≥ {@code minOffset}, or null if there are none.
   */
  static TimestampOffset maxAtOrAfter(ByteBuffer batch, long minOffset, RecordCodec codec) throws IOException {
    int at = batch.position();
    long base = RecordBatchHeader.baseOffset(batch, at);
    long last = RecordBatchHeader.lastOffset(batch, at);
    long maxTs = RecordBatchHeader.maxTimestamp(batch, at);
    if (last < minOffset) {
      return null;
    }
    ByteBuffer records = RecordBatchHeader.isLogAppendTime(batch, at) ? null : records(batch, at, codec);
    if (records == null) {
      return new TimestampOffset(maxTs, Math.max(base, minOffset));
    }
    long baseTs = RecordBatchHeader.baseTimestamp(batch, at);
    int count = RecordBatchHeader.recordCount(batch, at);
    TimestampOffset best = null;
    for (int i = 0; i < count && records.hasRemaining(); i++) {
      int length = readVarint(records);
      int next = records.position() + length;
      records.get(); // attributes
      long ts = baseTs + readVarlong(records);
      long offset = base + readVarint(records);
      if (offset >= minOffset && (best == null || ts > best.timestamp())) {
        best = new TimestampOffset(ts, offset);
      }
      records.position(next);
    }
    return best;
  }

  /** The records section of the batch at {@code at}, decompressed; null if the codec cannot. */
  private static ByteBuffer records(ByteBuffer batch, int at, RecordCodec codec) throws IOException {
    ByteBuffer section = batch.duplicate().position(at + RecordBatchHeader.SIZE).limit(at + RecordBatchHeader.sizeInBytes(batch, at)).slice();
    int type = RecordBatchHeader.compressionType(batch, at);
    if (type == RecordCodec.NONE) {
      return section;
    }
    return codec.supports(type) ? codec.decompress(type, section) : null;
  }

  static int readVarint(ByteBuffer b) {
    int value = 0;
    int shift = 0;
    while (true) {
      byte x = b.get();
      value |= (x & 0x7f) << shift;
      if ((x & 0x80) == 0) {
        break;
      }
      shift += 7;
      if (shift > 28) {
        throw new IllegalArgumentException("varint too long");
      }
    }
    return (value >>> 1) ^ -(value & 1);
  }

  static long readVarlong(ByteBuffer b) {
    long value = 0;
    int shift = 0;
    while (true) {
      byte x = b.get();
      value |= (long) (x & 0x7f) << shift;
      if ((x & 0x80) == 0) {
        break;
      }
      shift += 7;
      if (shift > 63) {
        throw new IllegalArgumentException("varlong too long");
      }
    }
    return (value >>> 1) ^ -(value & 1);
  }
}
