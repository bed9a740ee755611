package dev.brook.broker.api;

import dev.brook.broker.group.GroupCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.protocol.ApiMessage;

/** ListGroups with the states filter (v4+) and types filter (v5+). */
public final class ListGroupsHandler implements ApiHandler<ListGroupsRequestData> {
  private final GroupCoordinator groups;

  public ListGroupsHandler(GroupCoordinator groups) {
    this.groups = groups;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, ListGroupsRequestData req) {
    return groups.listGroups(req.statesFilter(), req.typesFilter()).thenApply(r -> r);
  }
}
