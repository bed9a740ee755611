package dev.brook.broker.api;

import dev.brook.broker.group.GroupCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.protocol.ApiMessage;

/** ConsumerGroupDescribe (KIP-848): members, epochs, current and target assignments. */
public final class ConsumerGroupDescribeHandler implements ApiHandler<ConsumerGroupDescribeRequestData> {
  private static final int GROUP_OPERATIONS =
      1 << AclOperation.READ.code() | 1 << AclOperation.DESCRIBE.code() | 1 << AclOperation.DELETE.code()
          | 1 << AclOperation.DESCRIBE_CONFIGS.code() | 1 << AclOperation.ALTER_CONFIGS.code();

  private final GroupCoordinator groups;

  public ConsumerGroupDescribeHandler(GroupCoordinator groups) {
    this.groups = groups;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, ConsumerGroupDescribeRequestData req) {
    return groups
        .consumerGroupDescribe(req.groupIds())
        .thenApply(
            described -> {
              if (req.includeAuthorizedOperations()) described.forEach(d -> d.setAuthorizedOperations(GROUP_OPERATIONS));
              return new ConsumerGroupDescribeResponseData().setGroups(described);
            });
  }
}
