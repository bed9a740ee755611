package dev.brook.broker.api;

import dev.brook.broker.group.CommittedOffset;
import dev.brook.broker.group.GroupCoordinator;
import dev.brook.storage.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * TxnOffsetCommit, served by the group's coordinator (as Kafka does): the offsets are written to
 * the group's __consumer_offsets partition inside the producer's transaction and become the group's
 * committed offsets only when the transaction's COMMIT marker reaches that partition. One error
 * applies to every partition of the request, except malformed offsets (INVALID_COMMIT_OFFSET_SIZE)
 * and oversized metadata (OFFSET_METADATA_TOO_LARGE).
 */
public final class TxnOffsetCommitHandler implements ApiHandler<TxnOffsetCommitRequestData> {
  private final GroupCoordinator groups;
  private final Clock clock;
  private final int metadataMaxBytes;

  public TxnOffsetCommitHandler(GroupCoordinator groups, Clock clock, int metadataMaxBytes) {
    this.groups = groups;
    this.clock = clock;
    this.metadataMaxBytes = metadataMaxBytes;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, TxnOffsetCommitRequestData request) {
    Map<TopicPartition, CommittedOffset> offsets = new LinkedHashMap<>();
    TxnOffsetCommitResponseData response = new TxnOffsetCommitResponseData();
    List<TxnOffsetCommitResponsePartition> accepted = new ArrayList<>();
    long now = clock.milliseconds();
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
          offsets.put(new TopicPartition(t.name(), p.partitionIndex()), new CommittedOffset(p.committedOffset(),
              p.committedLeaderEpoch(), p.committedMetadata() == null ? "" : p.committedMetadata(), now, -1));
          accepted.add(rp);
        }
      }
    }
    if (offsets.isEmpty()) return CompletableFuture.completedFuture(response);
    short version = ctx.apiVersion();
    CompletableFuture<Errors> result;
    if (request.groupId() == null || request.groupId().isEmpty()) {
      result = CompletableFuture.completedFuture(Errors.INVALID_GROUP_ID);
    } else if (request.transactionalId() == null || request.transactionalId().isEmpty() || request.producerId() < 0) {
      result = CompletableFuture.completedFuture(Errors.INVALID_REQUEST);
    } else {
      result = groups.commitTransactionalOffsets(request.groupId(), request.producerId(), request.producerEpoch(),
          request.memberId(), request.generationId(), request.groupInstanceId(), offsets);
    }
    return result.thenApply(e -> {
      Errors error = e == Errors.PRODUCER_FENCED && version < 3 ? Errors.INVALID_PRODUCER_EPOCH : e;
      for (TxnOffsetCommitResponsePartition rp : accepted) rp.setErrorCode(error.code());
      return response;
    });
  }
}
