package dev.brook.broker.txn;

import java.io.IOException;
import java.util.Map;

/**
 * Where the transaction coordinator keeps its state: the partitions of {@code __transaction_state},
 * one record per transactional id. Appends are synchronous and durable as the log defines it (a
 * single node's high watermark follows its log end).
 */
public interface TxnLog {
  /** Writes the state of {@code transactionalId} ({@code null}: a tombstone). */
  void append(int partition, String transactionalId, TxnRecord record) throws IOException;

  /**
   * The latest state of every transactional id in {@code partition} (tombstoned ids absent), read
   * from the log start. Records that cannot be decoded are skipped and logged.
   */
  Map<String, TxnRecord> read(int partition) throws IOException;
}
