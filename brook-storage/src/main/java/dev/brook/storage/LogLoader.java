package dev.brook.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a partition's directory as a log's starting state: files left by an interrupted swap
 * ({@code .cleaned}, {@code .swap}, {@code .deleted}) are completed or discarded; after a clean
 * shutdown nothing is scanned (the active segment's tail after its last index entry excepted);
 * after an unclean one, segments from the recovery point on are validated batch by batch (CRC32C)
 * and the first bad batch ends the log. A directory this open just created is known empty and
 * skips every scan.
 *
 * <p>Threading: runs once, on the opening thread, before the log is visible to any other thread;
 * takes no lock. It logs under {@link SegmentedLog}'s logger, as it did when it was part of it.
 */
final class LogLoader {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentedLog.class);

  private LogLoader() {}

  /**
   * What a load found: the segments (the last one active, already made active), the offsets, the
   * leader epochs and producer snapshots trimmed to them, and when it ran. Every byte below {@code
   * logEndOffset} is on disk (the recovery point).
   */
  record Loaded(ConcurrentNavigableMap<Long, LogSegment> segments, LeaderEpochFileCache epochs, ProducerSnapshots producerSnapshots,
      long logStartOffset, long logEndOffset, long highWatermark, long loadedAtMs) {
    LogSegment active() {
      return segments.lastEntry().getValue();
    }
  }

  /**
   * Creates {@code dir} if it is missing; true if this call created it, so that it is known to be
   * empty. A new log (a partition created now) then skips the scans a directory from disk needs
   * (leftovers, swaps, segments, snapshots, checkpoints): they cost little each, but a topic of many
   * partitions pays them for every one, cold, while a client waits (the first FindCoordinator waits
   * for __consumer_offsets' 50).
   */
  static boolean createDir(Path dir) throws IOException {
    if (Files.isDirectory(dir)) return false;
    Path parent = dir.toAbsolutePath().getParent();
    if (parent != null) Files.createDirectories(parent);
    try {
      Files.createDirectory(dir);
      return true;
    } catch (java.nio.file.FileAlreadyExistsException e) {
      if (!Files.isDirectory(dir)) throw e;
      return false; // created meanwhile by someone else: load it as found
    }
  }

  /** {@code newDir}: the directory was just created, so there is nothing on disk to scan or recover. */
  static Loaded load(LogId id, Path dir, LogConfig config, Clock clock, LogLoadState state, boolean newDir) throws IOException {
    LeaderEpochFileCache epochs = newDir ? LeaderEpochFileCache.empty(dir) : new LeaderEpochFileCache(dir);
    ConcurrentNavigableMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
    TreeMap<Long, Boolean> bases = new TreeMap<>();
    if (!newDir) {
      LogFiles.removeLeftovers(dir);
      LogFiles.completeSwaps(dir, config);
      bases = LogFiles.segmentBases(dir);
    }
    long recoverFrom = Long.MAX_VALUE;
    if (!state.cleanShutdown()) {
      Map.Entry<Long, Boolean> floor = bases.floorEntry(Math.max(0, state.recoveryPoint()));
      recoverFrom = floor == null ? Long.MIN_VALUE : floor.getKey();
    }
    long now = clock.milliseconds();
    boolean ended = false;
    List<LogSegment> recovered = new ArrayList<>();
    for (Map.Entry<Long, Boolean> e : bases.entrySet()) {
      long base = e.getKey();
      if (ended) {
        LOG.warn("{}: deleting segment {} after the end of the recovered log", id, base);
        LogSegment.open(dir, base, config, "").deleteFiles();
        continue;
      }
      boolean indexesPresent = e.getValue();
      LogSegment seg = LogSegment.open(dir, base, config, "");
      boolean mustRecover = base >= recoverFrom || !indexesPresent || !seg.indexesLookValid();
      if (mustRecover) {
        recovered.add(seg);
        int truncated = seg.recover(config);
        if (truncated > 0) {
          LOG.warn("{}: truncated {} invalid bytes at the end of {}", id, truncated, seg.logFile());
          ended = true;
        }
      }
      segments.put(base, seg);
    }
    if (segments.isEmpty()) {
      long start = Math.max(0, state.logStartOffset());
      segments.put(start, LogSegment.createActive(dir, start, config));
    }
    for (LogSegment s : recovered) {
      if (s != segments.lastEntry().getValue()) {
        s.onBecomeInactive(); // trims the indexes recovery preallocated
      }
    }
    LogSegment active = segments.lastEntry().getValue();
    active.onBecomeActive(config);
    active.loadRollingBase(now);
    long logEndOffset = Math.max(active.readNextOffset(), active.baseOffset());
    long logStartOffset = Math.min(Math.max(state.logStartOffset(), segments.firstKey()), logEndOffset);
    long highWatermark = Math.min(Math.max(state.highWatermark(), logStartOffset), logEndOffset);
    epochs.truncateFromEnd(logEndOffset);
    epochs.truncateFromStart(logStartOffset);
    if (!newDir) migrateLegacyTxnIndex(id, dir, segments, logStartOffset, logEndOffset);
    ProducerSnapshots producerSnapshots = newDir ? ProducerSnapshots.none(dir) : new ProducerSnapshots(dir);
    producerSnapshots.deleteAbove(logEndOffset); // describe batches recovery did not keep
    producerSnapshots.deleteBelow(segments.firstKey());
    for (LogSegment s : state.cleanShutdown() ? recovered : segments.values()) {
      s.flush();
    }
    return new Loaded(segments, epochs, producerSnapshots, logStartOffset, logEndOffset, highWatermark, now);
  }

  /**
   * Splits the single per-partition {@code aborted.txnindex} of earlier versions into the indexes
   * of the segments holding each marker, then removes it. Idempotent if interrupted (an entry
   * already indexed is skipped).
   */
  private static void migrateLegacyTxnIndex(LogId id, Path dir, ConcurrentNavigableMap<Long, LogSegment> segments,
      long logStartOffset, long logEndOffset) throws IOException {
    Path legacy = dir.resolve(TxnIndex.LEGACY_FILE);
    if (!Files.exists(legacy)) {
      return;
    }
    int moved = 0;
    try (TxnIndex old = TxnIndex.open(legacy)) {
      for (TxnIndex.AbortedTxn e : old.entries()) {
        moved += SegmentTxnIndexes.index(segments, logStartOffset, logEndOffset, e) ? 1 : 0;
      }
    }
    for (LogSegment s : segments.values()) {
      s.txnIndex().flush();
    }
    Files.delete(legacy);
    CheckpointFile.fsyncDir(dir);
    LOG.info("{}: moved {} aborted transactions from {} into the segments' indexes", id, moved, legacy.getFileName());
  }
}
