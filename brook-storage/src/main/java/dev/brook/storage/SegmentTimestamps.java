package dev.brook.storage;

import java.io.IOException;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The timestamp lookups of a log (ListOffsets by timestamp, and the record with the largest
 * timestamp), answered from its segments' time indexes and, inside compressed batches, through a
 * {@link RecordCodec}. Only records at or above the log start count.
 *
 * <p>Threading: stateless; takes no lock. It reads the concurrent segment map as the log's other
 * readers do, so it runs concurrently with appends, rolls and retention.
 */
final class SegmentTimestamps {
  private SegmentTimestamps() {}

  /**
   * The first record whose timestamp is at least {@code timestamp}. A segment whose largest
   * timestamp is below it is skipped, unless it is the active one ({@code active} is read for each
   * segment, as the log may roll meanwhile).
   */
  static Optional<TimestampOffset> offsetForTimestamp(NavigableMap<Long, LogSegment> segments, Supplier<LogSegment> active,
      long logStartOffset, long timestamp, RecordCodec codec) throws IOException {
    for (LogSegment seg : segments.values()) {
      if (seg.maxTimestamp() < timestamp && seg != active.get()) {
        continue;
      }
      TimestampOffset found = seg.findOffsetByTimestamp(timestamp, logStartOffset, codec);
      if (found != null) {
        return Optional.of(found);
      }
    }
    return Optional.empty();
  }

  /**
   * The record with the largest timestamp at or above the log start (as in Kafka): after
   * DeleteRecords the first segment may still hold the largest timestamp below the log start, so
   * that segment is then searched from the log start on.
   */
  static Optional<TimestampOffset> maxTimestampOffset(NavigableMap<Long, LogSegment> segments, long logStartOffset, RecordCodec codec)
      throws IOException {
    long start = logStartOffset;
    TimestampOffset best = null;
    for (LogSegment seg : segments.values()) {
      long segMax = seg.maxTimestamp();
      if (segMax < 0 || (best != null && segMax <= best.timestamp())) {
        continue;
      }
      TimestampOffset found = seg.baseOffset() >= start || seg.offsetOfMaxTimestamp() >= start
          ? seg.maxTimestampRecord(codec)
          : seg.maxTimestampRecordFrom(start, codec);
      if (found != null && found.offset() >= start && (best == null || found.timestamp() > best.timestamp())) {
        best = found;
      }
    }
    return Optional.ofNullable(best);
  }
}
