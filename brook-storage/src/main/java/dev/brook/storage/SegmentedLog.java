package dev.brook.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentNavigableMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link PartitionLog} on local disk: segments in a skip-list map keyed by base offset (lookup
 * by offset is a floor search, O(log n)), the last one active.
 *
 * <p>Threading: mutations hold {@code lock}; reads take no lock. A read sees the segment map (a
 * concurrent map), the volatile log start/end offsets and each segment's volatile size, all
 * published after the bytes they describe are written, so it never sees a partial batch. Segments
 * removed from the map are renamed {@code .deleted} and closed only after {@code
 * file.delete.delay.ms}, so a slice already handed to the network stays readable.
 *
 * <p>Rolling: no file is created under {@code lock} when the roll was foreseen. Once the active
 * segment is half way to a roll ({@link LogSegment#nearRoll}) the flusher makes the next segment's
 * files under temporary names ({@link LogSegment.Prepared}); the roll renames them ({@link
 * LogSegment#adopt}) and leaves the rolled segment's index trim to the flusher, ahead of its fsync.
 * A roll that comes before its files are ready (an explicit roll, a truncation into a gap, a burst
 * faster than the flusher) creates them under the lock, as before.
 *
 * <p>Flushing: no fsync runs under {@code lock}. A roll hands the rolled segment (and then the
 * producer-state snapshot taken at the roll) to the directory's {@link LogFlusher}; {@code
 * flush.messages} ({@link #maybeFlush}, called by the appender after it released every lock),
 * {@code flush.ms} ({@link #flushIfDue}, the duty thread) and {@link #flush} capture the segments
 * to force under {@code lock}, force them holding only {@code flushLock} (which appends never
 * take), and move the recovery point afterwards. Invariant: the recovery point never passes a byte
 * that has not been forced.
 *
 * <p>Failures: an I/O error while writing, truncating, mapping an index, flushing or writing a
 * snapshot takes the log directory offline through the {@link LogDirFailureChannel} (one log line,
 * there) and this log with it: every later mutation and read throws {@link
 * LogDirOfflineException}; nothing is retried; a batch whose write failed was never published (its
 * segment's size did not move), so it is never read, and the next open (unclean: no clean-shutdown
 * marker is written for an offline directory) truncates it away.
 *
 * <p>Opening: {@link LogLoader} completes or discards what an interrupted swap left and recovers
 * what an unclean shutdown may have torn, before the log is visible to any other thread.
 *
 * <p>Parts: this class keeps the offsets, the locks and the hand-offs to the flusher; what works on
 * its state without a lock of its own is elsewhere, called under {@code lock} where it mutates:
 * {@link AppendBatches}, {@link SegmentRetention}, {@link SegmentSwap}, {@link PendingDeletes},
 * and the lock-free lookups {@link SegmentTimestamps} and {@link SegmentTxnIndexes}.
 */
public final class SegmentedLog implements PartitionLog {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentedLog.class);

  private final LogId id;
  private final Path dir;
  private final Clock clock;
  /** Looks inside compressed batches for exact timestamp lookups. */
  private final RecordCodec codec;
  private final Object lock = new Object();
  /** Serializes flushes (and the recovery point they move); appends never take it. */
  private final Object flushLock = new Object();
  /**
   * Held while a producer snapshot is published (a rename, and the removal of the oldest) and by
   * truncations, around {@code lock}: a truncation cannot come between the check that a snapshot
   * still describes the log and its publication, yet the file-system work runs outside the lock
   * appends wait on. Order: {@code snapshotLock}, then {@code lock}. Appends never take it.
   */
  private final Object snapshotLock = new Object();
  private final LogDirFailureChannel failures;
  /** The log directory holding {@link #dir}: what goes offline. */
  private final Path logDir;
  private final LogFlusher flusher;
  private volatile boolean offline;
  /** Counts truncations (under lock): a flush or snapshot begun before one must not publish after it. */
  private long truncations;
  private final ConcurrentNavigableMap<Long, LogSegment> segments;
  private final LeaderEpochFileCache epochs;
  private final PendingDeletes pendingDeletes;
  /** Checks and scans each append's batches (under lock; reused, so appends allocate nothing for it). */
  private final AppendBatches appending;
  private final ProducerSnapshots producerSnapshots;
  /** The next segment's files, made on the flusher ahead of the roll (under lock); null if none. */
  private LogSegment.Prepared prepared;
  /** Diagnostics ({@link AppendTimings}): when the append holding the lock was called (under lock). */
  private long appendCalledNs;
  /** A {@link #prepareNextSegment} is queued or running (under lock). */
  private boolean preparing;
  private volatile ProducerStateSnapshotter snapshotter;
  private volatile LogConfig config;
  private volatile LogSegment active;
  private volatile long logStartOffset;
  private volatile long logEndOffset;
  private volatile long highWatermark;
  private volatile long recoveryPoint;
  private volatile long lastFlushMs;
  private volatile boolean closed;

  private SegmentedLog(LogId id, Path dir, LogConfig config, Clock clock, RecordCodec codec,
      LogDirFailureChannel failures, LogFlusher flusher, LogLoader.Loaded loaded) {
    this.id = id;
    this.failures = failures;
    this.flusher = flusher;
    this.logDir = dir.toAbsolutePath().getParent();
    this.dir = dir;
    this.config = config;
    this.clock = clock;
    this.codec = codec;
    this.pendingDeletes = new PendingDeletes(clock);
    this.appending = new AppendBatches(id);
    this.epochs = loaded.epochs();
    this.segments = loaded.segments();
    this.producerSnapshots = loaded.producerSnapshots();
    this.active = loaded.active();
    this.logEndOffset = loaded.logEndOffset();
    this.logStartOffset = loaded.logStartOffset();
    this.highWatermark = loaded.highWatermark();
    this.recoveryPoint = loaded.logEndOffset();
    this.lastFlushMs = loaded.loadedAtMs();
  }

  /** Opens (creating if needed) the log in {@code dir}, named by the directory. */
  public static SegmentedLog open(Path dir, LogConfig config, Clock clock, LogLoadState state) throws IOException {
    return open(LogId.parseDirName(dir.getFileName().toString()), dir, config, clock, state);
  }

  public static SegmentedLog open(LogId id, Path dir, LogConfig config, Clock clock, LogLoadState state) throws IOException {
    return open(id, dir, config, clock, state, RecordCodec.builtIn());
  }

  /**
   * As {@link #open(LogId, Path, LogConfig, Clock, LogLoadState)}, with the codec that timestamp
   * lookups use to read records inside compressed batches (the built-in one knows only gzip).
   */
  public static SegmentedLog open(LogId id, Path dir, LogConfig config, Clock clock, LogLoadState state, RecordCodec codec)
      throws IOException {
    return open(id, dir, config, clock, state, codec, new LogDirFailureChannel(), LogFlusher.shared());
  }

  /**
   * As {@link #open(LogId, Path, LogConfig, Clock, LogLoadState, RecordCodec)}, reporting I/O
   * failures to {@code failures} and flushing rolled segments on {@code flusher} (the {@link
   * LogManager} passes its directory's).
   */
  public static SegmentedLog open(LogId id, Path dir, LogConfig config, Clock clock, LogLoadState state, RecordCodec codec,
      LogDirFailureChannel failures, LogFlusher flusher) throws IOException {
    boolean newDir = LogLoader.createDir(dir);
    LogLoader.Loaded loaded = LogLoader.load(id, dir, config, clock, state, newDir);
    return new SegmentedLog(id, dir, config, clock, codec, failures, flusher, loaded);
  }

  // ---------------------------------------------------------------- accessors

  @Override
  public LogId id() {
    return id;
  }

  @Override
  public Path dir() {
    return dir;
  }

  @Override
  public LogConfig config() {
    return config;
  }

  @Override
  public void updateConfig(LogConfig config) {
    this.config = config;
  }

  @Override
  public long logStartOffset() {
    return logStartOffset;
  }

  @Override
  public long logEndOffset() {
    return logEndOffset;
  }

  @Override
  public long highWatermark() {
    return highWatermark;
  }

  /** Offset below which every batch is known to be on disk (fsynced). */
  public long recoveryPoint() {
    return recoveryPoint;
  }

  @Override
  public void updateHighWatermark(long hw) {
    synchronized (lock) {
      highWatermark = Math.min(Math.max(hw, logStartOffset), logEndOffset);
    }
  }

  @Override
  public LeaderEpochFileCache leaderEpochs() {
    return epochs;
  }

  @Override
  public long sizeInBytes() {
    long total = 0;
    for (LogSegment s : segments.values()) {
      total += s.sizeInBytes();
    }
    return total;
  }

  @Override
  public int segmentCount() {
    return segments.size();
  }

  /** The current segments, oldest first (a snapshot; the last is the active one). */
  public List<LogSegment> segments() {
    return new ArrayList<>(segments.values());
  }

  /** The active segment (the cleaner never touches it). */
  public LogSegment activeSegment() {
    return active;
  }

  // ---------------------------------------------------------------- append

  @Override
  public AppendResult appendAsLeader(ByteBuffer batches, int leaderEpoch) throws IOException {
    long called = AppendTimings.ON ? System.nanoTime() : 0;
    synchronized (lock) {
      appendCalledNs = called;
      ensureOpen();
      try {
        return appendAsLeaderLocked(batches, leaderEpoch);
      } catch (IOException | java.io.UncheckedIOException | InternalError e) {
        throw failed("append", e); // InternalError: a fault on a mapped index page (a full tmpfs)
      }
    }
  }

  private AppendResult appendAsLeaderLocked(ByteBuffer batches, int leaderEpoch) throws IOException {
    AppendBatches b = appending;
    b.assignAsLeader(batches, logEndOffset, leaderEpoch);
    if (epochs.latestEpoch().orElse(-1) < leaderEpoch) {
      epochs.assign(leaderEpoch, b.first());
    }
    return appendChecked(batches, b.count(), b.first(), b.next(), b.maxTimestamp(), b.offsetOfMaxTimestamp());
  }

  @Override
  public AppendResult appendAsFollower(ByteBuffer batches) throws IOException {
    long called = AppendTimings.ON ? System.nanoTime() : 0;
    synchronized (lock) {
      appendCalledNs = called;
      ensureOpen();
      try {
        return appendAsFollowerLocked(batches);
      } catch (IOException | java.io.UncheckedIOException | InternalError e) {
        throw failed("append", e);
      }
    }
  }

  private AppendResult appendAsFollowerLocked(ByteBuffer batches) throws IOException {
    AppendBatches b = appending;
    b.checkAsFollower(batches, logEndOffset);
    for (int at = batches.position(); at < batches.limit(); at += RecordBatchHeader.sizeInBytes(batches, at)) {
      int epoch = RecordBatchHeader.partitionLeaderEpoch(batches, at);
      if (epochs.latestEpoch().orElse(-1) < epoch) {
        epochs.assign(epoch, RecordBatchHeader.baseOffset(batches, at));
      }
    }
    return appendChecked(batches, b.count(), b.first(), b.next(), b.maxTimestamp(), b.offsetOfMaxTimestamp());
  }

  private AppendResult appendChecked(ByteBuffer batches, int count, long first, long next, long maxTs, long offsetOfMaxTs) throws IOException {
    int bytes = batches.remaining();
    long now = clock.milliseconds();
    long locked = AppendTimings.ON ? System.nanoTime() : 0;
    LogSegment seg = active;
    boolean rolled = false;
    if (seg.shouldRoll(config, bytes, count, next - 1, now) || next - 1 - seg.baseOffset() > Integer.MAX_VALUE) {
      seg = rollTo(first);
      snapshotProducerStateAt(first);
      rolled = true;
    }
    long rollDone = AppendTimings.ON ? System.nanoTime() : 0;
    seg.append(batches, now);
    logEndOffset = next;
    if (prepared == null && !preparing && seg.nearRoll(config, now)) {
      preparing = true;
      flusher.submit(this::prepareNextSegment);
    }
    if (AppendTimings.ON) {
      recordTimings(rolled, locked, rollDone, seg.lastWriteDoneNs);
    }
    return new AppendResult(first, next - 1, maxTs, offsetOfMaxTs, logStartOffset, count, bytes);
  }

  /** Diagnostics ({@link AppendTimings}): the parts of the append that just ended, under lock. */
  private void recordTimings(boolean rolled, long locked, long rollDone, long writeDone) {
    long end = System.nanoTime();
    AppendTimings.Kind kind = rolled ? AppendTimings.Kind.ROLLED : AppendTimings.kindOf(appendCalledNs);
    if (rolled) {
      AppendTimings.rolled(end);
      AppendTimings.record(kind, AppendTimings.Part.ROLL, rollDone - locked);
    }
    AppendTimings.record(kind, AppendTimings.Part.TOTAL, end - appendCalledNs);
    AppendTimings.record(kind, AppendTimings.Part.LOCK_WAIT, locked - appendCalledNs);
    AppendTimings.record(kind, AppendTimings.Part.WRITE, writeDone - rollDone);
    AppendTimings.record(kind, AppendTimings.Part.INDEX, end - writeDone);
  }

  // ---------------------------------------------------------------- roll

  @Override
  public void roll() throws IOException {
    synchronized (lock) {
      ensureOpen();
      if (!active.isEmpty()) {
        try {
          rollTo(logEndOffset);
        } catch (IOException | java.io.UncheckedIOException e) {
          throw failed("roll", e);
        }
        snapshotProducerStateAt(logEndOffset);
      }
    }
  }

  /**
   * Makes a new active segment at {@code base} (≥ log end): the old one records its max timestamp
   * and trims its indexes; the flusher fsyncs it later, which then moves the recovery point to
   * {@code base}. Under lock; no fsync here.
   */
  private LogSegment rollTo(long base) throws IOException {
    LogSegment old = active;
    if (old.isEmpty()) {
      if (old.baseOffset() == base) {
        return old;
      }
      segments.remove(old.baseOffset());
      old.deleteFiles();
    } else {
      old.seal();
    }
    LogSegment.Prepared next = prepared;
    prepared = null;
    LogSegment seg = next != null ? LogSegment.adopt(next, base, config) : LogSegment.createActive(dir, base, config);
    segments.put(base, seg);
    active = seg;
    if (segments.firstKey() == base && logStartOffset < base) {
      logStartOffset = base;
    }
    if (!old.isEmpty()) {
      flusher.submit(() -> finishRollInBackground(old, base));
    }
    return seg;
  }

  /**
   * On the flusher, when the active segment nears its roll: makes the next segment's files holding
   * no lock, then keeps them for the roll unless the log closed, failed or got some meanwhile. An
   * I/O error takes the directory offline, as it would have at the roll.
   */
  private void prepareNextSegment() {
    LogSegment.Prepared made = null;
    IOException failure = null;
    if (!closed && !offline) {
      try {
        long t0 = AppendTimings.ON ? System.nanoTime() : 0;
        made = LogSegment.prepare(dir, config);
        if (AppendTimings.ON) {
          AppendTimings.record(AppendTimings.Kind.FLUSHER, AppendTimings.Part.PREPARE, System.nanoTime() - t0);
        }
      } catch (IOException e) {
        failure = e;
      } catch (java.io.UncheckedIOException e) {
        failure = e.getCause();
      }
    }
    boolean kept = false;
    synchronized (lock) {
      preparing = false;
      if (made != null && !closed && !offline && prepared == null) {
        prepared = made;
        kept = true;
      }
    }
    if (failure != null) {
      if (!closed) { // a log deleted meanwhile had its directory renamed: not a disk failure
        failed("creating the next segment's files", failure);
      }
    } else if (made != null && !kept) {
      discardQuietly(made);
    }
  }

  /** Removes prepared files no roll will use; on an offline directory only closes them. */
  private void discardQuietly(LogSegment.Prepared p) {
    if (offline) {
      p.abandon();
      return;
    }
    try {
      p.discard();
    } catch (IOException e) {
      LOG.warn("{}: cannot remove the unused next segment's files (the next open removes them)", id, e);
    }
  }

  /** Under lock: lets go of the prepared files (close, delete, truncation to nothing keeps them). */
  private void dropPreparedLocked() {
    LogSegment.Prepared p = prepared;
    prepared = null;
    if (p != null) {
      discardQuietly(p);
    }
  }

  /**
   * On the flusher, after a roll: trims the rolled segment's indexes (re-mapping them, off the
   * lock), then fsyncs up to its end. Failures are reported there.
   */
  private void finishRollInBackground(LogSegment rolled, long upTo) {
    if (closed || offline) {
      return; // close trims and flushes every segment itself; an offline log writes nothing
    }
    try {
      long t0 = AppendTimings.ON ? System.nanoTime() : 0;
      rolled.trimIndexes();
      if (AppendTimings.ON) {
        AppendTimings.record(AppendTimings.Kind.FLUSHER, AppendTimings.Part.TRIM, System.nanoTime() - t0);
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      if (!closed) {
        failed("index trim of " + rolled.logFile().getFileName(), e);
      }
      return;
    }
    long t0 = AppendTimings.ON ? System.nanoTime() : 0;
    flushInBackground(upTo);
    if (AppendTimings.ON) {
      AppendTimings.record(AppendTimings.Kind.FLUSHER, AppendTimings.Part.FSYNC_SEGMENT, System.nanoTime() - t0);
    }
  }

  /**
   * Takes a producer-state snapshot at {@code offset} (a roll's new base, the log end) through the
   * snapshotter, if there is one: the state is serialized here, under lock (it must be the state
   * as of {@code offset}), and written by the flusher after the rolled segment's flush, so the
   * snapshot never gets ahead of what a crash keeps. A snapshotter that throws costs only a longer
   * replay after a crash: logged.
   */
  private void snapshotProducerStateAt(long offset) {
    ProducerStateSnapshotter s = snapshotter;
    if (s == null) {
      return;
    }
    ByteBuffer state;
    try {
      state = s.snapshot(offset);
    } catch (RuntimeException e) {
      LOG.warn("{}: cannot take the producer-state snapshot at {}; recovery will replay more", id, offset, e);
      return;
    }
    if (state != null) {
      long generation = truncations;
      flusher.submit(() -> writeSnapshotInBackground(offset, state, generation));
    }
  }

  /**
   * On the flusher: writes and fsyncs the snapshot's file holding no lock, then publishes it (a
   * rename, under {@code snapshotLock}, outside the lock appends wait on) only if the log still holds
   * {@code offset} durably and was not truncated since the snapshot was taken.
   */
  private void writeSnapshotInBackground(long offset, ByteBuffer state, long generation) {
    if (closed || offline) {
      return;
    }
    boolean published = false;
    try {
      long t0 = AppendTimings.ON ? System.nanoTime() : 0;
      producerSnapshots.writeTemp(offset, state);
      synchronized (snapshotLock) {
        boolean describesLog;
        synchronized (lock) {
          describesLog = !closed && !offline && truncations == generation && recoveryPoint >= offset
              && offset <= logEndOffset && offset >= segments.firstKey();
        }
        if (describesLog) { // only a truncation could make it stale, and truncations wait for snapshotLock
          producerSnapshots.publish(offset);
          published = true;
        }
      }
      long t1 = AppendTimings.ON ? System.nanoTime() : 0;
      if (AppendTimings.ON) {
        AppendTimings.record(AppendTimings.Kind.FLUSHER, AppendTimings.Part.SNAPSHOT, t1 - t0);
      }
      if (published) {
        CheckpointFile.fsyncDir(dir);
        if (AppendTimings.ON) {
          AppendTimings.record(AppendTimings.Kind.FLUSHER, AppendTimings.Part.FSYNC_DIR, System.nanoTime() - t1);
        }
      } else {
        producerSnapshots.discardTemp(offset);
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      if (!closed) { // a log deleted meanwhile had its directory renamed: not a disk failure
        failed("producer snapshot at " + offset, e);
      }
    }
  }

  /** On the flusher, after a roll: fsyncs up to the rolled segment's end. Failures are reported there. */
  private void flushInBackground(long upTo) {
    try {
      flushTo(upTo);
    } catch (IOException e) {
      // already reported by failed() (or the log was offline before): nothing to retry
    }
  }

  @Override
  public void setProducerStateSnapshotter(ProducerStateSnapshotter snapshotter) {
    this.snapshotter = snapshotter;
  }

  @Override
  public void writeProducerStateSnapshot(long offset, ByteBuffer state) throws IOException {
    synchronized (snapshotLock) {
      writeProducerStateSnapshotLocked(offset, state);
    }
  }

  private void writeProducerStateSnapshotLocked(long offset, ByteBuffer state) throws IOException {
    synchronized (lock) {
      ensureOpen();
      if (offset > logEndOffset || offset < segments.firstKey()) {
        throw new IllegalArgumentException(id + ": snapshot offset " + offset + " outside [" + segments.firstKey() + ", " + logEndOffset + "]");
      }
      try {
        producerSnapshots.write(offset, state);
      } catch (IOException | java.io.UncheckedIOException e) {
        throw failed("producer snapshot at " + offset, e);
      }
    }
  }

  @Override
  public List<Long> producerStateSnapshotOffsets() {
    long first = segments.firstKey();
    long end = logEndOffset;
    List<Long> out = new ArrayList<>();
    for (long o : producerSnapshots.offsets()) {
      if (o >= first && o <= end) {
        out.add(o);
      }
    }
    return out;
  }

  @Override
  public Optional<ByteBuffer> readProducerStateSnapshot(long offset) throws IOException {
    return producerSnapshots.read(offset);
  }

  // ---------------------------------------------------------------- read

  @Override
  public long tailStartOffset(long tailBytes) {
    LogSegment newest = active;
    long start = newest.baseOffset();
    long bytes = newest.sizeInBytes();
    if (bytes >= tailBytes) {
      return start;
    }
    for (LogSegment seg : segments.headMap(start, false).descendingMap().values()) {
      bytes += seg.sizeInBytes();
      start = seg.baseOffset();
      if (bytes >= tailBytes) {
        break;
      }
    }
    return start;
  }

  @Override
  public boolean resident(long offset, int maxBytes) {
    Map.Entry<Long, LogSegment> entry = segments.floorEntry(offset);
    if (entry == null) {
      return true; // below the log start: answered out of range without reading a file
    }
    LogSegment seg = entry.getValue();
    return seg == active || seg.resident(offset, maxBytes);
  }

  @Override
  public LogReadResult read(long offset, int maxBytes, long maxOffsetExclusive, boolean minOneBatch) throws IOException {
    if (offline) {
      throw new LogDirOfflineException(logDir, id + ": read", null);
    }
    long start = logStartOffset;
    long end = logEndOffset;
    if (offset < start || offset > end) {
      return new LogReadResult(true, FileSlice.EMPTY, -1, start, end);
    }
    long bound = Math.min(maxOffsetExclusive, end);
    if (offset >= bound) {
      return new LogReadResult(false, FileSlice.EMPTY, -1, start, end);
    }
    Map.Entry<Long, LogSegment> entry = segments.floorEntry(offset);
    if (entry == null) {
      // Retention removed the segment after this read saw the old log start.
      return new LogReadResult(true, FileSlice.EMPTY, -1, logStartOffset, end);
    }
    while (entry != null) {
      LogSegment seg = entry.getValue();
      LogSegment.Slice slice = seg.read(offset, Math.max(0, maxBytes), bound, minOneBatch);
      if (slice != null) {
        FileSlice records = slice.length() == 0 ? FileSlice.EMPTY : new FileSlice(seg.channel(), slice.position(), slice.length());
        return new LogReadResult(false, records, slice.length() == 0 ? -1 : slice.firstBatchBaseOffset(), start, end);
      }
      entry = segments.higherEntry(entry.getKey());
    }
    return new LogReadResult(false, FileSlice.EMPTY, -1, start, end);
  }

  @Override
  public void scanBatches(long fromOffset, BatchVisitor visitor) throws IOException {
    Map.Entry<Long, LogSegment> entry = segments.floorEntry(fromOffset);
    if (entry == null) {
      entry = segments.firstEntry();
    }
    ByteBuffer buf = null;
    for (LogSegment seg : segments.tailMap(entry.getKey(), true).values()) {
      buf = seg.scan(fromOffset, visitor, buf);
    }
  }

  // ---------------------------------------------------------------- aborted transactions

  @Override
  public boolean appendAbortedTransaction(TxnIndex.AbortedTxn txn) throws IOException {
    synchronized (lock) {
      ensureOpen();
      try {
        return indexAbortedLocked(txn);
      } catch (IOException | java.io.UncheckedIOException e) {
        throw failed("transaction index append", e);
      }
    }
  }

  private boolean indexAbortedLocked(TxnIndex.AbortedTxn txn) throws IOException {
    return SegmentTxnIndexes.index(segments, logStartOffset, logEndOffset, txn);
  }

  @Override
  public List<TxnIndex.AbortedTxn> collectAbortedTransactions(long fetchOffset, long upperBoundOffset) {
    return SegmentTxnIndexes.collect(segments, fetchOffset, upperBoundOffset);
  }

  // ---------------------------------------------------------------- timestamps

  @Override
  public Optional<TimestampOffset> offsetForTimestamp(long timestamp) throws IOException {
    return SegmentTimestamps.offsetForTimestamp(segments, () -> active, logStartOffset, timestamp, codec);
  }

  /** Only records at or above the log start count (as in Kafka); see {@link SegmentTimestamps}. */
  @Override
  public Optional<TimestampOffset> maxTimestampOffset() throws IOException {
    return SegmentTimestamps.maxTimestampOffset(segments, logStartOffset, codec);
  }

  // ---------------------------------------------------------------- retention and deletion

  @Override
  public int applyRetention() throws IOException {
    synchronized (lock) {
      ensureOpen();
      try {
        return applyRetentionLocked();
      } catch (IOException | java.io.UncheckedIOException e) {
        throw failed("retention", e);
      }
    }
  }

  private int applyRetentionLocked() throws IOException {
    int deleted = deleteOldest(SegmentRetention.belowLogStart(segments.values(), logStartOffset));
    LogConfig c = config;
    if (c.delete() && c.retentionMs() >= 0) {
      long cutoff = clock.milliseconds() - c.retentionMs();
      deleted += deleteOldest(SegmentRetention.expired(segments.values(), highWatermark, cutoff, this::segmentTimestamp));
    }
    if (c.delete() && c.retentionBytes() >= 0) {
      deleted += deleteOldest(SegmentRetention.overSize(segments.values(), highWatermark, sizeInBytes() - c.retentionBytes()));
    }
    pendingDeletes.deleteDue(false);
    return deleted;
  }

  private long segmentTimestamp(LogSegment seg) throws IOException {
    long ts = seg.maxTimestamp();
    return ts >= 0 ? ts : Files.getLastModifiedTime(seg.logFile()).toMillis();
  }

  /** Deletes the {@code count} oldest segments (never the active one: see {@link SegmentRetention}); moves the log start. */
  private int deleteOldest(int count) throws IOException {
    for (int i = 0; i < count; i++) {
      Map.Entry<Long, LogSegment> first = segments.firstEntry();
      long nextBase = segments.higherKey(first.getKey());
      // Move the start first: a concurrent read below it is then out of range, never redirected.
      if (logStartOffset < nextBase) {
        logStartOffset = nextBase;
      }
      segments.remove(first.getKey());
      scheduleDelete(first.getValue());
    }
    if (count > 0) {
      epochs.truncateFromStart(logStartOffset);
      highWatermark = Math.max(highWatermark, logStartOffset);
      recoveryPoint = Math.max(recoveryPoint, logStartOffset);
      producerSnapshots.deleteBelow(segments.firstKey());
    }
    return count;
  }

  @Override
  public long deleteRecordsBefore(long offset) throws IOException {
    synchronized (lock) {
      ensureOpen();
      if (offset > highWatermark) {
        throw new IllegalArgumentException(id + ": cannot delete records before " + offset + " above the high watermark " + highWatermark);
      }
      if (offset > logStartOffset) {
        logStartOffset = offset;
        try {
          epochs.truncateFromStart(offset);
          deleteOldest(SegmentRetention.belowLogStart(segments.values(), logStartOffset));
        } catch (IOException | java.io.UncheckedIOException e) {
          throw failed("delete records", e);
        }
      }
      return logStartOffset;
    }
  }

  /** Renames the segment {@code .deleted}; its files are closed and removed after the delay. */
  private void scheduleDelete(LogSegment seg) throws IOException {
    seg.changeFileSuffix(LogSegment.DELETED_SUFFIX);
    deleteLater(seg);
  }

  /** Closes and removes an already renamed segment after file.delete.delay.ms. */
  private void deleteLater(LogSegment seg) throws IOException {
    pendingDeletes.add(seg, config.fileDeleteDelayMs());
  }

  /** Removes segment files whose delete delay has passed. */
  public void deleteExpiredFiles() throws IOException {
    synchronized (lock) {
      pendingDeletes.deleteDue(false);
    }
  }

  // ---------------------------------------------------------------- truncation

  @Override
  public void truncateTo(long offset) throws IOException {
    synchronized (snapshotLock) {
      truncateToUnderSnapshotLock(offset);
    }
  }

  private void truncateToUnderSnapshotLock(long offset) throws IOException {
    synchronized (lock) {
      ensureOpen();
      truncations++;
      try {
        truncateToLocked(offset);
      } catch (IOException | java.io.UncheckedIOException e) {
        throw failed("truncation", e);
      }
    }
  }

  private void truncateToLocked(long offset) throws IOException {
    {
      if (offset >= logEndOffset) {
        // No record goes, but an epoch that starts at the log end holds no record either: a leader
        // that assigned it and appended nothing before losing leadership must drop it, or its
        // latest epoch would diverge from the new leader's forever.
        epochs.truncateFromEnd(logEndOffset);
        return;
      }
      if (offset < logStartOffset || offset <= segments.firstKey()) {
        truncateFullyLocked(offset);
        return;
      }
      while (segments.lastKey() >= offset) {
        LogSegment seg = segments.remove(segments.lastKey());
        scheduleDelete(seg);
      }
      LogSegment last = segments.lastEntry().getValue();
      long removedBase = last.truncateTo(offset);
      long newEnd = Math.max(removedBase >= 0 ? Math.min(offset, removedBase) : offset, logStartOffset);
      if (last != active) {
        last.onBecomeActive(config);
        active = last;
      }
      logEndOffset = newEnd;
      highWatermark = Math.min(highWatermark, newEnd);
      recoveryPoint = Math.min(recoveryPoint, newEnd);
      if (last.readNextOffset() < newEnd) {
        // The end lies in a gap: a segment based at it keeps the log end across a reopen.
        rollTo(newEnd);
      }
      epochs.truncateFromEnd(newEnd);
      producerSnapshots.deleteAbove(newEnd);
    }
  }

  @Override
  public void truncateFullyAndStartAt(long offset) throws IOException {
    synchronized (snapshotLock) {
      truncateFullyUnderSnapshotLock(offset);
    }
  }

  private void truncateFullyUnderSnapshotLock(long offset) throws IOException {
    synchronized (lock) {
      ensureOpen();
      try {
        truncateFullyLocked(offset);
      } catch (IOException | java.io.UncheckedIOException e) {
        throw failed("truncation", e);
      }
    }
  }

  private void truncateFullyLocked(long offset) throws IOException {
    truncations++;
    for (LogSegment seg : new ArrayList<>(segments.values())) {
      segments.remove(seg.baseOffset());
      scheduleDelete(seg);
    }
    LogSegment seg = LogSegment.createActive(dir, offset, config);
    segments.put(offset, seg);
    active = seg;
    logEndOffset = offset;
    logStartOffset = offset;
    highWatermark = offset;
    recoveryPoint = offset;
    epochs.clear();
    producerSnapshots.deleteAbove(-1);
  }

  // ---------------------------------------------------------------- segment swap (cleaner)

  /**
   * Atomically replaces {@code oldSegments} (consecutive, non-active, oldest first) by {@code
   * cleaned}, a segment written with the {@link LogSegment#CLEANED_SUFFIX} files whose base offset
   * is the first old segment's, by the protocol of {@link SegmentSwap}, safe at every crash point.
   *
   * @return false (and nothing changed, the cleaned files removed) if the old segments are no longer
   *     all in the log, e.g. retention or truncation removed them meanwhile
   */
  public boolean replaceSegments(List<LogSegment> oldSegments, LogSegment cleaned) throws IOException {
    try {
      cleaned.onBecomeInactive(); // the cleaned files are private to the cleaner until the swap:
      cleaned.flush(); //            forced before the lock, which appends wait on
    } catch (IOException | java.io.UncheckedIOException e) {
      throw failed("flush of a cleaned segment", e);
    }
    boolean swapped;
    synchronized (lock) {
      ensureOpen();
      try {
        swapped = replaceSegmentsLocked(oldSegments, cleaned);
      } catch (IOException | java.io.UncheckedIOException e) {
        throw failed("segment swap", e);
      }
    }
    if (swapped) {
      // Makes the last renames durable, outside the lock appends wait on: every state a crash can
      // leave before it (.swap with or without .deleted, or the final names) is completed at open.
      CheckpointFile.fsyncDir(dir);
    }
    return swapped;
  }

  private boolean replaceSegmentsLocked(List<LogSegment> oldSegments, LogSegment cleaned) throws IOException {
    return SegmentSwap.replace(dir, segments, active, oldSegments, cleaned, this::deleteLater);
  }

  // ---------------------------------------------------------------- flush and close

  /** Forces everything appended so far; takes no lock that appends wait on while it forces. */
  @Override
  public void flush() throws IOException {
    flushTo(Long.MAX_VALUE);
  }

  /**
   * Flushes when {@code flush.messages} messages are not yet forced. The appender calls it after
   * releasing its own locks (the partition's and this log's), before it acknowledges.
   */
  @Override
  public void maybeFlush() throws IOException {
    if (flushDue()) {
      flushTo(Long.MAX_VALUE);
    }
  }

  @Override
  public boolean flushDue() {
    return logEndOffset - recoveryPoint >= config.flushMessages();
  }

  /** Flushes when flush.ms has passed since the last flush and there is something to flush. */
  public void flushIfDue() throws IOException {
    long flushMs = config.flushMs();
    if (!closed && flushMs != Long.MAX_VALUE && logEndOffset > recoveryPoint
        && clock.milliseconds() - lastFlushMs >= flushMs) {
      flushTo(Long.MAX_VALUE);
    }
  }

  /**
   * Forces the segments holding [recovery point, min(upTo, log end)), captured under {@code lock},
   * holding only {@code flushLock}; then moves the recovery point there unless a truncation came
   * between. A failure takes the directory offline and is never retried.
   */
  private void flushTo(long upTo) throws IOException {
    synchronized (flushLock) {
      List<LogSegment> toFlush;
      long end;
      long generation;
      synchronized (lock) {
        if (closed) {
          return;
        }
        if (offline) {
          throw new LogDirOfflineException(logDir, id + ": flush", null);
        }
        end = Math.min(upTo, logEndOffset);
        if (end <= recoveryPoint) {
          return;
        }
        generation = truncations;
        Long from = segments.floorKey(recoveryPoint);
        toFlush = new ArrayList<>(segments.subMap(from == null ? Long.MIN_VALUE : from, true, end, false).values());
        lastFlushMs = clock.milliseconds();
      }
      for (LogSegment seg : toFlush) {
        try {
          seg.flush();
        } catch (IOException | java.io.UncheckedIOException e) {
          if (closed) {
            return; // closed or deleted under the flusher: what it held no longer needs forcing
          }
          throw failed("fsync of " + seg.logFile().getFileName(), e);
        }
      }
      synchronized (lock) {
        if (truncations == generation && end > recoveryPoint) {
          recoveryPoint = end;
        }
      }
    }
  }

  /**
   * Flushes and closes the files (shutdown). A log whose directory is offline is closed without
   * touching its files: the next open recovers it.
   */
  @Override
  public void close() throws IOException {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      if (offline) {
        for (LogSegment seg : segments.values()) {
          seg.abandon();
        }
        if (prepared != null) {
          prepared.abandon();
          prepared = null;
        }
        return;
      }
      dropPreparedLocked();
      try {
        for (LogSegment seg : segments.values()) {
          seg.close(); // flushes what is dirty (shutdown: the one fsync under the lock)
        }
        recoveryPoint = logEndOffset;
        pendingDeletes.deleteDue(true);
      } catch (IOException | java.io.UncheckedIOException e) {
        throw failed("close", e);
      }
    }
  }

  /** Waits until the flusher has run every flush and snapshot this log's rolls handed it so far. */
  public void awaitBackgroundFlushes() {
    flusher.drain();
  }

  /** Whether this log's directory has gone offline (see {@link LogDirFailureChannel}). */
  public boolean isOffline() {
    return offline;
  }

  /** Marks this log offline: its directory failed (told by the {@link LogManager}). */
  void markOffline() {
    offline = true;
  }

  /**
   * Takes this log and its directory offline because {@code operation} failed; returns the
   * exception to throw to the caller.
   */
  private LogDirOfflineException failed(String operation, Throwable e) {
    offline = true;
    if (e instanceof LogDirOfflineException o) {
      return o;
    }
    failures.markOffline(logDir, id + ": " + operation, e);
    return new LogDirOfflineException(logDir, id + ": " + operation, e);
  }

  /**
   * Stops the flusher's pending work on this log: its directory is about to be renamed for deletion,
   * so a flush or snapshot still queued must neither write there nor mistake the rename for a disk
   * failure. Reads go on from the open files until {@link #closeForDelete}.
   */
  void markDeleted() {
    synchronized (lock) {
      closed = true;
    }
  }

  /** Closes without the final flush and deletes the directory's files (the log was deleted). */
  void closeForDelete() throws IOException {
    synchronized (lock) {
      dropPreparedLocked();
      for (LogSegment seg : segments.values()) {
        seg.deleteFiles();
      }
      pendingDeletes.deleteDue(true);
      closed = true;
    }
  }

  public boolean isClosed() {
    synchronized (lock) {
      return closed;
    }
  }

  private void ensureOpen() throws LogDirOfflineException {
    if (closed) {
      throw new IllegalStateException(id + ": log is closed");
    }
    if (offline) {
      throw new LogDirOfflineException(logDir, id.toString(), null);
    }
  }

  @Override
  public String toString() {
    return "SegmentedLog(" + id + ", start=" + logStartOffset + ", end=" + logEndOffset + ", segments=" + segments.size() + ")";
  }
}
