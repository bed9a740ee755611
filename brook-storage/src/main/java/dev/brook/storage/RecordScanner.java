package dev.brook.storage;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.zip.GZIPInputStream;

/**
 * Reads record-level fields (offset delta, timestamp delta) inside one v2 batch, for timestamp
 * lookups. Record layout: length varint | attributes int8 | timestampDelta varlong | offsetDelta
 * varint | key | value | headers. Uncompressed and gzip batches are read exactly; for other codecs
 * (not available to the storage module) the batch's base offset and max timestamp are answered,
 * which is never later than the exact record.
 */
final class RecordScanner {
  private RecordScanner() {}

  /**
   * The first record in {@code batch} (positioned at its first byte) with timestamp ≥ {@code
   * timestamp} and offset ≥ {@code minOffset}, or null.
   */
  static TimestampOffset firstAtOrAfter(ByteBuffer batch, long timestamp, long minOffset) throws IOException {
    int at = batch.position();
    long base = RecordBatchHeader.baseOffset(batch, at);
    long maxTs = RecordBatchHeader.maxTimestamp(batch, at);
    if (RecordBatchHeader.isLogAppendTime(batch, at)) {
      long offset = Math.max(base, minOffset);
      return maxTs >= timestamp && offset <= RecordBatchHeader.lastOffset(batch, at) ? new TimestampOffset(maxTs, offset) : null;
    }
    ByteBuffer records;
    switch (RecordBatchHeader.compressionType(batch, at)) {
      case 0 -> records = batch.duplicate().position(at + RecordBatchHeader.SIZE).limit(at + RecordBatchHeader.sizeInBytes(batch, at)).slice();
      case 1 -> records = gunzip(batch, at);
      default -> {
        return maxTs >= timestamp ? new TimestampOffset(maxTs, Math.max(base, minOffset)) : null;
      }
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

  private static ByteBuffer gunzip(ByteBuffer batch, int at) throws IOException {
    int start = at + RecordBatchHeader.SIZE;
    int end = at + RecordBatchHeader.sizeInBytes(batch, at);
    byte[] compressed = new byte[end - start];
    batch.get(start, compressed);
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed))) {
      return ByteBuffer.wrap(in.readAllBytes());
    }
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
