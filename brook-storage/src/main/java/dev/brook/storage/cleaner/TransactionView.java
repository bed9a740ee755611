package dev.brook.storage.cleaner;

/**
 * What the cleaner must know of a log's transactions that only the broker knows: the last stable
 * offset, past which nothing is cleaned (an open transaction may still abort). The aborted
 * transactions, whose records are neither a key's latest value nor kept, come from the log's own
 * per-segment {@code .txnindex} files, not from here.
 */
public interface TransactionView {
  /** The first offset of the earliest open transaction, capped by the high watermark. */
  long lastStableOffset();

  /** A log without transactions. */
  TransactionView NONE = new TransactionView() {
    @Override
    public long lastStableOffset() {
      return Long.MAX_VALUE;
    }
  };
}
