package dev.brook.broker.txn;

import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * The durable state of one transactional id: the value of its record in {@code __transaction_state}
 * (see {@link TxnRecordCodec} for the bytes). Immutable.
 *
 * @param lastProducerId the producer id before an epoch overflow moved to a new id, or -1
 * @param lastProducerEpoch the epoch before the last bump, or -1 (KIP-360 retries)
 * @param partitions the partitions of the open (or completing) transaction, the __consumer_offsets
 *     partitions of its groups (AddOffsetsToTxn) included: their group coordinator keeps the
 *     transaction's offsets until the marker arrives there
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
    long lastUpdateTimestamp) {}
