package dev.brook.storage;

/**
 * The settings of one partition log, with Kafka's topic-level names in the comments. Immutable; a
 * config change replaces the whole value ({@link PartitionLog#updateConfig}).
 *
 * @param segmentBytes segment.bytes: roll when the active segment would exceed this size
 * @param segmentMs segment.ms: roll when the active segment's first batch is older than this
 * @param segmentIndexBytes segment.index.bytes: preallocated size of each index; a full index rolls
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
    boolean preallocate) {

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
        false);
  }

  public LogConfig withSegmentBytes(int v) {
    return new LogConfig(v, segmentMs, segmentIndexBytes, indexIntervalBytes, retentionMs, retentionBytes, compact, delete, deleteRetentionMs, minCleanableDirtyRatio, minCompactionLagMs, flushMessages, flushMs, fileDeleteDelayMs, preallocate);
  }

  public LogConfig withSegmentMs(long v) {
    return new LogConfig(segmentBytes, v, segmentIndexBytes, indexIntervalBytes, retentionMs, retentionBytes, compact, delete, deleteRetentionMs, minCleanableDirtyRatio, minCompactionLagMs, flushMessages, flushMs, fileDeleteDelayMs, preallocate);
  }

  public LogConfig withSegmentIndexBytes(int v) {
    return new LogConfig(segmentBytes, segmentMs, v, indexIntervalBytes, retentionMs, retentionBytes, compact, delete, deleteRetentionMs, minCleanableDirtyRatio, minCompactionLagMs, flushMessages, flushMs, fileDeleteDelayMs, preallocate);
  }

  public LogConfig withIndexIntervalBytes(int v) {
    return new LogConfig(segmentBytes, segmentMs, segmentIndexBytes, v, retentionMs, retentionBytes, compact, delete, deleteRetentionMs, minCleanableDirtyRatio, minCompactionLagMs, flushMessages, flushMs, fileDeleteDelayMs, preallocate);
  }

  public LogConfig withRetention(long ms, long bytes) {
    return new LogConfig(segmentBytes, segmentMs, segmentIndexBytes, indexIntervalBytes, ms, bytes, compact, delete, deleteRetentionMs, minCleanableDirtyRatio, minCompactionLagMs, flushMessages, flushMs, fileDeleteDelayMs, preallocate);
  }

  public LogConfig withCleanupPolicy(boolean compact, boolean delete) {
    return new LogConfig(segmentBytes, segmentMs, segmentIndexBytes, indexIntervalBytes, retentionMs, retentionBytes, compact, delete, deleteRetentionMs, minCleanableDirtyRatio, minCompactionLagMs, flushMessages, flushMs, fileDeleteDelayMs, preallocate);
  }

  public LogConfig withCompaction(long deleteRetentionMs, double minCleanableDirtyRatio, long minCompactionLagMs) {
    return new LogConfig(segmentBytes, segmentMs, segmentIndexBytes, indexIntervalBytes, retentionMs, retentionBytes, compact, delete, deleteRetentionMs, minCleanableDirtyRatio, minCompactionLagMs, flushMessages, flushMs, fileDeleteDelayMs, preallocate);
  }

  public LogConfig withFlush(long messages, long ms) {
    return new LogConfig(segmentBytes, segmentMs, segmentIndexBytes, indexIntervalBytes, retentionMs, retentionBytes, compact, delete, deleteRetentionMs, minCleanableDirtyRatio, minCompactionLagMs, messages, ms, fileDeleteDelayMs, preallocate);
  }

  public LogConfig withFileDeleteDelayMs(long v) {
    return new LogConfig(segmentBytes, segmentMs, segmentIndexBytes, indexIntervalBytes, retentionMs, retentionBytes, compact, delete, deleteRetentionMs, minCleanableDirtyRatio, minCompactionLagMs, flushMessages, flushMs, v, preallocate);
  }
}
