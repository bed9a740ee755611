package dev.brook.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link LeaderEpochCache} kept in memory and checkpointed to {@code leader-epoch-checkpoint}
 * (lines {@code <epoch> <startOffset>}) after every change. Invariant: epochs and start offsets
 * both strictly increase. Thread-safe (synchronized; changes are rare: a new leader epoch, a
 * truncation, a moved log start).
 */
public final class LeaderEpochFileCache implements LeaderEpochCache {
  public static final String FILE_NAME = "leader-epoch-checkpoint";
  private static final Logger LOG = LoggerFactory.getLogger(LeaderEpochFileCache.class);

  private final Path file;
  private final TreeMap<Integer, Long> epochs = new TreeMap<>();

  /** Loads the checkpoint in {@code dir}; a malformed file is logged and treated as empty. */
  public LeaderEpochFileCache(Path dir) {
    this(dir, true);
  }

  /** The cache of a log whose directory was just created: no checkpoint to read. */
  static LeaderEpochFileCache empty(Path dir) {
    return new LeaderEpochFileCache(dir, false);
  }

  private LeaderEpochFileCache(Path dir, boolean read) {
    this.file = dir.resolve(FILE_NAME);
    if (!read) return;
    try {
      for (String line : CheckpointFile.read(file)) {
        String[] parts = line.trim().split("\\s+");
        epochs.put(Integer.parseInt(parts[0]), Long.parseLong(parts[1]));
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("Ignoring unreadable leader epoch checkpoint {}", file, e);
      epochs.clear();
    }
  }

  @Override
  public synchronized void assign(int epoch, long startOffset) {
    if (epoch < 0) {
      return;
    }
    Map.Entry<Integer, Long> latest = epochs.lastEntry();
    if (latest != null && epoch <= latest.getKey()) {
      return;
    }
    // A new epoch starting below existing entries overrides them (they were never committed).
    epochs.values().removeIf(start -> start >= startOffset);
    epochs.put(epoch, startOffset);
    persist();
  }

  @Override
  public synchronized OptionalInt latestEpoch() {
    return epochs.isEmpty() ? OptionalInt.empty() : OptionalInt.of(epochs.lastKey());
  }

  /** Start offset of {@code epoch}, or -1. */
  public synchronized long startOffsetOf(int epoch) {
    Long start = epochs.get(epoch);
    return start == null ? -1 : start;
  }

  /**
   * Kafka's rules: the latest epoch ends at the log end; an older epoch ends where the next known
   * epoch starts (answered with the largest known epoch ≤ the requested one, or the requested one
   * itself when it is older than every known epoch); an epoch newer than the latest is unknown.
   */
  @Override
  public synchronized EpochEndOffset endOffsetFor(int epoch, long logEndOffset) {
    if (epoch < 0 || epochs.isEmpty()) {
      return EpochEndOffset.UNDEFINED;
    }
    if (epoch == epochs.lastKey()) {
      return new EpochEndOffset(epoch, logEndOffset);
    }
    Map.Entry<Integer, Long> higher = epochs.higherEntry(epoch);
    if (higher == null) {
      return EpochEndOffset.UNDEFINED;
    }
    Map.Entry<Integer, Long> floor = epochs.floorEntry(epoch);
    return new EpochEndOffset(floor == null ? epoch : floor.getKey(), higher.getValue());
  }

  @Override
  public synchronized void truncateFromEnd(long offset) {
    if (epochs.values().removeIf(start -> start >= offset)) {
      persist();
    }
  }

  @Override
  public synchronized void truncateFromStart(long offset) {
    Map.Entry<Integer, Long> floor = null;
    for (Map.Entry<Integer, Long> e : epochs.entrySet()) {
      if (e.getValue() <= offset) {
        floor = e;
      }
    }
    if (floor == null) {
      return;
    }
    int keepEpoch = floor.getKey();
    boolean changed = floor.getValue() != offset;
    changed |= epochs.headMap(keepEpoch, false).size() > 0;
    epochs.headMap(keepEpoch, false).clear();
    epochs.put(keepEpoch, offset);
    if (changed) {
      persist();
    }
  }

  /** Removes every entry (the log was emptied). */
  public synchronized void clear() {
    epochs.clear();
    persist();
  }

  /** A copy of the entries, epoch → start offset. */
  public synchronized Map<Integer, Long> entries() {
    return new TreeMap<>(epochs);
  }

  private void persist() {
    List<String> lines = new ArrayList<>(epochs.size());
    epochs.forEach((e, o) -> lines.add(e + " " + o));
    try {
      CheckpointFile.write(file, lines);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
