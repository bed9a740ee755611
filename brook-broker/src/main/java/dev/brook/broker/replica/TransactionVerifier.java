package dev.brook.broker.replica;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * Checks, before a transactional batch is appended, that its partition was added to the producer's
 * ongoing transaction (so data cannot land outside any transaction's markers). Implemented by the
 * transaction coordinator; any thread.
 */
@FunctionalInterface
public interface TransactionVerifier {
  /** NONE, or the error the produce gets (INVALID_TXN_STATE, PRODUCER_FENCED, ...). */
  Errors verify(String transactionalId, long producerId, short producerEpoch, TopicPartition partition);

  TransactionVerifier NONE = (id, pid, epoch, tp) -> Errors.NONE;
}
