package dev.brook.storage;

import dev.brook.storage.cleaner.CleanableLog;
import dev.brook.storage.cleaner.CleanerConfig;
import dev.brook.storage.cleaner.LogCleaner;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * All partition logs of one log directory: opens (and recovers) them at startup, creates and
 * deletes them, runs the background duties (retention, flush, checkpoints, cleaner), and on
 * shutdown flushes, checkpoints and writes the clean-shutdown marker.
 *
 * <p>Files it owns in the log dir: {@code recovery-point-offset-checkpoint}, {@code
 * log-start-offset-checkpoint}, {@code replication-offset-checkpoint} (high watermarks), {@code
 * .kafka_cleanshutdown}. {@code meta.properties} belongs to the broker. The marker is removed as
 * soon as the logs are open, so a crash at any later point makes the next open recover the logs
 * past their recovery points.
 *
 * <p>Background duties run on one daemon thread (the machine's cores belong to the request path):
 * retention, flush.ms checks and the three checkpoints at the intervals given to {@link
 * #startBackgroundDuties}, plus any duty registered with {@link #addBackgroundDuty}. The
 * log cleaner (compaction) runs on its own {@code log.cleaner.threads}, started with the duties
 * and stopped first on close.
 *
 * <p>Failures: an I/O error on any file of the directory (a log's write, roll, fsync, or a
 * checkpoint) takes the whole directory offline through the {@link LogDirFailureChannel} given at
 * open: every log in it refuses reads and writes from then on, the duties skip it, and close
 * leaves its files as they are, without the clean-shutdown marker, so the next open recovers the
 * logs from their recovery points. Rolled segments are flushed by this directory's own {@link
 * LogFlusher} thread.
 *
 * <p>Thread-safe.
 */
public final class LogManager implements AutoCloseable {
  public static final String RECOVERY_POINT_CHECKPOINT = "recovery-point-offset-checkpoint";
  public static final String LOG_START_CHECKPOINT = "log-start-offset-checkpoint";
  public static final String HIGH_WATERMARK_CHECKPOINT = "replication-offset-checkpoint";
  public static final String CLEAN_SHUTDOWN_MARKER = ".kafka_cleanshutdown";
  public static final String DELETE_DIR_SUFFIX = "-delete";
  /**
   * Kafka's KRaft metadata log, present in a log dir that Kafka (4.x) used. It is Kafka's controller
   * state, not a topic: the broker reads it once to import the topics, and it is never opened,
   * recovered, cleaned or served as a log (opening it would rewrite its checkpoints and indexes).
   */
  public static final String KAFKA_METADATA_LOG_DIR = "__cluster_metadata-0";
  public static final long CHECKPOINT_INTERVAL_MS = 5_000;
  private static final long FLUSH_CHECK_INTERVAL_MS = 1_000;
  private static final Logger LOG = LoggerFactory.getLogger(LogManager.class);

  private final Path logDir;
  private final LogConfig defaults;
  private final Clock clock;
  private final Map<LogId, SegmentedLog> logs = new ConcurrentHashMap<>();
  private final LogDirFailureChannel failures;
  private final LogFlusher flusher;
  private volatile boolean offline;
  private final List<Duty> duties = new CopyOnWriteArrayList<>();
  private final List<PendingDirDelete> pendingDirDeletes = new ArrayList<>();
  private final Object checkpointLock = new Object();
  /**
   * The entries each checkpoint file holds (read at open, or last written; a missing file holds
   * none): a checkpoint whose entries have not changed is not rewritten, which spares three file
   * and three directory fsyncs at every start of a broker with no partitions and at every
   * checkpoint interval of an idle one. Guarded by checkpointLock.
   */
  private final Map<String, List<String>> checkpointed = new HashMap<>();
  private ScheduledExecutorService scheduler;
  private boolean closed;
  /** Compacts the logs with cleanup.policy=compact; its threads start with the duties. */
  private final LogCleaner cleaner;
  /** Reads compressed batches for the cleaner and for exact timestamp lookups. */
  private final RecordCodec codec;
  private volatile Function<LogId, Map<Long, Long>> activeProducers = id -> Map.of();
  private volatile java.util.function.BiConsumer<LogId, Long> logStartListener = (id, start) -> {};
  private volatile Function<LogId, dev.brook.storage.cleaner.TransactionView> transactions =
      id -> dev.brook.storage.cleaner.TransactionView.NONE;
  /**
   * Logs whose own config the broker has given (through getOrCreate). A log opened at startup runs
   * with the defaults until then, and the cleaner must not act on a cleanup.policy that is not the
   * topic's: with a compact default it would compact a delete topic.
   */
  private final java.util.Set<LogId> configured = ConcurrentHashMap.newKeySet();

  private record Duty(String name, long periodMs, Runnable task) {}

  private record PendingDirDelete(SegmentedLog log, Path dir, long dueMs) {}

  private LogManager(Path logDir, LogConfig defaults, Clock clock, CleanerConfig cleanerConfig, RecordCodec codec,
      LogDirFailureChannel failures) {
    this.logDir = logDir;
    this.failures = failures;
    this.flusher = new LogFlusher("brook-log-flusher-" + logDir.getFileName());
    failures.addListener(dir -> {
      if (dir.equals(logDir.toAbsolutePath().normalize())) {
        offline = true;
        logs.values().forEach(SegmentedLog::markOffline);
      }
    });
    this.defaults = defaults;
    this.clock = clock;
    this.codec = codec;
    this.cleaner = new LogCleaner(cleanerConfig, logDir, this::cleanableLogs, codec, clock);
  }

  /**
   * Opens every partition directory under {@code logDir}, recovering those not cleanly shut down.
   * The cleaner has Kafka's defaults and knows only gzip among the codecs: the broker uses the
   * other {@code open}.
   */
  public static LogManager open(Path logDir, LogConfig defaults, Clock clock) throws IOException {
    return open(logDir, defaults, clock, CleanerConfig.defaults(), RecordCodec.builtIn());
  }

  /**
   * As {@link #open(Path, LogConfig, Clock)}, with the log cleaner's settings and the codec that the
   * cleaner and timestamp lookups use to look inside compressed batches (the broker passes one that
   * knows every Kafka codec).
   */
  public static LogManager open(Path logDir, LogConfig defaults, Clock clock, CleanerConfig cleanerConfig,
      RecordCodec codec) throws IOException {
    return open(logDir, defaults, clock, cleanerConfig, codec, new LogDirFailureChannel());
  }

  /**
   * As above, reporting the directory's I/O failures to {@code failures} (the broker's one channel
   * for all its log directories).
   */
  public static LogManager open(Path logDir, LogConfig defaults, Clock clock, CleanerConfig cleanerConfig,
      RecordCodec codec, LogDirFailureChannel failures) throws IOException {
    Files.createDirectories(logDir);
    LogManager m = new LogManager(logDir, defaults, clock, cleanerConfig, codec, failures);
    try {
      m.loadLogs();
    } catch (IOException | RuntimeException e) {
      m.flusher.close();
      throw e;
    }
    return m;
  }

  /** The number of partition logs in this directory (JBOD placement counts them). */
  public int logCount() {
    return logs.size();
  }

  /** Whether this directory has gone offline after an I/O error (until restart). */
  public boolean isOffline() {
    return offline;
  }

  /** The channel this directory reports its failures to. */
  public LogDirFailureChannel failures() {
    return failures;
  }

  /** Waits until the flusher has run every flush submitted so far (tests). */
  public void awaitFlushes() {
    flusher.drain();
  }

  /** The log cleaner (compaction) of this log dir. */
  public LogCleaner cleaner() {
    return cleaner;
  }

  /**
   * Seam for the broker's producer state: for a log, producer id → last offset of the last batch
   * of each still-active idempotent or transactional producer. The cleaner keeps such a batch as an
   * empty batch when compaction would remove all its records (as Kafka does), so the producer's
   * sequence survives a reload from the log. The provider answers null for a log whose producers
   * it does not know (yet): such a log is not cleaned until it does. Default: no producers.
   */
  public void setActiveProducers(Function<LogId, Map<Long, Long>> provider) {
    this.activeProducers = provider;
  }

  /**
   * Seam for state kept beside a log (the broker's producer state): {@code listener} is told, on
   * the background duty thread, the new log start offset of a log whose retention just deleted
   * segments, so that it can forget what lies wholly below it (as DeleteRecords does). It must not
   * block. Default: nobody.
   */
  public void setLogStartListener(java.util.function.BiConsumer<LogId, Long> listener) {
    this.logStartListener = listener;
  }

  /**
   * Seam for the broker's transaction state (txn area): per log, its last stable offset (the
   * cleaner cleans nothing past it) and its aborted transactions (whose records compaction drops).
   * Default: no transactions.
   */
  public void setTransactions(Function<LogId, dev.brook.storage.cleaner.TransactionView> provider) {
    this.transactions = provider;
  }

  private List<CleanableLog> cleanableLogs() {
    List<CleanableLog> out = new ArrayList<>();
    for (SegmentedLog log : logs.values()) {
      if (!log.isClosed() && configured.contains(log.id()) && activeProducers.apply(log.id()) != null) {
        out.add(new CleanableSegmentedLog(log, clock, activeProducers, transactions));
      }
    }
    return out;
  }

  private void loadLogs() throws IOException {
    Path marker = logDir.resolve(CLEAN_SHUTDOWN_MARKER);
    boolean clean = Files.exists(marker);
    Map<LogId, Long> recoveryPoints = readCheckpointOrEmpty(RECOVERY_POINT_CHECKPOINT);
    Map<LogId, Long> logStarts = readCheckpointOrEmpty(LOG_START_CHECKPOINT);
    Map<LogId, Long> highWatermarks = readCheckpointOrEmpty(HIGH_WATERMARK_CHECKPOINT);
    List<Path> dirs = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(logDir, Files::isDirectory)) {
      ds.forEach(dirs::add);
    }
    for (Path dir : dirs) {
      String name = dir.getFileName().toString();
      if (name.endsWith(DELETE_DIR_SUFFIX)) {
        deleteRecursively(dir);
        continue;
      }
      if (name.equals(KAFKA_METADATA_LOG_DIR)) {
        continue; // Kafka's own metadata, left as Kafka wrote it
      }
      LogId id;
      try {
        id = LogId.parseDirName(name);
      } catch (IllegalArgumentException e) {
        LOG.warn("Ignoring {}: not a partition directory", dir);
        continue;
      }
      LogLoadState state = new LogLoadState(
          recoveryPoints.getOrDefault(id, clean ? Long.MAX_VALUE : 0L),
          logStarts.getOrDefault(id, -1L),
          highWatermarks.getOrDefault(id, -1L),
          clean);
      logs.put(id, SegmentedLog.open(id, dir, defaults, clock, state, codec, failures, flusher));
    }
    if (Files.deleteIfExists(marker) || !dirs.isEmpty()) {
      CheckpointFile.fsyncDir(logDir); // the marker's removal and any deleted directory are durable
    }
    if (!clean && !logs.isEmpty()) {
      LOG.info("Recovered {} logs in {} after an unclean shutdown", logs.size(), logDir);
    }
    checkpoint();
  }

  private Map<LogId, Long> readCheckpointOrEmpty(String fileName) {
    Map<LogId, Long> out = new HashMap<>();
    Path file = logDir.resolve(fileName);
    try {
      List<String> lines = CheckpointFile.read(file);
      for (String line : lines) {
        String[] parts = line.trim().split("\\s+");
        out.put(new LogId(parts[0], Integer.parseInt(parts[1])), Long.parseLong(parts[2]));
      }
      synchronized (checkpointLock) {
        checkpointed.put(fileName, lines);
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("Ignoring unreadable checkpoint {}", file, e);
      out.clear();
    }
    return out;
  }

  public Path logDir() {
    return logDir;
  }

  public LogConfig defaults() {
    return defaults;
  }

  public Optional<PartitionLog> get(LogId id) {
    return Optional.ofNullable(logs.get(id));
  }

  /**
   * The log, created empty if it does not exist. For an existing log a different {@code config}
   * replaces its current one (logs opened at startup start with the defaults until the broker
   * applies the topic's configuration this way).
   */
  public PartitionLog getOrCreate(LogId id, LogConfig config) throws IOException {
    synchronized (this) {
      ensureOpen();
      if (offline) {
        throw new LogDirOfflineException(logDir, "create " + id, null);
      }
      SegmentedLog log = logs.get(id);
      if (log == null) {
        try {
          log = SegmentedLog.open(id, logDir.resolve(id.dirName()), config, clock, LogLoadState.clean(), codec, failures, flusher);
        } catch (IOException | java.io.UncheckedIOException e) {
          failures.markOffline(logDir, "create " + id, e);
          throw new LogDirOfflineException(logDir, "create " + id, e);
        }
        logs.put(id, log);
      } else if (!log.config().equals(config)) {
        log.updateConfig(config);
      }
      configured.add(id);
      return log;
    }
  }

  public Collection<PartitionLog> all() {
    return new ArrayList<>(logs.values());
  }

  /** The logs with their concrete type (for storage-internal duties such as the cleaner). */
  public Collection<SegmentedLog> logs() {
    return new ArrayList<>(logs.values());
  }

  /** Closes and removes the partition's directory (renamed first, removed after the delete delay). */
  public void delete(LogId id) throws IOException {
    SegmentedLog log;
    Path renamed;
    synchronized (this) {
      log = logs.remove(id);
      configured.remove(id);
      if (log == null) {
        return;
      }
      log.markDeleted(); // the flusher's queued work for it is dropped before the rename
      renamed = logDir.resolve(id.dirName() + "." + UUID.randomUUID().toString().replace("-", "") + DELETE_DIR_SUFFIX);
      Files.move(log.dir(), renamed, StandardCopyOption.ATOMIC_MOVE);
      CheckpointFile.fsyncDir(logDir);
      synchronized (pendingDirDeletes) {
        pendingDirDeletes.add(new PendingDirDelete(log, renamed, clock.milliseconds() + log.config().fileDeleteDelayMs()));
      }
    }
    cleaner.forget(id);
    deleteExpiredDirs(false);
    checkpoint();
  }

  /** Removes renamed log directories whose delete delay has passed (all of them with {@code all}). */
  void deleteExpiredDirs(boolean all) {
    List<PendingDirDelete> due = new ArrayList<>();
    long now = clock.milliseconds();
    synchronized (pendingDirDeletes) {
      var it = pendingDirDeletes.iterator();
      while (it.hasNext()) {
        PendingDirDelete d = it.next();
        if (all || d.dueMs() <= now) {
          due.add(d);
          it.remove();
        }
      }
    }
    for (PendingDirDelete d : due) {
      try {
        d.log().closeForDelete();
        deleteRecursively(d.dir());
      } catch (IOException e) {
        LOG.error("Cannot delete log directory {}", d.dir(), e);
      }
    }
  }

  /**
   * Registers a duty run every {@code periodMs} on the background thread once {@link
   * #startBackgroundDuties} has been called (immediately scheduled if it already was). A duty that
   * throws is logged and run again at its next period.
   */
  public void addBackgroundDuty(String name, long periodMs, Runnable task) {
    Duty duty = new Duty(name, periodMs, task);
    synchronized (this) {
      duties.add(duty);
      if (scheduler != null) {
        schedule(duty);
      }
    }
  }

  /**
   * Starts retention, flush, checkpoint and cleaner duties on background threads: flush.ms checked
   * every second, every checkpoint written every {@link #CHECKPOINT_INTERVAL_MS} (tools and tests).
   */
  public void startBackgroundDuties(long retentionCheckIntervalMs) {
    startBackgroundDuties(retentionCheckIntervalMs, FLUSH_CHECK_INTERVAL_MS, CHECKPOINT_INTERVAL_MS, CHECKPOINT_INTERVAL_MS);
  }

  /**
   * Starts the background duties with Kafka's intervals: retention every {@code
   * log.retention.check.interval.ms}, flush.ms checked every {@code log.flush.scheduler.interval.ms}
   * (Long.MAX_VALUE, Kafka's default: never), recovery points checkpointed every {@code
   * log.flush.offset.checkpoint.interval.ms}, log start offsets every {@code
   * log.flush.start.offset.checkpoint.interval.ms}, high watermarks every {@link
   * #CHECKPOINT_INTERVAL_MS} (Kafka's replica.high.watermark.checkpoint.interval.ms default).
   */
  public void startBackgroundDuties(long retentionCheckIntervalMs, long flushCheckIntervalMs,
      long recoveryPointCheckpointIntervalMs, long logStartCheckpointIntervalMs) {
    synchronized (this) {
      ensureOpen();
      if (scheduler != null) {
        return;
      }
      scheduler = Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("brook-log-duties").daemon().factory());
      schedule(new Duty("retention", retentionCheckIntervalMs, this::cleanupLogs));
      if (flushCheckIntervalMs != Long.MAX_VALUE) {
        schedule(new Duty("flush", flushCheckIntervalMs, this::flushDueLogs));
      }
      schedule(new Duty("recovery-point-checkpoint", recoveryPointCheckpointIntervalMs,
          () -> checkpointQuietly(RECOVERY_POINT_CHECKPOINT)));
      schedule(new Duty("log-start-checkpoint", logStartCheckpointIntervalMs, () -> checkpointQuietly(LOG_START_CHECKPOINT)));
      schedule(new Duty("high-watermark-checkpoint", CHECKPOINT_INTERVAL_MS, () -> checkpointQuietly(HIGH_WATERMARK_CHECKPOINT)));
      for (Duty d : duties) {
        schedule(d);
      }
      cleaner.start();
    }
  }

  private void schedule(Duty d) {
    if (d.periodMs() <= 0) {
      scheduler.execute(() -> runDuty(d)); // as Kafka's scheduler: a period of 0 runs the duty once
      return;
    }
    long period = d.periodMs();
    scheduler.scheduleWithFixedDelay(() -> runDuty(d), period, period, TimeUnit.MILLISECONDS);
  }

  private static void runDuty(Duty d) {
    {
      try {
        d.task().run();
      } catch (RuntimeException e) {
        LOG.error("Log duty {} failed", d.name(), e);
      }
    }
  }

  /** Applies retention to every log and removes files whose delete delay has passed. */
  public int cleanupLogs() {
    int deleted = 0;
    if (offline) {
      return 0;
    }
    for (SegmentedLog log : logs.values()) {
      try {
        int n = log.applyRetention();
        deleted += n;
        if (n > 0) {
          logStartListener.accept(log.id(), log.logStartOffset());
        }
      } catch (IOException | RuntimeException e) {
        if (!log.isClosed() && !log.isOffline()) {
          LOG.error("Retention failed for {}", log.id(), e);
        }
      }
    }
    deleteExpiredDirs(false);
    if (deleted > 0) {
      checkpointQuietly();
    }
    return deleted;
  }

  /** Flushes every log whose flush.ms has passed. */
  public void flushDueLogs() {
    for (SegmentedLog log : logs.values()) {
      if (offline) {
        return; // a failed fsync is never retried
      }
      try {
        log.flushIfDue();
      } catch (LogDirOfflineException e) {
        // reported once by the failure channel
      } catch (IOException | RuntimeException e) {
        LOG.error("Flush failed for {}", log.id(), e);
      }
    }
  }

  private void checkpointQuietly() {
    checkpointQuietly(null);
  }

  private void checkpointQuietly(String onlyFile) {
    if (offline) {
      return;
    }
    try {
      checkpoint(onlyFile);
    } catch (LogDirOfflineException e) {
      // reported once by the failure channel
    } catch (IOException e) {
      LOG.error("Cannot write checkpoints in {}", logDir, e);
    }
  }

  /** Writes the recovery-point, log-start and high-watermark checkpoints now. */
  public void checkpoint() throws IOException {
    checkpoint(null);
  }

  /** Writes one checkpoint file ({@code onlyFile}), or all three (null). */
  private void checkpoint(String onlyFile) throws IOException {
    synchronized (checkpointLock) {
      List<String> rp = new ArrayList<>();
      List<String> start = new ArrayList<>();
      List<String> hw = new ArrayList<>();
      for (SegmentedLog log : logs.values()) {
        String prefix = log.id().topic() + " " + log.id().partition() + " ";
        rp.add(prefix + log.recoveryPoint());
        start.add(prefix + log.logStartOffset());
        hw.add(prefix + log.highWatermark());
      }
      if (onlyFile == null || onlyFile.equals(RECOVERY_POINT_CHECKPOINT)) {
        writeIfChanged(RECOVERY_POINT_CHECKPOINT, rp);
      }
      if (onlyFile == null || onlyFile.equals(LOG_START_CHECKPOINT)) {
        writeIfChanged(LOG_START_CHECKPOINT, start);
      }
      if (onlyFile == null || onlyFile.equals(HIGH_WATERMARK_CHECKPOINT)) {
        writeIfChanged(HIGH_WATERMARK_CHECKPOINT, hw);
      }
    }
  }

  private void writeIfChanged(String fileName, List<String> entries) throws IOException {
    if (entries.equals(checkpointed.get(fileName))) {
      return;
    }
    if (offline) {
      throw new LogDirOfflineException(logDir, "checkpoint " + fileName, null);
    }
    checkpointed.remove(fileName); // unknown until the write below has succeeded
    try {
      CheckpointFile.write(logDir.resolve(fileName), entries);
    } catch (IOException | java.io.UncheckedIOException e) {
      failures.markOffline(logDir, "checkpoint " + fileName, e);
      throw new LogDirOfflineException(logDir, "checkpoint " + fileName, e);
    }
    checkpointed.put(fileName, entries);
  }

  /** Flushes every log, writes the checkpoints and the clean-shutdown marker, closes files. */
  @Override
  public void close() throws IOException {
    ScheduledExecutorService s;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      s = scheduler;
    }
    try {
      cleaner.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (s != null) {
      // shutdown(), not shutdownNow(): interrupting a duty in the middle of file I/O would close
      // that segment's FileChannel (ClosedByInterruptException) and turn this clean shutdown into
      // an unclean one. Pending periodic runs are cancelled; a running one is let finish.
      s.shutdown();
      try {
        if (!s.awaitTermination(30, TimeUnit.SECONDS)) {
          LOG.warn("Log duties did not stop within 30 s");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    flusher.close(); // runs the rolls' pending flushes first
    AppendTimings.report();
    if (offline) {
      // Leave the files as the failure left them: no flush, no checkpoint, no clean-shutdown
      // marker, so the next open recovers every log of this directory past its recovery point.
      for (SegmentedLog log : logs.values()) {
        log.close();
      }
      LOG.warn("Closed the offline log directory {} without a clean shutdown; the next start recovers it", logDir);
      return;
    }
    IOException failure = null;
    for (SegmentedLog log : logs.values()) {
      try {
        log.close();
      } catch (IOException e) {
        LOG.error("Cannot close {}", log.id(), e);
        failure = e;
      }
    }
    deleteExpiredDirs(true);
    checkpoint();
    if (failure != null) {
      throw failure;
    }
    Files.write(logDir.resolve(CLEAN_SHUTDOWN_MARKER), new byte[0]);
    CheckpointFile.fsyncDir(logDir);
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("log manager for " + logDir + " is closed");
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.deleteIfExists(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
        Files.deleteIfExists(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
