package dev.brook.broker.api;

import dev.brook.broker.group.GroupCoordinator;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * OffsetCommit. From v10 topics come by id: they are resolved to names here (an unknown id answers
 * UNKNOWN_TOPIC_ID per partition) and the response carries the ids back.
 */
public final class OffsetCommitHandler implements ApiHandler<OffsetCommitRequestData> {
  private final GroupCoordinator groups;
  private final Function<Uuid, Optional<String>> topicNames;

  public OffsetCommitHandler(GroupCoordinator groups, Function<Uuid, Optional<String>> topicNames) {
    this.groups = groups;
    this.topicNames = topicNames;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, OffsetCommitRequestData req) {
    if (ctx.apiVersion() >= 10) {
      for (OffsetCommitRequestTopic t : req.topics()) {
        t.setName(topicNames.apply(t.topicId()).orElse(""));
      }
    }
    return groups.commitOffsets(req, ctx.apiVersion()).thenApply(r -> r);
  }
}
