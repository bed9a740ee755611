package dev.brook.storage;

import dev.brook.storage.cleaner.CleanableLog;
import dev.brook.storage.cleaner.SegmentInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cleaner's view of a {@link SegmentedLog}: exposes its segments read-only, writes cleaned
 * segments as {@link LogSegment}s with {@code .cleaned} files, and swaps them in with {@link
 * SegmentedLog#replaceSegments} (whose crash safety {@link LogFiles#completeSwaps} completes at
 * open). Cheap to create; holds no state of its own.
 */
final class CleanableSegmentedLog implements CleanableLog {
  private static final Logger LOG = LoggerFactory.getLogger(CleanableSegmentedLog.class);

  private final SegmentedLog log;
  private final Clock clock;
  private final Function<LogId, Map<Long, Long>> activeProducers;

  CleanableSegmentedLog(SegmentedLog log, Clock clock) {
    this(log, clock, id -> Map.of());
  }

  private final Function<LogId, dev.brook.storage.cleaner.TransactionView> transactions;

  CleanableSegmentedLog(SegmentedLog log, Clock clock, Function<LogId, Map<Long, Long>> activeProducers) {
    this(log, clock, activeProducers, id -> dev.brook.storage.cleaner.TransactionView.NONE);
  }

  CleanableSegmentedLog(SegmentedLog log, Clock clock, Function<LogId, Map<Long, Long>> activeProducers,
      Function<LogId, dev.brook.storage.cleaner.TransactionView> transactions) {
    this.transactions = transactions;
    this.log = log;
    this.clock = clock;
    this.activeProducers = activeProducers;
  }

  @Override
  public Map<Long, Long> lastOffsetsOfActiveProducers() {
    Map<Long, Long> m = activeProducers.apply(log.id());
    return m == null ? Map.of() : m;
  }

  /** One live segment of the log; equal views mean the same segment object. */
  record View(LogSegment segment) implements Segment {
    @Override
    public SegmentInfo info() {
      LogSegment s = segment;
      long largest;
      try {
        largest = s.maxTimestamp();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return new SegmentInfo(s.baseOffset(), s.sizeInBytes(), largest, s.offsetIndex().entries());
    }

    @Override
    public long firstBatchTimestamp() throws IOException {
      return segment.firstBatchTimestamp();
    }

    @Override
    public FileChannel channel() {
      return segment.channel();
    }

    @Override
    public long lastModified() throws IOException {
      return Files.getLastModifiedTime(segment.logFile()).toMillis();
    }

    @Override
    public List<TxnIndex.AbortedTxn> abortedTransactions() {
      return segment.txnIndex().entries();
    }
  }

  private final class Cleaned implements CleanedSegment {
    final LogSegment segment;

    Cleaned(LogSegment segment) {
      this.segment = segment;
    }

    @Override
    public void append(ByteBuffer batch) throws IOException {
      segment.append(batch, clock.milliseconds());
    }

    @Override
    public void indexAbortedTransaction(TxnIndex.AbortedTxn txn) throws IOException {
      segment.txnIndex().append(txn);
    }

    @Override
    public long sizeInBytes() {
      return segment.sizeInBytes();
    }

    @Override
    public void abort() {
      try {
        segment.deleteFiles();
      } catch (IOException e) {
        LOG.warn("Cannot delete abandoned cleaned segment {} (removed at next open)", segment.logFile(), e);
      }
    }
  }

  @Override
  public LogId id() {
    return log.id();
  }

  @Override
  public LogConfig config() {
    return log.config();
  }

  @Override
  public long logStartOffset() {
    return log.logStartOffset();
  }

  @Override
  public long highWatermark() {
    // Never clean past the last stable offset: an open transaction may still abort (txn area).
    return Math.min(log.highWatermark(), transactions.apply(log.id()).lastStableOffset());
  }

  @Override
  public List<TxnIndex.AbortedTxn> abortedTransactions(long from, long to) {
    return log.collectAbortedTransactions(from, to);
  }

  @Override
  public List<View> segments() {
    List<LogSegment> segments = log.segments();
    List<View> views = new ArrayList<>(segments.size());
    for (LogSegment s : segments) {
      views.add(new View(s));
    }
    return views;
  }

  @Override
  public CleanedSegment startCleanedSegment(long baseOffset) throws IOException {
    return new Cleaned(LogSegment.create(log.dir(), baseOffset, log.config(), LogSegment.CLEANED_SUFFIX));
  }

  @Override
  public boolean replaceSegments(CleanedSegment cleaned, List<? extends Segment> old, long lastModified) throws IOException {
    LogSegment segment = ((Cleaned) cleaned).segment;
    List<LogSegment> oldSegments = new ArrayList<>(old.size());
    for (Segment s : old) {
      oldSegments.add(((View) s).segment());
    }
    // Keep the group's age for anything that falls back on file times (Kafka does the same).
    Files.setLastModifiedTime(segment.logFile(), FileTime.fromMillis(lastModified));
    return log.replaceSegments(oldSegments, segment);
  }
}
