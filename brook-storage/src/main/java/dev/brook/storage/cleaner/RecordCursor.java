package dev.brook.storage.cleaner;

import java.nio.ByteBuffer;

/**
 * A reusable flyweight that walks the records of a Kafka v2 record batch's (uncompressed) records
 * section, allocating nothing. Each record is laid out as: length varint | attributes int8 |
 * timestampDelta varlong | offsetDelta varint | keyLength varint | key | valueLength varint | value
 * | headerCount varint | headers (keyLength varint, key, valueLength varint, value)... Varints are
 * zig-zag encoded, as in protobuf. A key or value length of -1 means null; a null value is a
 * tombstone.
 *
 * <p>Positions returned ({@link #keyPosition}, {@link #valuePosition}, {@link #recordPosition}) are
 * absolute positions in the buffer given to {@link #reset}. Malformed input raises {@link
 * CorruptRecordException}, never an out-of-bounds read past {@code to}.
 *
 * <p>Not thread-safe: one cursor per thread.
 */
public final class RecordCursor {
  private ByteBuffer buf;
  private int pos;
  private int to;
  private int remaining;

  private int recordPosition;
  private int recordSize;
  private byte attributes;
  private long timestampDelta;
  private int offsetDeltaPosition;
  private int offsetDelta;
  private int keyPosition;
  private int keyLength;
  private int valuePosition;
  private int valueLength;
  private int headerCount;

  /**
   * Points the cursor at {@code count} records stored in {@code records} between absolute positions
   * {@code from} (inclusive) and {@code to} (exclusive). The buffer's own position is not used.
   */
  public RecordCursor reset(ByteBuffer records, int from, int to, int count) {
    if (from < 0 || to > records.limit() || from > to || count < 0) {
      throw new CorruptRecordException("bad records range " + from + ".." + to + " count " + count);
    }
    this.buf = records;
    this.pos = from;
    this.to = to;
    this.remaining = count;
    return this;
  }

  /** Moves to the next record; false when all {@code count} records were read. */
  public boolean next() {
    if (remaining == 0) {
      return false;
    }
    remaining--;
    recordPosition = pos;
    int length = readVarint();
    int bodyStart = pos;
    if (length < 0 || length > to - bodyStart) {
      throw new CorruptRecordException("record length " + length + " exceeds the batch at " + recordPosition);
    }
    int end = bodyStart + length;
    int savedTo = to;
    to = end; // a record's fields may not run past its own length
    attributes = readByte();
    timestampDelta = readVarlong();
    offsetDeltaPosition = pos;
    offsetDelta = readVarint();
    keyLength = readVarint();
    keyPosition = pos;
    skipBytes(keyLength);
    valueLength = readVarint();
    valuePosition = pos;
    skipBytes(valueLength);
    headerCount = readVarint();
    if (headerCount < 0) {
      throw new CorruptRecordException("negative header count at " + recordPosition);
    }
    for (int i = 0; i < headerCount; i++) {
      int hk = readVarint();
      if (hk < 0) {
        throw new CorruptRecordException("null header key at " + recordPosition);
      }
      skipBytes(hk);
      skipBytes(readVarint());
    }
    if (pos != end) {
      throw new CorruptRecordException("record at " + recordPosition + " has " + (end - pos) + " stray bytes");
    }
    to = savedTo;
    recordSize = end - recordPosition;
    return true;
  }

  /** True if the records section has bytes left after the last counted record. */
  public boolean hasTrailingBytes() {
    return remaining == 0 && pos != to;
  }

  public int recordPosition() {
    return recordPosition;
  }

  /** Size of the whole record including its length prefix. */
  public int recordSize() {
    return recordSize;
  }

  public byte attributes() {
    return attributes;
  }

  public long timestampDelta() {
    return timestampDelta;
  }

  /**
   * Where the record's offsetDelta field starts: everything from here to the record's end is
   * relative to nothing but the batch's base offset, so it can be copied unchanged when only the
   * timestamp delta must be re-encoded.
   */
  public int offsetDeltaPosition() {
    return offsetDeltaPosition;
  }

  /** Absolute end of the current record. */
  public int recordEnd() {
    return recordPosition + recordSize;
  }

  public int offsetDelta() {
    return offsetDelta;
  }

  public boolean hasKey() {
    return keyLength >= 0;
  }

  public int keyPosition() {
    return keyPosition;
  }

  /** Key length in bytes, or -1 for a null key. */
  public int keyLength() {
    return keyLength;
  }

  /** A record with a null value deletes its key (a tombstone). */
  public boolean isTombstone() {
    return valueLength < 0;
  }

  public int valuePosition() {
    return valuePosition;
  }

  /** Value length in bytes, or -1 for a tombstone. */
  public int valueLength() {
    return valueLength;
  }

  public int headerCount() {
    return headerCount;
  }

  private byte readByte() {
    if (pos >= to) {
      throw new CorruptRecordException("record truncated at " + pos);
    }
    return buf.get(pos++);
  }

  private void skipBytes(int n) {
    if (n < 0) {
      return; // null
    }
    if (n > to - pos) {
      throw new CorruptRecordException("field of " + n + " bytes overruns the record at " + pos);
    }
    pos += n;
  }

  private int readVarint() {
    int raw = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      byte b = readByte();
      raw |= (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return (raw >>> 1) ^ -(raw & 1);
      }
    }
    throw new CorruptRecordException("varint longer than 5 bytes at " + pos);
  }

  private long readVarlong() {
    long raw = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      byte b = readByte();
      raw |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return (raw >>> 1) ^ -(raw & 1);
      }
    }
    throw new CorruptRecordException("varlong longer than 10 bytes at " + pos);
  }
}
