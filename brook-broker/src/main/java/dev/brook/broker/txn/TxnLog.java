package dev.brook.broker.txn;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Where the transaction coordinator keeps its state: the partitions of {@code __transaction_state},
 * one record per transactional id. An append completes when the record is durable as the state
 * topic defines it: replicated to the partition's in-sync replicas (acks=all; a single node's high
 * watermark follows its log end), or exceptionally with the reason it is not.
 */
public interface TxnLog {
  /**
   * Writes the state of {@code transactionalId} ({@code null}: a tombstone). The write itself is
   * short (a local append); the future completes later, when the record is replicated. Never blocks
   * on replication.
   */
  CompletableFuture<Void> append(int partition, String transactionalId, TxnRecord record);

  /**
   * The latest state of every transactional id in {@code partition} (tombstoned ids absent), read
   * from the log start. Records that cannot be decoded are skipped and logged.
   */
  Map<String, TxnRecord> read(int partition) throws IOException;
}
