package dev.brook.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The aborted-transaction index of a partition log ({@code .txnindex}): one entry per aborted
 * transaction, in the order of their ABORT markers, saying which offsets a read_committed consumer
 * must drop for that producer.
 *
 * <p>Invariant: entries are ordered by {@code lastOffset} (the marker's offset), which strictly
 * grows. Each entry is 34 bytes, big-endian: {@code version:int16 (=0) producerId:int64
 * firstOffset:int64 lastOffset:int64 lastStableOffset:int64} (Kafka's layout). A torn last entry
 * (crash mid-write) is dropped on open. Entries at or past the log end after a crash are removed
 * by {@link #truncateTo}.
 *
 * <p>Not thread-safe: owned by one partition, which calls it under its append lock (reads copy).
 */
public final class TxnIndex implements AutoCloseable {
  public static final String SUFFIX = ".txnindex";
  static final int ENTRY_SIZE = 34;
  static final short VERSION = 0;

  /** One aborted transaction: producer {@code producerId}'s records in [firstOffset, lastOffset]. */
  public record AbortedTxn(long producerId, long firstOffset, long lastOffset, long lastStableOffset) {}

  private final Path file;
  private final FileChannel channel;
  private final List<AbortedTxn> entries;

  private TxnIndex(Path file, FileChannel channel, List<AbortedTxn> entries) {
    this.file = file;
    this.channel = channel;
    this.entries = entries;
  }

  /** Opens (or creates) the index file, reading its whole entries. */
  public static TxnIndex open(Path file) throws IOException {
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    long size = ch.size();
    long whole = size - size % ENTRY_SIZE;
    List<AbortedTxn> entries = new ArrayList<>();
    ByteBuffer b = ByteBuffer.allocate(ENTRY_SIZE);
    long valid = 0;
    for (long pos = 0; pos < whole; pos += ENTRY_SIZE) {
      b.clear();
      while (b.hasRemaining()) {
        if (ch.read(b, pos + b.position()) < 0) break;
      }
      b.flip();
      if (b.remaining() < ENTRY_SIZE || b.getShort() != VERSION) break;
      AbortedTxn e = new AbortedTxn(b.getLong(), b.getLong(), b.getLong(), b.getLong());
      if (!entries.isEmpty() && e.lastOffset() <= entries.get(entries.size() - 1).lastOffset()) break;
      entries.add(e);
      valid = pos + ENTRY_SIZE;
    }
    if (valid < size) ch.truncate(valid);
    ch.position(valid);
    return new TxnIndex(file, ch, entries);
  }

  /** Appends an entry; its lastOffset must exceed every entry's. */
  public void append(AbortedTxn e) throws IOException {
    if (!entries.isEmpty() && e.lastOffset() <= lastOffset()) {
      throw new IllegalArgumentException("aborted transaction " + e + " is not after the last entry " + lastOffset());
    }
    ByteBuffer b = ByteBuffer.allocate(ENTRY_SIZE);
    b.putShort(VERSION).putLong(e.producerId()).putLong(e.firstOffset()).putLong(e.lastOffset()).putLong(e.lastStableOffset());
    b.flip();
    while (b.hasRemaining()) channel.write(b);
    entries.add(e);
  }

  /** The largest lastOffset indexed, or -1. */
  public long lastOffset() {
    return entries.isEmpty() ? -1 : entries.get(entries.size() - 1).lastOffset();
  }

  /**
   * The aborted transactions that overlap [fetchOffset, upperBoundOffset): those whose marker is at
   * or after {@code fetchOffset} and whose first offset is before {@code upperBoundOffset}.
   */
  public List<AbortedTxn> collect(long fetchOffset, long upperBoundOffset) {
    List<AbortedTxn> out = new ArrayList<>();
    int i = firstAtOrAfter(fetchOffset);
    for (; i < entries.size(); i++) {
      AbortedTxn e = entries.get(i);
      if (e.firstOffset() < upperBoundOffset) out.add(e);
    }
    return out;
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
  public void truncateTo(long offset) throws IOException {
    int keep = firstAtOrAfter(offset);
    if (keep == entries.size()) return;
    entries.subList(keep, entries.size()).clear();
    channel.truncate((long) keep * ENTRY_SIZE);
    channel.position((long) keep * ENTRY_SIZE);
  }

  public int size() {
    return entries.size();
  }

  public void flush() throws IOException {
    channel.force(true);
  }

  public Path file() {
    return file;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  /** Deletes the file of an index that is not open. */
  public static void delete(Path file) throws IOException {
    Files.deleteIfExists(file);
  }
}
