package dev.brook.storage;

import java.nio.ByteBuffer;

/**
 * Flyweight over the 61-byte header of a Kafka v2 record batch at an absolute position of a buffer.
 * Layout (big-endian): baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8
 * | crc uint32 | attributes int16 | lastOffsetDelta int32 | baseTimestamp int64 | maxTimestamp int64
 * | producerId int64 | producerEpoch int16 | baseSequence int32 | recordCount int32. The CRC32C
 * covers attributes to the end of the batch, so base offset and leader epoch can be set in place.
 */
public final class RecordBatchHeader {
  public static final int BASE_OFFSET = 0;
  public static final int LENGTH = 8;
  public static final int PARTITION_LEADER_EPOCH = 12;
  public static final int MAGIC = 16;
  public static final int CRC = 17;
  public static final int ATTRIBUTES = 21;
  public static final int LAST_OFFSET_DELTA = 23;
  public static final int BASE_TIMESTAMP = 27;
  public static final int MAX_TIMESTAMP = 35;
  public static final int PRODUCER_ID = 43;
  public static final int PRODUCER_EPOCH = 51;
  public static final int BASE_SEQUENCE = 53;
  public static final int RECORD_COUNT = 57;
  public static final int SIZE = 61;
  /** baseOffset + batchLength: batchLength counts the bytes after these 12. */
  public static final int LOG_OVERHEAD = 12;

  public static final int COMPRESSION_MASK = 0x07;
  public static final int TIMESTAMP_TYPE_MASK = 0x08;
  public static final int TRANSACTIONAL_MASK = 0x10;
  public static final int CONTROL_MASK = 0x20;
  public static final int DELETE_HORIZON_MASK = 0x40;

  private RecordBatchHeader() {}

  public static long baseOffset(ByteBuffer b, int at) {
    return b.getLong(at + BASE_OFFSET);
  }

  /** Whole size of the batch in bytes, header included. */
  public static int sizeInBytes(ByteBuffer b, int at) {
    return b.getInt(at + LENGTH) + LOG_OVERHEAD;
  }

  public static int partitionLeaderEpoch(ByteBuffer b, int at) {
    return b.getInt(at + PARTITION_LEADER_EPOCH);
  }

  public static byte magic(ByteBuffer b, int at) {
    return b.get(at + MAGIC);
  }

  public static int crc(ByteBuffer b, int at) {
    return b.getInt(at + CRC);
  }

  public static short attributes(ByteBuffer b, int at) {
    return b.getShort(at + ATTRIBUTES);
  }

  public static int lastOffsetDelta(ByteBuffer b, int at) {
    return b.getInt(at + LAST_OFFSET_DELTA);
  }

  public static long lastOffset(ByteBuffer b, int at) {
    return baseOffset(b, at) + lastOffsetDelta(b, at);
  }

  public static long baseTimestamp(ByteBuffer b, int at) {
    return b.getLong(at + BASE_TIMESTAMP);
  }

  public static long maxTimestamp(ByteBuffer b, int at) {
    return b.getLong(at + MAX_TIMESTAMP);
  }

  public static long producerId(ByteBuffer b, int at) {
    return b.getLong(at + PRODUCER_ID);
  }

  public static short producerEpoch(ByteBuffer b, int at) {
    return b.getShort(at + PRODUCER_EPOCH);
  }

  public static int baseSequence(ByteBuffer b, int at) {
    return b.getInt(at + BASE_SEQUENCE);
  }

  public static int recordCount(ByteBuffer b, int at) {
    return b.getInt(at + RECORD_COUNT);
  }

  public static boolean isTransactional(ByteBuffer b, int at) {
    return (attributes(b, at) & TRANSACTIONAL_MASK) != 0;
  }

  public static boolean isControl(ByteBuffer b, int at) {
    return (attributes(b, at) & CONTROL_MASK) != 0;
  }

  public static int compressionType(ByteBuffer b, int at) {
    return attributes(b, at) & COMPRESSION_MASK;
  }

  /** True for LogAppendTime batches. */
  public static boolean isLogAppendTime(ByteBuffer b, int at) {
    return (attributes(b, at) & TIMESTAMP_TYPE_MASK) != 0;
  }

  public static void setBaseOffset(ByteBuffer b, int at, long offset) {
    b.putLong(at + BASE_OFFSET, offset);
  }

  public static void setPartitionLeaderEpoch(ByteBuffer b, int at, int epoch) {
    b.putInt(at + PARTITION_LEADER_EPOCH, epoch);
  }

  /** CRC32C over attributes..end, as stored in the crc field. */
  public static int computeCrc(ByteBuffer b, int at) {
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    ByteBuffer dup = b.duplicate();
    dup.limit(at + sizeInBytes(b, at)).position(at + ATTRIBUTES);
    crc.update(dup);
    return (int) crc.getValue();
  }

  public static boolean isCrcValid(ByteBuffer b, int at) {
    return computeCrc(b, at) == crc(b, at);
  }
}
