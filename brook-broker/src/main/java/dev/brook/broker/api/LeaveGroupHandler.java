package dev.brook.broker.api;

import dev.brook.broker.group.GroupCoordinator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/** LeaveGroup: one member (v0-2) or a batch of members (v3+, KIP-345). */
public final class LeaveGroupHandler implements ApiHandler<LeaveGroupRequestData> {
  private final GroupCoordinator groups;

  public LeaveGroupHandler(GroupCoordinator groups) {
    this.groups = groups;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, LeaveGroupRequestData req) {
    boolean batched = ctx.apiVersion() >= 3;
    List<MemberIdentity> members =
        batched ? req.members() : List.of(new MemberIdentity().setMemberId(req.memberId()));
    if (batched && members.isEmpty()) {
      return CompletableFuture.completedFuture(
          new org.apache.kafka.common.message.LeaveGroupResponseData().setErrorCode(Errors.INVALID_REQUEST.code()));
    }
    return groups
        .leaveGroup(req.groupId(), members)
        .thenApply(
            r -> {
              if (!batched) {
                if (r.errorCode() == Errors.NONE.code() && !r.members().isEmpty()) {
                  r.setErrorCode(r.members().get(0).errorCode());
                }
                r.setMembers(List.of());
              }
              return r;
            });
  }
}
