package dev.brook.broker.api;

import dev.brook.broker.group.GroupCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.protocol.ApiMessage;

/** OffsetDelete: committed offsets of partitions the group does not consume. */
public final class OffsetDeleteHandler implements ApiHandler<OffsetDeleteRequestData> {
  private final GroupCoordinator groups;

  public OffsetDeleteHandler(GroupCoordinator groups) {
    this.groups = groups;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, OffsetDeleteRequestData req) {
    return groups.deleteOffsets(req).thenApply(r -> r);
  }
}
