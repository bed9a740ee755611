package dev.brook.broker.replica;

import static dev.brook.storage.RecordBatchHeader.ATTRIBUTES;
import static dev.brook.storage.RecordBatchHeader.CRC;
import static dev.brook.storage.RecordBatchHeader.LOG_OVERHEAD;
import static dev.brook.storage.RecordBatchHeader.MAX_TIMESTAMP;
import static dev.brook.storage.RecordBatchHeader.SIZE;
import static dev.brook.storage.RecordBatchHeader.TIMESTAMP_TYPE_MASK;

import dev.brook.storage.RecordBatchHeader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;

/**
 * Checks one partition's produced records before they may enter the log, and fixes up the header
 * fields the broker owns. The log must only ever hold valid batches, so everything a client could
 * get wrong is checked here: exactly one magic-2 batch, its size against {@code max.message.bytes},
 * CRC32C, header fields (base offset 0, record count against the offset range, producer fields,
 * no client control batches), every record's framing, offset delta and timestamp, and keys on
 * compacted topics.
 *
 * <p>Uncompressed records are walked in place (no record bytes copied, nothing allocated per
 * record); compressed batches are decompressed to be checked and stored as received. A topic whose
 * {@code compression.type} is a codec (not {@code producer}) has a batch in any other codec rewritten
 * into it during the same walk ({@link BatchRecompressor}); {@link Valid#records} is then the new
 * batch. After a
 * successful check the header's timestamp type and max timestamp follow the topic's {@code
 * message.timestamp.type} (LogAppendTime sets both to the broker's time) and the CRC is rewritten
 * if either changed. Stateless; any thread.
 */
public final class BatchValidator {
  private static final int MAGIC_V2 = 2;

  private BatchValidator() {}

  /** A record-level fault: the record's index in the batch and what is wrong with it. */
  public record RecordFault(int batchIndex, String message) {}

  /** The outcome of a check: an error (with per-record faults), or the facts of a valid batch. */
  public sealed interface Outcome permits Valid, Invalid {}

  /**
   * A valid batch, header already fixed up.
   *
   * @param sizeInBytes the whole batch
   * @param logAppendTime the broker time written as timestamp, or -1 for CreateTime topics
   * @param maxTimestamp the largest record timestamp (or the append time)
   * @param shallowOffsetOfMaxTimestamp the offset delta of the record with maxTimestamp
   * @param records the batch to append ({@code position..limit}): the buffer validated, or a new one
   *     when the topic's {@code compression.type} had it rewritten in another codec
   */
  public record Valid(
      int sizeInBytes,
      int recordCount,
      long producerId,
      short producerEpoch,
      int baseSequence,
      int lastSequence,
      boolean transactional,
      boolean control,
      long maxTimestamp,
      int shallowOffsetOfMaxTimestamp,
      long logAppendTime,
      ByteBuffer records)
      implements Outcome {
    public boolean hasProducerId() {
      return producerId >= 0;
    }
  }

  /** An invalid batch; nothing may be appended. */
  public record Invalid(Errors error, String message, List<RecordFault> recordFaults) implements Outcome {
    Invalid(Errors error, String message) {
      this(error, message, List.of());
    }
  }

  /**
   * Checks the records of one partition of a produce request ({@code position..limit}; the position
   * is not moved).
   *
   * @param fromClient a client's produce (control batches refused, base offset must be 0); false for
   *     the broker's own coordinators
   */
  public static Outcome validate(ByteBuffer records, RecordPolicy policy, long nowMs, boolean fromClient) {
    int at = records.position();
    int remaining = records.remaining();
    if (remaining == 0) {
      return new Invalid(Errors.INVALID_RECORD, "a produce request must hold one record batch per partition");
    }
    if (remaining < SIZE) {
      return new Invalid(Errors.CORRUPT_MESSAGE, "record batch truncated: " + remaining + " bytes");
    }
    byte magic = RecordBatchHeader.magic(records, at);
    if (magic != MAGIC_V2) {
      return new Invalid(Errors.INVALID_RECORD, "only record batches with magic 2 are accepted, got magic " + magic);
    }
    int size = records.getInt(at + RecordBatchHeader.LENGTH) + LOG_OVERHEAD;
    if (size < SIZE || size > remaining) {
      return new Invalid(Errors.CORRUPT_MESSAGE, "record batch size " + size + " does not match the " + remaining + " bytes sent");
    }
    if (size < remaining) {
      return new Invalid(Errors.INVALID_RECORD, "a produce request may hold only one record batch per partition");
    }
    if (size > policy.maxMessageBytes()) {
      return new Invalid(Errors.MESSAGE_TOO_LARGE,
          "record batch of " + size + " bytes exceeds max.message.bytes " + policy.maxMessageBytes());
    }
    if (!RecordBatchHeader.isCrcValid(records, at)) {
      return new Invalid(Errors.CORRUPT_MESSAGE, "record batch CRC32C does not match its contents");
    }
    Invalid header = checkHeader(records, at, fromClient);
    if (header != null) return header;
    return checkRecordsAndFixHeader(records, at, size, policy, nowMs);
  }

  private static Invalid checkHeader(ByteBuffer b, int at, boolean fromClient) {
    int codec = RecordBatchHeader.compressionType(b, at);
    if (codec > 4) {
      return new Invalid(Errors.INVALID_RECORD, "unknown compression codec " + codec);
    }
    if (fromClient && RecordBatchHeader.baseOffset(b, at) != 0) {
      return new Invalid(Errors.INVALID_RECORD, "a produced batch's base offset must be 0");
    }
    if (fromClient && RecordBatchHeader.isControl(b, at)) {
      return new Invalid(Errors.INVALID_RECORD, "clients may not write control batches");
    }
    long producerId = RecordBatchHeader.producerId(b, at);
    // Control batches (transaction markers, written by the coordinator) carry no sequence.
    if (producerId >= 0 && RecordBatchHeader.baseSequence(b, at) < 0 && !RecordBatchHeader.isControl(b, at)) {
      return new Invalid(Errors.INVALID_RECORD, "a batch with a producer id needs a base sequence");
    }
    if (producerId < 0 && RecordBatchHeader.isTransactional(b, at)) {
      return new Invalid(Errors.INVALID_RECORD, "a transactional batch needs a producer id");
    }
    int lastOffsetDelta = RecordBatchHeader.lastOffsetDelta(b, at);
    int count = RecordBatchHeader.recordCount(b, at);
    if (lastOffsetDelta < 0 || count <= 0 || count != lastOffsetDelta + 1) {
      return new Invalid(Errors.INVALID_RECORD,
          "record count " + count + " does not match the batch's offset range (last offset delta " + lastOffsetDelta + ")");
    }
    return null;
  }

  private static Outcome checkRecordsAndFixHeader(ByteBuffer b, int at, int size, RecordPolicy policy, long now) {
    int codec = RecordBatchHeader.compressionType(b, at);
    TopicCompression target = policy.compression();
    if (!target.rewrites(codec) || RecordBatchHeader.isControl(b, at)) {
      RecordScan scan = codec == 0
          ? scanUncompressed(b, at, size, policy, now)
          : scanCompressed(b, at, size, policy, now, null);
      if (scan.invalid != null) return scan.invalid;
      return fixHeader(b, at, size, scan, policy, now, false);
    }
    // compression.type names another codec: the batch is rewritten as it is checked (Kafka's
    // LogValidator does the same; control batches, never compressed by coordinators, are kept).
    BatchRecompressor rewrite = new BatchRecompressor(target, size, policy.maxMessageBytes());
    try {
      RecordScan scan;
      if (codec == 0) {
        scan = scanUncompressed(b, at, size, policy, now);
        if (scan.invalid == null) rewrite.writeUncompressed(b, at + SIZE, at + size);
      } else {
        scan = scanCompressed(b, at, size, policy, now, rewrite);
      }
      Invalid failed = rewrite.failure();
      if (failed != null) return failed;
      if (scan.invalid != null) return scan.invalid;
      ByteBuffer rewritten = rewrite.finish(b, at);
      if (rewritten == null) return rewrite.failure();
      return fixHeader(rewritten, 0, rewritten.remaining(), scan, policy, now, true);
    } finally {
      rewrite.release();
    }
  }

  /**
   * Sets the header's timestamp type and max timestamp as the topic wants them and rewrites the CRC
   * if anything changed ({@code crcStale}: the batch was rebuilt); describes the batch.
   */
  private static Valid fixHeader(ByteBuffer b, int at, int size, RecordScan scan, RecordPolicy policy, long now,
      boolean crcStale) {
    short attributes = RecordBatchHeader.attributes(b, at);
    long maxTimestamp = policy.logAppendTime() ? now : scan.maxTimestamp;
    short wantAttributes = (short) (policy.logAppendTime()
        ? attributes | TIMESTAMP_TYPE_MASK
        : attributes & ~TIMESTAMP_TYPE_MASK);
    if (crcStale || wantAttributes != attributes || RecordBatchHeader.maxTimestamp(b, at) != maxTimestamp) {
      b.putShort(at + ATTRIBUTES, wantAttributes);
      b.putLong(at + MAX_TIMESTAMP, maxTimestamp);
      b.putInt(at + CRC, RecordBatchHeader.computeCrc(b, at));
    }
    int count = RecordBatchHeader.recordCount(b, at);
    int baseSeq = RecordBatchHeader.baseSequence(b, at);
    long pid = RecordBatchHeader.producerId(b, at);
    return new Valid(
        size,
        count,
        pid,
        RecordBatchHeader.producerEpoch(b, at),
        baseSeq,
        pid >= 0 ? incrementSequence(baseSeq, count - 1) : -1,
        RecordBatchHeader.isTransactional(b, at),
        RecordBatchHeader.isControl(b, at),
        maxTimestamp,
        policy.logAppendTime() ? count - 1 : scan.offsetOfMax,
        policy.logAppendTime() ? now : -1,
        b);
  }

  /** Sequences wrap from Integer.MAX_VALUE to 0. */
  static int incrementSequence(int sequence, int increment) {
    if (sequence > Integer.MAX_VALUE - increment) {
      return increment - (Integer.MAX_VALUE - sequence) - 1;
    }
    return sequence + increment;
  }

  /** What walking a batch's records found. */
  private static final class RecordScan {
    long maxTimestamp = -1;
    int offsetOfMax = 0;
    List<RecordFault> faults;
    boolean timestampFault;
    Invalid invalid;

    void fault(int index, String message, boolean timestamp) {
      if (faults == null) faults = new ArrayList<>(2);
      faults.add(new RecordFault(index, message));
      timestampFault |= timestamp;
    }

    void record(int index, long timestamp, int offsetDelta, boolean hasKey, RecordPolicy policy, long now) {
      if (offsetDelta != index) {
        fault(index, "record offset delta " + offsetDelta + " where " + index + " was expected", false);
      }
      if (policy.compacted() && !hasKey) {
        fault(index, "a compacted topic cannot accept a record without a key", false);
      }
      long after = policy.timestampAfterMaxMs();
      long upper = after > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + after;
      if (!policy.logAppendTime() && (timestamp < now - policy.timestampBeforeMaxMs() || timestamp > upper)) {
        fault(index, "timestamp " + timestamp + " is out of range of message.timestamp.before/after.max.ms", true);
      }
      if (timestamp > maxTimestamp) {
        maxTimestamp = timestamp;
        offsetOfMax = offsetDelta;
      }
    }

    RecordScan finish() {
      if (invalid == null && faults != null) {
        invalid = timestampFault
            ? new Invalid(Errors.INVALID_TIMESTAMP, "one or more records have an invalid timestamp", List.copyOf(faults))
            : new Invalid(Errors.INVALID_RECORD, "one or more records are invalid", List.copyOf(faults));
      }
      return this;
    }
  }

  /** Walks the records in place: length, attributes, timestamp/offset deltas, key, value, headers. */
  private static RecordScan scanUncompressed(ByteBuffer b, int at, int size, RecordPolicy policy, long now) {
    RecordScan scan = new RecordScan();
    BufferReader r = new BufferReader(b, at + SIZE, at + size);
    if (walk(r, at + size, RecordBatchHeader.baseTimestamp(b, at), RecordBatchHeader.recordCount(b, at), policy, now, scan)
        && r.pos != at + size) {
      scan.invalid = new Invalid(Errors.INVALID_RECORD, "bytes remain after the batch's records");
    }
    return scan.finish();
  }

  /**
   * Decompresses to check, with the same strict walk as uncompressed records; keys and values are
   * skipped through a small scratch buffer, so a record's declared size never becomes an allocation.
   * The stored bytes stay as the producer compressed them, unless {@code rewrite} is given: then
   * every decompressed byte is also fed to it.
   */
  private static RecordScan scanCompressed(
      ByteBuffer b, int at, int size, RecordPolicy policy, long now, BatchRecompressor rewrite) {
    RecordScan scan = new RecordScan();
    ByteBuffer one = b.duplicate();
    one.position(at).limit(at + size);
    DefaultRecordBatch batch = (DefaultRecordBatch) MemoryRecords.readableRecords(one.slice()).batches().iterator().next();
    try (InputStream raw = batch.recordInputStream(BufferSupplier.NO_CACHING);
        InputStream in = rewrite == null ? raw : rewrite.tee(raw)) {
      StreamReader r = new StreamReader(in);
      if (walk(r, Long.MAX_VALUE, RecordBatchHeader.baseTimestamp(b, at), RecordBatchHeader.recordCount(b, at), policy, now, scan)
          && in.read() != -1) {
        scan.invalid = new Invalid(Errors.INVALID_RECORD, "bytes remain after the batch's records");
      }
    } catch (IOException | RuntimeException e) {
      scan.invalid = new Invalid(Errors.INVALID_RECORD, "compressed records are malformed: " + e.getMessage());
    } catch (Error e) {
      if (e instanceof VirtualMachineError) throw e;
      // codecs (snappy) report corrupt input as an Error
      scan.invalid = new Invalid(Errors.INVALID_RECORD, "compressed records are malformed: " + e.getMessage());
    }
    return scan.finish();
  }

  /**
   * Walks {@code count} records (length varint, attributes, timestamp delta, offset delta, key,
   * value, headers), each exactly filling its length. Returns false (with scan.invalid set) when a
   * record is malformed.
   */
  private static boolean walk(
      RecordReader r, long batchEnd, long baseTimestamp, int count, RecordPolicy policy, long now, RecordScan scan) {
    for (int i = 0; i < count; i++) {
      int length = r.varint();
      long start = r.pos;
      if (r.failed || length < 0 || start + length > batchEnd) {
        scan.invalid = new Invalid(Errors.INVALID_RECORD, "record " + i + " has an invalid length");
        return false;
      }
      long recordEnd = start + length;
      r.end = recordEnd;
      r.skip(1, false); // attributes
      long timestampDelta = r.varlong();
      int offsetDelta = r.varint();
      int keyLength = r.varint();
      r.skip(keyLength, true);
      int valueLength = r.varint();
      r.skip(valueLength, true);
      int headers = r.varint();
      if (headers < 0) r.failed = true;
      for (int h = 0; h < headers && !r.failed; h++) {
        r.skip(r.varint(), false);
        r.skip(r.varint(), true);
      }
      if (r.failed || r.pos != recordEnd) {
        scan.invalid = new Invalid(Errors.INVALID_RECORD, "record " + i + " is malformed");
        return false;
      }
      r.end = batchEnd;
      scan.record(i, baseTimestamp + timestampDelta, offsetDelta, keyLength >= 0, policy, now);
    }
    return true;
  }

  /**
   * Reads zig-zag varints and skips bytes, never past {@code end} (positions count bytes consumed);
   * sets {@code failed} on overrun or end of input instead of throwing.
   */
  private abstract static class RecordReader {
    long pos;
    long end;
    boolean failed;

    /** The next byte (0-255), or -1 at the end of the input. */
    abstract int nextByte();

    /** Skips {@code n} bytes; false if the input ended first. */
    abstract boolean skipBytes(int n);

    int varint() {
      long v = varlongRaw(5);
      return (int) ((v >>> 1) ^ -(v & 1));
    }

    long varlong() {
      long v = varlongRaw(10);
      return (v >>> 1) ^ -(v & 1);
    }

    private long varlongRaw(int maxBytes) {
      long value = 0;
      for (int i = 0; i < maxBytes; i++) {
        int x = pos < end && !failed ? nextByte() : -1;
        if (x < 0) {
          failed = true;
          return 0;
        }
        pos++;
        value |= (long) (x & 0x7f) << (7 * i);
        if ((x & 0x80) == 0) return value;
      }
      failed = true;
      return 0;
    }

    void skip(int length, boolean nullable) {
      if (failed) return;
      if (length < 0) {
        if (!(nullable && length == -1)) failed = true;
        return;
      }
      if (pos + length > end || !skipBytes(length)) {
        failed = true;
      } else {
        pos += length;
      }
    }
  }

  /** Over a buffer's absolute positions: no copy, no allocation. */
  private static final class BufferReader extends RecordReader {
    private final ByteBuffer b;

    BufferReader(ByteBuffer b, int pos, int end) {
      this.b = b;
      this.pos = pos;
      this.end = end;
    }

    @Override
    int nextByte() {
      return b.get((int) pos) & 0xff;
    }

    @Override
    boolean skipBytes(int n) {
      return true; // bounds already checked against end, which lies within the buffer
    }
  }

  /** Over a decompressing stream; skipped bytes pass through a small scratch buffer. */
  private static final class StreamReader extends RecordReader {
    private final InputStream in;
    private final byte[] scratch = new byte[4096];

    StreamReader(InputStream in) {
      this.in = in;
      this.end = Long.MAX_VALUE;
    }

    @Override
    int nextByte() {
      try {
        return in.read();
      } catch (IOException e) {
        return -1;
      }
    }

    @Override
    boolean skipBytes(int n) {
      try {
        while (n > 0) {
          int read = in.read(scratch, 0, Math.min(n, scratch.length));
          if (read < 0) return false;
          n -= read;
        }
        return true;
      } catch (IOException e) {
        return false;
      }
    }
  }
}
