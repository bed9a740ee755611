package dev.brook.broker.txn;

import java.util.EnumSet;
import java.util.Set;

/**
 * The states of a transactional id at its coordinator, with the states each may be entered from.
 * EMPTY: no transaction open; ONGOING: partitions added; PREPARE_*: the outcome is decided and
 * durable, markers are being written; COMPLETE_*: markers written; DEAD: the id expired.
 */
public enum TxnState {
  EMPTY((byte) 0),
  ONGOING((byte) 1),
  PREPARE_COMMIT((byte) 2),
  PREPARE_ABORT((byte) 3),
  COMPLETE_COMMIT((byte) 4),
  COMPLETE_ABORT((byte) 5),
  DEAD((byte) 6);

  /** The id written in {@code __transaction_state} records (never reuse one). */
  public final byte id;

  TxnState(byte id) {
    this.id = id;
  }

  public static TxnState of(byte id) {
    for (TxnState s : values()) {
      if (s.id == id) return s;
    }
    throw new IllegalArgumentException("unknown transaction state id " + id);
  }

  /** The states this state may be entered from. */
  public Set<TxnState> validPrevious() {
    return switch (this) {
      case EMPTY -> EnumSet.of(EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
      case ONGOING -> EnumSet.of(ONGOING, EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
      case PREPARE_COMMIT -> EnumSet.of(ONGOING);
      case PREPARE_ABORT -> EnumSet.of(ONGOING, EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
      case COMPLETE_COMMIT -> EnumSet.of(PREPARE_COMMIT);
      case COMPLETE_ABORT -> EnumSet.of(PREPARE_ABORT);
      case DEAD -> EnumSet.of(EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
    };
  }

  /** The name Kafka's tools print (DescribeTransactions / ListTransactions). */
  public String kafkaName() {
    return switch (this) {
      case EMPTY -> "Empty";
      case ONGOING -> "Ongoing";
      case PREPARE_COMMIT -> "PrepareCommit";
      case PREPARE_ABORT -> "PrepareAbort";
      case COMPLETE_COMMIT -> "CompleteCommit";
      case COMPLETE_ABORT -> "CompleteAbort";
      case DEAD -> "Dead";
    };
  }

  public boolean isPrepare() {
    return this == PREPARE_COMMIT || this == PREPARE_ABORT;
  }
}
