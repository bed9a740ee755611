package dev.brook.storage.cleaner;

import java.util.ArrayList;
import java.util.List;

/**
 * How dirty one compacted log is, the way Kafka's cleaner judges it. The log splits in three:
 * the <em>clean</em> part [log start, first dirty offset) compacted before; the <em>cleanable</em>
 * (dirty) part [first dirty, first uncleanable); and the rest, which is never cleaned: the active
 * segment, anything at or above the high watermark (uncommitted records may still be truncated), and
 * segments holding records younger than {@code min.compaction.lag.ms}. Boundaries fall on segment
 * base offsets.
 *
 * <p>The dirty ratio is cleanable bytes / (clean + cleanable bytes); a log is worth cleaning when it
 * is at least {@code min.cleanable.dirty.ratio} and there are cleanable bytes.
 *
 * @param firstDirtyOffset where cleaning resumes (the cleaner checkpoint, clamped to the log)
 * @param firstUncleanableOffset the base offset of the first segment that must not be cleaned
 */
public record LogToClean(long firstDirtyOffset, long firstUncleanableOffset, long cleanBytes, long cleanableBytes) {

  /**
   * @param segments every segment of the log, in offset order, the active segment last
   * @param checkpoint the cleaner checkpoint of the log, or -1
   * @param now the clock's time
   */
  public static LogToClean of(List<SegmentInfo> segments, long logStartOffset, long highWatermark, long checkpoint,
      long minCompactionLagMs, long now) {
    if (segments.isEmpty()) {
      return new LogToClean(logStartOffset, logStartOffset, 0, 0);
    }
    SegmentInfo active = segments.get(segments.size() - 1);
    long firstDirty = checkpoint < logStartOffset || checkpoint > active.baseOffset() ? logStartOffset : checkpoint;
    long limit = Math.min(active.baseOffset(), highWatermark);
    for (int i = 0; i < segments.size() - 1 && minCompactionLagMs > 0; i++) {
      SegmentInfo s = segments.get(i);
      boolean dirty = segments.get(i + 1).baseOffset() > firstDirty;
      if (dirty && s.largestTimestamp() > now - minCompactionLagMs) {
        limit = Math.min(limit, s.baseOffset());
        break;
      }
    }
    // Only whole segments below the limit are cleanable: the limit may cut one.
    long firstUncleanable = firstDirty;
    long clean = 0;
    long cleanable = 0;
    for (int i = 0; i < segments.size() - 1; i++) {
      long next = segments.get(i + 1).baseOffset();
      if (next > limit) {
        break;
      }
      firstUncleanable = Math.max(firstUncleanable, next);
      if (next <= firstDirty) {
        clean += segments.get(i).sizeInBytes();
      } else {
        cleanable += segments.get(i).sizeInBytes();
      }
    }
    return new LogToClean(firstDirty, firstUncleanable, clean, cleanable);
  }

  public double dirtyRatio() {
    long total = cleanBytes + cleanableBytes;
    return total == 0 ? 0 : (double) cleanableBytes / total;
  }

  /** True if the dirty part is non-empty and at least {@code minRatio} of the log. */
  public boolean isCleanable(double minRatio) {
    return cleanableBytes > 0 && dirtyRatio() >= minRatio;
  }

  /**
   * Splits the segments [log start, {@code endOffset}) into groups that each become one cleaned
   * segment: consecutive segments whose total size stays within {@code maxSegmentBytes}, whose index
   * entries fit {@code maxIndexEntries}, and whose offsets stay within an int of the group's base.
   *
   * @param segments all segments in order, the active one last (never included)
   */
  public static List<List<SegmentInfo>> groupBySize(List<SegmentInfo> segments, long endOffset, long maxSegmentBytes,
      int maxIndexEntries) {
    List<List<SegmentInfo>> groups = new ArrayList<>();
    List<SegmentInfo> group = new ArrayList<>();
    long groupBytes = 0;
    long groupIndex = 0;
    for (int i = 0; i < segments.size() - 1; i++) {
      SegmentInfo s = segments.get(i);
      if (s.baseOffset() >= endOffset) {
        break;
      }
      long nextBase = segments.get(i + 1).baseOffset();
      boolean fits = !group.isEmpty()
          && groupBytes + s.sizeInBytes() <= maxSegmentBytes
          && groupIndex + s.indexEntries() <= maxIndexEntries
          && nextBase - 1 - group.get(0).baseOffset() <= Integer.MAX_VALUE;
      if (!group.isEmpty() && !fits) {
        groups.add(group);
        group = new ArrayList<>();
        groupBytes = 0;
        groupIndex = 0;
      }
      group.add(s);
      groupBytes += s.sizeInBytes();
      groupIndex += s.indexEntries();
    }
    if (!group.isEmpty()) {
      groups.add(group);
    }
    return groups;
  }
}
