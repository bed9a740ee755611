package dev.brook.storage.cleaner;

import dev.brook.storage.Clock;
import dev.brook.storage.LogConfig;
import dev.brook.storage.LogId;
import dev.brook.storage.RecordBatchHeader;
import dev.brook.storage.RecordCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compaction for logs with {@code cleanup.policy} containing {@code compact}: keeps the newest record
 * of each key in the non-active segments, as Kafka's log cleaner does.
 *
 * <p>A cleaning of one log: pick the dirtiest log whose dirty ratio is at least its {@code
 * min.cleanable.dirty.ratio} (or whose kept tombstones passed their delete horizon); map key → latest
 * offset over its dirty part [first dirty, first uncleanable) as far as the offset map holds; then
 * rewrite the segments from the log start up to where the map ends, in groups of at most {@code
 * segment.bytes}, keeping a record only if it is the latest of its key; swap each cleaned group in
 * through {@link CleanableLog#replaceSegments}; checkpoint the new first dirty offset in {@code
 * cleaner-offset-checkpoint}. Offsets never change; gaps are fine.
 *
 * <p>Threading: {@link #start} runs {@code log.cleaner.threads} threads, each with its own offset
 * map and buffers; a log is cleaned by one thread at a time. {@link #cleanOnce} runs one cleaning on
 * the calling thread (tests, and the threads' duty cycle). All I/O of all threads goes through one
 * {@link Throttler}.
 */
public final class LogCleaner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LogCleaner.class);

  private final CleanerConfig config;
  private final Supplier<? extends Collection<? extends CleanableLog>> logs;
  private final RecordCodec codec;
  private final Clock clock;
  private final Throttler throttler;
  private final CleanerCheckpoint checkpoint;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();
  private final Map<LogId, Long> firstDirty;
  private final Set<LogId> inProgress = new HashSet<>();
  private final Set<LogId> uncleanable = new HashSet<>();
  private final Map<LogId, Long> tombstoneHorizons = new HashMap<>();
  private final List<Thread> threads = new ArrayList<>();
  private Worker callerWorker;
  private volatile boolean closed;

  /** Statistics of one cleaning, for logs and tests. */
  public record Result(LogId id, long firstDirtyOffset, long endOffset, int groups, long bytesRead, long bytesWritten,
      long recordsRead, long recordsKept) {}

  /**
   * @param logDir where {@code cleaner-offset-checkpoint} lives
   * @param logs the logs of the log dir, asked anew at every cleaning
   * @param throttler shared by the threads; null for one at {@code log.cleaner.io.max.bytes.per.second}
   *     whose sleeps end early on {@link #close}
   */
  public LogCleaner(CleanerConfig config, Path logDir, Supplier<? extends Collection<? extends CleanableLog>> logs,
      RecordCodec codec, Clock clock, Throttler throttler) {
    this.config = config;
    this.logs = logs;
    this.codec = codec;
    this.clock = clock;
    this.throttler = throttler != null ? throttler
        : new Throttler(config.ioMaxBytesPerSecond(), 300, clock, this::sleepUnlessClosed);
    this.checkpoint = new CleanerCheckpoint(logDir);
    this.firstDirty = checkpoint.read();
  }

  public LogCleaner(CleanerConfig config, Path logDir, Supplier<? extends Collection<? extends CleanableLog>> logs,
      RecordCodec codec, Clock clock) {
    this(config, logDir, logs, codec, clock, null);
  }

  /** Starts the cleaner threads (none if disabled or {@code threads} is 0). */
  public void start() {
    if (!config.enable()) {
      return;
    }
    lock.lock();
    try {
      for (int i = 0; i < config.threads(); i++) {
        Worker worker = new Worker();
        Thread t = Thread.ofPlatform().name("brook-log-cleaner-" + i).daemon().unstarted(() -> run(worker));
        threads.add(t);
        t.start();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Cleans the dirtiest cleanable log on the calling thread.
   *
   * @return what was cleaned, or null if no log needed it
   */
  public synchronized Result cleanOnce() throws InterruptedException {
    if (callerWorker == null) {
      callerWorker = new Worker();
    }
    return cleanOnce(callerWorker);
  }

  /** Forgets a log's cleaner checkpoint (the log was deleted, or truncated below its clean part). */
  public void forget(LogId id) {
    lock.lock();
    try {
      firstDirty.remove(id);
      tombstoneHorizons.remove(id);
      uncleanable.remove(id);
      writeCheckpoint();
    } finally {
      lock.unlock();
    }
  }

  /** The first dirty offset of each log cleaned so far (as in the checkpoint file). */
  public Map<LogId, Long> checkpoints() {
    lock.lock();
    try {
      return Map.copyOf(firstDirty);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops the threads: they finish the batch in hand, give up the cleaning (its {@code .cleaned}
   * files are removed) and exit. They are not interrupted: an interrupt during a read would close
   * the segment's shared FileChannel under the log's readers.
   */
  @Override
  public void close() throws InterruptedException {
    closed = true;
    lock.lock();
    try {
      wake.signalAll();
    } finally {
      lock.unlock();
    }
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(30));
      if (t.isAlive()) {
        log.warn("{} did not stop within 30 s", t.getName());
      }
    }
  }

  /** The throttler's sleep: a timed wait that {@link #close} cuts short. */
  private void sleepUnlessClosed(long ms) throws InterruptedException {
    lock.lock();
    try {
      if (!closed) {
        wake.await(ms, TimeUnit.MILLISECONDS);
      }
    } finally {
      lock.unlock();
    }
  }

  private void run(Worker worker) {
    while (!closed) {
      try {
        if (cleanOnce(worker) == null) {
          lock.lock();
          try {
            if (!closed) {
              wake.await(config.backoffMs(), TimeUnit.MILLISECONDS);
            }
          } finally {
            lock.unlock();
          }
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException | Error e) {
        log.error("Log cleaner thread failed; it goes on with other logs", e);
      }
    }
  }

  private Result cleanOnce(Worker worker) throws InterruptedException {
    Candidate c = grabDirtiest();
    if (c == null) {
      return null;
    }
    boolean ok = false;
    List<? extends CleanableLog.Segment> before = c.log().segments();
    try {
      Result r = worker.clean(c.log(), c.plan());
      ok = true;
      return r;
    } catch (IOException | RuntimeException e) {
      if (closed) {
        log.info("Cleaning of {} stopped by shutdown: {}", c.log().id(), e.toString());
      } else if (changedMeanwhile(c.log(), before)) {
        // Truncated, deleted or retention ran while we read it: not the log's fault.
        log.info("Cleaning of {} gave up, its segments changed meanwhile: {}", c.log().id(), e.toString());
        ok = true;
      } else {
        log.error("Cleaning of {} failed; it will not be cleaned again until restart", c.log().id(), e);
      }
      return null;
    } finally {
      lock.lock();
      try {
        inProgress.remove(c.log().id());
        if (!ok && !closed) {
          uncleanable.add(c.log().id());
        }
      } finally {
        lock.unlock();
      }
    }
  }

  private record Candidate(CleanableLog log, LogToClean plan, double ratio) {}

  /** Chooses the dirtiest log (or one whose tombstones are due) and marks it in progress. */
  private Candidate grabDirtiest() {
    long now = clock.milliseconds();
    lock.lock();
    try {
      Candidate best = null;
      for (CleanableLog l : logs.get()) {
        LogConfig lc = l.config();
        if (!lc.compact() || inProgress.contains(l.id()) || uncleanable.contains(l.id())) {
          continue;
        }
        List<SegmentInfo> infos = infos(l.segments());
        long checkpointed = firstDirty.getOrDefault(l.id(), -1L);
        long hw = l.highWatermark();
        if (checkpointed > hw) {
          // Only offsets below the high watermark are ever cleaned: a high watermark below the
          // checkpoint means the log was truncated under its clean part. What is there now is dirty.
          log.info("{} was truncated below its cleaner checkpoint {}; cleaning resumes at {}", l.id(), checkpointed, hw);
          checkpointed = hw;
          firstDirty.put(l.id(), hw);
          writeCheckpoint();
        }
        LogToClean plan = LogToClean.of(infos, l.logStartOffset(), hw, checkpointed, lc.minCompactionLagMs(), now);
        boolean due = tombstoneHorizons.getOrDefault(l.id(), Long.MAX_VALUE) <= now
            || overdue(l, plan, lc.maxCompactionLagMs(), now);
        if (!plan.isCleanable(lc.minCleanableDirtyRatio()) && !due) {
          continue;
        }
        double ratio = due ? Math.max(plan.dirtyRatio(), 1.0) : plan.dirtyRatio();
        if (best == null || ratio > best.ratio()) {
          best = new Candidate(l, plan, ratio);
        }
      }
      if (best != null) {
        inProgress.add(best.log().id());
      }
      return best;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Whether {@code max.compaction.lag.ms} forces a clean whatever the dirty ratio (KIP-354): the
   * cleanable part holds a segment whose first batch is older than the lag. Reads each segment's
   * first batch header once (kept by the segment), only for logs with a bound.
   */
  private boolean overdue(CleanableLog l, LogToClean plan, long maxCompactionLagMs, long now) {
    if (maxCompactionLagMs == Long.MAX_VALUE || plan.cleanableBytes() == 0) {
      return false;
    }
    List<? extends CleanableLog.Segment> segments = l.segments();
    for (int i = 0; i < segments.size() - 1; i++) {
      CleanableLog.Segment s = segments.get(i);
      long base = s.info().baseOffset();
      long next = segments.get(i + 1).info().baseOffset();
      if (next <= plan.firstDirtyOffset()) {
        continue;
      }
      if (base >= plan.firstUncleanableOffset()) {
        break;
      }
      try {
        long first = s.firstBatchTimestamp();
        if (first >= 0 && first < now - maxCompactionLagMs) {
          return true;
        }
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return false;
  }

  private boolean changedMeanwhile(CleanableLog l, List<? extends CleanableLog.Segment> before) {
    boolean present = false;
    for (CleanableLog candidate : logs.get()) {
      present |= candidate.id().equals(l.id());
    }
    if (!present) {
      return true;
    }
    List<? extends CleanableLog.Segment> now = l.segments();
    // The active segment may only have grown; every other segment must still be there.
    return !now.containsAll(before.subList(0, before.size() - 1)) || now.size() < before.size();
  }

  private static List<SegmentInfo> infos(List<? extends CleanableLog.Segment> segments) {
    List<SegmentInfo> infos = new ArrayList<>(segments.size());
    for (CleanableLog.Segment s : segments) {
      infos.add(s.info());
    }
    return infos;
  }

  private void finished(LogId id, long endOffset, long horizon) {
    lock.lock();
    try {
      firstDirty.put(id, endOffset);
      if (horizon == Long.MAX_VALUE) {
        tombstoneHorizons.remove(id);
      } else {
        tombstoneHorizons.put(id, horizon);
      }
      writeCheckpoint();
    } finally {
      lock.unlock();
    }
  }

  private void writeCheckpoint() {
    try {
      checkpoint.write(firstDirty);
    } catch (IOException e) {
      // Not fatal: cleaning is idempotent, a lost checkpoint only costs a re-clean.
      log.warn("Cannot write {}", checkpoint.file(), e);
    }
  }

  /** The per-thread state of a cleaning: offset map, scanner and rewriter, all reused. */
  private final class Worker {
    /** Allocated at the first cleaning: a broker without compacted logs to clean never pays for it. */
    private OffsetMap map;
    private final BatchScanner scanner = new BatchScanner(config.ioBufferSize());
    private final BatchRewriter rewriter = new BatchRewriter(codec);
    private long bytesRead;
    private long bytesWritten;
    private long minHorizon;
    /** The aborted transactions of the log being cleaned (txn area); their records are dropped. */
    private List<dev.brook.storage.TxnIndex.AbortedTxn> aborted = List.of();
    /**
     * Over one cleaning (all groups, from the log start): the producers whose current transaction
     * still has data in the log — a batch kept, or an aborted batch dropped only in this cleaning.
     * Its marker must stay until a later cleaning finds no data before it.
     */
    private final Set<Long> txnWithData = new HashSet<>();
    /** Markers removed in the group being cleaned (their aborted-transaction entries go too). */
    private final Set<Long> droppedMarkers = new HashSet<>();

    Result clean(CleanableLog l, LogToClean plan) throws IOException, InterruptedException {
      if (map == null) {
        map = new OffsetMap(config.mapBytesPerThread(), config.ioBufferLoadFactor());
      }
      List<? extends CleanableLog.Segment> segments = l.segments();
      long recordsRead = rewriter.recordsRead();
      long recordsKept = rewriter.recordsKept();
      bytesRead = 0;
      bytesWritten = 0;
      minHorizon = Long.MAX_VALUE;
      aborted = l.abortedTransactions(l.logStartOffset(), plan.firstUncleanableOffset());
      txnWithData.clear();
      long end = buildOffsetMap(segments, plan.firstDirtyOffset(), plan.firstUncleanableOffset());
      LogConfig lc = l.config();
      List<List<SegmentInfo>> groups = LogToClean.groupBySize(infos(segments), end, lc.segmentBytes(),
          Math.max(1, lc.segmentIndexBytes() / 8));
      long now = clock.milliseconds();
      for (List<SegmentInfo> group : groups) {
        if (closed) {
          throw new IOException("cleaner closed");
        }
        if (!cleanGroup(l, select(segments, group), now, lc.deleteRetentionMs())) {
          log.info("Cleaning of {} gave up: its segments changed meanwhile (truncated or deleted)", l.id());
          return null;
        }
      }
      finished(l.id(), end, minHorizon);
      Result r = new Result(l.id(), plan.firstDirtyOffset(), end, groups.size(), bytesRead, bytesWritten,
          rewriter.recordsRead() - recordsRead, rewriter.recordsKept() - recordsKept);
      log.info("Cleaned {}: offsets [{}, {}) mapped, {} group(s), {} → {} bytes, {} of {} records kept", l.id(),
          plan.firstDirtyOffset(), end, groups.size(), bytesRead, bytesWritten, r.recordsKept(), r.recordsRead());
      return r;
    }

    /**
     * Maps key → latest offset over [from, to). Returns where the map stops: {@code to}, or the base
     * offset of the first batch that might not fit.
     */
    private long buildOffsetMap(List<? extends CleanableLog.Segment> segments, long from, long to)
        throws IOException, InterruptedException {
      map.clear();
      for (int i = 0; i < segments.size() - 1; i++) {
        CleanableLog.Segment s = segments.get(i);
        long next = segments.get(i + 1).info().baseOffset();
        if (next <= from || s.info().baseOffset() >= to) {
          continue;
        }
        scanner.reset(s.channel(), 0, s.info().sizeInBytes());
        while (scanner.next()) {
          ByteBuffer buf = scanner.buffer();
          int at = scanner.batchPosition();
          read(scanner.batchSize());
          long base = RecordBatchHeader.baseOffset(buf, at);
          if (base >= to) {
            return to;
          }
          if (RecordBatchHeader.lastOffset(buf, at) < from || isControl(buf, at) || !rewriter.canRead(buf, at)
              || isAborted(buf, at)) {
            // Records of aborted transactions never become a key's latest value.
            continue;
          }
          int count = RecordBatchHeader.recordCount(buf, at);
          if (map.size() + count > map.maxEntries()) {
            if (base <= from) {
              throw new IllegalStateException("log.cleaner.dedupe.buffer.size holds " + map.maxEntries()
                  + " keys a thread: too small for one batch of " + count + " records");
            }
            return base;
          }
          RecordCursor r = rewriter.openRecords(buf, at);
          ByteBuffer records = rewriter.recordsBuffer();
          while (r.next()) {
            if (r.hasKey()) {
              map.put(records, r.keyPosition(), r.keyLength(), base + r.offsetDelta());
            }
          }
        }
      }
      return to;
    }

    /** Rewrites one group of segments into one cleaned segment and swaps it in. */
    private boolean cleanGroup(CleanableLog l, List<? extends CleanableLog.Segment> group, long now,
        long deleteRetentionMs) throws IOException, InterruptedException {
      CleanableLog.CleanedSegment cleaned = l.startCleanedSegment(group.get(0).info().baseOffset());
      Map<Long, Long> producerLastOffsets = l.lastOffsetsOfActiveProducers();
      BatchRewriter.KeyFilter latest = (records, r, offset) -> {
        long mapped = map.get(records, r.keyPosition(), r.keyLength());
        return mapped < 0 || offset >= mapped;
      };
      boolean swapped = false;
      droppedMarkers.clear();
      try {
        long lastModified = 0;
        for (CleanableLog.Segment s : group) {
          lastModified = Math.max(lastModified, s.lastModified());
          scanner.reset(s.channel(), 0, s.info().sizeInBytes());
          while (scanner.next()) {
            ByteBuffer buf = scanner.buffer();
            int at = scanner.batchPosition();
            read(scanner.batchSize());
            long producerId = RecordBatchHeader.producerId(buf, at);
            boolean keepEmpty = producerId >= 0
                && producerLastOffsets.getOrDefault(producerId, -1L) == RecordBatchHeader.lastOffset(buf, at);
            ByteBuffer out = filter(buf, at, scanner.batchSize(), latest, now, deleteRetentionMs, keepEmpty);
            trackTransaction(buf, at, out != null);
            if (out != null) {
              cleaned.append(out);
              bytesWritten += out.remaining();
              throttler.maybeThrottle(out.remaining());
            }
          }
        }
        // Markers stay with their offsets, so each aborted transaction stays indexed in the segment
        // now holding its marker.
        for (CleanableLog.Segment s : group) {
          for (dev.brook.storage.TxnIndex.AbortedTxn a : s.abortedTransactions()) {
            if (!droppedMarkers.contains(a.lastOffset())) {
              cleaned.indexAbortedTransaction(a);
            }
          }
        }
        swapped = l.replaceSegments(cleaned, group, lastModified);
        return swapped;
      } finally {
        if (!swapped) {
          cleaned.abort();
        }
      }
    }

    /**
     * Follows each producer's transaction through the cleaning: a transactional data batch that
     * stays (or an aborted one dropped now) means its marker must stay; a marker ends it.
     */
    private void trackTransaction(ByteBuffer buf, int at, boolean kept) {
      long pid = RecordBatchHeader.producerId(buf, at);
      if (pid < 0 || !RecordBatchHeader.isTransactional(buf, at)) {
        return;
      }
      if (isControl(buf, at)) {
        txnWithData.remove(pid);
      } else if (kept || isAborted(buf, at)) {
        txnWithData.add(pid);
      }
    }

    /** The bytes to write for the batch at {@code at}, or null to drop it. */
    private ByteBuffer filter(ByteBuffer buf, int at, int size, BatchRewriter.KeyFilter latest, long now,
        long deleteRetentionMs, boolean keepEmpty) throws IOException {
      if (isControl(buf, at)) {
        return filterMarker(buf, at, size, now, deleteRetentionMs);
      }
      if (!rewriter.canRead(buf, at)) {
        return slice(buf, at, size);
      }
      if (isAborted(buf, at)) {
        return null; // a batch of an aborted transaction: read_committed never sees it, so it goes
      }
      return switch (rewriter.filter(buf, at, latest, now, deleteRetentionMs, keepEmpty)) {
        case KEEP_AS_IS -> {
          minHorizon = Math.min(minHorizon, rewriter.keptTombstoneHorizon());
          yield slice(buf, at, size);
        }
        case REWRITTEN -> {
          minHorizon = Math.min(minHorizon, rewriter.keptTombstoneHorizon());
          yield rewriter.rewritten();
        }
        case DROPPED -> null;
      };
    }

    /**
     * A transaction marker (KIP-534): kept while its transaction has data in the log. Once none is
     * left (aborted: all dropped by an earlier cleaning; committed: all cleaned away), the first
     * cleaning to see that stamps it with a delete horizon (now + delete.retention.ms), and a
     * cleaning after the horizon removes it — so a consumer reading the log from the start within
     * delete.retention.ms still sees it. Markers above the last stable offset are never cleaned.
     */
    private ByteBuffer filterMarker(ByteBuffer buf, int at, int size, long now, long deleteRetentionMs) throws IOException {
      long pid = RecordBatchHeader.producerId(buf, at);
      int type = pid < 0 || !RecordBatchHeader.isTransactional(buf, at) ? -2 : rewriter.controlType(buf, at);
      if ((type != BatchRewriter.ABORT && type != BatchRewriter.COMMIT) || txnWithData.contains(pid)) {
        return slice(buf, at, size);
      }
      boolean hasHorizon = (RecordBatchHeader.attributes(buf, at) & RecordBatchHeader.DELETE_HORIZON_MASK) != 0;
      if (!hasHorizon) {
        long horizon = now + deleteRetentionMs;
        minHorizon = Math.min(minHorizon, horizon);
        rewriter.stampDeleteHorizon(buf, at, horizon);
        return rewriter.rewritten();
      }
      long horizon = RecordBatchHeader.baseTimestamp(buf, at);
      if (now >= horizon) {
        droppedMarkers.add(RecordBatchHeader.baseOffset(buf, at));
        return null;
      }
      minHorizon = Math.min(minHorizon, horizon);
      return slice(buf, at, size);
    }

    /** Whether the batch at {@code at} belongs to an aborted transaction of its producer. */
    private boolean isAborted(ByteBuffer buf, int at) {
      if (aborted.isEmpty() || !RecordBatchHeader.isTransactional(buf, at)) {
        return false;
      }
      long pid = RecordBatchHeader.producerId(buf, at);
      long base = RecordBatchHeader.baseOffset(buf, at);
      for (dev.brook.storage.TxnIndex.AbortedTxn a : aborted) {
        if (a.producerId() == pid && a.firstOffset() <= base && base < a.lastOffset()) {
          return true;
        }
      }
      return false;
    }

    private ByteBuffer slice(ByteBuffer buf, int at, int size) {
      ByteBuffer d = buf.duplicate();
      d.limit(at + size).position(at);
      return d;
    }

    private void read(long bytes) throws InterruptedException, IOException {
      if (closed) {
        throw new IOException("log cleaner closed");
      }
      bytesRead += bytes;
      throttler.maybeThrottle(bytes);
    }
  }

  private static boolean isControl(ByteBuffer buf, int at) {
    return RecordBatchHeader.isControl(buf, at);
  }

  /** The segments of {@code all} whose base offsets are those of {@code group}, in order. */
  private static List<? extends CleanableLog.Segment> select(List<? extends CleanableLog.Segment> all,
      List<SegmentInfo> group) {
    List<CleanableLog.Segment> out = new ArrayList<>(group.size());
    int g = 0;
    for (CleanableLog.Segment s : all) {
      if (g < group.size() && s.info().baseOffset() == group.get(g).baseOffset()) {
        out.add(s);
        g++;
      }
    }
    return out;
  }
}
