package dev.brook.broker.txn;

import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * The durable state of one transactional id: the value of its record in {@code __transaction_state}
 * (see {@link TxnRecordCodec} for the bytes). Immutable.
 *
 * @param lastProducerId the producer id before an epoch overflow moved to a new id, or -1 (stored
 *     as Kafka's PreviousProducerId)
 * @param lastProducerEpoch the epoch before the last bump, or -1 (KIP-360 retries). Not in Kafka's
 *     schema, so not stored: a record read back has -1, as in Kafka
 * @param partitions the partitions of the open (or completing) transaction, the __consumer_offsets
 *     partitions of its groups (AddOffsetsToTxn) included: their group coordinator keeps the
 *     transaction's offsets until the marker arrives there. Its iteration order is the order
 *     written (a decoded record keeps the order read)
 * @param nextProducerId Kafka's NextProducerId (transactions v2: the id handed out at an epoch
 *     overflow), or -1
 * @param nextProducerEpoch Kafka's NextProducerEpoch, or -1
 * @param clientTransactionVersion the transaction version the client used (Kafka's
 *     ClientTransactionVersion: 0, or 2 for KIP-890 clients)
 */
public record TxnRecord(
    String transactionalId,
    long producerId,
    long lastProducerId,
    short producerEpoch,
    short lastProducerEpoch,
    int timeoutMs,
    TxnState state,
    Set<TopicPartition> partitions,
    long startTimestamp,
    long lastUpdateTimestamp,
    long nextProducerId,
    short nextProducerEpoch,
    short clientTransactionVersion) {

  /** A record without the fields only transactions v2 uses (next producer id and epoch, version 0). */
  public TxnRecord(String transactionalId, long producerId, long lastProducerId, short producerEpoch,
      short lastProducerEpoch, int timeoutMs, TxnState state, Set<TopicPartition> partitions,
      long startTimestamp, long lastUpdateTimestamp) {
    this(transactionalId, producerId, lastProducerId, producerEpoch, lastProducerEpoch, timeoutMs, state,
        partitions, startTimestamp, lastUpdateTimestamp, -1, (short) -1, (short) 0);
  }
}
