package dev.brook.broker.api;

import dev.brook.broker.group.GroupCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.protocol.ApiMessage;

/** ConsumerGroupHeartbeat (KIP-848, group.protocol=consumer). */
public final class ConsumerGroupHeartbeatHandler implements ApiHandler<ConsumerGroupHeartbeatRequestData> {
  private final GroupCoordinator groups;

  public ConsumerGroupHeartbeatHandler(GroupCoordinator groups) {
    this.groups = groups;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, ConsumerGroupHeartbeatRequestData req) {
    return groups.consumerGroupHeartbeat(req, ctx.clientId(), JoinGroupHandler.clientHost(ctx)).thenApply(r -> r);
  }
}
