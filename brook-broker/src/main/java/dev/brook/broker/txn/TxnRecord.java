package dev.brook.broker.txn;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * The durable state of one transactional id: the value of its record in {@code __transaction_state}
 * (see {@link TxnRecordCodec} for the bytes). Immutable.
 *
 * @param lastProducerId the producer id before an epoch overflow moved to a new id, or -1
 * @param lastProducerEpoch the epoch before the last bump, or -1 (KIP-360 retries)
 * @param partitions the partitions of the open (or completing) transaction
 * @param pendingOffsets consumer offsets sent to the transaction (TxnOffsetCommit), by group;
 *     committed to the groups when the transaction commits, dropped when it aborts
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
    Map<String, List<PendingOffset>> pendingOffsets,
    long startTimestamp,
    long lastUpdateTimestamp) {

  /** One consumer offset sent to a transaction. */
  public record PendingOffset(TopicPartition partition, long offset, int leaderEpoch, String metadata) {}
}
