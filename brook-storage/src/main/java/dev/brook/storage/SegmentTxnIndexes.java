package dev.brook.storage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

/**
 * The aborted-transaction indexes of a log's segments, read and written as one index: an aborted
 * transaction is indexed in the segment holding its marker, and a fetch collects those of the
 * segments from the one holding its offset on.
 *
 * <p>Threading: stateless. {@link #index} mutates a segment's index and is called under the log's
 * lock (or while the log is loaded, before anyone else sees it); {@link #collect} takes no lock and
 * reads the concurrent segment map as the log's other readers do.
 */
final class SegmentTxnIndexes {
  private SegmentTxnIndexes() {}

  /**
   * Indexes {@code txn} in the segment holding its marker; false (nothing written) if the marker is
   * outside [{@code logStartOffset}, {@code logEndOffset}) or already indexed there.
   */
  static boolean index(NavigableMap<Long, LogSegment> segments, long logStartOffset, long logEndOffset, TxnIndex.AbortedTxn txn)
      throws IOException {
    long marker = txn.lastOffset();
    Map.Entry<Long, LogSegment> entry = segments.floorEntry(marker);
    if (entry == null || marker >= logEndOffset || marker < logStartOffset) {
      return false;
    }
    TxnIndex index = entry.getValue().txnIndex();
    if (marker <= index.lastOffset()) {
      return false;
    }
    index.append(txn);
    return true;
  }

  /** The aborted transactions a fetch of [{@code fetchOffset}, {@code upperBoundOffset}) overlaps. */
  static List<TxnIndex.AbortedTxn> collect(NavigableMap<Long, LogSegment> segments, long fetchOffset, long upperBoundOffset) {
    List<TxnIndex.AbortedTxn> out = new ArrayList<>();
    Map.Entry<Long, LogSegment> from = segments.floorEntry(fetchOffset);
    for (LogSegment seg : (from == null ? segments : segments.tailMap(from.getKey(), true)).values()) {
      if (!seg.txnIndex().isEmpty() && seg.txnIndex().collect(fetchOffset, upperBoundOffset, out)) {
        break;
      }
    }
    return out;
  }
}
