package dev.brook.broker.api;

import dev.brook.broker.group.GroupCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.protocol.ApiMessage;

/** Heartbeat: keeps a classic member's session alive and tells it when to rejoin. */
public final class HeartbeatHandler implements ApiHandler<HeartbeatRequestData> {
  private final GroupCoordinator groups;

  public HeartbeatHandler(GroupCoordinator groups) {
    this.groups = groups;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, HeartbeatRequestData req) {
    return groups.heartbeat(req).thenApply(e -> new HeartbeatResponseData().setErrorCode(e.code()));
  }
}
