package dev.brook.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.NavigableMap;

/**
 * The cleaner's swap: a cleaned segment replaces consecutive old segments of a log, on disk and in
 * its segment map. On disk the protocol is safe at every crash point (an open completes or discards
 * what it finds, {@link LogFiles#completeSwaps}): the cleaned files (already forced) are renamed
 * {@code .swap} and the directory forced; the old segments are renamed {@code .deleted}; the swap
 * files take the final names. In the map the cleaned segment takes the first old one's key in one
 * step, so a concurrent read always finds a segment covering its offset.
 *
 * <p>Threading: stateless. Its log calls it under its lock, with the segment map and active
 * segment it holds there; lock-free readers of the map see each step whole.
 */
final class SegmentSwap {
  private SegmentSwap() {}

  /** What becomes of an old segment once swapped out: closed and removed now or after the delay. */
  @FunctionalInterface
  interface Retire {
    void later(LogSegment old) throws IOException;
  }

  /**
   * Swaps {@code cleaned} in for {@code oldSegments} (oldest first); false (nothing changed, the
   * cleaned files removed) if they are no longer all in the log, or one is active, or the cleaned
   * segment does not start where they do. The last renames are not yet durable: the caller forces
   * the directory afterwards, outside its lock.
   */
  static boolean replace(Path dir, NavigableMap<Long, LogSegment> segments, LogSegment active, List<LogSegment> oldSegments,
      LogSegment cleaned, Retire retire) throws IOException {
    boolean current = !oldSegments.isEmpty() && cleaned.baseOffset() == oldSegments.get(0).baseOffset();
    for (LogSegment old : oldSegments) {
      current &= segments.get(old.baseOffset()) == old && old != active;
    }
    if (!current) {
      cleaned.deleteFiles();
      return false;
    }
    cleaned.changeFileSuffix(LogSegment.SWAP_SUFFIX);
    CheckpointFile.fsyncDir(dir);
    for (LogSegment old : oldSegments) {
      old.changeFileSuffix(LogSegment.DELETED_SUFFIX);
    }
    cleaned.changeFileSuffix("");
    segments.put(cleaned.baseOffset(), cleaned);
    for (LogSegment old : oldSegments.subList(1, oldSegments.size())) {
      segments.remove(old.baseOffset());
    }
    for (LogSegment old : oldSegments) {
      retire.later(old);
    }
    return true;
  }
}
