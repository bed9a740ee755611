package dev.brook.storage;

/**
 * The settings of one partition log, with Kafka's topic-level names in the comments. Immutable; a
 * config change replaces the whole value ({@link PartitionLog#updateConfig}).
 *
 * @param segmentBytes segment.bytes: roll when the active segment would exceed this size
 * @param segmentMs segment.ms: roll when the active segment's first batch is older than this
 * @param segmentIndexBytes segment.index.bytes: the largest an index may be; a full index rolls (an active
 *     segment's indexes are preallocated to what its segment.bytes can need, {@link #activeIndexBytes})
 * @param indexIntervalBytes index.interval.bytes: bytes between two offset index entries
 * @param retentionMs retention.ms: delete segments whose newest timestamp is older (-1: never)
 * @param retentionBytes retention.bytes: delete oldest segments while the log is larger (-1: never)
 * @param compact cleanup.policy contains "compact"
 * @param delete cleanup.policy contains "delete"
 * @param deleteRetentionMs delete.retention.ms: how long compaction keeps tombstones
 * @param minCleanableDirtyRatio min.cleanable.dirty.ratio
 * @param minCompactionLagMs min.compaction.lag.ms
 * @param flushMessages flush.messages: fsync after this many messages (Long.MAX_VALUE: leave to OS)
 * @param flushMs flush.ms: fsync when the last one is older than this (Long.MAX_VALUE: leave to OS)
 * @param fileDeleteDelayMs file.delete.delay.ms: deleted segments are renamed and removed later, so
 *     that reads already handed to the network finish
 * @param preallocate preallocate
 * @param segmentJitterMs segment.jitter.ms: each segment rolls by age up to this much earlier (a
 *     fixed amount per segment, below {@code segmentMs}), so partitions made together do not all
 *     roll at the same moment
 * @param maxCompactionLagMs max.compaction.lag.ms: on a compacted log, a record is compacted at the
 *     latest this long after it was written: the active segment rolls by then, and a log whose dirty
 *     part holds an older batch is cleaned whatever its dirty ratio (Long.MAX_VALUE: no bound)
 */
public record LogConfig(
    int segmentBytes,
    long segmentMs,
    int segmentIndexBytes,
    int indexIntervalBytes,
    long retentionMs,
    long retentionBytes,
    boolean compact,
    boolean delete,
    long deleteRetentionMs,
    double minCleanableDirtyRatio,
    long minCompactionLagMs,
    long flushMessages,
    long flushMs,
    long fileDeleteDelayMs,
    boolean preallocate,
    long segmentJitterMs,
    long maxCompactionLagMs) {

  /** Kafka's defaults. */
  public static LogConfig defaults() {
    return new LogConfig(
        1024 * 1024 * 1024,
        7L * 24 * 60 * 60 * 1000,
        10 * 1024 * 1024,
        4096,
        7L * 24 * 60 * 60 * 1000,
        -1,
        false,
        true,
        24L * 60 * 60 * 1000,
        0.5,
        0,
        Long.MAX_VALUE,
        Long.MAX_VALUE,
        60_000,
        false,
        0,
        Long.MAX_VALUE);
  }

  public LogConfig withSegmentBytes(int v) {
    return new LogConfig(v, segmentMs, segmentIndexBytes, indexIntervalBytes, retentionMs, retentionBytes, compact, delete, deleteRetentionMs, minCleanableDirtyRatio, minCompactionLagMs, flushMessages, flushMs, fileDeleteDelayMs, preallocate, segmentJitterMs, maxCompactionLagMs);
  }

  public LogConfig withSegmentMs(long v) {
    return new LogConfig(segmentBytes, v, segmentIndexBytes, indexIntervalBytes, retentionMs, retentionBytes, compact, delete, deleteRetentionMs, minCleanableDirtyRatio, minCompactionLagMs, flushMessages, flushMs, fileDeleteDelayMs, preallocate, segmentJitterMs, maxCompactionLagMs);
  }

  public LogConfig withSegmentIndexBytes(int v) {
    return new LogConfig(segmentBytes, segmentMs, v, indexIntervalBytes, retentionMs, retentionBytes, compact, delete, deleteRetentionMs, minCleanableDirtyRatio, minCompactionLagMs, flushMessages, flushMs, fileDeleteDelayMs, preallocate, segmentJitterMs, maxCompactionLagMs);
  }

  public LogConfig withIndexIntervalBytes(int v) {
    return new LogConfig(segmentBytes, segmentMs, segmentIndexBytes, v, retentionMs, retentionBytes, compact, delete, deleteRetentionMs, minCleanableDirtyRatio, minCompactionLagMs, flushMessages, flushMs, fileDeleteDelayMs, preallocate, segmentJitterMs, maxCompactionLagMs);
  }

  public LogConfig withRetention(long ms, long bytes) {
    return new LogConfig(segmentBytes, segmentMs, segmentIndexBytes, indexIntervalBytes, ms, bytes, compact, delete, deleteRetentionMs, minCleanableDirtyRatio, minCompactionLagMs, flushMessages, flushMs, fileDeleteDelayMs, preallocate, segmentJitterMs, maxCompactionLagMs);
  }

  public LogConfig withCleanupPolicy(boolean compact, boolean delete) {
    return new LogConfig(segmentBytes, segmentMs, segmentIndexBytes, indexIntervalBytes, retentionMs, retentionBytes, compact, delete, deleteRetentionMs, minCleanableDirtyRatio, minCompactionLagMs, flushMessages, flushMs, fileDeleteDelayMs, preallocate, segmentJitterMs, maxCompactionLagMs);
  }

  public LogConfig withCompaction(long deleteRetentionMs, double minCleanableDirtyRatio, long minCompactionLagMs) {
    return new LogConfig(segmentBytes, segmentMs, segmentIndexBytes, indexIntervalBytes, retentionMs, retentionBytes, compact, delete, deleteRetentionMs, minCleanableDirtyRatio, minCompactionLagMs, flushMessages, flushMs, fileDeleteDelayMs, preallocate, segmentJitterMs, maxCompactionLagMs);
  }

  public LogConfig withFlush(long messages, long ms) {
    return new LogConfig(segmentBytes, segmentMs, segmentIndexBytes, indexIntervalBytes, retentionMs, retentionBytes, compact, delete, deleteRetentionMs, minCleanableDirtyRatio, minCompactionLagMs, messages, ms, fileDeleteDelayMs, preallocate, segmentJitterMs, maxCompactionLagMs);
  }

  public LogConfig withFileDeleteDelayMs(long v) {
    return new LogConfig(segmentBytes, segmentMs, segmentIndexBytes, indexIntervalBytes, retentionMs, retentionBytes, compact, delete, deleteRetentionMs, minCleanableDirtyRatio, minCompactionLagMs, flushMessages, flushMs, v, preallocate, segmentJitterMs, maxCompactionLagMs);
  }

  public LogConfig withSegmentJitterMs(long v) {
    return new LogConfig(segmentBytes, segmentMs, segmentIndexBytes, indexIntervalBytes, retentionMs, retentionBytes, compact, delete, deleteRetentionMs, minCleanableDirtyRatio, minCompactionLagMs, flushMessages, flushMs, fileDeleteDelayMs, preallocate, v, maxCompactionLagMs);
  }

  public LogConfig withMaxCompactionLagMs(long v) {
    return new LogConfig(segmentBytes, segmentMs, segmentIndexBytes, indexIntervalBytes, retentionMs, retentionBytes, compact, delete, deleteRetentionMs, minCleanableDirtyRatio, minCompactionLagMs, flushMessages, flushMs, fileDeleteDelayMs, preallocate, segmentJitterMs, v);
  }

  /**
   * The bytes to preallocate for an index of {@code entrySize}-byte entries on a segment that takes
   * appends: room for every entry a segment of {@code segment.bytes} can get — one per more than
   * {@code index.interval.bytes} of batches, a batch being at least {@value RecordBatchHeader#SIZE}
   * bytes — plus the time index's final entry and one spare, at most {@code segment.index.bytes}.
   * With Kafka's defaults (1 GiB, 4096) that is 2 MiB for the offset index instead of 10; for a
   * 2 MiB segment it is 4 KiB, so making, mapping and trimming a rolled segment's indexes costs a
   * page or two instead of a 10 MiB mapping.
   */
  public int activeIndexBytes(int entrySize) {
    long entries = segmentBytes / Math.max((long) indexIntervalBytes + 1, RecordBatchHeader.SIZE) + 2;
    return (int) Math.min(entries * entrySize, segmentIndexBytes);
  }

  /**
   * At most how many index entries an append of {@code bytes} in {@code batches} batches adds: one
   * per batch, and after the first one only once more than {@code index.interval.bytes} of the
   * append's batches have passed since the previous entry.
   */
  public int maxNewIndexEntries(int bytes, int batches) {
    return (int) Math.min(batches, 1 + bytes / ((long) indexIntervalBytes + 1));
  }

  /**
   * The age at which the active segment rolls before jitter: {@code segment.ms}, or on a compacted
   * log {@code max.compaction.lag.ms} if that is sooner (its records must become cleanable by then).
   */
  public long maxSegmentMs() {
    return compact && maxCompactionLagMs > 0 ? Math.min(segmentMs, maxCompactionLagMs) : segmentMs;
  }

  /**
   * The jitter of the segment whose seed is {@code seed} (fixed per segment): in [0, min(jitter,
   * {@link #maxSegmentMs()})), 0 without jitter. As Kafka's {@code segment.jitter.ms}, it only
   * ever makes a segment roll earlier.
   */
  public long rollJitterMs(long seed) {
    if (segmentJitterMs <= 0) {
      return 0;
    }
    long bound = Math.min(segmentJitterMs, maxSegmentMs());
    return bound <= 0 ? 0 : Math.floorMod(seed, bound);
  }
}
