package dev.brook.broker.api;

import dev.brook.broker.group.GroupCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;

/** DeleteGroups: empty groups only (NON_EMPTY_GROUP otherwise). */
public final class DeleteGroupsHandler implements ApiHandler<DeleteGroupsRequestData> {
  private final GroupCoordinator groups;

  public DeleteGroupsHandler(GroupCoordinator groups) {
    this.groups = groups;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, DeleteGroupsRequestData req) {
    return groups.deleteGroups(req.groupsNames()).thenApply(r -> new DeleteGroupsResponseData().setResults(r));
  }
}
