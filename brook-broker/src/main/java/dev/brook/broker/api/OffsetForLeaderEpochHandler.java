package dev.brook.broker.api;

import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.Partition;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * OffsetForLeaderEpoch, every version: for each partition, the largest epoch ≤ the one asked and
 * where it ends (the next epoch's start, or the log end), from the log's leader epoch cache.
 * Consumers use it to detect truncation after a leader change; followers to truncate (KIP-101).
 */
public final class OffsetForLeaderEpochHandler implements ApiHandler<OffsetForLeaderEpochRequestData> {
  private final LocalReplicaManager replicas;

  public OffsetForLeaderEpochHandler(LocalReplicaManager replicas) {
    this.replicas = replicas;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, OffsetForLeaderEpochRequestData request) {
    OffsetForLeaderEpochResponseData response = new OffsetForLeaderEpochResponseData();
    for (OffsetForLeaderEpochRequestData.OffsetForLeaderTopic t : request.topics()) {
      OffsetForLeaderTopicResult tr = new OffsetForLeaderTopicResult().setTopic(t.topic());
      for (OffsetForLeaderEpochRequestData.OffsetForLeaderPartition p : t.partitions()) {
        tr.partitions().add(answer(new TopicPartition(t.topic(), p.partition()), p, request.replicaId()));
      }
      response.topics().add(tr);
    }
    return CompletableFuture.completedFuture(response);
  }

  private EpochEndOffset answer(TopicPartition tp, OffsetForLeaderEpochRequestData.OffsetForLeaderPartition req, int replicaId) {
    EpochEndOffset out = new EpochEndOffset().setPartition(req.partition()).setLeaderEpoch(-1).setEndOffset(-1);
    Optional<Partition> found = replicas.partition(tp);
    if (found.isEmpty()) return out.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
    Partition p = found.get();
    // Followers truncate against the leader's answer: only the leader answers (but the debug id -2).
    Errors epochError = replicaId == -2 ? p.checkLeaderEpoch(req.currentLeaderEpoch()) : p.checkLeadership(req.currentLeaderEpoch());
    if (epochError != Errors.NONE) return out.setErrorCode(epochError.code());
    dev.brook.storage.EpochEndOffset end = p.endOffsetForEpoch(req.leaderEpoch());
    return out.setErrorCode(Errors.NONE.code()).setLeaderEpoch(end.leaderEpoch()).setEndOffset(end.endOffset());
  }
}
