package dev.brook.broker.api;

import dev.brook.broker.group.GroupCoordinator;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopic;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartition;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopic;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * OffsetFetch: one group (v1-7, answered in the old layout) or a batch of groups (v8+); topics by
 * id from v10. A null topic list asks for every committed offset of the group.
 */
public final class OffsetFetchHandler implements ApiHandler<OffsetFetchRequestData> {
  private final GroupCoordinator groups;
  private final Function<Uuid, Optional<String>> topicNames;
  private final Function<String, Optional<Uuid>> topicIds;

  public OffsetFetchHandler(
      GroupCoordinator groups,
      Function<Uuid, Optional<String>> topicNames,
      Function<String, Optional<Uuid>> topicIds) {
    this.groups = groups;
    this.topicNames = topicNames;
    this.topicIds = topicIds;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, OffsetFetchRequestData req) {
    short version = ctx.apiVersion();
    if (version < 8) {
      List<OffsetFetchRequestTopics> topics = null;
      if (req.topics() != null) {
        topics = new ArrayList<>();
        for (OffsetFetchRequestTopic t : req.topics()) {
          topics.add(new OffsetFetchRequestTopics().setName(t.name()).setPartitionIndexes(t.partitionIndexes()));
        }
      }
      return fetch(req.groupId(), null, -1, topics, req.requireStable(), false).thenApply(g -> oldLayout(g, version));
    }
    List<CompletableFuture<OffsetFetchResponseGroup>> results = new ArrayList<>();
    for (OffsetFetchRequestGroup g : req.groups()) {
      results.add(fetch(g.groupId(), g.memberId(), g.memberEpoch(), g.topics(), req.requireStable(), version >= 10));
    }
    return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
        .thenApply(
            v -> {
              OffsetFetchResponseData r = new OffsetFetchResponseData();
              for (CompletableFuture<OffsetFetchResponseGroup> f : results) r.groups().add(f.join());
              return r;
            });
  }

  private CompletableFuture<OffsetFetchResponseGroup> fetch(
      String groupId,
      String memberId,
      int memberEpoch,
      List<OffsetFetchRequestTopics> topics,
      boolean requireStable,
      boolean byId) {
    Errors unavailable = groups.checkAvailable(groupId);
    if (unavailable != Errors.NONE) {
      return CompletableFuture.completedFuture(
          new OffsetFetchResponseGroup().setGroupId(groupId).setErrorCode(unavailable.code()));
    }
    List<OffsetFetchRequestTopics> unknownIds = new ArrayList<>();
    if (byId && topics != null) {
      List<OffsetFetchRequestTopics> known = new ArrayList<>();
      for (OffsetFetchRequestTopics t : topics) {
        Optional<String> name = topicNames.apply(t.topicId());
        if (name.isPresent()) known.add(t.duplicate().setName(name.get()));
        else unknownIds.add(t);
      }
      topics = known;
    }
    return groups
        .fetchOffsets(groupId, memberId, memberEpoch, topics, requireStable)
        .thenApply(
            g -> {
              if (byId) {
                for (OffsetFetchResponseTopics t : g.topics()) {
                  if (Uuid.ZERO_UUID.equals(t.topicId())) t.setTopicId(topicIds.apply(t.name()).orElse(Uuid.ZERO_UUID));
                }
                for (OffsetFetchRequestTopics t : unknownIds) {
                  OffsetFetchResponseTopics rt = new OffsetFetchResponseTopics().setTopicId(t.topicId());
                  for (int p : t.partitionIndexes()) {
                    rt.partitions()
                        .add(new OffsetFetchResponsePartitions().setPartitionIndex(p).setCommittedOffset(-1)
                            .setMetadata("").setErrorCode(Errors.UNKNOWN_TOPIC_ID.code()));
                  }
                  g.topics().add(rt);
                }
              }
              return g;
            });
  }

  private static OffsetFetchResponseData oldLayout(OffsetFetchResponseGroup g, short version) {
    OffsetFetchResponseData r = new OffsetFetchResponseData();
    if (version >= 2) r.setErrorCode(g.errorCode());
    for (OffsetFetchResponseTopics t : g.topics()) {
      OffsetFetchResponseTopic rt = new OffsetFetchResponseTopic().setName(t.name());
      for (OffsetFetchResponsePartitions p : t.partitions()) {
        short error = version < 2 && g.errorCode() != 0 ? g.errorCode() : p.errorCode();
        rt.partitions()
            .add(
                new OffsetFetchResponsePartition()
                    .setPartitionIndex(p.partitionIndex())
                    .setCommittedOffset(p.committedOffset())
                    .setCommittedLeaderEpoch(p.committedLeaderEpoch())
                    .setMetadata(p.metadata())
                    .setErrorCode(error));
      }
      r.topics().add(rt);
    }
    return r;
  }
}
