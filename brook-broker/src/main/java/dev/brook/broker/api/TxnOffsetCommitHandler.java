package dev.brook.broker.api;

import dev.brook.broker.txn.TransactionCoordinator;
import dev.brook.broker.txn.TxnRecord.PendingOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * TxnOffsetCommit: the offsets join the producer's transaction and become the group's committed
 * offsets only when it commits. One error applies to every partition of the request, except
 * malformed offsets (INVALID_COMMIT_OFFSET_SIZE) and oversized metadata (OFFSET_METADATA_TOO_LARGE).
 */
public final class TxnOffsetCommitHandler implements ApiHandler<TxnOffsetCommitRequestData> {
  private final TransactionCoordinator coordinator;
  private final int metadataMaxBytes;

  public TxnOffsetCommitHandler(TransactionCoordinator coordinator, int metadataMaxBytes) {
    this.coordinator = coordinator;
    this.metadataMaxBytes = metadataMaxBytes;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, TxnOffsetCommitRequestData request) {
    List<PendingOffset> offsets = new ArrayList<>();
    TxnOffsetCommitResponseData response = new TxnOffsetCommitResponseData();
    List<TxnOffsetCommitResponsePartition> accepted = new ArrayList<>();
    for (TxnOffsetCommitRequestTopic t : request.topics()) {
      TxnOffsetCommitResponseTopic rt = new TxnOffsetCommitResponseTopic().setName(t.name());
      response.topics().add(rt);
      for (TxnOffsetCommitRequestPartition p : t.partitions()) {
        TxnOffsetCommitResponsePartition rp = new TxnOffsetCommitResponsePartition().setPartitionIndex(p.partitionIndex());
        rt.partitions().add(rp);
        if (p.committedMetadata() != null && p.committedMetadata().length() > metadataMaxBytes) {
          rp.setErrorCode(Errors.OFFSET_METADATA_TOO_LARGE.code());
        } else if (p.partitionIndex() < 0 || p.committedOffset() < 0 || t.name() == null || t.name().isEmpty()) {
          rp.setErrorCode(Errors.INVALID_COMMIT_OFFSET_SIZE.code());
        } else {
          offsets.add(new PendingOffset(new TopicPartition(t.name(), p.partitionIndex()), p.committedOffset(),
              p.committedLeaderEpoch(), p.committedMetadata()));
          accepted.add(rp);
        }
      }
    }
    if (offsets.isEmpty()) return CompletableFuture.completedFuture(response);
    short version = ctx.apiVersion();
    return coordinator
        .commitOffsets(request.transactionalId(), request.producerId(), request.producerEpoch(), request.groupId(),
            request.memberId(), request.generationId(), request.groupInstanceId(), offsets)
        .thenApply(e -> {
          Errors error = e == Errors.PRODUCER_FENCED && version < 3 ? Errors.INVALID_PRODUCER_EPOCH : e;
          for (TxnOffsetCommitResponsePartition rp : accepted) rp.setErrorCode(error.code());
          return response;
        });
  }
}
