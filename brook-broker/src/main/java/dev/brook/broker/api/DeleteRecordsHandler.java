package dev.brook.broker.api;

import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.Partition;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsTopicResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DeleteRecords, every version: moves each partition's log start offset up to the given offset (-1:
 * the high watermark) and answers the new low watermark. An offset above the high watermark (or
 * negative other than -1) is OFFSET_OUT_OF_RANGE; below the log start it changes nothing.
 */
public final class DeleteRecordsHandler implements ApiHandler<DeleteRecordsRequestData> {
  private static final Logger log = LoggerFactory.getLogger(DeleteRecordsHandler.class);
  private final LocalReplicaManager replicas;
  /** Where segments are deleted (file renames; milliseconds on a busy disk); null: the calling thread. */
  private final java.util.concurrent.Executor background;

  public DeleteRecordsHandler(LocalReplicaManager replicas) {
    this(replicas, null);
  }

  public DeleteRecordsHandler(LocalReplicaManager replicas, java.util.concurrent.Executor background) {
    this.replicas = replicas;
    this.background = background;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, DeleteRecordsRequestData request) {
    return background == null
        ? CompletableFuture.completedFuture(serve(request))
        : CompletableFuture.supplyAsync(() -> serve(request), background);
  }

  private ApiMessage serve(DeleteRecordsRequestData request) {
    DeleteRecordsResponseData response = new DeleteRecordsResponseData();
    for (DeleteRecordsRequestData.DeleteRecordsTopic t : request.topics()) {
      DeleteRecordsTopicResult tr = new DeleteRecordsTopicResult().setName(t.name());
      for (DeleteRecordsRequestData.DeleteRecordsPartition p : t.partitions()) {
        tr.partitions().add(answer(new TopicPartition(t.name(), p.partitionIndex()), p.offset()));
      }
      response.topics().add(tr);
    }
    return response;
  }

  private DeleteRecordsPartitionResult answer(TopicPartition tp, long offset) {
    DeleteRecordsPartitionResult r = new DeleteRecordsPartitionResult().setPartitionIndex(tp.partition()).setLowWatermark(-1);
    Optional<Partition> found = replicas.partition(tp);
    if (found.isEmpty()) return r.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
    Partition p = found.get();
    if (!p.isLeader()) return r.setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code());
    long hw = p.highWatermark();
    long target = offset == -1 ? hw : offset;
    if (target < 0 || target > hw) return r.setErrorCode(Errors.OFFSET_OUT_OF_RANGE.code());
    try {
      long start = target <= p.logStartOffset() ? p.logStartOffset() : p.deleteRecordsBefore(target);
      return r.setErrorCode(Errors.NONE.code()).setLowWatermark(start);
    } catch (IOException | RuntimeException e) {
      log.warn("DeleteRecords on {} before {} failed", tp, target, e);
      return r.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
    }
  }
}
