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

  void join(
      JoinGroupRequestData req,
      short version,
      String clientId,
      String clientHost,
      CompletableFuture<JoinGroupResponseData> future) {
    String groupId = req.groupId();
    String memberId = req.memberId();
    Errors invalid = ctx.availability(groupId);
    if (invalid != Errors.NONE) {
      future.complete(ClassicGroupManager.joinError(memberId, invalid));
      return;
    }
    if (req.sessionTimeoutMs() < ctx.config.minSessionTimeoutMs()
        || req.sessionTimeoutMs() > ctx.config.maxSessionTimeoutMs()) {
      future.complete(ClassicGroupManager.joinError(memberId, Errors.INVALID_SESSION_TIMEOUT));
      return;
    }
    if (req.groupInstanceId() != null && req.groupInstanceId().isEmpty()) {
      future.complete(ClassicGroupManager.joinError(memberId, Errors.INVALID_REQUEST));
      return;
    }
    Group existing = ctx.groups.get(groupId);
    if (existing instanceof ConsumerGroup cg) {
      if (!cg.isEmpty()) {
        future.complete(ClassicGroupManager.joinError(memberId, Errors.INCONSISTENT_GROUP_PROTOCOL));
        return;
      }
      consumers.deleteEmpty(cg); // an empty consumer-protocol group becomes classic again
      existing = null;
    }
    ClassicGroup group = (ClassicGroup) existing;
    if (group == null) {
      if (!memberId.isEmpty()) {
        future.complete(ClassicGroupManager.joinError(memberId, Errors.UNKNOWN_MEMBER_ID));
        return;
      }
      group = new ClassicGroup(groupId, ctx.clock.milliseconds());
      ctx.groups.put(groupId, group);
    }
    if (group.is(DEAD)) {
      // Deleted while the request waited: make the client look for the coordinator again.
      future.complete(ClassicGroupManager.joinError(memberId, Errors.COORDINATOR_NOT_AVAILABLE));
      return;
    }
    if (!memberId.isEmpty()
        && !group.members.containsKey(memberId)
        && !group.pendingMembers.contains(memberId)
        && req.groupInstanceId() == null) {
      future.complete(ClassicGroupManager.joinError(memberId, Errors.UNKNOWN_MEMBER_ID));
      return;
    }
    boolean isNewMember = !group.members.containsKey(memberId);
    if (isNewMember
        && req.groupInstanceId() == null
        && group.members.size() + group.pendingMembers.size() >= ctx.config.maxGroupSize()
        && !group.pendingMembers.contains(memberId)) {
      future.complete(ClassicGroupManager.joinError(memberId, Errors.GROUP_MAX_SIZE_REACHED));
      return;
    }
    List<GroupMember.Protocol> protocols = new ArrayList<>();
    for (JoinGroupRequestProtocol p : req.protocols()) {
      protocols.add(new GroupMember.Protocol(p.name(), p.metadata()));
    }
    int rebalanceTimeout = req.rebalanceTimeoutMs() < 0 ? req.sessionTimeoutMs() : req.rebalanceTimeoutMs();
    if (memberId.isEmpty()) {
      joinNewMember(group, req, version, clientId, clientHost, rebalanceTimeout, protocols, future);
    } else {
      joinCurrentMember(group, req, version, clientId, clientHost, rebalanceTimeout, protocols, future);
    }
    if (group.is(EMPTY) && group.members.isEmpty() && !offsets.hasOffsets(groupId) && group.pendingMembers.isEmpty()
        && group.generationId == 0) {
      // A rejected first join must not leave a phantom group behind.
      ctx.groups.remove(groupId);
    }
  }

  private void joinNewMember(
      ClassicGroup group,
      JoinGroupRequestData req,
      short version,
      String clientId,
      String clientHost,
      int rebalanceTimeout,
      List<GroupMember.Protocol> protocols,
      CompletableFuture<JoinGroupResponseData> future) {
    if (!group.supportsProtocols(null, req.protocolType(), protocols)) {
      future.complete(ClassicGroupManager.joinError("", Errors.INCONSISTENT_GROUP_PROTOCOL));
      return;
    }
    String newMemberId = clientId + "-" + memberIdSuffix.get();
    String instanceId = req.groupInstanceId();
    if (instanceId != null) {
      String oldMemberId = group.staticMembers.get(instanceId);
      if (oldMemberId != null && group.members.containsKey(oldMemberId)) {
        replaceStaticMember(group, oldMemberId, newMemberId, req, version, clientId, clientHost,
            rebalanceTimeout, protocols, future);
        return;
      }
      addMemberAndRebalance(group, newMemberId, req, version, clientId, clientHost, rebalanceTimeout,
          protocols, future);
      return;
    }
    if (version >= 4) {
      // KIP-394: hand out the id first so that a member lost before its join completes is known.
      group.pendingMembers.add(newMemberId);
      long sessionTimeout = req.sessionTimeoutMs();
      ctx.scheduler.schedule(sessionTimeout, () -> expirePendingMember(group, newMemberId));
      future.complete(ClassicGroupManager.joinError(newMemberId, Errors.MEMBER_ID_REQUIRED));
      return;
    }
    addMemberAndRebalance(group, newMemberId, req, version, clientId, clientHost, rebalanceTimeout, protocols,
        future);
  }

  private void expirePendingMember(ClassicGroup group, String memberId) {
    if (group.pendingMembers.remove(memberId) && group.is(PREPARING_REBALANCE)) {
      classic.maybeCompleteJoin(group);
    }
  }

  private void joinCurrentMember(
      ClassicGroup group,
      JoinGroupRequestData req,
      short version,
      String clientId,
      String clientHost,
      int rebalanceTimeout,
      List<GroupMember.Protocol> protocols,
      CompletableFuture<JoinGroupResponseData> future) {
    String memberId = req.memberId();
    String instanceId = req.groupInstanceId();
    if (group.pendingMembers.contains(memberId)) {
      if (!group.supportsProtocols(null, req.protocolType(), protocols)) {
        future.complete(ClassicGroupManager.joinError(memberId, Errors.INCONSISTENT_GROUP_PROTOCOL));
        return;
      }
      addMemberAndRebalance(group, memberId, req, version, clientId, clientHost, rebalanceTimeout, protocols,
          future);
      return;
    }
    Errors fenced = ClassicGroupManager.checkStatic(group, memberId, instanceId);
    if (fenced != Errors.NONE) {
      future.complete(ClassicGroupManager.joinError(memberId, fenced));
      return;
    }
    GroupMember member = group.members.get(memberId);
    if (member == null) {
      future.complete(ClassicGroupManager.joinError(memberId, Errors.UNKNOWN_MEMBER_ID));
      return;
    }
    if (!group.supportsProtocols(memberId, req.protocolType(), protocols)) {
      future.complete(ClassicGroupManager.joinError(memberId, Errors.INCONSISTENT_GROUP_PROTOCOL));
      return;
    }
    switch (group.state) {
      case PREPARING_REBALANCE ->
          updateMemberAndRebalance(group, member, version, clientId, clientHost, rebalanceTimeout,
              req.sessionTimeoutMs(), protocols, future);
      case COMPLETING_REBALANCE -> {
        if (member.sameProtocols(protocols)) {
          // A retried join: answer with the generation already formed.
          future.complete(classic.joinResponse(group, member, version, false));
        } else {
          updateMemberAndRebalance(group, member, version, clientId, clientHost, rebalanceTimeout,
              req.sessionTimeoutMs(), protocols, future);
        }
      }
      case STABLE -> {
        if (group.isLeader(memberId) || !member.sameProtocols(protocols)) {
          // The leader rejoins to trigger a rebalance (e.g. new topics match its pattern).
          updateMemberAndRebalance(group, member, version, clientId, clientHost, rebalanceTimeout,
              req.sessionTimeoutMs(), protocols, future);
        } else {
          future.complete(classic.joinResponse(group, member, version, false));
        }
      }
      case EMPTY, DEAD -> future.complete(ClassicGroupManager.joinError(memberId, Errors.UNKNOWN_MEMBER_ID));
    }
  }

  private void addMemberAndRebalance(
      ClassicGroup group,
      String memberId,
      JoinGroupRequestData req,
      short version,
      String clientId,
      String clientHost,
      int rebalanceTimeout,
      List<GroupMember.Protocol> protocols,
      CompletableFuture<JoinGroupResponseData> future) {
    GroupMember member =
        new GroupMember(memberId, req.groupInstanceId(), clientId, clientHost, rebalanceTimeout,
            req.sessionTimeoutMs(), req.protocolType(), protocols);
    member.isNew = true;
    member.awaitingJoin = future;
    member.joinVersion = version;
    if (group.members.isEmpty()) group.protocolType = req.protocolType();
    group.members.put(memberId, member);
    if (member.isStatic()) group.staticMembers.put(member.groupInstanceId, memberId);
    group.pendingMembers.remove(memberId);
    if (group.leaderId == null || !group.members.containsKey(group.leaderId)) group.leaderId = memberId;
    group.newMemberAdded = true;
    classic.scheduleSessionTimeout(group, member);
    if (group.is(PREPARING_REBALANCE)) {
      classic.maybeCompleteJoin(group);
    } else {
      classic.prepareRebalance(group, "member " + memberId + " joined");
    }
  }

  private void updateMemberAndRebalance(
      ClassicGroup group,
      GroupMember member,
      short version,
      String clientId,
      String clientHost,
      int rebalanceTimeout,
      int sessionTimeout,
      List<GroupMember.Protocol> protocols,
      CompletableFuture<JoinGroupResponseData> future) {
    if (member.awaitingJoin != null && member.awaitingJoin != future) {
      member.awaitingJoin.complete(ClassicGroupManager.joinError(member.memberId, Errors.REBALANCE_IN_PROGRESS));
    }
    member.protocols = protocols;
    member.clientId = clientId;
    member.clientHost = clientHost;
    member.rebalanceTimeoutMs = rebalanceTimeout;
    member.sessionTimeoutMs = sessionTimeout;
    member.awaitingJoin = future;
    member.joinVersion = version;
    classic.scheduleSessionTimeout(group, member);
    if (group.is(PREPARING_REBALANCE)) {
      classic.maybeCompleteJoin(group);
    } else {
      classic.prepareRebalance(group, "member " + member.memberId + " rejoined with new metadata");
    }
  }

  private void replaceStaticMember(
      ClassicGroup group,
      String oldMemberId,
      String newMemberId,
      JoinGroupRequestData req,
      short version,
      String clientId,
      String clientHost,
      int rebalanceTimeout,
      List<GroupMember.Protocol> protocols,
      CompletableFuture<JoinGroupResponseData> future) {
    GroupMember member = group.members.remove(oldMemberId);
    if (member.awaitingJoin != null) {
      member.awaitingJoin.complete(ClassicGroupManager.joinError(oldMemberId, Errors.FENCED_INSTANCE_ID));
      member.awaitingJoin = null;
    }
    if (member.awaitingSync != null) {
      member.awaitingSync.complete(ClassicGroupManager.syncError(Errors.FENCED_INSTANCE_ID));
      member.awaitingSync = null;
    }
    boolean sameProtocols = member.sameProtocols(protocols);
    // Keep the member's place (and thus the leader's) in the group's order.
    LinkedHashMap<String, GroupMember> reordered = new LinkedHashMap<>();
    group.members.forEach(reordered::put);
    member.memberId = newMemberId;
    group.members.clear();
    group.members.put(newMemberId, member);
    group.members.putAll(reordered);
    group.staticMembers.put(member.groupInstanceId, newMemberId);
    if (oldMemberId.equals(group.leaderId)) group.leaderId = newMemberId;
    member.clientId = clientId;
    member.clientHost = clientHost;
    member.sessionTimeoutMs = req.sessionTimeoutMs();
    member.rebalanceTimeoutMs = rebalanceTimeout;
    classic.scheduleSessionTimeout(group, member);
    boolean leaderWithoutSkip = group.isLeader(newMemberId) && version < 9;
    if (group.is(STABLE) && sameProtocols && !leaderWithoutSkip) {
      // KIP-345: a restarted static member gets its old assignment back without a rebalance.
      int generation = group.generationId;
      ctx.write(group.groupId, List.of(new GroupMetadataRecord(group.groupId, ClassicGroupManager.snapshot(group))))
          .whenComplete(
              (v, e) -> {
                        if (e != null) {
                          future.complete(ClassicGroupManager.joinError(newMemberId, GroupContext.storeError(e)));
                        } else if (group.generationId != generation || !group.members.containsKey(newMemberId)) {
                          future.complete(ClassicGroupManager.joinError(newMemberId, Errors.REBALANCE_IN_PROGRESS));
                        } else {
                          future.complete(classic.joinResponse(group, member, version, group.isLeader(newMemberId)));
                        }
                      });
      return;
    }
    updateMemberAndRebalance(group, member, version, clientId, clientHost, rebalanceTimeout,
        req.sessionTimeoutMs(), protocols, future);
  }
}
