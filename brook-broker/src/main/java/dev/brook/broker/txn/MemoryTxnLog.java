package dev.brook.broker.txn;

import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link TxnLog} in memory, for tests: it survives a coordinator restart (a new coordinator over
 * the same instance) but not the JVM. Appends are durable at once; {@link #failAppends} simulates a
 * log that refuses writes. Thread-safe.
 */
public final class MemoryTxnLog implements TxnLog {
  private final Map<Integer, Map<String, TxnRecord>> partitions = new HashMap<>();
  private volatile boolean failAppends;

  public void failAppends(boolean fail) {
    this.failAppends = fail;
  }

  @Override
  public synchronized CompletableFuture<Void> append(int partition, String transactionalId, TxnRecord record) {
    if (failAppends) return CompletableFuture.failedFuture(new IOException("appends are failing (test)"));
    Map<String, TxnRecord> p = partitions.computeIfAbsent(partition, k -> new LinkedHashMap<>());
    if (record == null) {
      p.remove(transactionalId);
    } else {
      p.put(transactionalId, record);
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public synchronized Map<String, TxnRecord> read(int partition) {
    return new LinkedHashMap<>(partitions.getOrDefault(partition, Map.of()));
  }
}
