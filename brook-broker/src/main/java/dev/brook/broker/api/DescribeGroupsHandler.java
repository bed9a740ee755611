package dev.brook.broker.api;

import dev.brook.broker.group.GroupCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeGroups. Before v6 an unknown group is answered as state Dead without error (as Kafka
 * does); from v6 with GROUP_ID_NOT_FOUND and a message.
 */
public final class DescribeGroupsHandler implements ApiHandler<DescribeGroupsRequestData> {
  /** What a client may do with a group (no authorization in Brook yet: everything). */
  private static final int GROUP_OPERATIONS =
      1 << AclOperation.READ.code()
          | 1 << AclOperation.DESCRIBE.code()
          | 1 << AclOperation.DELETE.code()
          | 1 << AclOperation.DESCRIBE_CONFIGS.code()
          | 1 << AclOperation.ALTER_CONFIGS.code();

  private final GroupCoordinator groups;

  public DescribeGroupsHandler(GroupCoordinator groups) {
    this.groups = groups;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, DescribeGroupsRequestData req) {
    short version = ctx.apiVersion();
    return groups
        .describeGroups(req.groups())
        .thenApply(
            described -> {
              DescribeGroupsResponseData r = new DescribeGroupsResponseData();
              for (DescribedGroup d : described) {
                if (d.errorCode() == Errors.GROUP_ID_NOT_FOUND.code()) {
                  if (version < 6) d.setErrorCode(Errors.NONE.code());
                  else d.setErrorMessage("Group " + d.groupId() + " not found.");
                }
                if (req.includeAuthorizedOperations()) d.setAuthorizedOperations(GROUP_OPERATIONS);
                r.groups().add(d);
              }
              return r;
            });
  }
}
