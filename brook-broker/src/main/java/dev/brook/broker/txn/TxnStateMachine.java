package dev.brook.broker.txn;

import org.apache.kafka.common.protocol.Errors;

/**
 * The rules of a transactional id's state: which state may follow which ({@link
 * TxnState#validPrevious}), and what a client whose request would break them is answered. {@link
 * TxnStateStore#transition} asks this before it writes anything.
 *
 * <p>Brook speaks the transaction protocol before KIP-890's transaction version 2 (EndTxn up to
 * v4): a transaction is prepared only from ONGOING. {@link TxnState#validPrevious} also lets
 * PREPARE_ABORT follow EMPTY and COMPLETE_* (TV2 aborts a transaction that added nothing, at a
 * bumped epoch); that path is refused here until EndTxn v5 is served.
 *
 * <p>Stateless; any thread.
 */
final class TxnStateMachine {
  /** Who asks for a state change: a refused client request is an answer, a refused coordinator step a bug. */
  enum Origin {
    CLIENT,
    COORDINATOR
  }

  private TxnStateMachine() {}

  /** Whether a transactional id in state {@code from} may move to {@code to}. */
  static boolean allowed(TxnState from, TxnState to) {
    if (!to.validPrevious().contains(from)) return false;
    return !to.isPrepare() || from == TxnState.ONGOING;
  }

  /**
   * What a request refused in state {@code from} answers: CONCURRENT_TRANSACTIONS while an outcome
   * is being completed (PREPARE_*: the client retries until it is done, as with Kafka); otherwise
   * INVALID_TXN_STATE (the client's transaction is not in a state that permits the request).
   */
  static Errors refusal(TxnState from) {
    return from.isPrepare() ? Errors.CONCURRENT_TRANSACTIONS : Errors.INVALID_TXN_STATE;
  }

  /**
   * EndTxn's answer when the transaction's outcome is already decided, or null to go on to the
   * transition: the same outcome retried is NONE once complete (the client missed the answer); the
   * other outcome of a prepared transaction is INVALID_TXN_STATE (not CONCURRENT_TRANSACTIONS: no
   * retry can make it legal). Every other state is left to {@link #allowed}.
   */
  static Errors endTxnDecided(TxnState state, boolean commit) {
    return switch (state) {
      case COMPLETE_COMMIT -> commit ? Errors.NONE : null;
      case COMPLETE_ABORT -> commit ? null : Errors.NONE;
      case PREPARE_COMMIT -> commit ? null : Errors.INVALID_TXN_STATE;
      case PREPARE_ABORT -> commit ? Errors.INVALID_TXN_STATE : null;
      case EMPTY, ONGOING, DEAD -> null;
    };
  }
}
