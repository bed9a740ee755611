package dev.brook.mirror;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.DefaultRecord;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.Records;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.Crc32C;

/**
 * The batch-copy step of {@link BatchPath}: which of a fetched partition's record batches are
 * committed data (read_committed, as a consumer reads them), and each such batch as a batch the
 * mirror's transactional producer can send.
 *
 * <p>The invariant: a batch is copied byte for byte (records, keys, values, headers, timestamps,
 * compression) and only its header changes — producer id, epoch, base sequence, the transactional
 * flag, base offset and leader epoch, then the CRC (CRC32C over the bytes after the CRC field) — when
 * its source offsets are consecutive, it starts at or after the position, and its timestamps are
 * create times. Any other batch (a compacted batch with offset gaps, a log-append-time or
 * delete-horizon batch, one that begins before the position, an old-format one) is rebuilt record by
 * record, uncompressed, keeping each record's source offset, so the offset syncs stay exact. Either
 * way the records sent are the records a read_committed consumer at the position would read. A
 * batch larger than the target topic's max.message.bytes is rebuilt the same way into batches that
 * fit ({@link #fit}).
 *
 * <p>Stateless; what it returns may share the fetch response's buffer, which {@link #rewrite}
 * changes in place.
 */
final class BatchCopy {
  static final int PARTITION_LEADER_EPOCH_OFFSET = 12;
  static final int ATTRIBUTES_OFFSET = 21;
  static final int PRODUCER_ID_OFFSET = 43;
  static final int PRODUCER_EPOCH_OFFSET = 51;
  static final int BASE_SEQUENCE_OFFSET = 53;
  private static final short TRANSACTIONAL_FLAG = 0x10;
  private static final short DELETE_HORIZON_FLAG = 0x40;

  private BatchCopy() {}

  /**
   * One batch to send: {@code batch} holds {@code count} records whose source offsets are {@code
   * sourceOffsets}, or, when that is null, {@code sourceBase .. sourceBase + count - 1}.
   */
  record Copy(ByteBuffer batch, int count, long sourceBase, long[] sourceOffsets) {
    /** The source offset of the {@code i}th record. */
    long sourceOffset(int i) {
      return sourceOffsets == null ? sourceBase + i : sourceOffsets[i];
    }

    boolean rebuilt() {
      return sourceOffsets != null;
    }
  }

  /** What one fetched partition gives: the batches to copy, and the position after them. */
  record Committed(List<Copy> copies, long next, int records) {}

  /**
   * The committed data batches of {@code partition} at and after {@code position}: aborted
   * transactions' batches (by the response's aborted-transactions list) and control batches are
   * dropped, as a read_committed consumer drops them. {@code next} is one past the last batch
   * looked at (copied or dropped), or {@code position} when there was none.
   */
  static Committed committed(FetchResponseData.PartitionData partition, long position) {
    PriorityQueue<FetchResponseData.AbortedTransaction> aborted =
        new PriorityQueue<>(Comparator.comparingLong(FetchResponseData.AbortedTransaction::firstOffset));
    if (partition.abortedTransactions() != null) aborted.addAll(partition.abortedTransactions());
    Set<Long> abortedProducers = new HashSet<>();
    List<Copy> copies = new ArrayList<>();
    long next = position;
    int records = 0;
    Records rs = (Records) partition.records();
    if (rs == null) return new Committed(copies, next, 0);
    ByteBuffer buf = ((MemoryRecords) rs).buffer();
    int pos = buf.position();
    while (buf.limit() - pos >= Records.LOG_OVERHEAD) {
      int size = Records.LOG_OVERHEAD + buf.getInt(pos + Records.SIZE_OFFSET);
      if (size < Records.LOG_OVERHEAD || buf.limit() - pos < size) break; // the response's last batch may be cut short
      ByteBuffer slice = buf.slice(pos, size);
      pos += size;
      RecordBatch batch = firstBatch(slice);
      if (batch == null || batch.lastOffset() < next) continue;
      // The copy gets a new CRC: a batch damaged on the way from the source must be refused here, or
      // its damage would be written to the target under a valid checksum.
      if (!batch.isValid()) {
        throw new org.apache.kafka.common.errors.CorruptRecordException("batch at offset " + batch.baseOffset()
            + " from the source fails its CRC check");
      }
      if (batch.hasProducerId()) {
        while (!aborted.isEmpty() && aborted.peek().firstOffset() <= batch.lastOffset()) abortedProducers.add(aborted.poll().producerId());
        if (batch.isControlBatch()) {
          if (isAbortMarker(batch)) abortedProducers.remove(batch.producerId());
          next = batch.lastOffset() + 1;
          continue;
        }
        if (batch.isTransactional() && abortedProducers.contains(batch.producerId())) {
          next = batch.lastOffset() + 1;
          continue;
        }
      }
      if (batch.isControlBatch()) {
        next = batch.lastOffset() + 1;
        continue;
      }
      Copy copy = copyable(batch, slice, next) ? new Copy(slice, batch.countOrNull(), batch.baseOffset(), null) : rebuild(batch, next);
      if (copy != null) {
        copies.add(copy);
        records += copy.count();
      }
      next = batch.lastOffset() + 1;
    }
    return new Committed(copies, next, records);
  }

  /** The batch that {@code buffer} begins with, or null. */
  static RecordBatch firstBatch(ByteBuffer buffer) {
    var it = MemoryRecords.readableRecords(buffer).batches().iterator();
    return it.hasNext() ? it.next() : null;
  }

  private static boolean isAbortMarker(RecordBatch batch) {
    var it = batch.iterator();
    if (!it.hasNext()) return false;
    Record r = it.next();
    return r.hasKey() && ControlRecordType.parse(r.key()) == ControlRecordType.ABORT;
  }

  private static boolean copyable(RecordBatch batch, ByteBuffer slice, long position) {
    if (batch.magic() != RecordBatch.MAGIC_VALUE_V2 || batch.baseOffset() < position) return false;
    Integer count = batch.countOrNull();
    if (count == null || count <= 0 || batch.lastOffset() - batch.baseOffset() + 1 != count) return false;
    if (batch.timestampType() != TimestampType.CREATE_TIME) return false;
    return (slice.getShort(ATTRIBUTES_OFFSET) & DELETE_HORIZON_FLAG) == 0;
  }

  /**
   * {@code batch}'s records at and after {@code position} as one uncompressed create-time batch
   * (producer fields still to be set by {@link #rewrite}), or null when none is left.
   */
  static Copy rebuild(RecordBatch batch, long position) {
    List<SimpleRecord> records = new ArrayList<>();
    List<Long> offsets = new ArrayList<>();
    long now = System.currentTimeMillis();
    for (Record r : batch) {
      if (r.offset() < position) continue;
      records.add(simple(r, now));
      offsets.add(r.offset());
    }
    return records.isEmpty() ? null : built(records, offsets);
  }

  private static SimpleRecord simple(Record r, long now) {
    return new SimpleRecord(r.timestamp() >= 0 ? r.timestamp() : now, bytes(r.key()), bytes(r.value()), r.headers());
  }

  private static Copy built(List<SimpleRecord> records, List<Long> offsets) {
    MemoryRecords built = MemoryRecords.withTransactionalRecords(Compression.NONE, 0L, (short) 0, 0, records.toArray(new SimpleRecord[0]));
    long[] sourceOffsets = offsets.stream().mapToLong(Long::longValue).toArray();
    return new Copy(built.buffer(), records.size(), sourceOffsets[0], sourceOffsets);
  }

  /** One record the target cannot take at all: larger, alone in its batch, than the target topic's max.message.bytes. */
  static final class RecordTooLargeForTarget extends KafkaException {
    RecordTooLargeForTarget(String message) {
      super(message);
    }
  }

  /**
   * {@code copy} as batches of at most {@code maxBytes} bytes each (a batch's size counted as the
   * target counts it against max.message.bytes: with its log overhead): {@code copy} itself when it
   * fits, else its records rebuilt in order, uncompressed, into as few batches as fit, each record
   * keeping its source offset. Throws {@link RecordTooLargeForTarget} naming the source partition
   * and offset when one record alone does not fit.
   */
  static List<Copy> fit(Copy copy, int maxBytes, TopicPartition source, TopicPartition target) {
    if (copy.batch().remaining() <= maxBytes) return List.of(copy);
    RecordBatch batch = firstBatch(copy.batch().duplicate());
    List<Copy> out = new ArrayList<>();
    List<SimpleRecord> records = new ArrayList<>();
    List<Long> offsets = new ArrayList<>();
    long now = System.currentTimeMillis();
    long baseTimestamp = 0;
    int size = 0;
    int i = 0;
    for (Record r : batch) {
      SimpleRecord s = simple(r, now);
      long sourceOffset = copy.sourceOffset(i++);
      int recordSize = records.isEmpty() ? 0
          : DefaultRecord.sizeInBytes(records.size(), s.timestamp() - baseTimestamp, s.key(), s.value(), s.headers());
      if (records.isEmpty() || size + recordSize > maxBytes) {
        if (!records.isEmpty()) out.add(built(records, offsets));
        records = new ArrayList<>();
        offsets = new ArrayList<>();
        baseTimestamp = s.timestamp();
        size = DefaultRecordBatch.RECORD_BATCH_OVERHEAD + DefaultRecord.sizeInBytes(0, 0L, s.key(), s.value(), s.headers());
        if (size > maxBytes) {
          throw new RecordTooLargeForTarget("record at offset " + sourceOffset + " of " + source + " is " + size
              + " bytes as a batch of its own, more than max.message.bytes " + maxBytes + " of " + target.topic()
              + " on the target (partition " + target.partition() + "): it cannot be mirrored; raise max.message.bytes of "
              + target.topic() + " on the target");
        }
      } else {
        size += recordSize;
      }
      records.add(s);
      offsets.add(sourceOffset);
    }
    if (!records.isEmpty()) out.add(built(records, offsets));
    return out;
  }

  private static byte[] bytes(ByteBuffer b) {
    if (b == null) return null;
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  /**
   * Makes {@code batch} (one v2 batch, from its position to its limit) a batch of the transactional
   * producer {@code producerId}/{@code epoch} starting at {@code baseSequence}: sets those fields and
   * the transactional flag, clears base offset and leader epoch (the target broker assigns them), and
   * recomputes the CRC.
   */
  static void rewrite(ByteBuffer batch, long producerId, short epoch, int baseSequence) {
    ByteBuffer b = batch.slice();
    b.putLong(0, 0L);
    b.putInt(PARTITION_LEADER_EPOCH_OFFSET, RecordBatch.NO_PARTITION_LEADER_EPOCH);
    b.putShort(ATTRIBUTES_OFFSET, (short) (b.getShort(ATTRIBUTES_OFFSET) | TRANSACTIONAL_FLAG));
    b.putLong(PRODUCER_ID_OFFSET, producerId);
    b.putShort(PRODUCER_EPOCH_OFFSET, epoch);
    b.putInt(BASE_SEQUENCE_OFFSET, baseSequence);
    long crc = Crc32C.compute(b, ATTRIBUTES_OFFSET, b.limit() - ATTRIBUTES_OFFSET);
    b.putInt(DefaultRecordBatch.CRC_OFFSET, (int) crc);
  }
}
