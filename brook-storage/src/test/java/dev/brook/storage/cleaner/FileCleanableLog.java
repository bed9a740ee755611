package dev.brook.storage.cleaner;

import dev.brook.storage.LogConfig;
import dev.brook.storage.LogId;
import dev.brook.storage.RecordBatchHeader;
import dev.brook.storage.TxnIndex;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal file-backed log for testing the cleaner alone: segments are plain {@code .log} files
 * without indexes, rolled by the test. The real log's swap and recovery are tested with the core.
 */
final class FileCleanableLog implements CleanableLog {
  private final LogId id = new LogId("t", 0);
  private final Path dir;
  private LogConfig config;
  private final List<Seg> segments = new ArrayList<>();
  long highWatermark = Long.MAX_VALUE;
  long logStartOffset;
  long nextOffset;
  long appendTimestamp;
  java.util.Map<Long, Long> activeProducers = java.util.Map.of();

  @Override
  public java.util.Map<Long, Long> lastOffsetsOfActiveProducers() {
    return activeProducers;
  }

  /** Indexes an aborted transaction in the segment holding its marker (the test's job). */
  synchronized void indexAborted(TxnIndex.AbortedTxn txn) {
    Seg holder = segments.get(0);
    for (Seg s : segments) {
      if (s.base <= txn.lastOffset()) {
        holder = s;
      }
    }
    holder.aborted.add(txn);
  }

  @Override
  public synchronized List<TxnIndex.AbortedTxn> abortedTransactions(long from, long to) {
    List<TxnIndex.AbortedTxn> out = new ArrayList<>();
    for (Seg s : segments) {
      for (TxnIndex.AbortedTxn a : s.aborted) {
        if (a.lastOffset() >= from && a.firstOffset() < to) {
          out.add(a);
        }
      }
    }
    return out;
  }

  FileCleanableLog(Path dir, LogConfig config) throws IOException {
    this.dir = dir;
    this.config = config;
    segments.add(new Seg(0, dir.resolve(name(0))));
  }

  final class Seg implements Segment {
    final long base;
    final Path file;
    final FileChannel ch;
    long maxTimestamp = -1;
    final List<TxnIndex.AbortedTxn> aborted = new ArrayList<>();

    @Override
    public List<TxnIndex.AbortedTxn> abortedTransactions() {
      return List.copyOf(aborted);
    }

    Seg(long base, Path file) throws IOException {
      this.base = base;
      this.file = file;
      this.ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    @Override
    public SegmentInfo info() {
      try {
        return new SegmentInfo(base, ch.size(), maxTimestamp, 1);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public FileChannel channel() {
      return ch;
    }

    @Override
    public long lastModified() throws IOException {
      return Files.getLastModifiedTime(file).toMillis();
    }
  }

  static String name(long base) {
    return String.format("%020d.log", base);
  }

  /** Appends a batch built by the test; its offsets are assigned here. */
  synchronized void append(ByteBuffer batch) throws IOException {
    RecordBatchHeader.setBaseOffset(batch, 0, nextOffset);
    Seg active = segments.get(segments.size() - 1);
    active.ch.write(batch.duplicate(), active.ch.size());
    active.maxTimestamp = Math.max(active.maxTimestamp, RecordBatchHeader.maxTimestamp(batch, 0));
    nextOffset = RecordBatchHeader.lastOffset(batch, 0) + 1;
  }

  synchronized void roll() throws IOException {
    segments.add(new Seg(nextOffset, dir.resolve(name(nextOffset))));
  }

  /** Every batch of the log, in order. */
  synchronized ByteBuffer readAll() throws IOException {
    long size = 0;
    for (Seg s : segments) {
      size += s.ch.size();
    }
    ByteBuffer all = ByteBuffer.allocate((int) size);
    for (Seg s : segments) {
      long pos = 0;
      long n = s.ch.size();
      while (pos < n) {
        int r = s.ch.read(all, pos);
        if (r < 0) {
          break;
        }
        pos += r;
      }
    }
    all.flip();
    return all;
  }

  @Override
  public LogId id() {
    return id;
  }

  @Override
  public synchronized LogConfig config() {
    return config;
  }

  synchronized void config(LogConfig c) {
    this.config = c;
  }

  @Override
  public long logStartOffset() {
    return logStartOffset;
  }

  @Override
  public long highWatermark() {
    return Math.min(highWatermark, nextOffset);
  }

  @Override
  public synchronized List<? extends Segment> segments() {
    return List.copyOf(segments);
  }

  synchronized int segmentCount() {
    return segments.size();
  }

  @Override
  public CleanedSegment startCleanedSegment(long baseOffset) throws IOException {
    Path file = dir.resolve(name(baseOffset) + ".cleaned");
    Files.deleteIfExists(file);
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
    return new Cleaned(baseOffset, file, ch, new ArrayList<>());
  }

  record Cleaned(long base, Path file, FileChannel ch, List<TxnIndex.AbortedTxn> aborted) implements CleanedSegment {
    @Override
    public void indexAbortedTransaction(TxnIndex.AbortedTxn txn) {
      aborted.add(txn);
    }

    @Override
    public void append(ByteBuffer batch) throws IOException {
      ch.write(batch.duplicate(), ch.size());
    }

    @Override
    public long sizeInBytes() {
      try {
        return ch.size();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void abort() {
      try {
        ch.close();
        Files.deleteIfExists(file);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  @Override
  public synchronized boolean replaceSegments(CleanedSegment cleaned, List<? extends Segment> old, long lastModified)
      throws IOException {
    if (!segments.containsAll(old)) {
      cleaned.abort();
      return false;
    }
    Cleaned c = (Cleaned) cleaned;
    c.ch.force(true);
    c.ch.close();
    Files.setLastModifiedTime(c.file, FileTime.fromMillis(lastModified));
    int at = segments.indexOf(old.get(0));
    long maxTs = -1;
    for (Segment s : old) {
      Seg seg = (Seg) s;
      maxTs = Math.max(maxTs, seg.maxTimestamp);
      seg.ch.close();
      Files.delete(seg.file);
      segments.remove(seg);
    }
    Path target = dir.resolve(name(c.base));
    Files.move(c.file, target);
    Seg replacement = new Seg(c.base, target);
    replacement.maxTimestamp = maxTs;
    replacement.aborted.addAll(c.aborted);
    segments.add(at, replacement);
    return true;
  }
}
