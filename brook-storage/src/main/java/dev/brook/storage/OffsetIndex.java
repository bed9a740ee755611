package dev.brook.storage;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * The sparse offset index of one segment ({@code .index}): entries of relative offset (int32) →
 * position of the batch in the {@code .log} (int32), one every {@code index.interval.bytes}.
 * Invariant: offsets and positions strictly increase; each entry names the base offset of a batch
 * and that batch's first byte. Threading as {@link AbstractIndex}.
 */
final class OffsetIndex extends AbstractIndex {
  static final int ENTRY_SIZE = 8;

  OffsetIndex(Path file, long baseOffset, int preallocateSize) throws IOException {
    super(file, baseOffset, preallocateSize, ENTRY_SIZE);
  }

  /** An empty index over a mapping made ahead of the roll ({@link #preallocate}). */
  OffsetIndex(Path file, long baseOffset, MappedByteBuffer preallocated) {
    super(file, baseOffset, preallocated, ENTRY_SIZE);
  }

  private int relOffsetAt(MappedByteBuffer b, int slot) {
    return b.getInt(slot * ENTRY_SIZE);
  }

  private int positionAt(MappedByteBuffer b, int slot) {
    return b.getInt(slot * ENTRY_SIZE + 4);
  }

  /** Adds an entry; {@code offset} must be larger than the last entry's. */
  void append(long offset, int position) {
    int n = entries();
    if (n >= maxEntries()) {
      throw new IllegalStateException("offset index full: " + file());
    }
    MappedByteBuffer b = buffer();
    int rel = relativeOffset(offset);
    if (n > 0 && rel <= relOffsetAt(b, n - 1)) {
      throw new IllegalArgumentException("offset " + offset + " not above last index entry in " + file());
    }
    b.putInt(n * ENTRY_SIZE, rel);
    b.putInt(n * ENTRY_SIZE + 4, position);
    setEntries(n + 1);
  }

  /** File position of the last indexed batch whose base offset is ≤ {@code offset}, else 0. */
  int lookup(long offset) {
    MappedByteBuffer b = buffer();
    int n = entries();
    long rel = offset - baseOffset;
    int slot = largestLowerBound(rel, n, s -> relOffsetAt(b, s));
    return slot < 0 ? 0 : positionAt(b, slot);
  }

  /**
   * File position of the last indexed batch whose base offset is ≤ {@code maxOffset} and whose
   * position is ≤ {@code maxPosition}, or -1 if there is none. Every batch before it has a last
   * offset below {@code maxOffset} and ends at or before {@code maxPosition}.
   */
  int lastPositionAtOrBelow(long maxOffset, long maxPosition) {
    MappedByteBuffer b = buffer();
    int n = entries();
    int byOffset = largestLowerBound(maxOffset - baseOffset, n, s -> relOffsetAt(b, s));
    int byPosition = largestLowerBound(maxPosition, n, s -> positionAt(b, s));
    int slot = Math.min(byOffset, byPosition);
    return slot < 0 ? -1 : positionAt(b, slot);
  }

  /** Base offset of the last indexed batch, or the segment base offset. */
  long lastOffset() {
    int n = entries();
    return n == 0 ? baseOffset : baseOffset + relOffsetAt(buffer(), n - 1);
  }

  /** Position of the last indexed batch, or 0. */
  int lastPosition() {
    int n = entries();
    return n == 0 ? 0 : positionAt(buffer(), n - 1);
  }

  /** Removes entries for offsets ≥ {@code offset}. */
  void truncateTo(long offset) {
    MappedByteBuffer b = buffer();
    int slot = largestLowerBound(offset - baseOffset - 1, entries(), s -> relOffsetAt(b, s));
    truncateToEntries(slot + 1);
  }

  /** Removes entries whose position is ≥ {@code position}. */
  void truncateToPosition(int position) {
    MappedByteBuffer b = buffer();
    int slot = largestLowerBound(position - 1L, entries(), s -> positionAt(b, s));
    truncateToEntries(slot + 1);
  }

  /**
   * Cheap structural checks (last two entries increasing, last position inside the log). A failed
   * check means the index must be rebuilt.
   */
  boolean looksValid(long logSize) {
    int n = entries();
    if (n == 0) {
      return true;
    }
    MappedByteBuffer b = buffer();
    if (relOffsetAt(b, n - 1) < 0 || positionAt(b, n - 1) < 0 || positionAt(b, n - 1) >= logSize) {
      return false;
    }
    return n < 2
        || (relOffsetAt(b, n - 1) > relOffsetAt(b, n - 2) && positionAt(b, n - 1) > positionAt(b, n - 2));
  }
}
