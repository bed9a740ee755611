package dev.brook.storage.cleaner;

import dev.brook.storage.TxnIndex.AbortedTxn;
import java.util.List;

/**
 * What the cleaner must know of a log's transactions (the broker keeps them): the last stable
 * offset, past which nothing is cleaned (an open transaction may still abort), and the aborted
 * transactions, whose records are neither a key's latest value nor kept. Markers are always kept.
 */
public interface TransactionView {
  /** The first offset of the earliest open transaction, capped by the high watermark. */
  long lastStableOffset();

  /** The aborted transactions whose records overlap [from, to). */
  List<AbortedTxn> abortedTransactions(long from, long to);

  /** A log without transactions. */
  TransactionView NONE = new TransactionView() {
    @Override
    public long lastStableOffset() {
      return Long.MAX_VALUE;
    }

    @Override
    public List<AbortedTxn> abortedTransactions(long from, long to) {
      return List.of();
    }
  };
}
