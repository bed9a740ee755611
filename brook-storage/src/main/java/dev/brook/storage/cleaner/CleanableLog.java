package dev.brook.storage.cleaner;

import dev.brook.storage.LogConfig;
import dev.brook.storage.LogId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.List;

/**
 * The view of one partition log that the cleaner works through; the storage core's log implements
 * it. The cleaner only reads non-active segments and only changes the log through {@link
 * #replaceSegments}, which the log runs under its own lock.
 *
 * <p>Files of a cleaning in progress, and what opening the log after a crash does with them:
 *
 * <ul>
 *   <li>{@code <base>.log.cleaned}, {@code .index.cleaned}, {@code .timeindex.cleaned}, {@code
 *       .txnindex.cleaned}: a cleaned
 *       segment being written. Incomplete by definition: deleted at open.
 *   <li>{@code <base>.log.swap} (indexes may still be {@code .cleaned} or {@code .swap}): the cleaned
 *       segment is complete and forced to disk; the swap is committed. At open, every segment whose
 *       base offset lies in [swap base, swap's next offset) is deleted, the swap segment is renamed to
 *       its final name, and its offset and time indexes are rebuilt if they are not all there. The
 *       transaction index cannot be rebuilt from the log alone: it is renamed {@code .swap} before
 *       the log, and taken over from {@code .txnindex.swap} when the log already has its final name.
 *   <li>{@code .deleted}: a replaced segment waiting for {@code file.delete.delay.ms}: deleted.
 * </ul>
 */
public interface CleanableLog {

  LogId id();

  LogConfig config();

  long logStartOffset();

  /** Records at or above it may still be truncated (by a new leader) and are never cleaned. */
  long highWatermark();

  /** A snapshot of the segments in offset order; the last one is the active segment. */
  List<? extends Segment> segments();

  /** One segment as the cleaner sees it. */
  interface Segment {
    SegmentInfo info();

    /** Read-only access to the {@code .log} bytes [0, info().sizeInBytes()). */
    FileChannel channel();

    /** The {@code .log} file's last-modified time in ms. */
    long lastModified() throws IOException;

    /**
     * The max timestamp of the segment's first batch, -1 if empty or unknown: what {@code
     * max.compaction.lag.ms} counts from.
     */
    default long firstBatchTimestamp() throws IOException {
      return -1;
    }

    /** The entries of this segment's aborted-transaction index ({@code .txnindex}), marker order. */
    List<dev.brook.storage.TxnIndex.AbortedTxn> abortedTransactions();
  }

  /**
   * Seam for idempotence and transactions (producer state lives in the broker): producer id → the
   * last offset of that producer's last batch, for producers that are still active. A batch that
   * compaction would empty is kept as an empty batch when it is such a last batch. Default: none.
   */
  default java.util.Map<Long, Long> lastOffsetsOfActiveProducers() {
    return java.util.Map.of();
  }

  /**
   * The aborted transactions whose records overlap [from, to), from the segments' transaction
   * indexes; their records must not survive compaction.
   */
  List<dev.brook.storage.TxnIndex.AbortedTxn> abortedTransactions(long from, long to);

  /** Creates the empty {@code .cleaned} files of a segment that will start at {@code baseOffset}. */
  CleanedSegment startCleanedSegment(long baseOffset) throws IOException;

  /** A cleaned segment being written: batches keep their offsets; indexes are built as it goes. */
  interface CleanedSegment {
    /** Appends one whole batch (position..limit, the position is not moved), offsets unchanged. */
    void append(ByteBuffer batch) throws IOException;

    /**
     * Indexes an aborted transaction whose marker this cleaned segment holds (entries in marker
     * order, after the marker batch was appended).
     */
    void indexAbortedTransaction(dev.brook.storage.TxnIndex.AbortedTxn txn) throws IOException;

    long sizeInBytes();

    /** Deletes the files (the cleaning was given up). Never throws. */
    void abort();
  }

  /**
   * Swaps {@code cleaned} in for {@code old} (consecutive non-active segments from {@link
   * #segments()}): forces the cleaned files, sets the cleaned log file's last-modified time, renames
   * {@code .cleaned} → {@code .swap} (the log file last: the commit point), replaces the segments in
   * memory, renames the old files {@code .deleted} (removed after {@code file.delete.delay.ms}) and
   * finally {@code .swap} → the final names.
   *
   * @return false, having aborted the cleaned segment, if the old segments are no longer all in the
   *     log (truncated or deleted meanwhile)
   */
  boolean replaceSegments(CleanedSegment cleaned, List<? extends Segment> old, long lastModified) throws IOException;
}
