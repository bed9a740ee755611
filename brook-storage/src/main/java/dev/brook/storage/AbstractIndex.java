package dev.brook.storage;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A memory-mapped, fixed-entry-size index file of one segment. The file is preallocated to its
 * maximum size while the segment is active and trimmed to its entries when the segment is rolled or
 * closed; entries hold offsets relative to the segment's base offset.
 *
 * <p>Threading: one writer (the log's appender, under the log's lock); readers may search
 * concurrently. Readers see only the first {@link #entries()} entries, a volatile count published
 * after the entry is written, and read with absolute gets on the shared mapping.
 */
abstract class AbstractIndex implements AutoCloseable {
  protected final long baseOffset;
  private final int entrySize;
  private volatile Path file;
  private volatile MappedByteBuffer mmap;
  private volatile int entries;
  private volatile int maxEntries;

  /**
   * Opens or creates the index. An existing file is mapped at its valid size (whole entries); a new
   * or empty one is preallocated to {@code preallocateSize}. The active segment's index is later
   * grown to the configured size by {@link #resize}.
   */
  protected AbstractIndex(Path file, long baseOffset, int preallocateSize, int entrySize) throws IOException {
    this.file = file;
    this.baseOffset = baseOffset;
    this.entrySize = entrySize;
    try (FileChannel ch = StorageFiles.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long length = ch.size();
      int valid = (int) Math.min(length - length % entrySize, Integer.MAX_VALUE - entrySize);
      if (valid == 0) {
        int size = roundDown(Math.max(preallocateSize, 0));
        ch.truncate(0);
        mmap = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
        entries = 0;
      } else {
        if (length != valid) {
          ch.truncate(valid);
        }
        mmap = ch.map(FileChannel.MapMode.READ_WRITE, 0, valid);
        entries = valid / entrySize;
      }
      maxEntries = mmap.limit() / entrySize;
    }
  }

  /**
   * An empty index over {@code mmap}, the mapping of a new file made by {@link #preallocate} ahead
   * of the segment's roll (the entries are relative, so the mapping fits any base offset).
   */
  protected AbstractIndex(Path file, long baseOffset, MappedByteBuffer mmap, int entrySize) {
    this.file = file;
    this.baseOffset = baseOffset;
    this.entrySize = entrySize;
    this.mmap = mmap;
    this.entries = 0;
    this.maxEntries = mmap.limit() / entrySize;
  }

  /**
   * Creates (or empties) {@code file} and maps it at {@code size} bytes rounded down to whole
   * entries: the file of an index that does not exist yet, made off the log's lock. Its first page
   * is written once here (a zero, which is what an unwritten entry holds anyway), so the first
   * index entries, stored by the appending thread just after the roll, do not take the page fault
   * that makes a new file page.
   */
  static MappedByteBuffer preallocate(Path file, int size, int entrySize) throws IOException {
    try (FileChannel ch = StorageFiles.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ch.truncate(0);
      int whole = Math.max(size, 0) - Math.max(size, 0) % entrySize;
      MappedByteBuffer mapped = ch.map(FileChannel.MapMode.READ_WRITE, 0, whole);
      if (whole > 0) {
        try {
          mapped.put(0, (byte) 0);
        } catch (InternalError e) { // the fault found no space for the page (a full tmpfs): a disk error
          throw new IOException("cannot write the first page of " + file, e);
        }
      }
      return mapped;
    }
  }

  private int roundDown(int n) {
    return n - n % entrySize;
  }

  final int entrySize() {
    return entrySize;
  }

  final MappedByteBuffer buffer() {
    return mmap;
  }

  /**
   * Whether every page of the valid entries is in the page cache (mincore through {@link
   * MappedByteBuffer#isLoaded}; touches none of them), so a lookup cannot wait for the disk.
   */
  final boolean resident() {
    MappedByteBuffer b = mmap;
    int n = Math.min(entries * entrySize, b.limit());
    return n <= 0 || b.slice(0, n).isLoaded();
  }

  /** Number of valid entries. */
  final int entries() {
    return entries;
  }

  final boolean isFull() {
    return entries >= maxEntries;
  }

  final int maxEntries() {
    return maxEntries;
  }

  final Path file() {
    return file;
  }

  final int sizeInBytes() {
    return entries * entrySize;
  }

  /** Publishes entries written at positions below {@code n * entrySize}. */
  protected final void setEntries(int n) {
    entries = n;
  }

  protected final int relativeOffset(long offset) {
    long rel = offset - baseOffset;
    if (rel < 0 || rel > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("offset " + offset + " out of range for index at " + baseOffset);
    }
    return (int) rel;
  }

  /**
   * Largest slot whose key is ≤ {@code target}, or -1. {@code keyAt} must be monotonic over the
   * valid entries.
   */
  protected final int largestLowerBound(long target, int n, KeyReader keyAt) {
    if (n == 0 || keyAt.key(0) > target) {
      return -1;
    }
    int lo = 0;
    int hi = n - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (keyAt.key(mid) <= target) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  @FunctionalInterface
  protected interface KeyReader {
    long key(int slot);
  }

  /** Keeps only the first {@code n} entries (truncation); the file keeps its mapped size. */
  protected final void truncateToEntries(int n) {
    MappedByteBuffer b = mmap;
    for (int i = n * entrySize; i < entries * entrySize; i++) {
      b.put(i, (byte) 0);
    }
    entries = Math.min(entries, n);
  }

  /** Removes every entry. */
  void reset() {
    truncateToEntries(0);
  }

  /** Trims the file to its valid entries (on roll and close); the index can still be read. */
  void trimToValidSize() throws IOException {
    resize(sizeInBytes());
  }

  /** Re-maps the file at {@code newSize} bytes (at least the valid entries). */
  void resize(int newSize) throws IOException {
    int size = Math.max(roundDown(newSize), sizeInBytes());
    if (size == mmap.limit()) {
      return;
    }
    // No force here: the pages of the old and the new mapping are the same page-cache pages, which
    // the next flush (off the log's lock, by the flusher) writes back; a roll must not fsync.
    try (FileChannel ch = StorageFiles.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ch.truncate(size);
      if (ch.size() < size) {
        ch.write(java.nio.ByteBuffer.allocate(1), size - 1);
      }
      MappedByteBuffer next = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
      mmap = next;
      maxEntries = size / entrySize;
    }
  }

  /** Forces the mapping's dirty pages to disk; an I/O error is an IOException (never retried). */
  void flush() throws IOException {
    try {
      mmap.force();
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /** Renames the file, keeping the mapping (on POSIX the mapping survives a rename). */
  void renameTo(Path target) throws IOException {
    Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
    file = target;
  }

  void deleteIfExists() throws IOException {
    Files.deleteIfExists(file);
  }

  @Override
  public void close() throws IOException {
    trimToValidSize();
  }
}
