package dev.brook.broker.api;

import dev.brook.broker.group.GroupCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * ConsumerGroupHeartbeat (KIP-848, group.protocol=consumer). With an authorizer, the member's
 * subscription regex matches only the topics the gate (DESCRIBE) allows.
 */
public final class ConsumerGroupHeartbeatHandler implements GatedHandler<ConsumerGroupHeartbeatRequestData> {
  private final GroupCoordinator groups;

  public ConsumerGroupHeartbeatHandler(GroupCoordinator groups) {
    this.groups = groups;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, ConsumerGroupHeartbeatRequestData req, TopicGate gate) {
    return groups.consumerGroupHeartbeat(req, ctx.clientId(), JoinGroupHandler.clientHost(ctx),
        gate == TopicGate.OPEN ? null : gate::allows).thenApply(r -> r);
  }
}
