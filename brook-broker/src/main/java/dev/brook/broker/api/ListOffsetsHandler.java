package dev.brook.broker.api;

import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.Partition;
import dev.brook.storage.TimestampOffset;
import java.io.IOException;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ListOffsets, every version: earliest (-2), latest (-1: the high watermark, or the last stable
 * offset for read_committed), max timestamp (-3), earliest local (-4: the log start, all of the log
 * is local), latest tiered (-5: none, -1), and the first offset at or after a timestamp. Each answer
 * carries the leader epoch of the batch holding the offset (the current epoch for "latest").
 */
public final class ListOffsetsHandler implements ApiHandler<ListOffsetsRequestData> {
  private static final Logger log = LoggerFactory.getLogger(ListOffsetsHandler.class);
  static final long LATEST = -1;
  static final long EARLIEST = -2;
  static final long MAX_TIMESTAMP = -3;
  static final long EARLIEST_LOCAL = -4;
  static final long LATEST_TIERED = -5;

  private final LocalReplicaManager replicas;
  /** Where lookups that may read old data from the disk run; null: on the calling thread. */
  private final java.util.concurrent.Executor background;

  public ListOffsetsHandler(LocalReplicaManager replicas) {
    this(replicas, null);
  }

  /**
   * @param background where a request that asks for anything but the latest offset is answered: a
   *     timestamp lookup reads time indexes and scans segments, and the earliest offset's epoch is
   *     read from the oldest segment, data the page cache may no longer hold
   */
  public ListOffsetsHandler(LocalReplicaManager replicas, java.util.concurrent.Executor background) {
    this.replicas = replicas;
    this.background = background;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, ListOffsetsRequestData request) {
    if (background != null && !onlyLatest(request)) {
      return CompletableFuture.supplyAsync(() -> serve(ctx, request), background);
    }
    return CompletableFuture.completedFuture(serve(ctx, request));
  }

  private static boolean onlyLatest(ListOffsetsRequestData request) {
    for (ListOffsetsRequestData.ListOffsetsTopic t : request.topics()) {
      for (ListOffsetsRequestData.ListOffsetsPartition p : t.partitions()) {
        if (p.timestamp() != LATEST) return false;
      }
    }
    return true;
  }

  private ApiMessage serve(RequestContext ctx, ListOffsetsRequestData request) {
    IsolationLevel isolation = IsolationLevel.forId(request.isolationLevel());
    ListOffsetsResponseData response = new ListOffsetsResponseData();
    Set<TopicPartition> seen = new HashSet<>();
    for (ListOffsetsRequestData.ListOffsetsTopic t : request.topics()) {
      ListOffsetsTopicResponse tr = new ListOffsetsTopicResponse().setName(t.name());
      for (ListOffsetsRequestData.ListOffsetsPartition p : t.partitions()) {
        TopicPartition tp = new TopicPartition(t.name(), p.partitionIndex());
        ListOffsetsPartitionResponse pr = seen.add(tp)
            ? answer(tp, p, isolation, request.replicaId())
            : error(p.partitionIndex(), Errors.INVALID_REQUEST);
        tr.partitions().add(pr);
      }
      response.topics().add(tr);
    }
    fitToVersion(response, ctx.apiVersion());
    return response;
  }

  /**
   * Older versions lack some fields, and the codec refuses to write a non-default value into a field
   * the version does not have (librdkafka asks with v2): the leader epoch exists from v4.
   */
  private static void fitToVersion(ListOffsetsResponseData response, short version) {
    if (version >= 4) return;
    for (ListOffsetsTopicResponse t : response.topics()) {
      for (ListOffsetsPartitionResponse p : t.partitions()) {
        p.setLeaderEpoch(-1);
      }
    }
  }

  private ListOffsetsPartitionResponse answer(
      TopicPartition tp, ListOffsetsRequestData.ListOffsetsPartition req, IsolationLevel isolation, int replicaId) {
    Optional<Partition> found = replicas.partition(tp);
    if (found.isEmpty()) return error(req.partitionIndex(), Errors.UNKNOWN_TOPIC_OR_PARTITION);
    Partition p = found.get();
    if (p.isOffline()) return error(req.partitionIndex(), Errors.KAFKA_STORAGE_ERROR); // its log directory failed
    // Only the leader answers, except to the debugging replica id (-2), as in Kafka.
    Errors epochError = replicaId == -2 ? p.checkLeaderEpoch(req.currentLeaderEpoch()) : p.checkLeadership(req.currentLeaderEpoch());
    if (epochError != Errors.NONE) return error(req.partitionIndex(), epochError);
    long ts = req.timestamp();
    try {
      long upper = replicaId >= 0 ? p.logEndOffset()
          : isolation == IsolationLevel.READ_COMMITTED ? p.lastStableOffset() : p.highWatermark();
      if (ts == LATEST) {
        return found(req.partitionIndex(), -1, upper, p.leaderEpoch());
      }
      if (ts == EARLIEST || ts == EARLIEST_LOCAL) {
        long start = p.logStartOffset();
        return found(req.partitionIndex(), -1, start, epochOr(p, start));
      }
      if (ts == LATEST_TIERED) {
        return found(req.partitionIndex(), -1, -1, -1);
      }
      Optional<TimestampOffset> hit = ts == MAX_TIMESTAMP ? p.log().maxTimestampOffset() : p.log().offsetForTimestamp(ts);
      if (hit.isEmpty() || hit.get().offset() >= upper) {
        return found(req.partitionIndex(), -1, -1, -1);
      }
      TimestampOffset to = hit.get();
      return found(req.partitionIndex(), to.timestamp(), to.offset(), p.epochOfOffset(to.offset()));
    } catch (IOException | RuntimeException e) {
      log.warn("ListOffsets on {} for {} failed", tp, ts, e);
      return error(req.partitionIndex(), Errors.KAFKA_STORAGE_ERROR);
    }
  }

  /** The epoch of the batch at {@code offset}; the current epoch when the log is empty there. */
  private static int epochOr(Partition p, long offset) throws IOException {
    int e = p.epochOfOffset(offset);
    return e >= 0 ? e : p.leaderEpoch();
  }

  private static ListOffsetsPartitionResponse found(int partition, long timestamp, long offset, int epoch) {
    return new ListOffsetsPartitionResponse()
        .setPartitionIndex(partition)
        .setErrorCode(Errors.NONE.code())
        .setTimestamp(timestamp)
        .setOffset(offset)
        .setLeaderEpoch(epoch);
  }

  private static ListOffsetsPartitionResponse error(int partition, Errors e) {
    return new ListOffsetsPartitionResponse()
        .setPartitionIndex(partition)
        .setErrorCode(e.code())
        .setTimestamp(-1)
        .setOffset(-1)
        .setLeaderEpoch(-1);
  }
}
