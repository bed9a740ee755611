package dev.brook.broker.api;

import dev.brook.broker.group.GroupCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.ApiMessage;

/** SyncGroup: the leader hands in assignments; every member gets its own once they are stored. */
public final class SyncGroupHandler implements ApiHandler<SyncGroupRequestData> {
  private final GroupCoordinator groups;

  public SyncGroupHandler(GroupCoordinator groups) {
    this.groups = groups;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, SyncGroupRequestData req) {
    return groups.syncGroup(req, ctx.apiVersion()).thenApply(r -> r);
  }
}
