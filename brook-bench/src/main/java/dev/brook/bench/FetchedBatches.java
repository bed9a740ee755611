package dev.brook.bench;

import java.nio.ByteBuffer;

/**
 * Walks the record batches of one partition's Fetch answer by their headers only, without decoding
 * a record: what a load generator needs to count records and advance its fetch offset at almost no
 * CPU. Batches are magic v2 (Kafka 0.11+), laid out as in Kafka's {@code DefaultRecordBatch}:
 *
 * <pre>
 * offset  0 baseOffset int64      offset 23 lastOffsetDelta int32
 * offset  8 batchLength int32     offset 57 recordsCount int32
 * offset 16 magic int8            offset 21 attributes int16 (bit 5: control batch)
 * </pre>
 *
 * A batch occupies {@code 12 + batchLength} bytes. A broker may end an answer inside a batch (Kafka
 * cuts at the partition's max bytes); that partial batch is not counted, and the next fetch starts at
 * it again. A batch that starts below the fetch offset (a fetch from the middle of a batch gets the
 * whole batch) counts only its records from the fetch offset on, assuming no offset gaps (the topic is
 * not compacted). Control batches (transaction markers) hold no records a consumer sees.
 */
final class FetchedBatches {
  static final int LOG_OVERHEAD = 12; // baseOffset + batchLength
  static final int HEADER_BYTES = 61;
  private static final int MAGIC_OFFSET = 16;
  private static final int ATTRIBUTES_OFFSET = 21;
  private static final int LAST_OFFSET_DELTA_OFFSET = 23;
  private static final int RECORDS_COUNT_OFFSET = 57;
  private static final int CONTROL_FLAG = 0x20;

  /**
   * What one answer's records brought.
   *
   * @param records records at or above the fetch offset in the complete batches
   * @param nextOffset the offset to fetch next: one past the last complete batch, or the fetch offset
   * @param bytes bytes of the complete batches (a trailing partial batch excluded)
   * @param batches complete batches walked
   */
  record Progress(long records, long nextOffset, long bytes, int batches) {}

  private FetchedBatches() {}

  /** Walks {@code records} (position to limit, not moved) as fetched from {@code fetchOffset}. */
  static Progress walk(ByteBuffer records, long fetchOffset) {
    int start = records.position();
    int end = records.limit();
    int pos = start;
    long next = fetchOffset;
    long count = 0;
    int batches = 0;
    while (end - pos >= LOG_OVERHEAD) {
      long base = records.getLong(pos);
      int length = records.getInt(pos + 8);
      if (length < HEADER_BYTES - LOG_OVERHEAD) {
        throw new IllegalStateException("batch at offset " + base + " has length " + length);
      }
      if (end - pos - LOG_OVERHEAD < length) break; // partial batch at the end of the answer
      byte magic = records.get(pos + MAGIC_OFFSET);
      if (magic != 2) throw new IllegalStateException("batch at offset " + base + " has magic " + magic + ", not 2");
      long last = base + records.getInt(pos + LAST_OFFSET_DELTA_OFFSET);
      boolean control = (records.getShort(pos + ATTRIBUTES_OFFSET) & CONTROL_FLAG) != 0;
      if (last >= next) {
        if (!control) count += base >= next ? records.getInt(pos + RECORDS_COUNT_OFFSET) : last - next + 1;
        next = last + 1;
      }
      pos += LOG_OVERHEAD + length;
      batches++;
    }
    return new Progress(count, next, pos - start, batches);
  }
}
