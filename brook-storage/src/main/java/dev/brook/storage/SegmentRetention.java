package dev.brook.storage;

import java.io.IOException;
import java.util.Collection;
import java.util.Iterator;

/**
 * Retention's decision: how many of a log's oldest segments go, by the log start, by time and by
 * size. Each rule answers a count of segments from the oldest on; the deletion itself (the renames,
 * moving the log start) is the log's. A segment goes only as a whole, the last (active) segment
 * never, and by time or size only when the segment after it starts at or below the high watermark,
 * so retention never removes a record consumers cannot read yet.
 *
 * <p>Threading: stateless, pure over the segments it is given (oldest first). The log calls it
 * under its lock, with the segment map and offsets it holds there.
 */
final class SegmentRetention {
  private SegmentRetention() {}

  /** The time retention compares with its cutoff: the largest record timestamp, or the file's mtime. */
  @FunctionalInterface
  interface SegmentTime {
    long of(LogSegment segment) throws IOException;
  }

  @FunctionalInterface
  private interface Rule {
    boolean goes(LogSegment segment, long nextBase) throws IOException;
  }

  /** The oldest segments whose every offset is below {@code logStartOffset}. */
  static int belowLogStart(Collection<LogSegment> segments, long logStartOffset) throws IOException {
    return prefix(segments, (seg, nextBase) -> nextBase <= logStartOffset);
  }

  /** The oldest segments below the high watermark whose time is before {@code cutoffMs}. */
  static int expired(Collection<LogSegment> segments, long highWatermark, long cutoffMs, SegmentTime time) throws IOException {
    return prefix(segments, (seg, nextBase) -> nextBase <= highWatermark && time.of(seg) < cutoffMs);
  }

  /**
   * The oldest segments below the high watermark that can go while what they hold together stays
   * within {@code excessBytes} (the log's size beyond retention.bytes).
   */
  static int overSize(Collection<LogSegment> segments, long highWatermark, long excessBytes) throws IOException {
    long[] excess = {excessBytes};
    return prefix(segments, (seg, nextBase) -> {
      if (nextBase > highWatermark || excess[0] - seg.sizeInBytes() < 0) {
        return false;
      }
      excess[0] -= seg.sizeInBytes();
      return true;
    });
  }

  /** How many segments from the oldest {@code rule} takes, before the first it keeps; never the last. */
  private static int prefix(Collection<LogSegment> segments, Rule rule) throws IOException {
    Iterator<LogSegment> it = segments.iterator();
    if (!it.hasNext()) {
      return 0;
    }
    LogSegment seg = it.next();
    int count = 0;
    while (it.hasNext()) {
      LogSegment next = it.next();
      if (!rule.goes(seg, next.baseOffset())) {
        break;
      }
      count++;
      seg = next;
    }
    return count;
  }
}
