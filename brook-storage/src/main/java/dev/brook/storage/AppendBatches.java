package dev.brook.storage;

import java.nio.ByteBuffer;

/**
 * The batches of one append, checked and scanned before they are written: the buffer holds whole
 * v2 batches; a leader's get their offsets (from the log end on) and leader epoch here, a
 * follower's must start at or above the log end and keep increasing; and which batch holds the
 * largest timestamp. A bad buffer is an {@link InvalidBatchException} and nothing is written.
 *
 * <p>Threading: one per log, reused by every append so that the hot path allocates nothing; used
 * only under the log's lock. Its answers hold until the next append.
 */
final class AppendBatches {
  private final LogId id;
  private int count;
  private long first;
  private long next;
  private long maxTimestamp;
  private long offsetOfMaxTimestamp;

  AppendBatches(LogId id) {
    this.id = id;
  }

  /** Checks a leader's batches, then gives them consecutive offsets from {@code logEndOffset} and {@code leaderEpoch}. */
  void assignAsLeader(ByteBuffer batches, long logEndOffset, int leaderEpoch) {
    int start = batches.position();
    int limit = batches.limit();
    count = checkWhole(batches);
    first = logEndOffset;
    next = first;
    maxTimestamp = -1;
    offsetOfMaxTimestamp = -1;
    for (int at = start; at < limit; at += RecordBatchHeader.sizeInBytes(batches, at)) {
      RecordBatchHeader.setBaseOffset(batches, at, next);
      RecordBatchHeader.setPartitionLeaderEpoch(batches, at, leaderEpoch);
      long ts = RecordBatchHeader.maxTimestamp(batches, at);
      if (ts > maxTimestamp) {
        maxTimestamp = ts;
        offsetOfMaxTimestamp = next;
      }
      next += RecordBatchHeader.lastOffsetDelta(batches, at) + 1L;
    }
  }

  /** Checks a follower's batches: whole, starting at or above {@code logEndOffset}, offsets increasing. */
  void checkAsFollower(ByteBuffer batches, long logEndOffset) {
    int start = batches.position();
    int limit = batches.limit();
    count = checkWhole(batches);
    first = RecordBatchHeader.baseOffset(batches, start);
    long expected = logEndOffset;
    maxTimestamp = -1;
    offsetOfMaxTimestamp = -1;
    for (int at = start; at < limit; at += RecordBatchHeader.sizeInBytes(batches, at)) {
      long base = RecordBatchHeader.baseOffset(batches, at);
      if (base < expected) {
        throw new InvalidBatchException(id + ": follower batch at offset " + base + " is below the expected offset " + expected);
      }
      long ts = RecordBatchHeader.maxTimestamp(batches, at);
      if (ts > maxTimestamp) {
        maxTimestamp = ts;
        offsetOfMaxTimestamp = base;
      }
      expected = RecordBatchHeader.lastOffset(batches, at) + 1;
    }
    next = expected;
  }

  /** Checks that position..limit holds whole v2 batches; returns their number. Moves nothing. */
  private int checkWhole(ByteBuffer batches) {
    int start = batches.position();
    int limit = batches.limit();
    if (start >= limit) {
      throw new InvalidBatchException(id + ": empty append");
    }
    int n = 0;
    for (int at = start; at < limit; ) {
      if (limit - at < RecordBatchHeader.SIZE) {
        throw new InvalidBatchException(id + ": partial batch header at " + (at - start));
      }
      int size = RecordBatchHeader.sizeInBytes(batches, at);
      if (size < RecordBatchHeader.SIZE || size > limit - at) {
        throw new InvalidBatchException(id + ": batch size " + size + " does not fit at " + (at - start));
      }
      if (RecordBatchHeader.magic(batches, at) != 2) {
        throw new InvalidBatchException(id + ": unsupported magic " + RecordBatchHeader.magic(batches, at));
      }
      if (RecordBatchHeader.lastOffsetDelta(batches, at) < 0) {
        throw new InvalidBatchException(id + ": negative last offset delta");
      }
      at += size;
      n++;
    }
    return n;
  }

  /** The number of batches. */
  int count() {
    return count;
  }

  /** The first batch's base offset. */
  long first() {
    return first;
  }

  /** The offset after the last batch: the log end once they are written. */
  long next() {
    return next;
  }

  /** The largest batch max timestamp, or -1. */
  long maxTimestamp() {
    return maxTimestamp;
  }

  /** The base offset of the batch holding {@link #maxTimestamp()}, or -1. */
  long offsetOfMaxTimestamp() {
    return offsetOfMaxTimestamp;
  }
}
