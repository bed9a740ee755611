package dev.brook.storage.cleaner;

import static dev.brook.storage.RecordBatchHeader.ATTRIBUTES;
import static dev.brook.storage.RecordBatchHeader.BASE_TIMESTAMP;
import static dev.brook.storage.RecordBatchHeader.CRC;
import static dev.brook.storage.RecordBatchHeader.DELETE_HORIZON_MASK;
import static dev.brook.storage.RecordBatchHeader.LENGTH;
import static dev.brook.storage.RecordBatchHeader.LOG_OVERHEAD;
import static dev.brook.storage.RecordBatchHeader.MAX_TIMESTAMP;
import static dev.brook.storage.RecordBatchHeader.RECORD_COUNT;
import static dev.brook.storage.RecordBatchHeader.SIZE;

import dev.brook.storage.RecordBatchHeader;
import dev.brook.storage.RecordCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Decides, batch by batch, what compaction keeps, and builds the smaller batch when only some records
 * stay. One instance per cleaner thread; its buffers are reused between batches.
 *
 * <p>What it guarantees about a rewritten batch: the same base offset, last offset delta (so the
 * producer's last offset and sequence survive), partition leader epoch, producer id/epoch, base
 * sequence, compression type and timestamp type; every kept record keeps its offset delta, so offsets
 * never change and gaps are fine. Kept records' bytes are copied unchanged, except that their
 * timestamp delta is re-encoded when the batch's base timestamp becomes a delete horizon.
 *
 * <p>Tombstones (KIP-534): the first cleaning that keeps a tombstone stamps its batch with a delete
 * horizon (cleaning time + {@code delete.retention.ms}, held in the base timestamp with the
 * delete-horizon attribute bit); a later cleaning after the horizon drops it. So a consumer that reads
 * the log from the start within {@code delete.retention.ms} of the cleaning still sees the delete.
 */
public final class BatchRewriter {

  /** What happened to a batch. */
  public enum Outcome {
    /** Every record stays and nothing must change: copy the original bytes. */
    KEEP_AS_IS,
    /** Some records stay, or the horizon was stamped: {@link #rewritten()} holds the new batch. */
    REWRITTEN,
    /** No record stays. */
    DROPPED
  }

  /** The per-key decision: is this the newest record of its key (or its key unknown)? */
  @FunctionalInterface
  public interface KeyFilter {
    boolean isLatest(ByteBuffer records, RecordCursor record, long offset);
  }

  private final RecordCodec codec;
  private final RecordCursor cursor = new RecordCursor();
  private final CRC32C crc = new CRC32C();
  private ByteBuffer records = ByteBuffer.allocate(64 * 1024);
  private ByteBuffer out = ByteBuffer.allocate(64 * 1024);
  private ByteBuffer rewritten;
  private ByteBuffer recordsSource;
  private long recordsRead;
  private long recordsKept;
  private long tombstonesDropped;
  private long keptTombstoneHorizon = Long.MAX_VALUE;

  public BatchRewriter(RecordCodec codec) {
    this.codec = codec;
  }

  /**
   * True if this rewriter can look inside the batch at {@code at} (its compression is supported).
   * Batches it cannot read are kept as they are.
   */
  public boolean canRead(ByteBuffer log, int at) {
    return codec.supports(RecordBatchHeader.compressionType(log, at));
  }

  /**
   * A cursor over the records of the batch at {@code at}, decompressed if needed. The cursor (and
   * the buffer it reads, {@link #recordsBuffer()}) is valid until the next call.
   */
  public RecordCursor openRecords(ByteBuffer log, int at) throws IOException {
    int size = RecordBatchHeader.sizeInBytes(log, at);
    int count = RecordBatchHeader.recordCount(log, at);
    int type = RecordBatchHeader.compressionType(log, at);
    if (size < SIZE) {
      throw new CorruptRecordException("batch at " + at + " is shorter than its header: " + size);
    }
    if (type == RecordCodec.NONE) {
      recordsSource = log;
      return cursor.reset(log, at + SIZE, at + size, count);
    }
    ByteBuffer compressed = log.duplicate();
    compressed.limit(at + size).position(at + SIZE);
    ByteBuffer plain = codec.decompress(type, compressed);
    recordsSource = plain;
    return cursor.reset(plain, plain.position(), plain.limit(), count);
  }

  /** The buffer the cursor of the last {@link #openRecords} reads. */
  public ByteBuffer recordsBuffer() {
    return recordsSource;
  }

  /**
   * Filters the batch at {@code at} of {@code log}. Must not be called for control batches (see the
   * cleaner) or for batches {@link #canRead} rejects.
   *
   * @param now the cleaning time (the delete horizon is stamped relative to it)
   */
  public Outcome filter(ByteBuffer log, int at, KeyFilter keys, long now, long deleteRetentionMs) throws IOException {
    return filter(log, at, keys, now, deleteRetentionMs, false);
  }

  /**
   * As {@link #filter(ByteBuffer, int, KeyFilter, long, long)}; with {@code keepEmpty} a batch that
   * loses every record is not dropped but rewritten as an empty batch (header only, no records), as
   * Kafka does for the last batch of a still-active idempotent producer: its producer id, epoch,
   * base sequence and last offset must survive compaction for the producer's state to be rebuilt.
   */
  public Outcome filter(ByteBuffer log, int at, KeyFilter keys, long now, long deleteRetentionMs, boolean keepEmpty)
      throws IOException {
    long baseOffset = RecordBatchHeader.baseOffset(log, at);
    short attributes = RecordBatchHeader.attributes(log, at);
    boolean hasHorizon = (attributes & DELETE_HORIZON_MASK) != 0;
    long horizon = hasHorizon ? RecordBatchHeader.baseTimestamp(log, at) : Long.MAX_VALUE;
    boolean logAppendTime = (attributes & RecordBatchHeader.TIMESTAMP_TYPE_MASK) != 0;
    long baseTimestamp = RecordBatchHeader.baseTimestamp(log, at);

    RecordCursor r = openRecords(log, at);
    ByteBuffer src = recordsSource;
    int count = RecordBatchHeader.recordCount(log, at);

    // First pass: decide, without writing.
    int kept = 0;
    boolean keptTombstone = false;
    long firstKeptTimestamp = baseTimestamp;
    while (r.next()) {
      recordsRead++;
      boolean latest = r.hasKey() && keys.isLatest(src, r, baseOffset + r.offsetDelta());
      if (latest && (!r.isTombstone() || now < horizon)) {
        if (kept++ == 0) {
          firstKeptTimestamp = baseTimestamp + r.timestampDelta();
        }
        keptTombstone |= r.isTombstone();
      } else if (latest) {
        tombstonesDropped++;
      }
    }
    if (r.hasTrailingBytes()) {
      throw new CorruptRecordException("batch at offset " + baseOffset + " has bytes after its " + count + " records");
    }
    recordsKept += kept;
    boolean stampHorizon = keptTombstone && !hasHorizon;
    keptTombstoneHorizon = !keptTombstone ? Long.MAX_VALUE : hasHorizon ? horizon : now + deleteRetentionMs;
    if (count == 0) {
      return keepEmpty ? Outcome.KEEP_AS_IS : Outcome.DROPPED; // an empty batch kept by an earlier cleaning
    }
    if (kept == count && !stampHorizon) {
      return Outcome.KEEP_AS_IS;
    }
    if (kept == 0) {
      if (!keepEmpty) {
        return Outcome.DROPPED;
      }
      records.clear().flip();
      long maxTs = RecordBatchHeader.maxTimestamp(log, at);
      short noCompression = (short) (attributes & ~RecordBatchHeader.COMPRESSION_MASK & ~DELETE_HORIZON_MASK);
      buildBatch(log, at, 0, maxTs, maxTs, noCompression);
      return Outcome.REWRITTEN;
    }

    // Second pass: copy kept records, re-encoding the timestamp delta if the base timestamp moves:
    // to the new horizon, or back to a record timestamp when no tombstone is left under the horizon.
    long newBase;
    short newAttributes;
    if (stampHorizon) {
      newBase = now + deleteRetentionMs;
      newAttributes = (short) (attributes | DELETE_HORIZON_MASK);
    } else if (hasHorizon && !keptTombstone) {
      newBase = firstKeptTimestamp;
      newAttributes = (short) (attributes & ~DELETE_HORIZON_MASK);
    } else {
      newBase = baseTimestamp;
      newAttributes = attributes;
    }
    records.clear();
    long maxTimestamp = Long.MIN_VALUE;
    r = cursor.reset(src, recordsFrom(log, at, src), recordsTo(log, at, src), count);
    while (r.next()) {
      if (!retain(src, r, baseOffset, keys, now, horizon)) {
        continue;
      }
      long timestamp = baseTimestamp + r.timestampDelta();
      maxTimestamp = Math.max(maxTimestamp, timestamp);
      if (newBase == baseTimestamp) {
        ensureRecords(r.recordSize());
        records.put(records.position(), src, r.recordPosition(), r.recordSize());
        records.position(records.position() + r.recordSize());
      } else {
        writeWithTimestampDelta(src, r, timestamp - newBase);
      }
    }
    records.flip();
    buildBatch(log, at, kept, newBase, logAppendTime ? RecordBatchHeader.maxTimestamp(log, at) : maxTimestamp,
        newAttributes);
    return Outcome.REWRITTEN;
  }

  /** Control record types of a transaction marker's key (version int16, type int16). */
  public static final int ABORT = 0;

  public static final int COMMIT = 1;

  /**
   * The type of the transaction marker in the control batch at {@code at} ({@link #ABORT}, {@link
   * #COMMIT}, another control type), or -1 for a control batch without records (already cleaned).
   */
  public int controlType(ByteBuffer log, int at) throws IOException {
    RecordCursor r = openRecords(log, at);
    if (!r.next() || !r.hasKey() || r.keyLength() < 4) {
      return -1;
    }
    return recordsSource.getShort(r.keyPosition() + 2);
  }

  /**
   * Builds, into {@link #rewritten()}, the batch at {@code at} with every record kept and its base
   * timestamp set to {@code horizon} with the delete-horizon attribute (record timestamps are
   * re-encoded against it, so they do not change). For a marker that may be removed once {@code
   * horizon} has passed (KIP-534), as for tombstones.
   */
  public void stampDeleteHorizon(ByteBuffer log, int at, long horizon) throws IOException {
    short attributes = RecordBatchHeader.attributes(log, at);
    long baseTimestamp = RecordBatchHeader.baseTimestamp(log, at);
    int count = RecordBatchHeader.recordCount(log, at);
    RecordCursor r = openRecords(log, at);
    ByteBuffer src = recordsSource;
    records.clear();
    while (r.next()) {
      writeWithTimestampDelta(src, r, baseTimestamp + r.timestampDelta() - horizon);
    }
    records.flip();
    buildBatch(log, at, count, horizon, RecordBatchHeader.maxTimestamp(log, at), (short) (attributes | DELETE_HORIZON_MASK));
  }

  /**
   * The delete horizon of the tombstones the last {@link #filter} kept, or Long.MAX_VALUE if it kept
   * none: the cleaner must come back to this log once the clock passes it.
   */
  public long keptTombstoneHorizon() {
    return keptTombstoneHorizon;
  }

  /** The batch built by the last {@link #filter} that answered REWRITTEN; position 0..limit. */
  public ByteBuffer rewritten() {
    return rewritten;
  }

  public long recordsRead() {
    return recordsRead;
  }

  public long recordsKept() {
    return recordsKept;
  }

  public long tombstonesDropped() {
    return tombstonesDropped;
  }

  private static boolean retain(ByteBuffer src, RecordCursor r, long baseOffset, KeyFilter keys, long now, long horizon) {
    if (!r.hasKey()) {
      return false; // a compacted topic rejects keyless records; Kafka's cleaner drops strays too
    }
    if (!keys.isLatest(src, r, baseOffset + r.offsetDelta())) {
      return false;
    }
    return !r.isTombstone() || now < horizon;
  }

  private int recordsFrom(ByteBuffer log, int at, ByteBuffer src) {
    return src == log ? at + SIZE : src.position();
  }

  private int recordsTo(ByteBuffer log, int at, ByteBuffer src) {
    return src == log ? at + RecordBatchHeader.sizeInBytes(log, at) : src.limit();
  }

  private void writeWithTimestampDelta(ByteBuffer src, RecordCursor r, long timestampDelta) {
    int tail = r.recordEnd() - r.offsetDeltaPosition();
    int bodyLength = 1 + Varint.sizeOfVarlong(timestampDelta) + tail;
    ensureRecords(5 + bodyLength);
    Varint.writeVarint(records, bodyLength);
    records.put(r.attributes());
    Varint.writeVarlong(records, timestampDelta);
    records.put(records.position(), src, r.offsetDeltaPosition(), tail);
    records.position(records.position() + tail);
  }

  private void buildBatch(ByteBuffer log, int at, int count, long baseTimestamp, long maxTimestamp, short attributes)
      throws IOException {
    int type = attributes & RecordBatchHeader.COMPRESSION_MASK;
    ByteBuffer body = type == RecordCodec.NONE ? records : codec.compress(type, records);
    int size = SIZE + body.remaining();
    if (out.capacity() < size) {
      out = ByteBuffer.allocate(Math.max(size, out.capacity() * 2));
    }
    out.clear();
    out.put(0, log, at, SIZE); // base offset, epoch, magic, producer fields, last offset delta
    out.putInt(LENGTH, size - LOG_OVERHEAD);
    out.putShort(ATTRIBUTES, attributes);
    out.putLong(BASE_TIMESTAMP, baseTimestamp);
    out.putLong(MAX_TIMESTAMP, maxTimestamp);
    out.putInt(RECORD_COUNT, count);
    out.put(SIZE, body, body.position(), body.remaining());
    out.limit(size);
    crc.reset();
    out.position(ATTRIBUTES);
    crc.update(out);
    out.putInt(CRC, (int) crc.getValue());
    out.position(0);
    rewritten = out;
  }

  private void ensureRecords(int more) {
    if (records.remaining() < more) {
      ByteBuffer bigger = ByteBuffer.allocate(Math.max(records.capacity() * 2, records.position() + more));
      records.flip();
      bigger.put(records);
      records = bigger;
    }
  }
}
