package dev.brook.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One partition's log: an ordered list of segments under {@code <log.dir>/<topic>-<partition>/}.
 *
 * <p>Invariants: offsets only grow; every byte below the log end is a whole, valid v2 record batch;
 * the log start offset never moves backwards except by {@link #truncateFullyAndStartAt}.
 *
 * <p>Threading: the mutating methods (append, roll, truncate, delete records, retention, config)
 * serialize on the log and may be called from any thread. {@link #read} may be called concurrently
 * from any thread; it never blocks on an append and never sees a partially written batch.
 */
public interface PartitionLog extends AutoCloseable {

  LogId id();

  Path dir();

  LogConfig config();

  void updateConfig(LogConfig config);

  /**
   * Appends batches that the broker has already validated (magic 2, CRC, sizes). Assigns offsets in
   * place: writes each batch's base offset and {@code leaderEpoch} as partition leader epoch into
   * the buffer (fields outside the CRC), then writes the buffer to the active segment once. Rolls
   * first when the batch would not fit the active segment or segment.ms has passed. Records the
   * leader epoch's start offset in the epoch cache when the epoch is new.
   *
   * @param batches one or more whole batches, position..limit; the position is not moved
   */
  AppendResult appendAsLeader(ByteBuffer batches, int leaderEpoch) throws IOException;

  /**
   * Appends batches that already carry their offsets and leader epochs (replication). The first
   * batch's base offset must not be below the log end offset (above it only across a compacted
   * gap), and offsets must increase; otherwise {@link InvalidBatchException} and nothing is
   * written. Each new partition leader epoch is recorded in the epoch cache.
   */
  AppendResult appendAsFollower(ByteBuffer batches) throws IOException;

  /**
   * Reads whole batches starting with the one containing {@code offset}, up to {@code maxBytes},
   * never past {@code maxOffsetExclusive} (the high watermark for consumers, the log end for
   * followers). With {@code minOneBatch} the first batch is returned even if larger than maxBytes.
   */
  LogReadResult read(long offset, int maxBytes, long maxOffsetExclusive, boolean minOneBatch) throws IOException;

  /**
   * Where the last {@code tailBytes} bytes of the log begin, to whole segments: the base offset of
   * the oldest segment needed to hold them, counting back from the active segment (which always
   * counts, whatever its size). A read at or above it touches data written recently, which the page
   * cache still holds; below it the data may have to come from the disk. Cheap, lock-free, from any
   * thread; by default the whole log counts as recent.
   */
  default long tailStartOffset(long tailBytes) {
    return logStartOffset();
  }

  /**
   * Whether a {@link #read} from {@code offset} of up to {@code maxBytes} would find every page it
   * touches, and sends, in the page cache, so it cannot wait for the disk. Asks the kernel (mincore)
   * without touching a page: cheap, from any thread. Reads in the active segment always answer yes
   * (written moments ago); false when it cannot tell. By default every read counts as resident.
   */
  default boolean resident(long offset, int maxBytes) {
    return true;
  }

  /** The first offset whose record timestamp is ≥ {@code timestamp}, or empty if there is none. */
  Optional<TimestampOffset> offsetForTimestamp(long timestamp) throws IOException;

  /** The record with the largest timestamp (the earliest such offset), or empty for an empty log. */
  Optional<TimestampOffset> maxTimestampOffset() throws IOException;

  long logStartOffset();

  /** The offset the next appended record gets. */
  long logEndOffset();

  /** The offset below which records are committed, as the broker last set it. */
  long highWatermark();

  /** Sets the high watermark (clamped to [log start, log end]); checkpointed by the log manager. */
  void updateHighWatermark(long highWatermark);

  /**
   * Moves the log start offset to {@code offset} (DeleteRecords) and deletes segments wholly below
   * it. Returns the new log start offset. An offset above the high watermark is an error of the
   * caller ({@link IllegalArgumentException}).
   */
  long deleteRecordsBefore(long offset) throws IOException;

  /**
   * Removes every record at or above {@code offset} (a follower's truncation). Batches are removed
   * whole: a batch containing {@code offset} goes, and the log end becomes its base offset (never
   * below the log start). Below the log start this is {@link #truncateFullyAndStartAt}. The high
   * watermark and the epoch cache are truncated too. At or past the log end no record goes, but
   * epochs that start at the log end (and so hold no record) are dropped.
   */
  void truncateTo(long offset) throws IOException;

  /** Removes everything and restarts the log empty at {@code offset}. */
  void truncateFullyAndStartAt(long offset) throws IOException;

  /**
   * Applies retention.ms (by each segment's largest timestamp) and retention.bytes now, to whole
   * non-active segments wholly below the high watermark (the broker must keep the high watermark
   * up to date for retention to delete anything); returns the number of segments deleted.
   */
  int applyRetention() throws IOException;

  /** Rolls a new active segment now. */
  void roll() throws IOException;

  /** Forces every segment up to the log end to disk and advances the recovery point. */
  void flush() throws IOException;

  /**
   * Flushes if {@code flush.messages} messages are not yet on disk. Called by the appender after
   * an append, holding no lock (the fsync must not hold up other requests), before acknowledging.
   */
  default void maybeFlush() throws IOException {}

  /** Whether {@link #maybeFlush} would force now ({@code flush.messages} messages not yet on disk). Cheap. */
  default boolean flushDue() {
    return false;
  }

  /** Visits every batch from the one containing {@code fromOffset} to the log end, in order. */
  void scanBatches(long fromOffset, BatchVisitor visitor) throws IOException;

  LeaderEpochCache leaderEpochs();

  /**
   * Sets who serializes the producer state for the snapshots this log takes at every segment roll
   * ({@code <offset>.snapshot}, the newest few kept). Null: no snapshots at roll.
   */
  default void setProducerStateSnapshotter(ProducerStateSnapshotter snapshotter) {}

  /**
   * Writes {@code state}, the producer state as of {@code offset} (≤ the log end), as a snapshot
   * now (clean shutdown). The caller serializes it with its appends.
   */
  default void writeProducerStateSnapshot(long offset, ByteBuffer state) throws IOException {}

  /**
   * The offsets of the usable producer-state snapshots, oldest first: each within [first segment
   * base, log end], so replaying the batches from it to the log end rebuilds the state. After an
   * unclean shutdown this includes the newest one at or below the recovered log end: a snapshot is
   * only written once the batches below it are on disk.
   */
  default java.util.List<Long> producerStateSnapshotOffsets() {
    return java.util.List.of();
  }

  /** The bytes of the snapshot at {@code offset}, if it (still) exists. */
  default Optional<ByteBuffer> readProducerStateSnapshot(long offset) throws IOException {
    return Optional.empty();
  }

  /**
   * Indexes an aborted transaction in the {@code .txnindex} of the segment holding its ABORT marker
   * ({@code txn.lastOffset()}, which must be below the log end). Idempotent for replays: answers
   * false and writes nothing when that segment already indexes a marker at or after it, or when
   * the segment is gone. The caller serializes it with its appends.
   */
  default boolean appendAbortedTransaction(TxnIndex.AbortedTxn txn) throws IOException {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps no transaction index");
  }

  /**
   * The aborted transactions overlapping [fetchOffset, upperBoundOffset) (marker at or after
   * {@code fetchOffset}, first offset below {@code upperBoundOffset}), from the transaction indexes
   * of the segments from the one holding {@code fetchOffset} on, in marker order. Any thread.
   */
  default java.util.List<TxnIndex.AbortedTxn> collectAbortedTransactions(long fetchOffset, long upperBoundOffset) {
    return java.util.List.of();
  }

  /** Total bytes of all segments. */
  long sizeInBytes();

  int segmentCount();

  /** Flushes and closes files (the log manager writes checkpoints). */
  @Override
  void close() throws IOException;
}
