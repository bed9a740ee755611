package dev.brook.broker.txn;

import dev.brook.broker.config.BrokerConfig;

/** The settings the transaction coordinator obeys, from the broker's transaction.* keys. */
public record TxnCoordinatorConfig(
    int stateTopicPartitions,
    int stateTopicSegmentBytes,
    int maxTimeoutMs,
    long abortTimedOutIntervalMs,
    long transactionalIdExpirationMs) {

  public static TxnCoordinatorConfig from(BrokerConfig c) {
    return new TxnCoordinatorConfig(
        c.getInt("transaction.state.log.num.partitions"),
        c.getInt("transaction.state.log.segment.bytes"),
        c.getInt("transaction.max.timeout.ms"),
        c.getInt("transaction.abort.timed.out.transaction.cleanup.interval.ms"),
        c.getInt("transactional.id.expiration.ms"));
  }

  /** The same settings with the partition count an existing __transaction_state already has. */
  public TxnCoordinatorConfig withStateTopicPartitions(int partitions) {
    return new TxnCoordinatorConfig(partitions, stateTopicSegmentBytes, maxTimeoutMs, abortTimedOutIntervalMs,
        transactionalIdExpirationMs);
  }
}
