package dev.brook.broker.replica;

import dev.brook.storage.RecordBatchHeader;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.protocol.Errors;

/**
 * The idempotence state of one partition: for each producer id, its epoch and the metadata of its
 * last {@value #CACHED_BATCHES} batches (the most a producer may have in flight). A batch is
 * checked against it before it is appended: a retry of a cached batch is a duplicate answered with
 * the original offsets; a sequence that does not follow the last one is OUT_OF_ORDER_SEQUENCE_NUMBER;
 * an epoch older than the producer's is INVALID_PRODUCER_EPOCH; an unknown producer must start at
 * sequence 0 (else UNKNOWN_PRODUCER_ID).
 *
 * <p>Rebuilt on startup from the log's newest producer-state snapshot ({@link #restore} of the
 * {@link #entries} as of its offset, open transactions included) and a replay of the batches after
 * it ({@link #replay}); without a snapshot, from the whole log.
 *
 * <p>Not thread-safe: owned by its {@link Partition}, which calls it under its append lock.
 */
public final class ProducerStateManager {
  public static final int CACHED_BATCHES = 5;
  public static final short NO_EPOCH = -1;

  /** What the log holds for one of a producer's batches. */
  public record BatchMetadata(int firstSeq, int lastSeq, long firstOffset, long lastOffset, long timestamp) {}

  /** One producer's state. Mutated only under the partition's append lock. */
  public static final class ProducerEntry {
    private final long producerId;
    private short epoch = NO_EPOCH;
    private final ArrayDeque<BatchMetadata> batches = new ArrayDeque<>(CACHED_BATCHES);
    private long lastTimestamp = -1;
    /** First offset of the producer's open transaction, -1 if none (for the coordinator, later). */
    private long currentTxnFirstOffset = -1;
    /** The coordinator epoch of the producer's last marker, -1 if none (kept in snapshots from version 2). */
    private int coordinatorEpoch = -1;

    ProducerEntry(long producerId) {
      this.producerId = producerId;
    }

    public long producerId() {
      return producerId;
    }

    public short epoch() {
      return epoch;
    }

    public List<BatchMetadata> batches() {
      return List.copyOf(batches);
    }

    public long lastTimestamp() {
      return lastTimestamp;
    }

    public long currentTxnFirstOffset() {
      return currentTxnFirstOffset;
    }

    public int coordinatorEpoch() {
      return coordinatorEpoch;
    }

    int lastSeq() {
      return batches.isEmpty() ? -1 : batches.peekLast().lastSeq();
    }

    long lastOffset() {
      return batches.isEmpty() ? -1 : batches.peekLast().lastOffset();
    }

    BatchMetadata findDuplicate(int firstSeq, int lastSeq) {
      for (BatchMetadata m : batches) {
        if (m.firstSeq() == firstSeq && m.lastSeq() == lastSeq) return m;
      }
      return null;
    }

    void restore(short epoch, long lastTimestamp, long currentTxnFirstOffset, int coordinatorEpoch) {
      restore(epoch, lastTimestamp, currentTxnFirstOffset);
      this.coordinatorEpoch = coordinatorEpoch;
    }

    void restore(short epoch, long lastTimestamp, long currentTxnFirstOffset) {
      this.epoch = epoch;
      this.lastTimestamp = lastTimestamp;
      this.currentTxnFirstOffset = currentTxnFirstOffset;
    }

    void add(short batchEpoch, BatchMetadata m) {
      if (batchEpoch != epoch) {
        epoch = batchEpoch;
        batches.clear();
      }
      if (batches.size() == CACHED_BATCHES) batches.removeFirst();
      batches.addLast(m);
      lastTimestamp = m.timestamp();
    }
  }

  /** The answer to "may this batch be appended?". */
  public sealed interface Check permits Append, Duplicate, Reject {}

  /** Append it. */
  public record Append() implements Check {}

  /** Do not append: the log already holds it at these offsets. */
  public record Duplicate(BatchMetadata original) implements Check {}

  /** Do not append: the producer made an error. */
  public record Reject(Errors error, String message) implements Check {}

  private static final Append APPEND = new Append();

  private final Map<Long, ProducerEntry> producers = new HashMap<>();
  // --- transactions (txn area) ---
  /** First offsets of the open transactions, to their producer ids (for the last stable offset). */
  private final java.util.TreeMap<Long, Long> ongoing = new java.util.TreeMap<>();

  /** The first offset of the earliest open transaction, or -1 when none is open. */
  public long firstUnstableOffset() {
    return ongoing.isEmpty() ? -1 : ongoing.firstKey();
  }

  /**
   * Ends producer {@code producerId}'s open transaction at a marker (COMMIT or ABORT); returns the
   * transaction's first offset, or -1 when it had none open here.
   */
  public long endTransaction(long producerId, short markerEpoch) {
    return endTransaction(producerId, markerEpoch, -1);
  }

  /**
   * As {@link #endTransaction(long, short)}, remembering the marker's {@code coordinatorEpoch} (the
   * leader epoch of the transaction coordinator's state partition) for {@link #checkCoordinatorEpoch}.
   */
  public long endTransaction(long producerId, short markerEpoch, int coordinatorEpoch) {
    ProducerEntry e = producers.computeIfAbsent(producerId, ProducerEntry::new);
    e.coordinatorEpoch = Math.max(e.coordinatorEpoch, coordinatorEpoch);
    long first = -1;
    if (markerEpoch >= e.epoch) {
      if (markerEpoch > e.epoch) e.batches.clear();
      e.epoch = markerEpoch;
      first = e.currentTxnFirstOffset;
      if (first >= 0) ongoing.remove(first, producerId);
      e.currentTxnFirstOffset = -1;
    }
    return first;
  }

  /**
   * TRANSACTION_COORDINATOR_FENCED if a marker from {@code coordinatorEpoch} is older than the one
   * this producer's last marker came from (a deposed coordinator still writing), else NONE.
   */
  public Errors checkCoordinatorEpoch(long producerId, int coordinatorEpoch) {
    ProducerEntry e = producers.get(producerId);
    return e != null && coordinatorEpoch < e.coordinatorEpoch ? Errors.TRANSACTION_COORDINATOR_FENCED : Errors.NONE;
  }

  /** The coordinator epoch a control batch at {@code at} carries (its end-transaction marker), -1 if unreadable. */
  public static int coordinatorEpochOf(ByteBuffer b, int at) {
    try {
      int size = b.getInt(at + RecordBatchHeader.LENGTH) + RecordBatchHeader.LOG_OVERHEAD;
      for (org.apache.kafka.common.record.RecordBatch batch
          : org.apache.kafka.common.record.MemoryRecords.readableRecords(b.slice(at, size)).batches()) {
        for (org.apache.kafka.common.record.Record r : batch) {
          return org.apache.kafka.common.record.EndTransactionMarker.deserialize(r).coordinatorEpoch();
        }
      }
    } catch (RuntimeException e) {
      return -1; // not a readable marker: it fences nothing
    }
    return -1;
  }

  private void reindexOngoing() {
    ongoing.clear();
    for (ProducerEntry e : producers.values()) {
      if (e.currentTxnFirstOffset >= 0) ongoing.put(e.currentTxnFirstOffset, e.producerId);
    }
  }
  // --- end transactions ---

  /** Checks a batch of producer {@code producerId} (≥ 0) against its state. */
  public Check check(long producerId, short epoch, int firstSeq, int lastSeq) {
    ProducerEntry e = producers.get(producerId);
    if (e == null || e.epoch == NO_EPOCH) {
      if (firstSeq != 0) {
        return new Reject(Errors.UNKNOWN_PRODUCER_ID,
            "no state for producer " + producerId + "; its first batch must have sequence 0, not " + firstSeq);
      }
      return APPEND;
    }
    if (epoch < e.epoch) {
      return new Reject(Errors.INVALID_PRODUCER_EPOCH,
          "producer " + producerId + " epoch " + epoch + " is older than the current epoch " + e.epoch);
    }
    if (epoch > e.epoch) {
      if (firstSeq != 0) {
        return new Reject(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER,
            "producer " + producerId + " new epoch " + epoch + " must start at sequence 0, not " + firstSeq);
      }
      return APPEND;
    }
    BatchMetadata dup = e.findDuplicate(firstSeq, lastSeq);
    if (dup != null) return new Duplicate(dup);
    int last = e.lastSeq();
    if (!(last < 0 || inSequence(last, firstSeq))) {
      return new Reject(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER,
          "producer " + producerId + " sent sequence " + firstSeq + " after " + last);
    }
    return APPEND;
  }

  /**
   * The check of a batch the broker writes itself for a producer (the group coordinator's
   * transactional offset commit, always at sequence 0, as Kafka writes it): only the epoch counts. INVALID_PRODUCER_EPOCH if
   * {@code epoch} is older than the producer's current one.
   */
  public Check checkEpoch(long producerId, short epoch) {
    ProducerEntry e = producers.get(producerId);
    if (e != null && e.epoch != NO_EPOCH && epoch < e.epoch) {
      return new Reject(Errors.INVALID_PRODUCER_EPOCH,
          "producer " + producerId + " epoch " + epoch + " is older than the current epoch " + e.epoch);
    }
    return APPEND;
  }

  private static boolean inSequence(int last, int next) {
    return next == last + 1 || (next == 0 && last == Integer.MAX_VALUE);
  }

  /** Records an appended batch. */
  public void update(long producerId, short epoch, BatchMetadata batch, boolean transactional) {
    ProducerEntry e = producers.computeIfAbsent(producerId, ProducerEntry::new);
    e.add(epoch, batch);
    if (transactional && e.currentTxnFirstOffset < 0) {
      e.currentTxnFirstOffset = batch.firstOffset();
      ongoing.put(batch.firstOffset(), producerId);
    }
  }

  /**
   * Replays one batch read from the log (recovery). Control batches end the producer's open
   * transaction.
   */
  public void replay(ByteBuffer b, int at) {
    long pid = RecordBatchHeader.producerId(b, at);
    if (pid < 0) return;
    short epoch = RecordBatchHeader.producerEpoch(b, at);
    if (RecordBatchHeader.isControl(b, at)) {
      endTransaction(pid, epoch, coordinatorEpochOf(b, at));
      return;
    }
    int count = RecordBatchHeader.lastOffsetDelta(b, at) + 1;
    int baseSeq = RecordBatchHeader.baseSequence(b, at);
    long base = RecordBatchHeader.baseOffset(b, at);
    BatchMetadata m = new BatchMetadata(
        baseSeq,
        BatchValidator.incrementSequence(baseSeq, count - 1),
        base,
        base + count - 1,
        RecordBatchHeader.maxTimestamp(b, at));
    update(pid, epoch, m, RecordBatchHeader.isTransactional(b, at));
  }

  /** Forgets producers whose last batch is wholly below the new log start (DeleteRecords, retention). */
  public void truncateHead(long logStartOffset) {
    Iterator<ProducerEntry> it = producers.values().iterator();
    while (it.hasNext()) {
      ProducerEntry e = it.next();
      if (e.lastOffset() >= 0 && e.lastOffset() < logStartOffset && e.currentTxnFirstOffset < 0) {
        it.remove();
      }
    }
  }

  /** Forgets producers idle for longer than {@code producer.id.expiration.ms}. */
  public void expire(long nowMs, long expirationMs) {
    producers.values().removeIf(e -> e.currentTxnFirstOffset < 0 && e.lastTimestamp >= 0 && nowMs - e.lastTimestamp > expirationMs);
  }

  /** Replaces the state with a snapshot's entries (replay then continues after the snapshot). */
  public void restore(Collection<ProducerEntry> snapshot) {
    producers.clear();
    for (ProducerEntry e : snapshot) producers.put(e.producerId(), e);
    reindexOngoing();
  }

  public ProducerEntry entry(long producerId) {
    return producers.get(producerId);
  }

  /** The current entries (the content a snapshot would hold). */
  public Collection<ProducerEntry> entries() {
    return List.copyOf(producers.values());
  }

  public void clear() {
    producers.clear();
    ongoing.clear();
  }
}
