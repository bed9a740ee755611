package dev.brook.broker.group;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where the coordinator keeps its state: the partitions of __consumer_offsets. The coordinator
 * appends from its own thread, one partition's records in order; the returned future completes
 * once the records are durable as the log defines it (then the coordinator applies them).
 */
public interface GroupLog {
  CompletableFuture<Void> append(int partition, List<GroupRecord> records);

  /**
   * Appends offset records as one transactional batch of producer {@code producerId} at {@code
   * producerEpoch} (TxnOffsetCommit); a marker of that producer written to the partition later ends
   * them. The future fails with the producer's fencing error (INVALID_PRODUCER_EPOCH) when a newer
   * epoch of the producer already wrote to the partition. A future that is already failed when
   * returned means nothing was written.
   */
  CompletableFuture<Void> appendTransactional(int partition, long producerId, short producerEpoch, List<GroupRecord> records);

  /**
   * Every record of {@code partition} from its log start, in order (called off the coordinator
   * thread while the partition loads): records of transactional batches as {@link
   * GroupRecord.TransactionalOffsetRecord}, transaction markers as {@link GroupRecord.TxnMarker}.
   * Records that cannot be decoded are skipped and logged.
   */
  List<GroupRecord> read(int partition) throws IOException;
}
