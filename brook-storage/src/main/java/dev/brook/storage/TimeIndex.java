package dev.brook.storage;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * The sparse time index of one segment ({@code .timeindex}): entries of timestamp (int64) →
 * relative base offset of the batch (int32) at which the segment's largest timestamp so far was
 * reached. Invariant: timestamps and offsets strictly increase, so "first offset with timestamp ≥
 * T" starts its scan at the last entry with timestamp < T. When a segment stops being active its
 * largest timestamp is appended, so the last entry gives the segment's maximum without a scan.
 * Threading as {@link AbstractIndex}.
 */
final class TimeIndex extends AbstractIndex {
  static final int ENTRY_SIZE = 12;

  TimeIndex(Path file, long baseOffset, int preallocateSize) throws IOException {
    super(file, baseOffset, preallocateSize, ENTRY_SIZE);
  }

  /** An empty index over a mapping made ahead of the roll ({@link #preallocate}). */
  TimeIndex(Path file, long baseOffset, MappedByteBuffer preallocated) {
    super(file, baseOffset, preallocated, ENTRY_SIZE);
  }

  private long timestampAt(MappedByteBuffer b, int slot) {
    return b.getLong(slot * ENTRY_SIZE);
  }

  private int relOffsetAt(MappedByteBuffer b, int slot) {
    return b.getInt(slot * ENTRY_SIZE + 8);
  }

  /** Appends when {@code timestamp} is above the last entry's (and there is room). */
  void maybeAppend(long timestamp, long offset) {
    int n = entries();
    if (n >= maxEntries() || timestamp < 0) {
      return;
    }
    MappedByteBuffer b = buffer();
    int rel = relativeOffset(offset);
    if (n > 0 && (timestamp <= timestampAt(b, n - 1) || rel < relOffsetAt(b, n - 1))) {
      return;
    }
    if (n > 0 && rel == relOffsetAt(b, n - 1)) {
      // Same batch with a larger timestamp: overwrite in place, keeping offsets strictly increasing.
      b.putLong((n - 1) * ENTRY_SIZE, timestamp);
      return;
    }
    b.putLong(n * ENTRY_SIZE, timestamp);
    b.putInt(n * ENTRY_SIZE + 8, rel);
    setEntries(n + 1);
  }

  /** Appends the segment's final maximum, growing the file by one entry if it is full. */
  void maybeAppendFinal(long timestamp, long offset) throws IOException {
    if (timestamp <= lastTimestamp()) {
      return;
    }
    if (isFull()) {
      resize(sizeInBytes() + ENTRY_SIZE);
    }
    maybeAppend(timestamp, offset);
  }

  /** Base offset of the batch where the last entry with timestamp < {@code timestamp} was reached. */
  long lookupBefore(long timestamp) {
    MappedByteBuffer b = buffer();
    int slot = largestLowerBound(timestamp - 1, entries(), s -> timestampAt(b, s));
    return slot < 0 ? baseOffset : baseOffset + relOffsetAt(b, slot);
  }

  /** Largest indexed timestamp, or -1. */
  long lastTimestamp() {
    int n = entries();
    return n == 0 ? -1 : timestampAt(buffer(), n - 1);
  }

  /** Offset of the last entry, or the base offset. */
  long lastOffset() {
    int n = entries();
    return n == 0 ? baseOffset : baseOffset + relOffsetAt(buffer(), n - 1);
  }

  /** Removes entries whose offset is ≥ {@code offset}. */
  void truncateTo(long offset) {
    MappedByteBuffer b = buffer();
    int n = entries();
    int keep = n;
    while (keep > 0 && baseOffset + relOffsetAt(b, keep - 1) >= offset) {
      keep--;
    }
    truncateToEntries(keep);
  }

  boolean looksValid() {
    int n = entries();
    if (n == 0) {
      return true;
    }
    MappedByteBuffer b = buffer();
    if (relOffsetAt(b, n - 1) < 0 || timestampAt(b, n - 1) < 0) {
      return false;
    }
    return n < 2
        || (timestampAt(b, n - 1) > timestampAt(b, n - 2) && relOffsetAt(b, n - 1) > relOffsetAt(b, n - 2));
  }
}
