package dev.brook.broker.replica;

import dev.brook.storage.AppendResult;
import dev.brook.storage.BatchVisitor;
import dev.brook.storage.EpochEndOffset;
import dev.brook.storage.FileSlice;
import dev.brook.storage.LeaderEpochCache;
import dev.brook.storage.LogConfig;
import dev.brook.storage.LogId;
import dev.brook.storage.LogReadResult;
import dev.brook.storage.PartitionLog;
import dev.brook.storage.RecordBatchHeader;
import dev.brook.storage.TimestampOffset;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * A model of {@link PartitionLog} for replica unit tests: one file, an in-memory list of batches,
 * no segments or indexes. Not thread-safe beyond what the tests need (appends under the partition
 * lock, reads from the test thread).
 */
final class FilePartitionLog implements PartitionLog {
  private record Entry(long baseOffset, long lastOffset, long position, int size, long maxTimestamp) {}

  private final LogId id;
  private final Path dir;
  private final FileChannel channel;
  private final List<Entry> batches = new ArrayList<>();
  private final TreeMap<Integer, Long> epochs = new TreeMap<>();
  private LogConfig config = LogConfig.defaults();
  private long logStart;
  private long logEnd;
  private long hw;
  private long fileEnd;

  FilePartitionLog(Path dir) throws IOException {
    this.id = new LogId("t", 0);
    this.dir = dir;
    this.channel = FileChannel.open(dir.resolve("log"), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }

  @Override
  public LogId id() {
    return id;
  }

  @Override
  public Path dir() {
    return dir;
  }

  @Override
  public LogConfig config() {
    return config;
  }

  @Override
  public void updateConfig(LogConfig config) {
    this.config = config;
  }

  @Override
  public synchronized AppendResult appendAsLeader(ByteBuffer b, int leaderEpoch) throws IOException {
    int at = b.position();
    long first = logEnd;
    RecordBatchHeader.setBaseOffset(b, at, logEnd);
    RecordBatchHeader.setPartitionLeaderEpoch(b, at, leaderEpoch);
    epochs.putIfAbsent(leaderEpoch, logEnd);
    return appendAsFollower(b);
  }

  @Override
  public synchronized AppendResult appendAsFollower(ByteBuffer b) throws IOException {
    int at = b.position();
    long first = RecordBatchHeader.baseOffset(b, at);
    int size = RecordBatchHeader.sizeInBytes(b, at);
    long last = RecordBatchHeader.lastOffset(b, at);
    ByteBuffer dup = b.duplicate();
    dup.limit(at + size);
    long pos = fileEnd;
    while (dup.hasRemaining()) fileEnd += channel.write(dup, fileEnd);
    batches.add(new Entry(first, last, pos, size, RecordBatchHeader.maxTimestamp(b, at)));
    logEnd = last + 1;
    return new AppendResult(first, last, RecordBatchHeader.maxTimestamp(b, at), last, logStart, 1, size);
  }

  @Override
  public synchronized LogReadResult read(long offset, int maxBytes, long maxOffsetExclusive, boolean minOneBatch) {
    if (offset < logStart || offset > logEnd) return new LogReadResult(true, FileSlice.EMPTY, -1, logStart, logEnd);
    long start = -1;
    long base = -1;
    int length = 0;
    for (Entry e : batches) {
      if (e.lastOffset < offset || e.lastOffset < logStart) continue;
      if (e.baseOffset >= maxOffsetExclusive) break;
      if (start < 0) {
        if (e.size > maxBytes && !minOneBatch) break;
        start = e.position;
        base = e.baseOffset;
        length = e.size;
      } else {
        if (length + e.size > maxBytes) break;
        length += e.size;
      }
    }
    FileSlice s = start < 0 ? FileSlice.EMPTY : new FileSlice(channel, start, length);
    return new LogReadResult(false, s, base, logStart, logEnd);
  }

  @Override
  public synchronized Optional<TimestampOffset> offsetForTimestamp(long timestamp) {
    for (Entry e : batches) {
      if (e.lastOffset >= logStart && e.maxTimestamp >= timestamp) return Optional.of(new TimestampOffset(e.maxTimestamp, e.baseOffset));
    }
    return Optional.empty();
  }

  @Override
  public synchronized Optional<TimestampOffset> maxTimestampOffset() {
    Entry best = null;
    for (Entry e : batches) if (best == null || e.maxTimestamp > best.maxTimestamp) best = e;
    return best == null ? Optional.empty() : Optional.of(new TimestampOffset(best.maxTimestamp, best.lastOffset));
  }

  @Override
  public synchronized long logStartOffset() {
    return logStart;
  }

  @Override
  public synchronized long logEndOffset() {
    return logEnd;
  }

  @Override
  public synchronized long highWatermark() {
    return hw;
  }

  @Override
  public synchronized void updateHighWatermark(long highWatermark) {
    hw = Math.max(logStart, Math.min(logEnd, highWatermark));
  }

  @Override
  public synchronized long deleteRecordsBefore(long offset) {
    logStart = Math.max(logStart, offset);
    return logStart;
  }

  @Override
  public void truncateTo(long offset) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void truncateFullyAndStartAt(long offset) {
    throw new UnsupportedOperationException();
  }

  @Override
  public int applyRetention() {
    return 0;
  }

  @Override
  public void roll() {}

  @Override
  public void flush() {}

  @Override
  public synchronized void scanBatches(long fromOffset, BatchVisitor visitor) throws IOException {
    for (Entry e : batches) {
      if (e.lastOffset < fromOffset) continue;
      ByteBuffer b = ByteBuffer.allocate(e.size);
      while (b.hasRemaining()) channel.read(b, e.position + b.position());
      b.flip();
      visitor.visit(b);
    }
  }

  @Override
  public LeaderEpochCache leaderEpochs() {
    return new LeaderEpochCache() {
      @Override
      public void assign(int epoch, long startOffset) {
        epochs.putIfAbsent(epoch, startOffset);
      }

      @Override
      public OptionalInt latestEpoch() {
        return epochs.isEmpty() ? OptionalInt.empty() : OptionalInt.of(epochs.lastKey());
      }

      @Override
      public EpochEndOffset endOffsetFor(int epoch, long logEndOffset) {
        var floor = epochs.floorEntry(epoch);
        if (floor == null) return EpochEndOffset.UNDEFINED;
        var next = epochs.higherEntry(floor.getKey());
        return new EpochEndOffset(floor.getKey(), next == null ? logEndOffset : next.getValue());
      }

      @Override
      public void truncateFromEnd(long offset) {}

      @Override
      public void truncateFromStart(long offset) {}
    };
  }

  private final List<dev.brook.storage.TxnIndex.AbortedTxn> aborted = new ArrayList<>();
  /** Producer-state snapshots by offset (kept in memory: this model has no segments to roll). */
  final TreeMap<Long, ByteBuffer> snapshots = new TreeMap<>();

  @Override
  public synchronized void writeProducerStateSnapshot(long offset, ByteBuffer state) {
    snapshots.put(offset, state.duplicate());
  }

  @Override
  public synchronized List<Long> producerStateSnapshotOffsets() {
    return new ArrayList<>(snapshots.headMap(logEnd, true).keySet());
  }

  @Override
  public synchronized Optional<ByteBuffer> readProducerStateSnapshot(long offset) {
    return Optional.ofNullable(snapshots.get(offset)).map(ByteBuffer::duplicate);
  }

  @Override
  public synchronized boolean appendAbortedTransaction(dev.brook.storage.TxnIndex.AbortedTxn txn) {
    if (txn.lastOffset() >= logEnd || (!aborted.isEmpty() && aborted.get(aborted.size() - 1).lastOffset() >= txn.lastOffset())) {
      return false;
    }
    return aborted.add(txn);
  }

  @Override
  public synchronized List<dev.brook.storage.TxnIndex.AbortedTxn> collectAbortedTransactions(long fetchOffset, long upperBoundOffset) {
    List<dev.brook.storage.TxnIndex.AbortedTxn> out = new ArrayList<>();
    for (var a : aborted) {
      if (a.lastOffset() >= fetchOffset && a.firstOffset() < upperBoundOffset) out.add(a);
    }
    return out;
  }

  @Override
  public long sizeInBytes() {
    return fileEnd;
  }

  @Override
  public int segmentCount() {
    return 1;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
