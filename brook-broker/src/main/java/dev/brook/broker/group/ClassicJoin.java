package dev.brook.broker.group;

import static dev.brook.broker.group.GroupState.COMPLETING_REBALANCE;
import static dev.brook.broker.group.GroupState.DEAD;
import static dev.brook.broker.group.GroupState.EMPTY;
import static dev.brook.broker.group.GroupState.PREPARING_REBALANCE;
import static dev.brook.broker.group.GroupState.STABLE;

import dev.brook.broker.group.GroupRecord.GroupMetadataRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * JoinGroup of the classic protocol: the request's checks, new members (KIP-394's member id
 * handshake), rejoining members, and static members (KIP-345) whose restarted instance takes over
 * its predecessor's place, with no rebalance when nothing changed. The rebalance itself is {@link
 * ClassicGroupManager}'s. Coordinator thread only.
 */
final class ClassicJoin {
  private final GroupContext ctx;
  private final ClassicGroupManager classic;
  private final ConsumerGroupManager consumers;
  private final OffsetManager offsets;
  private final Supplier<String> memberIdSuffix;

  ClassicJoin(GroupContext ctx, ClassicGroupManager classic, ConsumerGroupManager consumers, OffsetManager offsets,
      Supplier<String> memberIdSuffix) {
    this.ctx = ctx;
    this.classic = classic;
    this.consumers = consumers;
    this.offsets = offsets;
    this.memberIdSuffix = memberIdSuffix;
  }

  /**
   * One JoinGroup being served: the request, what the member told about itself, and the answer
   * that completes when the member's next generation starts (or at once with an error).
   */
  private record Attempt(
      JoinGroupRequestData req,
      short version,
      String clientId,
      String clientHost,
      int rebalanceTimeoutMs,
      List<GroupMember.Protocol> protocols,
      CompletableFuture<JoinGroupResponseData> future) {
    void fail(String memberId, Errors error) {
      future.complete(ClassicGroupManager.joinError(memberId, error));
    }
  }

  /**
   * JoinGroup: completes {@code future} when the member's next generation starts (or at once with an
   * error, or with MEMBER_ID_REQUIRED for a first join at v4+, KIP-394).
   */
  void join(JoinGroupRequestData req, short version, String clientId, String clientHost,
      CompletableFuture<JoinGroupResponseData> future) {
    String groupId = req.groupId();
    String memberId = req.memberId();
    List<GroupMember.Protocol> protocols = new ArrayList<>();
    for (JoinGroupRequestProtocol p : req.protocols()) protocols.add(new GroupMember.Protocol(p.name(), p.metadata()));
    int rebalanceTimeout = req.rebalanceTimeoutMs() < 0 ? req.sessionTimeoutMs() : req.rebalanceTimeoutMs();
    Attempt join = new Attempt(req, version, clientId, clientHost, rebalanceTimeout, protocols, future);
    Errors invalid = ctx.availability(groupId);
    if (invalid == Errors.NONE
        && (req.sessionTimeoutMs() < ctx.config.minSessionTimeoutMs() || req.sessionTimeoutMs() > ctx.config.maxSessionTimeoutMs())) {
      invalid = Errors.INVALID_SESSION_TIMEOUT;
    }
    if (invalid == Errors.NONE && req.groupInstanceId() != null && req.groupInstanceId().isEmpty()) {
      invalid = Errors.INVALID_REQUEST;
    }
    if (invalid != Errors.NONE) {
      join.fail(memberId, invalid);
      return;
    }
    Group existing = ctx.groups.get(groupId);
    if (existing instanceof ConsumerGroup cg) {
      if (!cg.isEmpty()) {
        join.fail(memberId, Errors.INCONSISTENT_GROUP_PROTOCOL);
        return;
      }
      consumers.deleteEmpty(cg); // an empty consumer-protocol group becomes classic again
      existing = null;
    }
    ClassicGroup group = (ClassicGroup) existing;
    if (group == null) {
      if (!memberId.isEmpty()) {
        join.fail(memberId, Errors.UNKNOWN_MEMBER_ID);
        return;
      }
      group = new ClassicGroup(groupId, ctx.clock.milliseconds());
      ctx.groups.put(groupId, group);
    }
    Errors refused = admission(group, memberId, req.groupInstanceId());
    if (refused != Errors.NONE) {
      join.fail(memberId, refused);
    } else if (memberId.isEmpty()) {
      joinNewMember(group, join);
    } else {
      joinCurrentMember(group, join);
    }
    if (group.is(EMPTY) && group.members.isEmpty() && !offsets.hasOffsets(groupId) && group.pendingMembers.isEmpty()
        && group.generationId == 0) {
      // A rejected first join must not leave a phantom group behind.
      ctx.groups.remove(groupId);
    }
  }

  /** NONE if the member may try to join {@code group}, else why not. */
  private Errors admission(ClassicGroup group, String memberId, String instanceId) {
    // Deleted while the request waited: make the client look for the coordinator again.
    if (group.is(DEAD)) return Errors.COORDINATOR_NOT_AVAILABLE;
    boolean known = group.members.containsKey(memberId) || group.pendingMembers.contains(memberId);
    if (!memberId.isEmpty() && !known && instanceId == null) return Errors.UNKNOWN_MEMBER_ID;
    boolean full = group.members.size() + group.pendingMembers.size() >= ctx.config.maxGroupSize();
    if (!known && instanceId == null && full) return Errors.GROUP_MAX_SIZE_REACHED;
    return Errors.NONE;
  }

  private void joinNewMember(ClassicGroup group, Attempt join) {
    JoinGroupRequestData req = join.req();
    if (!group.supportsProtocols(null, req.protocolType(), join.protocols())) {
      join.fail("", Errors.INCONSISTENT_GROUP_PROTOCOL);
      return;
    }
    String newMemberId = join.clientId() + "-" + memberIdSuffix.get();
    String instanceId = req.groupInstanceId();
    if (instanceId != null) {
      String oldMemberId = group.staticMembers.get(instanceId);
      if (oldMemberId != null && group.members.containsKey(oldMemberId)) {
        replaceStaticMember(group, oldMemberId, newMemberId, join);
      } else {
        addMemberAndRebalance(group, newMemberId, join);
      }
      return;
    }
    if (join.version() >= 4) {
      // KIP-394: hand out the id first so that a member lost before its join completes is known.
      group.pendingMembers.add(newMemberId);
      ctx.scheduler.schedule(req.sessionTimeoutMs(), () -> expirePendingMember(group, newMemberId));
      join.fail(newMemberId, Errors.MEMBER_ID_REQUIRED);
      return;
    }
    addMemberAndRebalance(group, newMemberId, join);
  }

  private void expirePendingMember(ClassicGroup group, String memberId) {
    if (group.pendingMembers.remove(memberId) && group.is(PREPARING_REBALANCE)) {
      classic.maybeCompleteJoin(group);
    }
  }

  private void joinCurrentMember(ClassicGroup group, Attempt join) {
    String memberId = join.req().memberId();
    String protocolType = join.req().protocolType();
    if (group.pendingMembers.contains(memberId)) {
      if (group.supportsProtocols(null, protocolType, join.protocols())) {
        addMemberAndRebalance(group, memberId, join);
      } else {
        join.fail(memberId, Errors.INCONSISTENT_GROUP_PROTOCOL);
      }
      return;
    }
    Errors fenced = ClassicGroupManager.checkStatic(group, memberId, join.req().groupInstanceId());
    GroupMember member = group.members.get(memberId);
    if (fenced == Errors.NONE && member == null) fenced = Errors.UNKNOWN_MEMBER_ID;
    if (fenced == Errors.NONE && !group.supportsProtocols(memberId, protocolType, join.protocols())) {
      fenced = Errors.INCONSISTENT_GROUP_PROTOCOL;
    }
    if (fenced != Errors.NONE) {
      join.fail(memberId, fenced);
      return;
    }
    boolean sameProtocols = member.sameProtocols(join.protocols());
    switch (group.state) {
      case PREPARING_REBALANCE -> updateMemberAndRebalance(group, member, join);
      // A retried join while the generation forms: answer with it.
      case COMPLETING_REBALANCE -> {
        if (sameProtocols) join.future().complete(classic.joinResponse(group, member, join.version(), false));
        else updateMemberAndRebalance(group, member, join);
      }
      // The leader rejoins to trigger a rebalance (e.g. new topics match its pattern).
      case STABLE -> {
        if (group.isLeader(memberId) || !sameProtocols) updateMemberAndRebalance(group, member, join);
        else join.future().complete(classic.joinResponse(group, member, join.version(), false));
      }
      case EMPTY, DEAD -> join.fail(memberId, Errors.UNKNOWN_MEMBER_ID);
    }
  }

  private void addMemberAndRebalance(ClassicGroup group, String memberId, Attempt join) {
    JoinGroupRequestData req = join.req();
    GroupMember member = new GroupMember(memberId, req.groupInstanceId(), join.clientId(), join.clientHost(),
        join.rebalanceTimeoutMs(), req.sessionTimeoutMs(), req.protocolType(), join.protocols());
    member.isNew = true;
    member.awaitingJoin = join.future();
    member.joinVersion = join.version();
    if (group.members.isEmpty()) group.protocolType = req.protocolType();
    group.members.put(memberId, member);
    if (member.isStatic()) group.staticMembers.put(member.groupInstanceId, memberId);
    group.pendingMembers.remove(memberId);
    if (group.leaderId == null || !group.members.containsKey(group.leaderId)) group.leaderId = memberId;
    group.newMemberAdded = true;
    rebalance(group, member, "member " + memberId + " joined");
  }

  private void updateMemberAndRebalance(ClassicGroup group, GroupMember member, Attempt join) {
    if (member.awaitingJoin != null && member.awaitingJoin != join.future()) {
      member.awaitingJoin.complete(ClassicGroupManager.joinError(member.memberId, Errors.REBALANCE_IN_PROGRESS));
    }
    member.protocols = join.protocols();
    member.clientId = join.clientId();
    member.clientHost = join.clientHost();
    member.rebalanceTimeoutMs = join.rebalanceTimeoutMs();
    member.sessionTimeoutMs = join.req().sessionTimeoutMs();
    member.awaitingJoin = join.future();
    member.joinVersion = join.version();
    rebalance(group, member, "member " + member.memberId + " rejoined with new metadata");
  }

  /** The member is (re)armed and the group's join phase goes on, or starts. */
  private void rebalance(ClassicGroup group, GroupMember member, String reason) {
    classic.scheduleSessionTimeout(group, member);
    if (group.is(PREPARING_REBALANCE)) {
      classic.maybeCompleteJoin(group);
    } else {
      classic.prepareRebalance(group, reason);
    }
  }

  /**
   * KIP-345: a static member's restarted instance takes its predecessor's place (and leadership);
   * when nothing changed it gets its old assignment back without a rebalance, once the group's
   * new membership is stored.
   */
  private void replaceStaticMember(ClassicGroup group, String oldMemberId, String newMemberId, Attempt join) {
    GroupMember member = group.members.remove(oldMemberId);
    ClassicGroupManager.endWaits(member, Errors.FENCED_INSTANCE_ID, false); // the old instance is fenced
    boolean sameProtocols = member.sameProtocols(join.protocols());
    // Keep the member's place (and thus the leader's) in the group's order.
    LinkedHashMap<String, GroupMember> reordered = new LinkedHashMap<>();
    group.members.forEach(reordered::put);
    member.memberId = newMemberId;
    group.members.clear();
    group.members.put(newMemberId, member);
    group.members.putAll(reordered);
    group.staticMembers.put(member.groupInstanceId, newMemberId);
    if (oldMemberId.equals(group.leaderId)) group.leaderId = newMemberId;
    member.clientId = join.clientId();
    member.clientHost = join.clientHost();
    member.sessionTimeoutMs = join.req().sessionTimeoutMs();
    member.rebalanceTimeoutMs = join.rebalanceTimeoutMs();
    classic.scheduleSessionTimeout(group, member);
    boolean leaderWithoutSkip = group.isLeader(newMemberId) && join.version() < 9;
    if (!group.is(STABLE) || !sameProtocols || leaderWithoutSkip) {
      updateMemberAndRebalance(group, member, join);
      return;
    }
    int generation = group.generationId;
    ctx.write(group.groupId, List.of(new GroupMetadataRecord(group.groupId, ClassicGroupManager.snapshot(group))))
        .whenComplete((v, e) -> {
          if (e != null) {
            join.fail(newMemberId, GroupContext.storeError(e));
          } else if (group.generationId != generation || !group.members.containsKey(newMemberId)) {
            join.fail(newMemberId, Errors.REBALANCE_IN_PROGRESS);
          } else {
            join.future().complete(classic.joinResponse(group, member, join.version(), group.isLeader(newMemberId)));
          }
        });
  }
}
