package dev.brook.broker.api;

import dev.brook.broker.group.CommittedOffset;
import dev.brook.broker.group.GroupCoordinator;
import dev.brook.broker.group.ReplicaGroupLog;
import dev.brook.broker.replica.TransactionVerifier;
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
 *
 * <p>The group's partition must be in the producer's ongoing transaction (AddOffsetsToTxn first), as
 * the transaction coordinator knows it: offsets written outside any transaction would never get a
 * marker, and their open "transaction" would hold the partition's last stable offset (and with it
 * compaction and require_stable offset fetches) forever. The check is the same {@link
 * TransactionVerifier} as Produce's; where the coordinator is another broker it passes, as for Produce.
 */
public final class TxnOffsetCommitHandler implements ApiHandler<TxnOffsetCommitRequestData> {
  private final GroupCoordinator groups;
  private final TransactionVerifier verifier;
  private final Clock clock;
  private final int metadataMaxBytes;

  public TxnOffsetCommitHandler(GroupCoordinator groups, TransactionVerifier verifier, Clock clock, int metadataMaxBytes) {
    this.groups = groups;
    this.verifier = verifier;
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
    } else if (unverified(request) instanceof Errors e) {
      result = CompletableFuture.completedFuture(e);
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

  /** The verifier's error when the group's partition is not in the ongoing transaction; else null. */
  private Errors unverified(TxnOffsetCommitRequestData r) {
    TopicPartition partition = new TopicPartition(ReplicaGroupLog.TOPIC, groups.partitionFor(r.groupId()));
    Errors e = verifier.verify(r.transactionalId(), r.producerId(), r.producerEpoch(), partition);
    if (e == Errors.NONE) return null;
    // An older epoch than the coordinator's: this producer was fenced.
    return e == Errors.INVALID_PRODUCER_EPOCH ? Errors.PRODUCER_FENCED : e;
  }
}
