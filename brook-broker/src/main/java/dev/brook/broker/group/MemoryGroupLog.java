package dev.brook.broker.group;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link GroupLog} in memory, encoded with {@link GroupRecordCodec} exactly as on disk: for unit
 * tests, and for a broker started without partitions (state then does not survive a restart).
 * Thread-safe.
 */
public final class MemoryGroupLog implements GroupLog {
  /** A record ({@code producerId} >= 0: of that producer's transaction) or ({@code key} null) a marker. */
  private record Entry(byte[] key, byte[] value, long producerId, boolean commit) {}

  private final Map<Integer, List<Entry>> partitions = new HashMap<>();

  @Override
  public synchronized CompletableFuture<Void> append(int partition, List<GroupRecord> records) {
    List<Entry> log = partitions.computeIfAbsent(partition, p -> new ArrayList<>());
    for (GroupRecord r : records) log.add(new Entry(GroupRecordCodec.key(r), GroupRecordCodec.value(r), -1, false));
    return CompletableFuture.completedFuture(null);
  }

  /** Producer epochs are not checked here: a test fences producers through its own calls. */
  @Override
  public synchronized CompletableFuture<Void> appendTransactional(
      int partition, long producerId, short producerEpoch, List<GroupRecord> records) {
    List<Entry> log = partitions.computeIfAbsent(partition, p -> new ArrayList<>());
    for (GroupRecord r : records) log.add(new Entry(GroupRecordCodec.key(r), GroupRecordCodec.value(r), producerId, false));
    return CompletableFuture.completedFuture(null);
  }

  /** Appends a transaction marker of {@code producerId}; returns its position (the "log offset"). */
  public synchronized long appendMarker(int partition, long producerId, boolean commit) {
    List<Entry> log = partitions.computeIfAbsent(partition, p -> new ArrayList<>());
    log.add(new Entry(null, null, producerId, commit));
    return log.size() - 1;
  }

  @Override
  public synchronized List<GroupRecord> read(int partition) {
    List<GroupRecord> out = new ArrayList<>();
    List<Entry> log = partitions.getOrDefault(partition, List.of());
    for (int i = 0; i < log.size(); i++) {
      Entry e = log.get(i);
      if (e.key == null) {
        out.add(new GroupRecord.TxnMarker(e.producerId, e.commit, i));
        continue;
      }
      GroupRecord r = GroupRecordCodec.decode(ByteBuffer.wrap(e.key), e.value == null ? null : ByteBuffer.wrap(e.value));
      if (e.producerId >= 0 && r instanceof GroupRecord.OffsetRecord o) r = new GroupRecord.TransactionalOffsetRecord(e.producerId, o);
      out.add(r);
    }
    return out;
  }

  /** Number of records appended to {@code partition} (tombstones included). */
  public synchronized int size(int partition) {
    return partitions.getOrDefault(partition, List.of()).size();
  }
}
