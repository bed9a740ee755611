package dev.brook.broker.replica;

import dev.brook.broker.cluster.PartitionState;
import dev.brook.broker.replica.BatchValidator.Invalid;
import dev.brook.broker.replica.BatchValidator.Valid;
import dev.brook.broker.replica.ProducerStateManager.BatchMetadata;
import dev.brook.broker.replica.ProducerStateManager.Duplicate;
import dev.brook.broker.replica.ProducerStateManager.Reject;
import dev.brook.storage.AppendResult;
import dev.brook.storage.EpochEndOffset;
import dev.brook.storage.FileSlice;
import dev.brook.storage.LogConfig;
import dev.brook.storage.LogReadResult;
import dev.brook.storage.PartitionLog;
import dev.brook.storage.RecordBatchHeader;
import dev.brook.storage.TxnIndex;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One partition this broker hosts: its log, leader epoch, high watermark, producer state and the
 * fetches waiting for it to grow. In single-node mode this broker leads every partition and the
 * in-sync replica set is itself, so the high watermark follows the log end after every append;
 * {@link #maybeAdvanceHighWatermark} is where a follower's progress will count once there are
 * followers.
 *
 * <p>Threading: appends (and anything changing producer state or the log start) serialize on this
 * object — one appender at a time, as the log requires. Reads, the high watermark and the epoch
 * checks are lock-free and may run on any thread. Watchers are told after the lock is released.
 */
public final class Partition {
  private static final Logger log = LoggerFactory.getLogger(Partition.class);

  private final TopicPartition topicPartition;
  private final Uuid topicId;
  private final PartitionLog partitionLog;
  private final ProducerStateManager producers = new ProducerStateManager();
  private final Set<PartitionWatcher> watchers = ConcurrentHashMap.newKeySet();
  // --- replication state (replication area); see the "replication" section below ---
  private volatile int localBrokerId = -1;
  /** As the controller last decided (a single node's too); null for a standalone partition (led here, ISR = this broker). */
  private volatile PartitionState replicationState;
  private volatile boolean leader = true;
  /** Its log directory failed: answers KAFKA_STORAGE_ERROR until the broker restarts. */
  private volatile boolean offline;
  private volatile IsrChanger isrChanger = (p, expected, isr) -> {};
  private volatile BooleanSupplier registered = () -> true;
  private final Map<Integer, FollowerReplica> followers = new HashMap<>(); // guarded by this
  private boolean isrChangeInFlight; // guarded by this
  private long leaderEpochStartOffset; // guarded by this
  // --- end replication state ---
  private volatile long firstUnstableOffset = -1;
  private volatile int leaderEpoch;
  private volatile RecordPolicy policy;

  public Partition(TopicPartition topicPartition, Uuid topicId, PartitionLog log, int leaderEpoch) {
    this(topicPartition, topicId, log, leaderEpoch, RecordPolicy.defaults());
  }

  /** Opens the partition and rebuilds its producer state from the log. */
  public Partition(TopicPartition topicPartition, Uuid topicId, PartitionLog log, int leaderEpoch, RecordPolicy policy) {
    this.topicPartition = topicPartition;
    this.topicId = topicId;
    this.partitionLog = log;
    this.leaderEpoch = leaderEpoch;
    this.policy = policy;
    log.setProducerStateSnapshotter(this::producerStateAtRoll);
    rebuildProducerState();
  }

  public TopicPartition topicPartition() {
    return topicPartition;
  }

  public Uuid topicId() {
    return topicId;
  }

  public PartitionLog log() {
    return partitionLog;
  }

  public int leaderEpoch() {
    return leaderEpoch;
  }

  public RecordPolicy policy() {
    return policy;
  }

  public long highWatermark() {
    return partitionLog.highWatermark();
  }

  /**
   * The last stable offset: the first offset of the earliest open transaction, capped by the high
   * watermark (read_committed consumers read up to here).
   */
  public long lastStableOffset() {
    long hw = partitionLog.highWatermark();
    long unstable = firstUnstableOffset;
    return unstable >= 0 ? Math.min(unstable, hw) : hw;
  }

  // --- transactions (txn area) ---
  /** The aborted transactions that overlap [fetchOffset, upperBoundOffset) (read_committed fetch). */
  public List<TxnIndex.AbortedTxn> abortedTransactions(long fetchOffset, long upperBoundOffset) {
    return partitionLog.collectAbortedTransactions(fetchOffset, upperBoundOffset);
  }

  /**
   * Applies a control batch just appended (or replayed) at {@code at}: ends the producer's open
   * transaction and, for an ABORT marker of a transaction with data here, indexes the aborted range
   * in the log's transaction index (a replay re-indexes only what the index lost). Caller holds this
   * partition's lock.
   */
  private void applyMarker(ByteBuffer b, int at) {
    long pid = RecordBatchHeader.producerId(b, at);
    long markerOffset = RecordBatchHeader.baseOffset(b, at);
    long first = producers.endTransaction(pid, RecordBatchHeader.producerEpoch(b, at), ProducerStateManager.coordinatorEpochOf(b, at));
    firstUnstableOffset = producers.firstUnstableOffset();
    if (first < 0 || isCommitMarker(b, at)) return;
    try {
      partitionLog.appendAbortedTransaction(new TxnIndex.AbortedTxn(pid, first, markerOffset, lastStableOffsetBelow(markerOffset + 1)));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot index the aborted transaction of producer " + pid + " in " + topicPartition, e);
    }
  }

  private long lastStableOffsetBelow(long end) {
    long unstable = firstUnstableOffset;
    return unstable >= 0 ? Math.min(unstable, end) : end;
  }

  private static boolean isCommitMarker(ByteBuffer b, int at) {
    int size = b.getInt(at + RecordBatchHeader.LENGTH) + RecordBatchHeader.LOG_OVERHEAD;
    for (org.apache.kafka.common.record.RecordBatch batch
        : org.apache.kafka.common.record.MemoryRecords.readableRecords(b.slice(at, size)).batches()) {
      for (org.apache.kafka.common.record.Record r : batch) {
        return org.apache.kafka.common.record.ControlRecordType.parse(r.key()) == org.apache.kafka.common.record.ControlRecordType.COMMIT;
      }
    }
    return false;
  }

  // --- end transactions ---

  public long logStartOffset() {
    return partitionLog.logStartOffset();
  }

  public long logEndOffset() {
    return partitionLog.logEndOffset();
  }

  public int inSyncReplicaCount() {
    PartitionState s = replicationState;
    return s == null ? 1 : s.isr().size();
  }

  public void updateConfig(LogConfig config, RecordPolicy newPolicy) {
    partitionLog.updateConfig(config);
    this.policy = newPolicy;
  }

  /**
   * NONE if a client's {@code currentLeaderEpoch} (-1: not given) matches this partition's;
   * FENCED_LEADER_EPOCH if older, UNKNOWN_LEADER_EPOCH if newer.
   */
  public Errors checkLeaderEpoch(int currentLeaderEpoch) {
    if (currentLeaderEpoch < 0) return Errors.NONE;
    int epoch = leaderEpoch;
    if (currentLeaderEpoch < epoch) return Errors.FENCED_LEADER_EPOCH;
    if (currentLeaderEpoch > epoch) return Errors.UNKNOWN_LEADER_EPOCH;
    return Errors.NONE;
  }

  /**
   * Validates one partition's produced records, checks them against the producer state, appends
   * them with offsets assigned in place, and advances the high watermark. The buffer's header
   * fields are rewritten in place (offsets, leader epoch, timestamps, CRC); when the topic's {@code
   * compression.type} names a codec other than the batch's, a rewritten copy in that codec is
   * appended instead.
   */
  public AppendOutcome appendRecordsAsLeader(ByteBuffer records, AppendOrigin origin, int requiredAcks, long nowMs) {
    return appendRecordsAsLeader(records, origin, requiredAcks, nowMs, true);
  }

  /**
   * As above; with {@code flushHere} false the append does not force {@code flush.messages} itself:
   * the caller must, before it acknowledges, call {@link #flushIfDue} when {@link #flushDue} says so,
   * off its event loop (an fsync there would hold up every connection of the loop).
   */
  public AppendOutcome appendRecordsAsLeader(ByteBuffer records, AppendOrigin origin, int requiredAcks, long nowMs,
      boolean flushHere) {
    if (offline) return AppendOutcome.error(Errors.KAFKA_STORAGE_ERROR, "the log directory of " + topicPartition + " is offline");
    RecordPolicy p = policy;
    if (!isLeader()) return AppendOutcome.error(Errors.NOT_LEADER_OR_FOLLOWER, "broker " + localBrokerId + " does not lead " + topicPartition);
    if (p.mirrorLink() != null && origin == AppendOrigin.CLIENT && !p.mirrorFetched()) {
      // A cluster's promote under way (mirror.state=promoting): the leader epoch is changing and the
      // topic becomes writable on every broker within moments, so the producer retries (with fresh
      // metadata) instead of failing.
      return AppendOutcome.error(Errors.NOT_LEADER_OR_FOLLOWER, "Topic " + topicPartition.topic()
          + " is being promoted from a mirror topic; retry");
    }
    if (p.mirrorLink() != null && origin == AppendOrigin.CLIENT) {
      return AppendOutcome.error(Errors.INVALID_REQUEST, "Topic " + topicPartition.topic()
          + " is a read-only mirror topic of cluster link " + p.mirrorLink()
          + "; promote it (brook mirror promote --topic " + topicPartition.topic() + ") before producing to it");
    }
    int isrSize = inSyncReplicaCount();
    if (requiredAcks == -1 && isrSize < p.minInsyncReplicas()) {
      return AppendOutcome.error(Errors.NOT_ENOUGH_REPLICAS,
          "in-sync replicas " + isrSize + " are fewer than min.insync.replicas " + p.minInsyncReplicas());
    }
    BatchValidator.Outcome checked = BatchValidator.validate(records, p, nowMs, origin == AppendOrigin.CLIENT);
    if (checked instanceof Invalid bad) {
      return new AppendOutcome(bad.error(), bad.message(), -1, -1, -1, bad.recordFaults());
    }
    Valid batch = (Valid) checked;
    ByteBuffer stored = batch.records(); // a new buffer when compression.type had the batch rewritten
    AppendOutcome outcome;
    boolean marker = batch.control() && batch.hasProducerId();
    boolean commit = marker && isCommitMarker(stored, stored.position());
    synchronized (this) {
      outcome = appendLocked(stored, batch, p, origin);
    }
    if (flushHere && outcome.error() == Errors.NONE) {
      try {
        partitionLog.maybeFlush(); // flush.messages: forced here, holding no lock, before the ack
      } catch (IOException | RuntimeException e) {
        return AppendOutcome.error(Errors.KAFKA_STORAGE_ERROR, "flush failed: " + e.getMessage());
      }
    }
    if (outcome.error() == Errors.NONE) {
      notifyWatchers();
      MarkerListener l = markerListener;
      if (marker && l != null) l.onMarker(topicPartition, batch.producerId(), commit, outcome.lastOffset());
    }
    return outcome;
  }

  /** Whether {@code flush.messages} messages of this partition's log are not yet on disk. Cheap. */
  public boolean flushDue() {
    return partitionLog.flushDue();
  }

  /** Forces the log if {@link #flushDue}: an fsync, milliseconds; holds no lock appends take. */
  public void flushIfDue() throws IOException {
    partitionLog.maybeFlush();
  }

  /**
   * Told of every transaction marker appended to this partition as its leader, after the append
   * (not yet replicated), on the appending thread; must not block. The group coordinator listens
   * on __consumer_offsets to commit or drop a producer's pending transactional offsets.
   */
  @FunctionalInterface
  public interface MarkerListener {
    void onMarker(TopicPartition partition, long producerId, boolean commit, long markerOffset);
  }

  private volatile MarkerListener markerListener;

  /** Sets (null: removes) the one listener of this partition's leader marker appends. */
  public void setMarkerListener(MarkerListener listener) {
    this.markerListener = listener;
  }

  private AppendOutcome appendLocked(ByteBuffer records, Valid batch, RecordPolicy p, AppendOrigin origin) {
    if (!leader) return AppendOutcome.error(Errors.NOT_LEADER_OR_FOLLOWER, "broker " + localBrokerId + " does not lead " + topicPartition);
    boolean coordinatorWrite = origin == AppendOrigin.COORDINATOR;
    if (batch.hasProducerId() && !batch.control() && coordinatorWrite) {
      // The group coordinator's transactional offset commit: fenced by epoch; its sequence means nothing.
      ProducerStateManager.Check check = producers.checkEpoch(batch.producerId(), batch.producerEpoch());
      if (check instanceof Reject r) return AppendOutcome.error(r.error(), r.message());
    } else if (batch.hasProducerId() && !batch.control()) {
      ProducerStateManager.Check check =
          producers.check(batch.producerId(), batch.producerEpoch(), batch.baseSequence(), batch.lastSequence());
      if (check instanceof Reject r) return AppendOutcome.error(r.error(), r.message());
      if (check instanceof Duplicate d) {
        BatchMetadata m = d.original();
        return AppendOutcome.appended(m.firstOffset(), m.lastOffset(), p.logAppendTime() ? m.timestamp() : -1, partitionLog.logStartOffset());
      }
    } else if (batch.hasProducerId()) { // a marker: refused from a coordinator older than the last one (Kafka's fencing)
      Errors fenced = producers.checkCoordinatorEpoch(batch.producerId(), ProducerStateManager.coordinatorEpochOf(records, records.position()));
      if (fenced != Errors.NONE) return AppendOutcome.error(fenced, "marker from an older transaction coordinator epoch");
    }
    AppendResult result;
    try {
      result = partitionLog.appendAsLeader(records, leaderEpoch);
    } catch (dev.brook.storage.LogDirOfflineException e) {
      return AppendOutcome.error(Errors.KAFKA_STORAGE_ERROR, e.getMessage()); // logged once, by the failure channel
    } catch (IOException | RuntimeException e) {
      log.error("append to {} failed", topicPartition, e);
      return AppendOutcome.error(Errors.KAFKA_STORAGE_ERROR, "append failed: " + e.getMessage());
    }
    if (batch.hasProducerId()) {
      int at = records.position();
      if (batch.control()) {
        applyMarker(records, at);
      } else {
        producers.update(batch.producerId(), batch.producerEpoch(),
            new BatchMetadata(batch.baseSequence(), batch.lastSequence(),
                result.firstOffset(), result.lastOffset(),
                batch.maxTimestamp()),
            batch.transactional());
        if (batch.transactional() && firstUnstableOffset < 0) firstUnstableOffset = producers.firstUnstableOffset();
      }
    }
    maybeAdvanceHighWatermark();
    return AppendOutcome.appended(result.firstOffset(), result.lastOffset(), batch.logAppendTime(), result.logStartOffset());
  }

  /**
   * On the leader, the high watermark is the smallest log end among the in-sync replicas (only this
   * one in single-node mode); it never moves back. An in-sync follower that has not fetched yet in
   * this leader epoch holds it where it is. Followers take the leader's instead. Caller holds this
   * partition's lock; returns true if it moved.
   */
  private boolean maybeAdvanceHighWatermark() {
    if (!leader) return false;
    long old = partitionLog.highWatermark();
    long hw = partitionLog.logEndOffset();
    PartitionState s = replicationState;
    if (s != null) {
      for (int r : s.isr()) {
        if (r == localBrokerId) continue;
        FollowerReplica f = followers.get(r);
        hw = Math.min(hw, f == null || f.logEndOffset < 0 ? old : f.logEndOffset);
      }
    }
    if (hw <= old) return false;
    partitionLog.updateHighWatermark(hw);
    return true;
  }

  /** Reads whole batches from {@code offset}, bounded by what {@code isolation} may see. */
  public LogReadResult read(long offset, int maxBytes, FetchIsolation isolation, boolean minOneBatch) throws IOException {
    long upper = switch (isolation) {
      case LOG_END -> partitionLog.logEndOffset();
      case HIGH_WATERMARK -> highWatermark();
      case TXN_COMMITTED -> lastStableOffset();
    };
    return partitionLog.read(offset, maxBytes, upper, minOneBatch);
  }

  /** The end of {@code epoch} (OffsetForLeaderEpoch), from the log's leader epoch cache. */
  public EpochEndOffset endOffsetForEpoch(int epoch) {
    return partitionLog.leaderEpochs().endOffsetFor(epoch, partitionLog.logEndOffset());
  }

  /** The leader epoch of the batch holding {@code offset}, or -1 when the log does not hold it. */
  public int epochOfOffset(long offset) throws IOException {
    if (offset < partitionLog.logStartOffset() || offset >= partitionLog.logEndOffset()) return -1;
    LogReadResult r = partitionLog.read(offset, 1, partitionLog.logEndOffset(), true);
    FileSlice s = r.records();
    if (r.outOfRange() || s.isEmpty() || s.length() < RecordBatchHeader.SIZE) return -1;
    ByteBuffer header = ByteBuffer.allocate(RecordBatchHeader.SIZE);
    while (header.hasRemaining()) {
      if (s.channel().read(header, s.position() + header.position()) < 0) return -1;
    }
    return RecordBatchHeader.partitionLeaderEpoch(header, 0);
  }

  /**
   * Moves the log start offset up to {@code offset} (DeleteRecords); the caller has checked it is
   * within [log start, high watermark]. Returns the new log start offset (the low watermark).
   */
  public long deleteRecordsBefore(long offset) throws IOException {
    synchronized (this) {
      long start = partitionLog.deleteRecordsBefore(offset);
      producers.truncateHead(start);
      return start;
    }
  }

  /**
   * Forgets the producers whose last batch lies wholly below the log start, after retention moved
   * it (the log manager's duty thread calls this; DeleteRecords trims in {@link #deleteRecordsBefore}).
   */
  public synchronized void onLogStartAdvanced() {
    producers.truncateHead(partitionLog.logStartOffset());
  }

  /** The producer state, for the transaction coordinator and DescribeProducers. Guarded by this. */
  public synchronized ProducerStateManager.ProducerEntry producerEntry(long producerId) {
    return producers.entry(producerId);
  }

  /** One producer's state as DescribeProducers shows it. */
  public record ActiveProducer(long producerId, short epoch, int lastSequence, long lastTimestamp, long currentTxnStartOffset) {}

  /** The producers this partition remembers, read under the append lock. */
  public synchronized List<ActiveProducer> activeProducers() {
    List<ActiveProducer> out = new java.util.ArrayList<>();
    for (ProducerStateManager.ProducerEntry e : producers.entries()) {
      out.add(new ActiveProducer(e.producerId(), e.epoch(), e.lastSeq(), e.lastTimestamp(), e.currentTxnFirstOffset()));
    }
    return out;
  }

  /**
   * Producer id → last offset of its last batch, for every producer this partition remembers: the
   * log cleaner keeps those batches (empty if need be) so the producers' sequences survive a
   * rebuild of the state from the log. Called from the cleaner's threads.
   */
  public synchronized java.util.Map<Long, Long> lastOffsetsOfProducers() {
    java.util.Map<Long, Long> out = new java.util.HashMap<>();
    for (ProducerStateManager.ProducerEntry e : producers.entries()) {
      long last = e.lastOffset();
      if (last >= 0) out.put(e.producerId(), last);
    }
    return out;
  }

  /** Forgets producers idle longer than producer.id.expiration.ms. */
  public synchronized void expireProducers(long nowMs, long expirationMs) {
    producers.expire(nowMs, expirationMs);
  }

  /** Where the last rebuild of the producer state started replaying, and how many batches it replayed. */
  public record ProducerStateRebuild(long snapshotOffset, long replayedFrom, long batchesReplayed) {}

  private volatile ProducerStateRebuild lastRebuild;

  /** The last rebuild of the producer state (at open or after a truncation). */
  public ProducerStateRebuild lastProducerStateRebuild() {
    return lastRebuild;
  }

  /**
   * Rebuilds the producer state: from the newest readable snapshot of the log (taken at a segment
   * roll or at clean shutdown; -1 if none) when there is one, then by replaying the batches after it
   * (all of them without a snapshot). The replay also re-indexes the aborted transactions whose
   * index entries a crash lost (the log's index skips those it has).
   */
  private void rebuildProducerState() {
    synchronized (this) {
      producers.clear();
      long start = partitionLog.logStartOffset();
      long from = start;
      long snapshotOffset = -1;
      Optional<ProducerStateSnapshot.Loaded> snapshot = newestSnapshot();
      if (snapshot.isPresent()) {
        producers.restore(snapshot.get().entries());
        snapshotOffset = snapshot.get().offset();
        from = snapshotOffset; // within the log's segments (maybe below the log start): replayable
      }
      long floor = from;
      long[] replayed = {0};
      try {
        if (from < partitionLog.logEndOffset()) {
          partitionLog.scanBatches(from, b -> {
            if (RecordBatchHeader.baseOffset(b, b.position()) < floor) return;
            replayed[0]++;
            if (RecordBatchHeader.isControl(b, b.position()) && RecordBatchHeader.producerId(b, b.position()) >= 0) {
              applyMarker(b, b.position());
            } else {
              producers.replay(b, b.position());
            }
          });
        }
        java.nio.file.Files.deleteIfExists(partitionLog.dir().resolve(ProducerStateSnapshot.FILE)); // legacy, now used
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("cannot rebuild producer state of " + topicPartition, e);
      }
      producers.truncateHead(start);
      firstUnstableOffset = producers.firstUnstableOffset();
      lastRebuild = new ProducerStateRebuild(snapshotOffset, floor, replayed[0]);
      if (replayed[0] > 0) {
        log.info("{}: producer state rebuilt from snapshot {} by replaying {} batches from offset {}", topicPartition,
            snapshotOffset, replayed[0], floor);
      }
    }
  }

  /**
   * The newest snapshot the log has that decodes, in Brook's format or Kafka's (a corrupt one falls
   * back to the one before), else the legacy clean-shutdown snapshot when it is still within the log.
   */
  private Optional<ProducerStateSnapshot.Loaded> newestSnapshot() {
    List<Long> offsets = partitionLog.producerStateSnapshotOffsets();
    for (int i = offsets.size() - 1; i >= 0; i--) {
      long offset = offsets.get(i);
      try {
        Optional<java.nio.ByteBuffer> bytes = partitionLog.readProducerStateSnapshot(offset);
        Optional<ProducerStateSnapshot.Loaded> s = bytes.flatMap(ProducerStateSnapshot::decode);
        if (s.isEmpty()) { // a log directory Kafka wrote: its snapshots until this log rolls
          s = bytes.flatMap(b -> KafkaProducerSnapshot.decode(offset, b));
        }
        if (s.isPresent() && s.get().offset() == offset) return s;
        log.warn("{}: ignoring the unreadable producer-state snapshot at {}", topicPartition, offset);
      } catch (IOException e) {
        log.warn("{}: cannot read the producer-state snapshot at {}", topicPartition, offset, e);
      }
    }
    Optional<ProducerStateSnapshot.Loaded> legacy = ProducerStateSnapshot.read(partitionLog.dir());
    if (legacy.isPresent() && legacy.get().offset() <= partitionLog.logEndOffset()
        && legacy.get().offset() >= partitionLog.logStartOffset()) {
      return legacy;
    }
    return Optional.empty();
  }

  /**
   * The log's snapshotter: the state as of a roll at {@code offset}. The log rolls inside an append,
   * which this partition makes under its lock, before the appended batches are applied here: the
   * state is then exactly as of {@code offset}. A roll from elsewhere (without this lock) is skipped
   * rather than read a state another thread is changing.
   */
  private ByteBuffer producerStateAtRoll(long offset) {
    if (!Thread.holdsLock(this)) return null;
    return ProducerStateSnapshot.encode(offset, producers.entries());
  }

  /** Writes the producer state snapshot as of the log end (clean shutdown). */
  public synchronized void snapshotProducerState() throws IOException {
    if (offline) return; // nothing may be written to a failed directory
    long end = partitionLog.logEndOffset();
    partitionLog.writeProducerStateSnapshot(end, ProducerStateSnapshot.encode(end, producers.entries()));
  }

  public void addWatcher(PartitionWatcher w) {
    watchers.add(w);
  }

  public void removeWatcher(PartitionWatcher w) {
    watchers.remove(w);
  }

  private void notifyWatchers() {
    if (watchers.isEmpty()) return;
    for (PartitionWatcher w : watchers) {
      try {
        w.onPartitionAdvanced(this);
      } catch (RuntimeException e) {
        log.error("watcher of {} failed", topicPartition, e);
      }
    }
  }

  // --- replication (replication area): leader/follower role, ISR, follower progress ---

  /**
   * Wires this partition to the cluster: this broker's id, where ISR changes go, and whether this
   * broker is registered (a broker whose session expired must not lead). Called by the replica
   * manager before any state is applied.
   */
  public void attachToCluster(int localBrokerId, IsrChanger isrChanger, BooleanSupplier registered) {
    this.localBrokerId = localBrokerId;
    this.isrChanger = isrChanger;
    this.registered = registered;
  }

  /**
   * Cluster mode: the partition neither leads nor follows until the controller's state is applied
   * (it must not accept writes as a single-node leader would).
   */
  public synchronized void awaitState() {
    if (replicationState == null) leader = false;
  }

  /**
   * Takes the partition out of service: its log directory failed. Produce, fetch and ListOffsets
   * answer KAFKA_STORAGE_ERROR from now on (as Kafka's offline partitions do). Any thread; takes no
   * lock.
   */
  public void markOffline() {
    offline = true;
  }

  /** Whether the partition's log directory has failed. */
  public boolean isOffline() {
    return offline;
  }

  /** True if this broker leads the partition now (and is registered with the cluster). */
  public boolean isLeader() {
    return leader && registered.getAsBoolean();
  }

  /** The leader's broker id as this broker knows it (this broker in single-node mode). */
  public int leaderId() {
    PartitionState s = replicationState;
    return s == null ? localBrokerId : s.leader();
  }

  /** The controller's state as last applied (a single node's too); empty before one is, or for a standalone partition. */
  public Optional<PartitionState> replicationState() {
    return Optional.ofNullable(replicationState);
  }

  /** The in-sync replicas' broker ids. */
  public List<Integer> inSyncReplicas() {
    PartitionState s = replicationState;
    return s == null ? List.of(localBrokerId) : s.isr();
  }

  /**
   * For client requests (produce, fetch, list offsets): the leader epoch check ({@link
   * #checkLeaderEpoch}), then NOT_LEADER_OR_FOLLOWER unless this broker leads.
   */
  public Errors checkLeadership(int currentLeaderEpoch) {
    Errors e = checkLeaderEpoch(currentLeaderEpoch);
    if (e != Errors.NONE) return e;
    return isLeader() ? Errors.NONE : Errors.NOT_LEADER_OR_FOLLOWER;
  }

  /** True if {@code s} is older than the state already applied (a late or replayed notification). */
  private boolean isStale(PartitionState s) {
    PartitionState cur = replicationState;
    if (cur == null) return false;
    if (s.leaderEpoch() != cur.leaderEpoch()) return s.leaderEpoch() < cur.leaderEpoch();
    return s.zkVersion() < cur.zkVersion();
  }

  /**
   * Makes this broker the leader as {@code s} says. A new leader epoch starts a new term: the epoch
   * is recorded at the log end in the epoch cache (followers truncate against it; a partition with
   * no other replica records it at its first append in the epoch, the same offset), and followers'
   * progress starts over (in-sync ones count as caught up now). The same epoch again only updates
   * replicas and ISR. Returns false (and changes nothing) for a stale state.
   */
  public boolean makeLeader(PartitionState s, long nowMs) {
    synchronized (this) {
      if (isStale(s)) return false;
      PartitionState cur = replicationState;
      boolean newTerm = !leader || cur == null || s.leaderEpoch() != cur.leaderEpoch();
      replicationState = s;
      leaderEpoch = s.leaderEpoch();
      leader = true;
      if (newTerm) {
        followers.clear();
        long end = partitionLog.logEndOffset();
        // Followers ask for the new epoch's end (OffsetForLeaderEpoch) before anything is appended in
        // it: record it now. Without other replicas the first append records it (the log does so for
        // any newer epoch, at the same offset), sparing a checkpoint write per partition per start.
        // A mirror topic still fetched from its source records none: its log carries the source's
        // epochs, which may be below this one, and an epoch of ours in the cache would make the
        // followers' batches of the source's epoch look divergent (truncated and refetched forever).
        if (s.replicas().size() > 1 && !policy.mirrorFetched()) partitionLog.leaderEpochs().assign(s.leaderEpoch(), end);
        leaderEpochStartOffset = end;
        isrChangeInFlight = false;
      }
      for (int r : s.replicas()) {
        if (r != localBrokerId) followers.computeIfAbsent(r, id -> new FollowerReplica(id, s.isr().contains(id) ? nowMs : 0));
      }
      followers.keySet().retainAll(s.replicas());
      maybeAdvanceHighWatermark();
    }
    notifyWatchers();
    return true;
  }

  /**
   * Makes this broker a follower of {@code s.leader()}. Parked produces and fetches are woken (they
   * answer NOT_LEADER_OR_FOLLOWER). Returns true if this starts a new term (another leader or epoch):
   * the log must then be reconciled with the leader's (truncation by leader epoch) before fetching.
   * Returns false for a stale state or the same term.
   */
  public boolean makeFollower(PartitionState s) {
    boolean newTerm;
    synchronized (this) {
      if (isStale(s)) return false;
      PartitionState cur = replicationState;
      newTerm = leader || cur == null || s.leaderEpoch() != cur.leaderEpoch() || s.leader() != cur.leader();
      replicationState = s;
      leaderEpoch = s.leaderEpoch();
      leader = false;
      followers.clear();
      isrChangeInFlight = false;
    }
    notifyWatchers();
    return newTerm;
  }

  /**
   * The leader's side of a follower's fetch at {@code fetchOffset}: records the follower's log end,
   * adds it to the ISR when it has caught up (to the high watermark and into this leader epoch), and
   * advances the high watermark. NOT_LEADER_OR_FOLLOWER if this broker does not lead or the fetcher
   * is not a replica.
   */
  public Errors recordFollowerFetch(int replicaId, long fetchOffset, long nowMs) {
    boolean advanced;
    synchronized (this) {
      if (!leader || replicationState == null) return Errors.NOT_LEADER_OR_FOLLOWER;
      FollowerReplica f = followers.get(replicaId);
      if (f == null) return Errors.NOT_LEADER_OR_FOLLOWER;
      // Past the log end the follower's log diverged: not progress (the read answers OFFSET_OUT_OF_RANGE).
      if (fetchOffset > partitionLog.logEndOffset()) return Errors.NONE;
      f.onFetch(fetchOffset, partitionLog.logEndOffset(), nowMs);
      maybeExpandIsr(f);
      advanced = maybeAdvanceHighWatermark();
    }
    if (advanced) notifyWatchers();
    return Errors.NONE;
  }

  private void maybeExpandIsr(FollowerReplica f) {
    PartitionState s = replicationState;
    if (isrChangeInFlight || s.isr().contains(f.brokerId)) return;
    if (f.logEndOffset >= partitionLog.highWatermark() && f.logEndOffset >= leaderEpochStartOffset) {
      List<Integer> isr = new ArrayList<>(s.isr());
      isr.add(f.brokerId);
      requestIsrChange(s, isr);
    }
  }

  /**
   * Removes from the ISR the followers that have not been caught up for longer than {@code
   * maxLagMs} (replica.lag.time.max.ms). Leader only; one ISR change in flight at a time.
   */
  public void maybeShrinkIsr(long nowMs, long maxLagMs) {
    synchronized (this) {
      PartitionState s = replicationState;
      if (!leader || s == null || isrChangeInFlight) return;
      List<Integer> keep = new ArrayList<>();
      for (int r : s.isr()) {
        FollowerReplica f = followers.get(r);
        if (r == localBrokerId || (f != null && nowMs - f.lastCaughtUpTimeMs <= maxLagMs)) keep.add(r);
      }
      if (keep.size() < s.isr().size()) {
        log.info("{}: shrinking ISR {} to {}", topicPartition, s.isr(), keep);
        requestIsrChange(s, keep);
      }
    }
  }

  private void requestIsrChange(PartitionState expected, List<Integer> isr) {
    isrChangeInFlight = true;
    isrChanger.requestIsrChange(this, expected, List.copyOf(isr));
  }

  /** The cluster accepted an ISR change: applies it (if still this term) and re-checks the HW. */
  public void onIsrChanged(PartitionState result) {
    synchronized (this) {
      isrChangeInFlight = false;
      PartitionState cur = replicationState;
      if (!leader || cur == null || result.leaderEpoch() != cur.leaderEpoch() || result.zkVersion() < cur.zkVersion()) return;
      replicationState = result;
      maybeAdvanceHighWatermark();
    }
    // The ISR size changed: parked produces re-check (min.insync.replicas) and the HW may have moved.
    notifyWatchers();
  }

  /**
   * An ISR change failed (stale version, fenced epoch): adopts {@code current} (re-read from the
   * cluster) when it is a newer version of this term; the change is retried on the next fetch or
   * shrink check if still needed.
   */
  public void onIsrChangeFailed(Optional<PartitionState> current) {
    synchronized (this) {
      isrChangeInFlight = false;
      PartitionState cur = replicationState;
      if (current.isPresent() && leader && cur != null && current.get().leaderEpoch() == cur.leaderEpoch()
          && current.get().zkVersion() > cur.zkVersion() && current.get().leader() == localBrokerId) {
        replicationState = current.get();
        maybeAdvanceHighWatermark();
      }
    }
    notifyWatchers();
  }

  /** The latest leader epoch in this replica's log, or -1. */
  public int latestLogEpoch() {
    return partitionLog.leaderEpochs().latestEpoch().orElse(-1);
  }

  /**
   * Appends batches fetched from the leader, offsets and epochs as the leader wrote them, and
   * replays them into the producer state. Follower only.
   */
  public AppendResult appendAsFollower(ByteBuffer records) throws IOException {
    AppendResult r;
    synchronized (this) {
      if (leader) throw new IllegalStateException(topicPartition + " is led here; no follower appends");
      r = partitionLog.appendAsFollower(records);
      replayAppended(records);
    }
    partitionLog.maybeFlush(); // flush.messages, outside this partition's lock
    return r;
  }

  /** Replays batches appended with their offsets into the producer state. Caller holds this partition's lock. */
  private void replayAppended(ByteBuffer records) {
    int at = records.position();
    while (at + RecordBatchHeader.LOG_OVERHEAD <= records.limit()) {
      int size = records.getInt(at + RecordBatchHeader.LENGTH) + RecordBatchHeader.LOG_OVERHEAD;
      if (size < RecordBatchHeader.SIZE || at + size > records.limit()) break;
      if (RecordBatchHeader.isControl(records, at) && RecordBatchHeader.producerId(records, at) >= 0) {
        applyMarker(records, at); // ends the transaction; an abort is indexed for read_committed
      } else {
        producers.replay(records, at);
        if (RecordBatchHeader.isTransactional(records, at) && firstUnstableOffset < 0) {
          firstUnstableOffset = producers.firstUnstableOffset();
        }
      }
      at += size;
    }
  }

  // --- mirror topics (mirror area) ---

  /**
   * A mirror topic's leader appends batches fetched from the source cluster verbatim, as a follower
   * appends its leader's: offsets, partition leader epochs, producer ids, epochs and sequences,
   * timestamps and control batches as the source wrote them; then, as this partition's leader,
   * advances the high watermark and wakes waiting fetches. The partition's mirror fetcher is the only
   * caller (clients' produces are refused while {@link RecordPolicy#mirrorLink} is set).
   */
  public AppendResult appendAsMirror(ByteBuffer records) throws IOException {
    AppendResult r;
    synchronized (this) {
      if (!leader) throw new IllegalStateException(topicPartition + " is not led here; no mirror appends");
      r = partitionLog.appendAsFollower(records);
      replayAppended(records);
      maybeAdvanceHighWatermark();
    }
    partitionLog.maybeFlush(); // flush.messages, outside this partition's lock
    notifyWatchers();
    return r;
  }

  /** A producer's transaction open in this partition: what an abort marker for it must carry. */
  public record OpenTransaction(long producerId, short producerEpoch, int coordinatorEpoch, long firstOffset) {}

  /** The transactions open in this partition now (a promoted mirror topic aborts those the source left open). */
  public synchronized List<OpenTransaction> openTransactions() {
    List<OpenTransaction> out = new ArrayList<>();
    for (ProducerStateManager.ProducerEntry e : producers.entries()) {
      if (e.currentTxnFirstOffset() >= 0) {
        out.add(new OpenTransaction(e.producerId(), e.epoch(), Math.max(0, e.coordinatorEpoch()), e.currentTxnFirstOffset()));
      }
    }
    return out;
  }

  /** The highest producer id this partition's producer state holds, or -1. */
  public synchronized long maxProducerId() {
    long max = -1;
    for (ProducerStateManager.ProducerEntry e : producers.entries()) max = Math.max(max, e.producerId());
    return max;
  }

  /** A follower takes the leader's high watermark, capped by its own log end. */
  public void updateFollowerHighWatermark(long leaderHighWatermark) {
    synchronized (this) {
      if (leader || leaderHighWatermark < 0) return;
      partitionLog.updateHighWatermark(Math.min(leaderHighWatermark, partitionLog.logEndOffset()));
    }
  }

  /**
   * Removes every batch at or above {@code offset} (a follower reconciling with its leader) and
   * rebuilds the producer state from what remains; the producer snapshot, which may describe the
   * removed history, is dropped.
   */
  public void truncateTo(long offset) throws IOException {
    synchronized (this) {
      if (offset >= partitionLog.logEndOffset()) {
        partitionLog.truncateTo(offset); // no record goes; an empty epoch at the log end does
        return;
      }
      log.info("{}: truncating from {} to {}", topicPartition, partitionLog.logEndOffset(), offset);
      partitionLog.truncateTo(offset); // also trims the transaction index
      ProducerStateSnapshot.delete(partitionLog.dir());
      rebuildProducerState();
    }
  }

  /** Empties the log and restarts it at {@code offset} (the leader's log start is past our end). */
  public void truncateFullyAndStartAt(long offset) throws IOException {
    synchronized (this) {
      log.info("{}: restarting the log at {} (was {}..{})", topicPartition, offset, partitionLog.logStartOffset(),
          partitionLog.logEndOffset());
      partitionLog.truncateFullyAndStartAt(offset);
      ProducerStateSnapshot.delete(partitionLog.dir());
      rebuildProducerState();
    }
  }
  // --- end replication ---

  @Override
  public String toString() {
    return topicPartition + "(epoch " + leaderEpoch + ")";
  }
}
