package dev.brook.broker.txn;

import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * The one place that builds {@link TxnRecord} values: every new state of a transactional id is one
 * of these small derivations of its current record. Kept apart from the record so that a field added
 * to {@code __transaction_state}'s value (Kafka's tagged fields) changes this file, not every caller.
 *
 * <p>Stateless; any thread.
 */
final class TxnRecords {
  private TxnRecords() {}

  /** A transactional id seen for the first time (or again after it expired): EMPTY, no epoch yet. */
  static TxnRecord fresh(String transactionalId, long producerId, int timeoutMs, long now) {
    return new TxnRecord(transactionalId, producerId, -1, (short) -1, (short) -1, timeoutMs, TxnState.EMPTY,
        Set.of(), -1, now);
  }

  /**
   * A record derived from {@code r}: the fields given, and the transactions-v2 fields Brook does not
   * change (next producer id and epoch, client transaction version) kept, so a state read from a
   * Kafka log directory is written back whole.
   */
  private static TxnRecord of(TxnRecord r, long producerId, long lastProducerId, short epoch, short lastEpoch,
      int timeoutMs, TxnState state, Set<TopicPartition> partitions, long start, long now) {
    return new TxnRecord(r.transactionalId(), producerId, lastProducerId, epoch, lastEpoch, timeoutMs, state,
        partitions, start, now, r.nextProducerId(), r.nextProducerEpoch(), r.clientTransactionVersion());
  }

  /** {@code r} in {@code state}, everything else kept. */
  static TxnRecord withState(TxnRecord r, TxnState state, long now) {
    return of(r, r.producerId(), r.lastProducerId(), r.producerEpoch(), r.lastProducerEpoch(), r.timeoutMs(), state,
        r.partitions(), r.startTimestamp(), now);
  }

  /**
   * {@code r} with a new producer id and epoch; the previous ones are remembered (KIP-360 retries,
   * and the fencing of the old id after an epoch overflow).
   */
  static TxnRecord withProducer(TxnRecord r, long producerId, long lastProducerId, short epoch) {
    return of(r, producerId, lastProducerId, epoch, r.producerEpoch(), r.timeoutMs(), r.state(), r.partitions(),
        r.startTimestamp(), r.lastUpdateTimestamp());
  }

  /** No transaction open: EMPTY, with the timeout the producer asked for. */
  static TxnRecord emptied(TxnRecord r, int timeoutMs, long now) {
    return of(r, r.producerId(), r.lastProducerId(), r.producerEpoch(), r.lastProducerEpoch(), timeoutMs,
        TxnState.EMPTY, Set.of(), -1, now);
  }

  /** ONGOING with {@code partitions}, open since {@code startTimestamp}. */
  static TxnRecord ongoing(TxnRecord r, Set<TopicPartition> partitions, long startTimestamp, long now) {
    return of(r, r.producerId(), r.lastProducerId(), r.producerEpoch(), r.lastProducerEpoch(), r.timeoutMs(),
        TxnState.ONGOING, Set.copyOf(partitions), startTimestamp, now);
  }

  /** The COMPLETE_* state a PREPARE_* record ends in: the markers are written, no partition is left. */
  static TxnRecord completed(TxnRecord prepare, long now) {
    TxnState done = prepare.state() == TxnState.PREPARE_COMMIT ? TxnState.COMPLETE_COMMIT : TxnState.COMPLETE_ABORT;
    return of(prepare, prepare.producerId(), prepare.lastProducerId(), prepare.producerEpoch(),
        prepare.lastProducerEpoch(), prepare.timeoutMs(), done, Set.of(), prepare.startTimestamp(), now);
  }
}
