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
  private record Entry(byte[] key, byte[] value) {}

  private final Map<Integer, List<Entry>> partitions = new HashMap<>();

  @Override
  public synchronized CompletableFuture<Void> append(int partition, List<GroupRecord> records) {
    List<Entry> log = partitions.computeIfAbsent(partition, p -> new ArrayList<>());
    for (GroupRecord r : records) log.add(new Entry(GroupRecordCodec.key(r), GroupRecordCodec.value(r)));
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public synchronized List<GroupRecord> read(int partition) {
    List<GroupRecord> out = new ArrayList<>();
    for (Entry e : partitions.getOrDefault(partition, List.of())) {
      out.add(GroupRecordCodec.decode(ByteBuffer.wrap(e.key), e.value == null ? null : ByteBuffer.wrap(e.value)));
    }
    return out;
  }

  /** Number of records appended to {@code partition} (tombstones included). */
  public synchronized int size(int partition) {
    return partitions.getOrDefault(partition, List.of()).size();
  }
}
