package dev.brook.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The aborted-transaction index of one segment ({@code <base>.txnindex}, Kafka's layout): one entry
 * per aborted transaction whose ABORT marker lies in the segment, in marker order, saying which
 * offsets a read_committed consumer must drop for that producer.
 *
 * <p>Invariant: entries are ordered by {@code lastOffset} (the marker's offset), which strictly
 * grows. Each entry is 34 bytes, big-endian: {@code version:int16 (=0) producerId:int64
 * firstOffset:int64 lastOffset:int64 lastStableOffset:int64}. {@code lastStableOffset} is the
 * partition's last stable offset just after the abort: no later entry can start below it, which lets
 * a lookup stop early. A torn or out-of-order tail (crash mid-write) is dropped on open.
 *
 * <p>The file is created on the first append (most segments have no aborted transaction and so no
 * file); the entries are also held in memory. Threading: one writer at a time (the owning log's
 * lock); lookups may run concurrently from any thread (all methods are synchronized, none blocks on
 * anything but this index's own file).
 */
public final class TxnIndex implements AutoCloseable {
  public static final String SUFFIX = ".txnindex";
  /** The one per-partition index earlier versions kept; split into the segments' indexes on open. */
  public static final String LEGACY_FILE = "aborted" + SUFFIX;
  static final int ENTRY_SIZE = 34;
  static final short VERSION = 0;

  /** One aborted transaction: producer {@code producerId}'s records in [firstOffset, lastOffset]. */
  public record AbortedTxn(long producerId, long firstOffset, long lastOffset, long lastStableOffset) {}

  private Path file;
  private FileChannel channel; // null until the file exists and is needed for writing
  private final List<AbortedTxn> entries;
  private boolean dirty;

  private TxnIndex(Path file, List<AbortedTxn> entries) {
    this.file = file;
    this.entries = entries;
  }

  /**
   * Opens the index at {@code file}, reading its entries if the file exists (it is not created).
   * A torn or invalid tail is cut off the file.
   */
  /** The index of a new segment: no file until its first append (nothing read, nothing checked). */
  static TxnIndex empty(Path file) {
    return new TxnIndex(file, new ArrayList<>());
  }

  public static TxnIndex open(Path file) throws IOException {
    List<AbortedTxn> entries = new ArrayList<>();
    if (!Files.exists(file)) {
      return new TxnIndex(file, entries);
    }
    try (FileChannel ch = StorageFiles.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long size = ch.size();
      long valid = 0;
      if (size > 0) {
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(size, Integer.MAX_VALUE - 8));
        while (b.hasRemaining() && ch.read(b, b.position()) >= 0) {
          // read the whole file
        }
        b.flip();
        while (b.remaining() >= ENTRY_SIZE) {
          if (b.getShort() != VERSION) {
            break;
          }
          AbortedTxn e = new AbortedTxn(b.getLong(), b.getLong(), b.getLong(), b.getLong());
          if (e.lastOffset() < 0 || (!entries.isEmpty() && e.lastOffset() <= entries.get(entries.size() - 1).lastOffset())) {
            break;
          }
          entries.add(e);
          valid += ENTRY_SIZE;
        }
      }
      if (valid < size) {
        ch.truncate(valid);
      }
    }
    return new TxnIndex(file, entries);
  }

  /** Appends an entry; its lastOffset must exceed every entry's. Creates the file if needed. */
  public synchronized void append(AbortedTxn e) throws IOException {
    if (!entries.isEmpty() && e.lastOffset() <= lastOffset()) {
      throw new IllegalArgumentException("aborted transaction " + e + " is not after the last entry " + lastOffset());
    }
    ByteBuffer b = ByteBuffer.allocate(ENTRY_SIZE);
    b.putShort(VERSION).putLong(e.producerId()).putLong(e.firstOffset()).putLong(e.lastOffset()).putLong(e.lastStableOffset());
    b.flip();
    FileChannel ch = channel();
    long pos = (long) entries.size() * ENTRY_SIZE;
    while (b.hasRemaining()) {
      pos += ch.write(b, pos);
    }
    entries.add(e);
    dirty = true;
  }

  private FileChannel channel() throws IOException {
    if (channel == null) {
      channel = StorageFiles.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }
    return channel;
  }

  /** The largest lastOffset indexed, or -1. */
  public synchronized long lastOffset() {
    return entries.isEmpty() ? -1 : entries.get(entries.size() - 1).lastOffset();
  }

  /**
   * The aborted transactions that overlap [fetchOffset, upperBoundOffset): those whose marker is at
   * or after {@code fetchOffset} and whose first offset is before {@code upperBoundOffset}.
   */
  public List<AbortedTxn> collect(long fetchOffset, long upperBoundOffset) {
    List<AbortedTxn> out = new ArrayList<>();
    collect(fetchOffset, upperBoundOffset, out);
    return out;
  }

  /**
   * Adds to {@code out} the entries overlapping [fetchOffset, upperBoundOffset). Returns true when
   * the search is complete: an entry's last stable offset reached the upper bound, so no later
   * entry (here or in a later segment) can overlap the range.
   */
  public synchronized boolean collect(long fetchOffset, long upperBoundOffset, List<AbortedTxn> out) {
    for (int i = firstAtOrAfter(fetchOffset); i < entries.size(); i++) {
      AbortedTxn e = entries.get(i);
      if (e.firstOffset() < upperBoundOffset) {
        out.add(e);
      }
      if (e.lastStableOffset() >= upperBoundOffset) {
        return true;
      }
    }
    return false;
  }

  private int firstAtOrAfter(long offset) {
    int lo = 0;
    int hi = entries.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (entries.get(mid).lastOffset() < offset) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** Removes the entries whose marker is at or after {@code offset} (log truncation, recovery). */
  public synchronized void truncateTo(long offset) throws IOException {
    int keep = firstAtOrAfter(offset);
    if (keep == entries.size()) {
      return;
    }
    entries.subList(keep, entries.size()).clear();
    if (Files.exists(file)) {
      channel().truncate((long) keep * ENTRY_SIZE);
      dirty = true;
    }
  }

  /** A copy of the entries, in marker order. */
  public synchronized List<AbortedTxn> entries() {
    return List.copyOf(entries);
  }

  public synchronized int size() {
    return entries.size();
  }

  public synchronized boolean isEmpty() {
    return entries.isEmpty();
  }

  /** Forces written entries to disk (no-op when nothing changed since the last flush). */
  public synchronized void flush() throws IOException {
    if (dirty && channel != null) {
      channel.force(true);
    }
    dirty = false;
  }

  public synchronized Path file() {
    return file;
  }

  /** Renames the file (if it exists) to {@code target}; later appends go there. */
  synchronized void renameTo(Path target) throws IOException {
    if (Files.exists(file)) {
      Files.move(file, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
    file = target;
  }

  /** Closes the file and removes it. */
  synchronized void deleteIfExists() throws IOException {
    closeQuietly();
    Files.deleteIfExists(file);
  }

  private void closeQuietly() {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // closing a file we are about to delete
      }
      channel = null;
    }
  }

  @Override
  public synchronized void close() throws IOException {
    if (channel != null) {
      flush();
      channel.close();
      channel = null;
    }
  }

  /** Deletes the file of an index that is not open. */
  public static void delete(Path file) throws IOException {
    Files.deleteIfExists(file);
  }
}
