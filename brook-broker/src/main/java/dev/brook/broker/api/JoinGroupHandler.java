package dev.brook.broker.api;

import dev.brook.broker.group.GroupCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.protocol.ApiMessage;

/** JoinGroup: answered when the member's next generation forms (see {@link GroupCoordinator}). */
public final class JoinGroupHandler implements ApiHandler<JoinGroupRequestData> {
  private final GroupCoordinator groups;

  public JoinGroupHandler(GroupCoordinator groups) {
    this.groups = groups;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, JoinGroupRequestData req) {
    short version = ctx.apiVersion();
    return groups
        .joinGroup(req, version, ctx.clientId(), clientHost(ctx))
        .thenApply(
            r -> {
              // Before v7 the protocol name is not nullable.
              if (version < 7 && r.protocolName() == null) r.setProtocolName("");
              if (r.leader() == null) r.setLeader("");
              return r;
            });
  }

  static String clientHost(RequestContext ctx) {
    return ctx.clientAddress() == null || ctx.clientAddress().getAddress() == null
        ? ""
        : "/" + ctx.clientAddress().getAddress().getHostAddress();
  }
}
