package dev.brook.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * One segment of a partition log: {@code <base>.log} (whole v2 record batches, offsets ≥ base),
 * {@code <base>.index} ({@link OffsetIndex}), {@code <base>.timeindex} ({@link TimeIndex}) and, once
 * an aborted transaction's marker lands in it, {@code <base>.txnindex} ({@link TxnIndex}), all named
 * by the base offset in 20 digits, optionally with a suffix ({@code .cleaned}, {@code .swap}, {@code
 * .deleted}) while the segment is being swapped in or removed.
 *
 * <p>Invariant: bytes below {@link #sizeInBytes()} are whole batches with increasing offsets; the
 * size is published (volatile) only after the bytes are written, so a concurrent reader never sees
 * part of a batch.
 *
 * <p>Threading: one writer at a time (the owning log serializes mutations); {@link #read}, {@link
 * #findOffsetByTimestamp} and friends may run concurrently with an append.
 */
public final class LogSegment implements AutoCloseable {
  public static final String LOG_SUFFIX = ".log";
  public static final String INDEX_SUFFIX = ".index";
  public static final String TIME_INDEX_SUFFIX = ".timeindex";
  public static final String TXN_INDEX_SUFFIX = TxnIndex.SUFFIX;
  public static final String CLEANED_SUFFIX = ".cleaned";
  public static final String SWAP_SUFFIX = ".swap";
  public static final String DELETED_SUFFIX = ".deleted";
  /** Suffix of the next segment's files made ahead of its roll ({@link Prepared}). */
  public static final String PREPARED_SUFFIX = ".prepared";
  private static final String PREPARED_STEM = "next";

  private final Path dir;
  private final long baseOffset;
  private final int indexIntervalBytes;
  private final FileChannel channel;
  /** Which ranges of the log are in the page cache; unmapped before the file shrinks or closes. */
  private final PageResidency residency;
  /** Diagnostics ({@link AppendTimings}): when the last append's write returned (appender only). */
  long lastWriteDoneNs;
  private final OffsetIndex offsetIndex;
  private final TimeIndex timeIndex;
  private final TxnIndex txnIndex;
  private volatile Path logFile;
  private volatile int size;
  private int bytesSinceLastIndexEntry;
  private volatile long maxTimestamp = -1;
  private volatile long offsetOfMaxTimestamp = -1;
  /** Offset after the last batch, -1 until known (computed lazily for loaded segments). */
  private volatile long nextOffset = -1;
  private long rollingBaseMs = -1;
  /**
   * Bytes written since the last flush. Set by the appender after a write, cleared by a flusher
   * before it forces: an append racing a flush leaves it set, so the next flush forces again.
   */
  private volatile boolean dirty;
  /**
   * Whether the segment is (or may become) the active one, so its indexes keep their preallocated
   * size; guarded by this segment's monitor, which {@link #trimIndexes} holds while it re-maps.
   */
  private boolean takesAppends;
  /** Renamed {@code .deleted}: its files await removal and are never re-opened (see {@link #trimIndexes}). */
  private boolean renamedForDeletion;
  /** Fixes this segment's {@code segment.jitter.ms} share ({@link LogConfig#rollJitterMs}). */
  private final long rollSeed;
  /** The first batch's max timestamp: -2 until read, -1 for none ({@link #firstBatchTimestamp}). */
  private volatile long firstBatchTimestamp = -2;

  private LogSegment(Path dir, long baseOffset, String suffix, int indexIntervalBytes, int offsetIndexPreallocate,
      int timeIndexPreallocate) throws IOException {
    this.dir = dir;
    this.baseOffset = baseOffset;
    this.indexIntervalBytes = indexIntervalBytes;
    this.logFile = dir.resolve(fileName(baseOffset, LOG_SUFFIX) + suffix);
    this.channel = StorageFiles.open(logFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    this.size = (int) Math.min(channel.size(), Integer.MAX_VALUE);
    this.residency = new PageResidency(channel);
    this.offsetIndex = new OffsetIndex(dir.resolve(fileName(baseOffset, INDEX_SUFFIX) + suffix), baseOffset, offsetIndexPreallocate);
    this.timeIndex = new TimeIndex(dir.resolve(fileName(baseOffset, TIME_INDEX_SUFFIX) + suffix), baseOffset, timeIndexPreallocate);
    this.txnIndex = TxnIndex.open(dir.resolve(fileName(baseOffset, TXN_INDEX_SUFFIX) + suffix));
    this.rollSeed = rollSeed(dir, baseOffset);
  }

  private LogSegment(Path dir, long baseOffset, int indexIntervalBytes, Path logFile, FileChannel channel,
      OffsetIndex offsetIndex, TimeIndex timeIndex, TxnIndex txnIndex) {
    this.dir = dir;
    this.baseOffset = baseOffset;
    this.indexIntervalBytes = indexIntervalBytes;
    this.logFile = logFile;
    this.channel = channel;
    this.residency = new PageResidency(channel);
    this.size = 0;
    this.offsetIndex = offsetIndex;
    this.timeIndex = timeIndex;
    this.txnIndex = txnIndex;
    this.rollSeed = rollSeed(dir, baseOffset);
  }

  /**
   * A well-mixed number of the partition directory and base offset (SplitMix64's finalizer): the
   * same segment gets the same jitter after a restart, and partitions made together spread apart.
   */
  private static long rollSeed(Path dir, long baseOffset) {
    Path name = dir.getFileName();
    long z = (name == null ? 0 : name.toString().hashCode()) * 0x9E3779B97F4A7C15L + baseOffset;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return (z ^ (z >>> 31)) >>> 1;
  }

  /**
   * Creates a new, empty segment (files with {@code suffix}) whose indexes are preallocated to
   * {@code segment.index.bytes}: a segment the cleaner writes, which may hold more than {@code
   * segment.bytes} (its first source segment was written under an earlier, larger setting).
   */
  public static LogSegment create(Path dir, long baseOffset, LogConfig config, String suffix) throws IOException {
    return create(dir, baseOffset, config, suffix, config.segmentIndexBytes(), config.segmentIndexBytes());
  }

  /**
   * Creates the log's new, empty active segment, its indexes preallocated to what a segment of
   * {@code segment.bytes} can need ({@link LogConfig#activeIndexBytes}).
   */
  static LogSegment createActive(Path dir, long baseOffset, LogConfig config) throws IOException {
    return create(dir, baseOffset, config, "", config.activeIndexBytes(OffsetIndex.ENTRY_SIZE),
        config.activeIndexBytes(TimeIndex.ENTRY_SIZE));
  }

  private static LogSegment create(Path dir, long baseOffset, LogConfig config, String suffix, int offsetIndexBytes,
      int timeIndexBytes) throws IOException {
    Files.deleteIfExists(dir.resolve(fileName(baseOffset, LOG_SUFFIX) + suffix));
    Files.deleteIfExists(dir.resolve(fileName(baseOffset, INDEX_SUFFIX) + suffix));
    Files.deleteIfExists(dir.resolve(fileName(baseOffset, TIME_INDEX_SUFFIX) + suffix));
    Files.deleteIfExists(dir.resolve(fileName(baseOffset, TXN_INDEX_SUFFIX) + suffix));
    LogSegment s = new LogSegment(dir, baseOffset, suffix, config.indexIntervalBytes(), offsetIndexBytes, timeIndexBytes);
    s.nextOffset = baseOffset;
    s.takesAppends = true;
    return s;
  }

  /**
   * The files of the next segment, made ahead of its roll under temporary names ({@code
   * next.log.prepared}, {@code next.index.prepared}, {@code next.timeindex.prepared}): an empty log
   * file, open, and both indexes preallocated and mapped. They name no offset (index entries are
   * relative), so they fit whatever base the roll comes at; {@link #adopt} renames them into a
   * segment. No record is ever written to a file under a prepared name, so recovery deletes them
   * ({@link LogFiles#removeLeftovers}).
   *
   * <p>Owned by one log: made on its flusher, handed over under the log's lock.
   */
  static final class Prepared {
    private final Path dir;
    private final FileChannel channel;
    private final MappedByteBuffer offsetIndex;
    private final MappedByteBuffer timeIndex;

    private Prepared(Path dir, FileChannel channel, MappedByteBuffer offsetIndex, MappedByteBuffer timeIndex) {
      this.dir = dir;
      this.channel = channel;
      this.offsetIndex = offsetIndex;
      this.timeIndex = timeIndex;
    }

    /** Closes the log file without touching the files (their directory failed). */
    void abandon() {
      try {
        channel.close();
      } catch (IOException ignored) {
        // the directory is offline or the files are going: nothing to keep
      }
    }

    /** Closes and removes the files (the log closed or was deleted before a roll used them). */
    void discard() throws IOException {
      abandon();
      Files.deleteIfExists(preparedFile(dir, LOG_SUFFIX));
      Files.deleteIfExists(preparedFile(dir, INDEX_SUFFIX));
      Files.deleteIfExists(preparedFile(dir, TIME_INDEX_SUFFIX));
    }
  }

  static Path preparedFile(Path dir, String suffix) {
    return dir.resolve(PREPARED_STEM + suffix + PREPARED_SUFFIX);
  }

  /**
   * Creates the next segment's files in {@code dir} under their prepared names, indexes sized for
   * {@code config} ({@link LogConfig#activeIndexBytes}): the file-system work of a roll, done ahead
   * of it and off the log's lock.
   */
  static Prepared prepare(Path dir, LogConfig config) throws IOException {
    FileChannel ch = StorageFiles.open(preparedFile(dir, LOG_SUFFIX), StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    try {
      ch.truncate(0);
      MappedByteBuffer offsets = AbstractIndex.preallocate(preparedFile(dir, INDEX_SUFFIX),
          config.activeIndexBytes(OffsetIndex.ENTRY_SIZE), OffsetIndex.ENTRY_SIZE);
      MappedByteBuffer times = AbstractIndex.preallocate(preparedFile(dir, TIME_INDEX_SUFFIX),
          config.activeIndexBytes(TimeIndex.ENTRY_SIZE), TimeIndex.ENTRY_SIZE);
      return new Prepared(dir, ch, offsets, times);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /**
   * Makes {@code prepared}'s files the new, empty segment at {@code baseOffset}: three renames, the
   * indexes before the log (an index without its log is removed at open; a log without indexes has
   * them rebuilt), nothing else. The indexes are re-mapped only if their size for {@code config}
   * ({@link LogConfig#activeIndexBytes}) changed since they were made.
   */
  static LogSegment adopt(Prepared prepared, long baseOffset, LogConfig config) throws IOException {
    Path dir = prepared.dir;
    Path index = dir.resolve(fileName(baseOffset, INDEX_SUFFIX));
    Path timeIndex = dir.resolve(fileName(baseOffset, TIME_INDEX_SUFFIX));
    Path log = dir.resolve(fileName(baseOffset, LOG_SUFFIX));
    Files.move(preparedFile(dir, INDEX_SUFFIX), index, StandardCopyOption.ATOMIC_MOVE);
    Files.move(preparedFile(dir, TIME_INDEX_SUFFIX), timeIndex, StandardCopyOption.ATOMIC_MOVE);
    Files.move(preparedFile(dir, LOG_SUFFIX), log, StandardCopyOption.ATOMIC_MOVE);
    LogSegment s = new LogSegment(dir, baseOffset, config.indexIntervalBytes(), log, prepared.channel,
        new OffsetIndex(index, baseOffset, prepared.offsetIndex), new TimeIndex(timeIndex, baseOffset, prepared.timeIndex),
        TxnIndex.empty(dir.resolve(fileName(baseOffset, TXN_INDEX_SUFFIX))));
    s.nextOffset = baseOffset;
    s.takesAppends = true;
    s.onBecomeActive(config);
    return s;
  }

  /**
   * Opens an existing segment trusting its files (no scan). The caller checks {@link
   * #indexesLookValid()} and calls {@link #recover} when they do not.
   */
  static LogSegment open(Path dir, long baseOffset, LogConfig config, String suffix) throws IOException {
    return new LogSegment(dir, baseOffset, suffix, config.indexIntervalBytes(), 0, 0);
  }

  /** {@code 00000000000000000042.log} for base offset 42 and suffix {@code .log}. */
  public static String fileName(long baseOffset, String suffix) {
    // Not String.format: a roll names four files, and the format string's parse is most of that cost.
    String digits = Long.toString(baseOffset);
    return "0".repeat(Math.max(0, 20 - digits.length())) + digits + suffix;
  }

  public long baseOffset() {
    return baseOffset;
  }

  public int sizeInBytes() {
    return size;
  }

  public Path logFile() {
    return logFile;
  }

  FileChannel channel() {
    return channel;
  }

  OffsetIndex offsetIndex() {
    return offsetIndex;
  }

  TimeIndex timeIndex() {
    return timeIndex;
  }

  /** The aborted transactions whose markers lie in this segment. */
  public TxnIndex txnIndex() {
    return txnIndex;
  }

  /** Largest batch max-timestamp in this segment, or -1. */
  public long maxTimestamp() throws IOException {
    ensureTailLoaded();
    return maxTimestamp;
  }

  /** Base offset of the batch holding {@link #maxTimestamp()}, or -1. */
  public long offsetOfMaxTimestamp() throws IOException {
    ensureTailLoaded();
    return offsetOfMaxTimestamp;
  }

  private void ensureTailLoaded() throws IOException {
    if (nextOffset < 0) {
      synchronized (this) {
        if (nextOffset < 0) {
          loadTailState();
        }
      }
    }
  }

  public boolean isEmpty() {
    return size == 0;
  }

  // ---------------------------------------------------------------- append

  /**
   * Whether an append of {@code bytes} in {@code batches} batches ending at {@code lastOffset}
   * must go to a new segment.
   */
  boolean shouldRoll(LogConfig config, int bytes, int batches, long lastOffset, long nowMs) {
    if (size == 0) {
      return false;
    }
    return (long) size + bytes > config.segmentBytes()
        || (rollingBaseMs >= 0 && nowMs - rollingBaseMs > rollAfterMs(config))
        || offsetIndex.entries() + config.maxNewIndexEntries(bytes, batches) > offsetIndex.maxEntries()
        || timeIndex.entries() + config.maxNewIndexEntries(bytes, batches) > timeIndex.maxEntries()
        || lastOffset - baseOffset > Integer.MAX_VALUE;
  }

  /** The age of the first batch past which the segment rolls: segment.ms less this segment's jitter. */
  long rollAfterMs(LogConfig config) {
    return config.maxSegmentMs() - config.rollJitterMs(rollSeed);
  }

  /**
   * The first batch's max timestamp (what {@code max.compaction.lag.ms} counts from, as in Kafka),
   * or -1 for an empty segment. Read once (one header) and kept; a truncation forgets it.
   */
  public long firstBatchTimestamp() throws IOException {
    long ts = firstBatchTimestamp;
    if (ts == -2) {
      int end = size;
      BatchCursor c = new BatchCursor(channel, 0, end);
      ts = end > 0 && c.next() ? c.maxTimestamp() : -1;
      if (end > 0) {
        firstBatchTimestamp = ts;
      }
    }
    return ts;
  }

  /**
   * Whether the segment is half way to a roll by size, age or index room: the time to make the
   * next segment's files ({@link #prepare}), so that they are ready when the roll comes.
   */
  boolean nearRoll(LogConfig config, long nowMs) {
    return size >= config.segmentBytes() / 2
        || (rollingBaseMs >= 0 && nowMs - rollingBaseMs >= rollAfterMs(config) / 2)
        || offsetIndex.entries() >= offsetIndex.maxEntries() / 2
        || timeIndex.entries() >= timeIndex.maxEntries() / 2;
  }

  /**
   * Writes {@code batches} (position..limit, whole batches with offsets already assigned) at the end
   * of the file with one positional write, then indexes them. The buffer's position is restored.
   */
  void append(ByteBuffer batches, long nowMs) throws IOException {
    int start = batches.position();
    int limit = batches.limit();
    int writeAt = size;
    long pos = writeAt;
    try {
      while (batches.hasRemaining()) {
        pos += channel.write(batches, pos);
      }
    } finally {
      batches.position(start);
    }
    if (AppendTimings.ON) {
      lastWriteDoneNs = System.nanoTime();
    }
    if (writeAt == 0 && rollingBaseMs < 0) {
      rollingBaseMs = nowMs;
    }
    long last = -1;
    for (int at = start; at < limit; ) {
      int batchSize = RecordBatchHeader.sizeInBytes(batches, at);
      long batchBase = RecordBatchHeader.baseOffset(batches, at);
      indexBatch(batchBase, RecordBatchHeader.maxTimestamp(batches, at), writeAt + (at - start), batchSize);
      last = RecordBatchHeader.lastOffset(batches, at);
      at += batchSize;
    }
    dirty = true;
    nextOffset = last + 1;
    size = writeAt + (limit - start);
  }

  private void indexBatch(long batchBase, long batchMaxTimestamp, int position, int batchSize) {
    if (batchMaxTimestamp > maxTimestamp) {
      maxTimestamp = batchMaxTimestamp;
      offsetOfMaxTimestamp = batchBase;
    }
    if (bytesSinceLastIndexEntry > indexIntervalBytes && !offsetIndex.isFull()) {
      offsetIndex.append(batchBase, position);
      timeIndex.maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
      bytesSinceLastIndexEntry = 0;
    }
    bytesSinceLastIndexEntry += batchSize;
  }

  // ---------------------------------------------------------------- read

  /** Where a read in this segment found its batches. */
  record Slice(long firstBatchBaseOffset, long position, int length) {}

  /**
   * Whole batches starting with the first whose last offset is ≥ {@code offset}, up to {@code
   * maxBytes} (at least one with {@code minOneBatch}), stopping before any batch whose last offset
   * is ≥ {@code maxOffsetExclusive}. Null when no batch in this segment reaches {@code offset}; a
   * slice of length 0 when the first such batch is past the bound or too large.
   */
  Slice read(long offset, int maxBytes, long maxOffsetExclusive, boolean minOneBatch) throws IOException {
    int end = size;
    BatchCursor c = new BatchCursor(channel, offsetIndex.lookup(offset), end);
    while (c.next()) {
      if (c.lastOffset() < offset) {
        continue;
      }
      long first = c.baseOffset();
      long start = c.position();
      if (c.lastOffset() >= maxOffsetExclusive) {
        return new Slice(first, start, 0);
      }
      long length = c.size();
      if (length > maxBytes && !minOneBatch) {
        return new Slice(first, start, 0);
      }
      if (length < maxBytes) {
        // Jump over the batches the offset index proves whole, within maxBytes and below the bound;
        // only the last stretch (< index.interval.bytes plus a batch) is scanned header by header.
        int jump = offsetIndex.lastPositionAtOrBelow(maxOffsetExclusive, Math.min(start + maxBytes, end));
        if (jump > c.nextPosition()) {
          length = jump - start;
          c.skipTo(jump);
        }
      }
      while (length < maxBytes && c.next()) {
        if (c.lastOffset() >= maxOffsetExclusive || length + c.size() > maxBytes) {
          break;
        }
        length += c.size();
      }
      return new Slice(first, start, (int) length);
    }
    return null;
  }

  /**
   * Whether a {@link #read} from {@code offset} of up to {@code maxBytes} would find every page it
   * touches in the page cache: the offset index, and the log from the index entry at or below
   * {@code offset} to {@code maxBytes} plus one index interval past it (the scan to the batch that
   * holds {@code offset}). Touches no page of either file (mincore); false when it cannot tell. The
   * range is an estimate of what the read sends: a first batch larger than it (a fetch whose {@code
   * maxBytes} is below one batch), or a batch the index's entry before {@code offset} lies more than
   * an interval in front of, is answered by its first pages only. From any thread; meant for sealed
   * segments (the active one grows, and would be re-mapped as it does).
   */
  boolean resident(long offset, int maxBytes) {
    if (!offsetIndex.resident()) {
      return false;
    }
    int end = size;
    int pos = offsetIndex.lookup(offset);
    long length = Math.min((long) end - pos, (long) Math.max(0, maxBytes) + indexIntervalBytes);
    return residency.resident(pos, (int) Math.max(0, length), end);
  }

  /** Whether the log file is mapped for residency questions (tests: unmapped once closed). */
  boolean residencyMapped() {
    return residency.mapped();
  }

  /** Offset after the last batch (computed once for a loaded segment by a short tail scan). */
  public long readNextOffset() throws IOException {
    ensureTailLoaded();
    return nextOffset;
  }

  /**
   * Derives next offset, max timestamp and bytes since the last index entry from the indexes plus
   * a scan of the batches after the last offset-index entry: bounded by index.interval.bytes, not
   * by the segment size.
   */
  void loadTailState() throws IOException {
    long maxTs = timeIndex.lastTimestamp();
    long maxTsOffset = maxTs < 0 ? -1 : timeIndex.lastOffset();
    long next = baseOffset;
    int lastPos = offsetIndex.lastPosition();
    BatchCursor c = new BatchCursor(channel, lastPos, size);
    boolean first = true;
    while (c.next()) {
      if (c.maxTimestamp() > maxTs) {
        maxTs = c.maxTimestamp();
        maxTsOffset = c.baseOffset();
      }
      next = c.lastOffset() + 1;
      first = false;
    }
    if (first && lastPos > 0) {
      next = offsetIndex.lastOffset();
    }
    maxTimestamp = maxTs;
    offsetOfMaxTimestamp = maxTsOffset;
    bytesSinceLastIndexEntry = size - lastPos;
    nextOffset = next;
  }

  /** Reads the first batch's max timestamp as the segment.ms base of a loaded segment. */
  void loadRollingBase(long nowMs) throws IOException {
    if (size == 0) {
      rollingBaseMs = -1;
      return;
    }
    BatchCursor c = new BatchCursor(channel, 0, size);
    long ts = c.next() ? c.maxTimestamp() : -1;
    rollingBaseMs = ts >= 0 && ts <= nowMs ? ts : nowMs;
  }

  /** Reads the whole batch at {@code position} into {@code buf} (grown as needed); returns it. */
  ByteBuffer readBatch(long position, int batchSize, ByteBuffer buf) throws IOException {
    ByteBuffer b = buf == null || buf.capacity() < batchSize ? ByteBuffer.allocate(Math.max(batchSize, 4096)) : buf;
    b.clear().limit(batchSize);
    long p = position;
    while (b.hasRemaining()) {
      int n = channel.read(b, p);
      if (n < 0) {
        throw new IOException("unexpected end of " + logFile + " at " + p);
      }
      p += n;
    }
    b.flip();
    return b;
  }

  /**
   * Visits whole batches whose last offset is ≥ {@code fromOffset}, in order. Returns the buffer
   * used (for reuse by the caller).
   */
  ByteBuffer scan(long fromOffset, BatchVisitor visitor, ByteBuffer buf) throws IOException {
    int end = size;
    long pos = offsetIndex.lookup(fromOffset);
    ByteBuffer b = buf;
    ByteBuffer header = ByteBuffer.allocate(RecordBatchHeader.SIZE);
    while (pos + RecordBatchHeader.SIZE <= end) {
      header.clear();
      readFully(header, pos);
      int batchSize = RecordBatchHeader.sizeInBytes(header, 0);
      if (batchSize < RecordBatchHeader.SIZE || pos + batchSize > end) {
        break;
      }
      if (RecordBatchHeader.lastOffset(header, 0) >= fromOffset) {
        b = readBatch(pos, batchSize, b);
        visitor.visit(b);
      }
      pos += batchSize;
    }
    return b;
  }

  private void readFully(ByteBuffer b, long position) throws IOException {
    long p = position;
    while (b.hasRemaining()) {
      int n = channel.read(b, p);
      if (n < 0) {
        break;
      }
      p += n;
    }
    b.flip();
  }

  // ---------------------------------------------------------------- timestamps

  /**
   * The first record in this segment with timestamp ≥ {@code timestamp} and offset ≥ {@code
   * startingOffset}, or null. Starts at the time index's last entry below the target and scans
   * batch headers from there; a candidate batch is read whole and its records through {@code
   * codec}.
   */
  TimestampOffset findOffsetByTimestamp(long timestamp, long startingOffset, RecordCodec codec) throws IOException {
    long from = Math.max(timeIndex.lookupBefore(timestamp), startingOffset);
    int end = size;
    BatchCursor c = new BatchCursor(channel, offsetIndex.lookup(from), end);
    while (c.next()) {
      if (c.lastOffset() >= startingOffset && c.maxTimestamp() >= timestamp) {
        ByteBuffer batch = readBatch(c.position(), c.size(), null);
        TimestampOffset found = RecordScanner.firstAtOrAfter(batch, timestamp, startingOffset, codec);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  /** The earliest record carrying this segment's max timestamp, or null for an empty segment. */
  TimestampOffset maxTimestampRecord(RecordCodec codec) throws IOException {
    long ts = maxTimestamp();
    if (ts < 0 || size == 0) {
      return null;
    }
    BatchCursor c = new BatchCursor(channel, offsetIndex.lookup(offsetOfMaxTimestamp), size);
    while (c.next()) {
      if (c.maxTimestamp() == ts) {
        ByteBuffer batch = readBatch(c.position(), c.size(), null);
        return RecordScanner.firstAtOrAfter(batch, ts, -1, codec);
      }
    }
    return null;
  }

  /**
   * The earliest record with the largest timestamp among this segment's records at or above {@code
   * startingOffset}, or null if there are none. Scans the batch headers from {@code
   * startingOffset}; only the batch holding {@code startingOffset}, which may hold larger timestamps
   * below it, is read record by record.
   */
  TimestampOffset maxTimestampRecordFrom(long startingOffset, RecordCodec codec) throws IOException {
    TimestampOffset best = null;
    long bestBatchPosition = -1;
    int bestBatchSize = 0;
    BatchCursor c = new BatchCursor(channel, offsetIndex.lookup(startingOffset), size);
    while (c.next()) {
      if (c.lastOffset() < startingOffset || (best != null && c.maxTimestamp() <= best.timestamp())) {
        continue;
      }
      if (c.baseOffset() < startingOffset) {
        best = RecordScanner.maxAtOrAfter(readBatch(c.position(), c.size(), null), startingOffset, codec);
        bestBatchPosition = -1;
      } else {
        best = new TimestampOffset(c.maxTimestamp(), c.baseOffset());
        bestBatchPosition = c.position();
        bestBatchSize = c.size();
      }
    }
    if (bestBatchPosition >= 0) {
      // A whole batch above the start: its earliest record with that timestamp.
      return RecordScanner.firstAtOrAfter(readBatch(bestBatchPosition, bestBatchSize, null), best.timestamp(), startingOffset, codec);
    }
    return best;
  }

  // ---------------------------------------------------------------- recovery and truncation

  boolean indexesLookValid() throws IOException {
    if (!offsetIndex.looksValid(size) || !timeIndex.looksValid()) {
      return false;
    }
    if (offsetIndex.entries() == 0) {
      return true;
    }
    // The last entry must point at the start of a batch with that base offset.
    ByteBuffer header = ByteBuffer.allocate(RecordBatchHeader.SIZE);
    readFully(header, offsetIndex.lastPosition());
    return header.limit() == RecordBatchHeader.SIZE
        && RecordBatchHeader.baseOffset(header, 0) == offsetIndex.lastOffset()
        && timeIndex.lastOffset() < baseOffset + Integer.MAX_VALUE;
  }

  /**
   * Validates every batch (size, magic 2, CRC32C, increasing offsets ≥ base), rebuilds both indexes
   * and truncates the file at the first invalid byte. Returns the number of bytes truncated.
   */
  int recover(LogConfig config) throws IOException {
    offsetIndex.reset();
    timeIndex.reset();
    offsetIndex.resize(config.segmentIndexBytes());
    timeIndex.resize(config.segmentIndexBytes());
    maxTimestamp = -1;
    offsetOfMaxTimestamp = -1;
    bytesSinceLastIndexEntry = 0;
    long fileSize = channel.size();
    long pos = 0;
    long expected = baseOffset;
    ByteBuffer header = ByteBuffer.allocate(RecordBatchHeader.SIZE);
    ByteBuffer batch = null;
    while (pos + RecordBatchHeader.SIZE <= fileSize) {
      header.clear();
      readFully(header, pos);
      int batchSize = RecordBatchHeader.sizeInBytes(header, 0);
      long base = RecordBatchHeader.baseOffset(header, 0);
      long last = RecordBatchHeader.lastOffset(header, 0);
      if (batchSize < RecordBatchHeader.SIZE
          || pos + batchSize > fileSize
          || RecordBatchHeader.magic(header, 0) != 2
          || base < expected
          || RecordBatchHeader.lastOffsetDelta(header, 0) < 0
          || last - baseOffset > Integer.MAX_VALUE) {
        break;
      }
      batch = readBatch(pos, batchSize, batch);
      if (!RecordBatchHeader.isCrcValid(batch, 0)) {
        break;
      }
      indexBatch(base, RecordBatchHeader.maxTimestamp(header, 0), (int) pos, batchSize);
      expected = last + 1;
      pos += batchSize;
    }
    int truncated = (int) (fileSize - pos);
    if (truncated > 0) {
      residency.close();
      channel.truncate(pos);
    }
    size = (int) pos;
    nextOffset = expected;
    // Entries whose marker did not survive go; missing ones are re-added by the producer-state
    // replay, which covers every segment the last snapshot does not (see SegmentedLog).
    txnIndex.truncateTo(expected);
    dirty = true;
    return truncated;
  }

  /**
   * Removes every batch whose last offset is ≥ {@code offset}. Returns the base offset of the first
   * removed batch, or -1 if nothing was removed.
   */
  long truncateTo(long offset) throws IOException {
    BatchCursor c = new BatchCursor(channel, offsetIndex.lookup(offset), size);
    while (c.next()) {
      if (c.lastOffset() >= offset) {
        long removedBase = c.baseOffset();
        int pos = (int) c.position();
        offsetIndex.truncateToPosition(pos);
        timeIndex.truncateTo(removedBase);
        residency.close(); // a mapping past the new end would answer for pages no longer in the file
        channel.truncate(pos);
        txnIndex.truncateTo(removedBase);
        size = pos;
        if (size == 0) {
          rollingBaseMs = -1;
          firstBatchTimestamp = -2;
        }
        loadTailState();
        dirty = true;
        return removedBase;
      }
    }
    return -1;
  }

  // ---------------------------------------------------------------- lifecycle

  /** Records the segment's max timestamp in the time index and trims both indexes (load, close, cleaner). */
  void onBecomeInactive() throws IOException {
    seal();
    trimIndexes();
  }

  /**
   * Ends the segment's appends (a roll, under the log's lock): records its max timestamp in the time
   * index, which touches only the mapping. The trim of the indexes, which re-maps their files, is
   * left to {@link #trimIndexes} on the flusher. Until then the files keep their preallocated tail,
   * which makes them look invalid at open, so a crash before the trim rebuilds them.
   */
  void seal() throws IOException {
    synchronized (this) {
      takesAppends = false;
    }
    if (maxTimestamp() >= 0) {
      timeIndex.maybeAppendFinal(maxTimestamp, offsetOfMaxTimestamp);
    }
    dirty = true; // the final time index entry must reach the disk with the next flush
  }

  /**
   * Trims both indexes to their entries, unless the segment takes appends again (a truncation made
   * it active) or its files are closed. Holds this segment's monitor, which renames and deletion
   * take too, so a trim never re-opens a file that is being renamed.
   */
  synchronized void trimIndexes() throws IOException {
    // Not once renamed for deletion either: its files may already be gone, by the delayed delete of
    // an older segment of the same base offset whose .deleted names this rename took over (a log
    // truncated fully at the same offset twice within file.delete.delay.ms). A missing file there
    // is no disk failure, and a segment about to go needs no trim.
    if (takesAppends || renamedForDeletion || !channel.isOpen()) {
      return;
    }
    offsetIndex.trimToValidSize();
    timeIndex.trimToValidSize();
  }

  /**
   * Sizes the indexes for appends: room for what a segment of {@code segment.bytes} can need
   * ({@link LogConfig#activeIndexBytes}), never less than the entries they hold.
   */
  synchronized void onBecomeActive(LogConfig config) throws IOException {
    takesAppends = true;
    offsetIndex.resize(config.activeIndexBytes(OffsetIndex.ENTRY_SIZE));
    timeIndex.resize(config.activeIndexBytes(TimeIndex.ENTRY_SIZE));
  }

  /**
   * Forces the log file and its indexes to disk if anything was written since the last flush. Safe
   * to call from the flusher while the log appends (it takes no log lock); a segment closed or
   * deleted meanwhile is skipped. A failure is thrown to the caller, which takes the directory
   * offline: it is never retried (the kernel may have dropped the pages it could not write).
   */
  void flush() throws IOException {
    if (dirty) {
      dirty = false;
      try {
        channel.force(true);
      } catch (java.nio.channels.ClosedChannelException e) {
        if (!channel.isOpen()) {
          return; // deleted or closed under the flusher: nothing left to make durable
        }
        throw e;
      }
      offsetIndex.flush();
      timeIndex.flush();
    }
    txnIndex.flush();
  }

  /** Whether the segment's files are still open (not closed or deleted). */
  boolean isOpen() {
    return channel.isOpen();
  }

  /**
   * Renames all files from their current suffix to {@code newSuffix}. Into {@code .swap} the
   * transaction index goes before the log (a {@code .log.swap} is the commit point of a swap: its
   * transaction index, which recovery cannot rebuild, is then already {@code .swap} too); otherwise
   * the log goes first (once the log is renamed the segment has left its old state).
   */
  public synchronized void changeFileSuffix(String newSuffix) throws IOException {
    Path txnTarget = dir.resolve(fileName(baseOffset, TXN_INDEX_SUFFIX) + newSuffix);
    if (newSuffix.equals(SWAP_SUFFIX)) {
      txnIndex.renameTo(txnTarget);
    }
    Path target = dir.resolve(fileName(baseOffset, LOG_SUFFIX) + newSuffix);
    Files.move(logFile, target, StandardCopyOption.ATOMIC_MOVE);
    logFile = target;
    offsetIndex.renameTo(dir.resolve(fileName(baseOffset, INDEX_SUFFIX) + newSuffix));
    timeIndex.renameTo(dir.resolve(fileName(baseOffset, TIME_INDEX_SUFFIX) + newSuffix));
    if (!newSuffix.equals(SWAP_SUFFIX)) {
      txnIndex.renameTo(txnTarget);
    }
    renamedForDeletion = newSuffix.equals(DELETED_SUFFIX);
  }

  /** Closes and removes the files. */
  synchronized void deleteFiles() throws IOException {
    closeQuietly();
    Files.deleteIfExists(logFile);
    offsetIndex.deleteIfExists();
    timeIndex.deleteIfExists();
    txnIndex.deleteIfExists();
  }

  private void closeQuietly() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing a file we are about to delete
    }
    residency.close(); // a deleted file still mapped would keep its disk space
  }

  /** Closes the files without writing anything (their directory failed); the next open recovers. */
  void abandon() {
    closeQuietly();
    try {
      txnIndex.close();
    } catch (IOException ignored) {
      // the directory is offline: nothing more to say than what took it offline
    }
  }

  /** Appends the final time index entry, trims indexes, flushes and closes. */
  @Override
  public void close() throws IOException {
    if (!channel.isOpen()) {
      return;
    }
    onBecomeInactive();
    flush();
    channel.close();
    residency.close();
    txnIndex.close();
  }

  @Override
  public String toString() {
    return "LogSegment(" + logFile + ", size=" + size + ")";
  }
}
