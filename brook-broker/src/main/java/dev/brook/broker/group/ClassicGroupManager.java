package dev.brook.broker.group;

import static dev.brook.broker.group.GroupState.COMPLETING_REBALANCE;
import static dev.brook.broker.group.GroupState.DEAD;
import static dev.brook.broker.group.GroupState.EMPTY;
import static dev.brook.broker.group.GroupState.PREPARING_REBALANCE;
import static dev.brook.broker.group.GroupState.STABLE;

import dev.brook.broker.group.GroupRecord.GroupMetadataRecord;
import dev.brook.broker.group.GroupRecord.GroupSnapshot;
import dev.brook.broker.group.GroupRecord.MemberSnapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupResponseData.MemberResponse;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classic protocol's rebalance lifecycle: a generation forms when every member has (re)joined
 * or the rebalance timeout passes, the leader's SyncGroup hands out the assignment (stored as the
 * group's GroupMetadata record before anyone is answered), heartbeats keep members alive, and a
 * member that leaves or goes silent starts the next rebalance. JoinGroup's own checks are {@link
 * ClassicJoin}'s. Coordinator thread only.
 */
final class ClassicGroupManager {
  private static final Logger log = LoggerFactory.getLogger(ClassicGroupManager.class);

  private final GroupContext ctx;

  ClassicGroupManager(GroupContext ctx) {
    this.ctx = ctx;
  }

  /** Replays a GroupMetadata record: the group's last stored generation, or its deletion. */
  void replay(GroupMetadataRecord r) {
    if (r.group() == null) {
      if (ctx.groups.get(r.groupId()) instanceof ClassicGroup) ctx.groups.remove(r.groupId());
      return;
    }
    ClassicGroup g = new ClassicGroup(r.groupId(), ctx.clock.milliseconds());
    restore(g, r.group());
    ctx.groups.put(r.groupId(), g);
  }

  /** After a load: members restored from the log get their session timers. */
  void startTimers(ClassicGroup g) {
    for (GroupMember m : g.members.values()) scheduleSessionTimeout(g, m);
  }

  static JoinGroupResponseData joinError(String memberId, Errors error) {
    return new JoinGroupResponseData()
        .setErrorCode(error.code())
        .setMemberId(memberId)
        .setGenerationId(-1)
        .setProtocolName(null)
        .setLeader("");
  }

  /** For a request naming an instance id: the member id must be that instance's current one. */
  static Errors checkStatic(ClassicGroup group, String memberId, String instanceId) {
    if (instanceId == null) return Errors.NONE;
    String current = group.staticMembers.get(instanceId);
    if (current == null) return Errors.UNKNOWN_MEMBER_ID;
    return current.equals(memberId) ? Errors.NONE : Errors.FENCED_INSTANCE_ID;
  }

  JoinGroupResponseData joinResponse(
      ClassicGroup group, GroupMember member, short version, boolean skipAssignment) {
    JoinGroupResponseData r =
        new JoinGroupResponseData()
            .setErrorCode(Errors.NONE.code())
            .setGenerationId(group.generationId)
            .setProtocolType(group.protocolType)
            .setProtocolName(group.protocolName)
            .setLeader(group.leaderId)
            .setMemberId(member.memberId)
            .setSkipAssignment(skipAssignment);
    if (group.isLeader(member.memberId)) {
      List<JoinGroupResponseMember> members = new ArrayList<>();
      for (GroupMember m : group.members.values()) {
        byte[] meta = m.metadata(group.protocolName);
        members.add(
            new JoinGroupResponseMember()
                .setMemberId(m.memberId)
                .setGroupInstanceId(m.groupInstanceId)
                .setMetadata(meta == null ? new byte[0] : meta));
      }
      r.setMembers(members);
    }
    return r;
  }

  void prepareRebalance(ClassicGroup group, String reason) {
    if (group.is(COMPLETING_REBALANCE)) {
      for (GroupMember m : group.members.values()) {
        m.assignment = new byte[0];
        if (m.awaitingSync != null) {
          m.awaitingSync.complete(syncError(Errors.REBALANCE_IN_PROGRESS));
          m.awaitingSync = null;
        }
      }
    }
    group.syncTimer.cancel();
    boolean initial = group.is(EMPTY) && ctx.config.initialRebalanceDelayMs() > 0;
    group.transitionTo(PREPARING_REBALANCE, ctx.clock.milliseconds());
    log.debug("Group {} rebalancing (generation {}): {}", group.groupId, group.generationId, reason);
    long epoch = ++group.joinTimerEpoch;
    group.joinTimer.cancel();
    if (initial) {
      group.initialDelayActive = true;
      group.newMemberAdded = false;
      int delay = Math.min(ctx.config.initialRebalanceDelayMs(), group.maxRebalanceTimeoutMs());
      int remaining = Math.max(0, group.maxRebalanceTimeoutMs() - delay);
      group.joinTimer = ctx.scheduler.schedule(delay, () -> initialDelayExpired(group, epoch, remaining));
    } else {
      group.initialDelayActive = false;
      group.joinTimer =
          ctx.scheduler.schedule(group.maxRebalanceTimeoutMs(), () -> joinTimeout(group, epoch));
      maybeCompleteJoin(group);
    }
  }

  /**
   * group.initial.rebalance.delay.ms: keep waiting in steps of the delay while new members arrive,
   * but never longer than the rebalance timeout.
   */
  private void initialDelayExpired(ClassicGroup group, long epoch, int remaining) {
    if (group.joinTimerEpoch != epoch || !group.is(PREPARING_REBALANCE)) return;
    if (group.newMemberAdded && remaining > 0) {
      group.newMemberAdded = false;
      int delay = Math.min(ctx.config.initialRebalanceDelayMs(), remaining);
      long next = ++group.joinTimerEpoch;
      group.joinTimer = ctx.scheduler.schedule(delay, () -> initialDelayExpired(group, next, remaining - delay));
      return;
    }
    group.initialDelayActive = false;
    completeJoin(group);
  }

  private void joinTimeout(ClassicGroup group, long epoch) {
    if (group.joinTimerEpoch != epoch || !group.is(PREPARING_REBALANCE)) return;
    completeJoin(group);
  }

  void maybeCompleteJoin(ClassicGroup group) {
    if (group.is(PREPARING_REBALANCE) && !group.initialDelayActive && group.hasAllMembersJoined()) {
      completeJoin(group);
    }
  }

  /**
   * Ends the join phase: members that did not rejoin in time are removed (static ones are kept, as
   * their instance may come back), a new generation starts and every waiting JoinGroup is answered.
   */
  private void completeJoin(ClassicGroup group) {
    group.joinTimerEpoch++;
    group.joinTimer.cancel();
    group.initialDelayActive = false;
    for (GroupMember m : List.copyOf(group.members.values())) {
      if (m.awaitingJoin == null && !m.isStatic()) removeMember(group, m);
    }
    group.pendingMembers.clear();
    if (group.leaderId == null || !group.members.containsKey(group.leaderId)) {
      group.leaderId = null;
      for (GroupMember m : group.members.values()) {
        if (m.awaitingJoin != null) {
          group.leaderId = m.memberId;
          break;
        }
      }
      if (group.leaderId == null && !group.members.isEmpty()) group.leaderId = group.members.keySet().iterator().next();
    }
    group.generationId++;
    long now = ctx.clock.milliseconds();
    if (group.members.isEmpty()) {
      group.protocolName = null;
      group.leaderId = null;
      group.transitionTo(EMPTY, now);
      ctx.write(group.groupId, List.of(new GroupMetadataRecord(group.groupId, snapshot(group))))
          .exceptionally(
              e -> {
                log.warn("Could not store the empty generation of group {}", group.groupId, e);
                return null;
              });
      return;
    }
    group.protocolName = group.selectProtocol();
    group.transitionTo(COMPLETING_REBALANCE, now);
    for (GroupMember m : group.members.values()) {
      if (m.awaitingJoin != null) {
        CompletableFuture<JoinGroupResponseData> f = m.awaitingJoin;
        m.awaitingJoin = null;
        m.isNew = false;
        f.complete(joinResponse(group, m, m.joinVersion, false));
      }
      scheduleSessionTimeout(group, m);
    }
    // Members (the leader above all) that never send SyncGroup must not stall the group.
    int generation = group.generationId;
    group.syncTimer.cancel();
    group.syncTimer = ctx.scheduler.schedule(group.maxRebalanceTimeoutMs(), () -> syncTimeout(group, generation));
    log.debug("Group {} generation {} formed with {} members, protocol {}", group.groupId, generation,
        group.members.size(), group.protocolName);
  }

  private void syncTimeout(ClassicGroup group, int generation) {
    if (group.generationId != generation || ctx.classic(group.groupId) != group) return;
    if (!group.is(COMPLETING_REBALANCE) && !group.is(STABLE)) return;
    List<GroupMember> missing = new ArrayList<>();
    for (GroupMember m : group.members.values()) {
      boolean synced = group.is(STABLE) ? !m.pendingSync : m.awaitingSync != null;
      if (!synced) missing.add(m);
    }
    if (missing.isEmpty()) return;
    for (GroupMember m : missing) removeMember(group, m);
    prepareRebalance(group, missing.size() + " members did not sync in time");
  }



  static SyncGroupResponseData syncError(Errors error) {
    return new SyncGroupResponseData().setErrorCode(error.code()).setAssignment(new byte[0]);
  }

  void sync(SyncGroupRequestData req, CompletableFuture<SyncGroupResponseData> future) {
    Errors invalid = ctx.availability(req.groupId());
    if (invalid != Errors.NONE) {
      future.complete(syncError(invalid));
      return;
    }
    ClassicGroup group = ctx.classic(req.groupId());
    if (group == null) {
      future.complete(syncError(ctx.groups.containsKey(req.groupId()) ? Errors.INCONSISTENT_GROUP_PROTOCOL : Errors.UNKNOWN_MEMBER_ID));
      return;
    }
    if (group.is(DEAD)) {
      future.complete(syncError(Errors.COORDINATOR_NOT_AVAILABLE));
      return;
    }
    Errors fenced = checkStatic(group, req.memberId(), req.groupInstanceId());
    if (fenced != Errors.NONE) {
      future.complete(syncError(fenced));
      return;
    }
    GroupMember member = group.members.get(req.memberId());
    if (member == null) {
      future.complete(syncError(Errors.UNKNOWN_MEMBER_ID));
      return;
    }
    if (req.generationId() != group.generationId) {
      future.complete(syncError(Errors.ILLEGAL_GENERATION));
      return;
    }
    if ((req.protocolType() != null && !req.protocolType().equals(group.protocolType))
        || (req.protocolName() != null && !req.protocolName().equals(group.protocolName))) {
      future.complete(syncError(Errors.INCONSISTENT_GROUP_PROTOCOL));
      return;
    }
    switch (group.state) {
      case EMPTY, DEAD -> future.complete(syncError(Errors.UNKNOWN_MEMBER_ID));
      case PREPARING_REBALANCE -> future.complete(syncError(Errors.REBALANCE_IN_PROGRESS));
      case COMPLETING_REBALANCE -> {
        if (member.awaitingSync != null && member.awaitingSync != future) {
          member.awaitingSync.complete(syncError(Errors.REBALANCE_IN_PROGRESS));
        }
        member.awaitingSync = future;
        scheduleSessionTimeout(group, member);
        if (group.isLeader(member.memberId)) applyLeaderAssignment(group, req.assignments());
      }
      case STABLE -> {
        member.pendingSync = false;
        scheduleSessionTimeout(group, member);
        future.complete(syncSuccess(group, member));
      }
    }
  }

  private static SyncGroupResponseData syncSuccess(ClassicGroup group, GroupMember m) {
    return new SyncGroupResponseData()
        .setErrorCode(Errors.NONE.code())
        .setProtocolType(group.protocolType)
        .setProtocolName(group.protocolName)
        .setAssignment(m.assignment);
  }

  private void applyLeaderAssignment(ClassicGroup group, List<SyncGroupRequestAssignment> assignments) {
    Map<String, byte[]> byMember = new HashMap<>();
    for (SyncGroupRequestAssignment a : assignments) byMember.put(a.memberId(), a.assignment());
    for (GroupMember m : group.members.values()) {
      m.assignment = byMember.getOrDefault(m.memberId, new byte[0]);
    }
    int generation = group.generationId;
    // The generation is answered once stored: a new coordinator then hands out the same assignment.
    ctx.write(group.groupId, List.of(new GroupMetadataRecord(group.groupId, snapshot(group)))).whenComplete((v, e) -> {
      if (group.generationId != generation || !group.is(COMPLETING_REBALANCE)) return;
      if (e != null) {
        Errors error = GroupContext.storeError(e);
        for (GroupMember m : group.members.values()) {
          m.assignment = new byte[0];
          endWaits(m, error, false);
        }
        prepareRebalance(group, "could not store the assignment: " + e);
        return;
      }
      group.transitionTo(STABLE, ctx.clock.milliseconds());
      ctx.sensors.classicRebalanceCompleted();
      for (GroupMember m : group.members.values()) {
        m.pendingSync = m.awaitingSync == null;
        if (m.awaitingSync != null) {
          m.awaitingSync.complete(syncSuccess(group, m));
          m.awaitingSync = null;
        }
      }
    });
  }

  Errors heartbeat(HeartbeatRequestData req) {
    Errors invalid = ctx.availability(req.groupId());
    if (invalid != Errors.NONE) return invalid;
    ClassicGroup group = ctx.classic(req.groupId());
    if (group == null) return Errors.UNKNOWN_MEMBER_ID;
    if (group.is(DEAD)) return Errors.COORDINATOR_NOT_AVAILABLE;
    Errors fenced = checkStatic(group, req.memberId(), req.groupInstanceId());
    if (fenced != Errors.NONE) return fenced;
    GroupMember member = group.members.get(req.memberId());
    if (member == null) return Errors.UNKNOWN_MEMBER_ID;
    if (req.generationId() != group.generationId) return Errors.ILLEGAL_GENERATION;
    return switch (group.state) {
      case EMPTY, DEAD -> Errors.UNKNOWN_MEMBER_ID;
      case PREPARING_REBALANCE -> {
        scheduleSessionTimeout(group, member);
        yield Errors.REBALANCE_IN_PROGRESS;
      }
      case COMPLETING_REBALANCE, STABLE -> {
        scheduleSessionTimeout(group, member);
        yield Errors.NONE;
      }
    };
  }

  /** (Re)arms the member's session timer: without a heartbeat within it, the member is removed. */
  void scheduleSessionTimeout(ClassicGroup group, GroupMember member) {
    member.heartbeatTimer.cancel();
    long epoch = ++member.heartbeatEpoch;
    member.heartbeatTimer =
        ctx.scheduler.schedule(member.sessionTimeoutMs, () -> sessionExpired(group, member, epoch));
  }

  private void sessionExpired(ClassicGroup group, GroupMember member, long epoch) {
    if (member.heartbeatEpoch != epoch || group.members.get(member.memberId) != member) return;
    if (member.awaitingJoin != null || member.awaitingSync != null) {
      // Waiting in a rebalance is not silence: the rebalance and sync timeouts bound the wait.
      scheduleSessionTimeout(group, member);
      return;
    }
    log.debug("Member {} of group {} missed its session timeout", member.memberId, group.groupId);
    removeMemberAndUpdate(group, member, "session timeout of " + member.memberId);
  }

  /**
   * Answers the JoinGroup and SyncGroup {@code member} waits on, if any, with {@code error}; its
   * session timer stops when {@code stopTimer}.
   */
  static void endWaits(GroupMember member, Errors error, boolean stopTimer) {
    if (stopTimer) {
      member.heartbeatTimer.cancel();
      member.heartbeatEpoch++;
    }
    if (member.awaitingJoin != null) {
      member.awaitingJoin.complete(joinError(member.memberId, error));
      member.awaitingJoin = null;
    }
    if (member.awaitingSync != null) {
      member.awaitingSync.complete(syncError(error));
      member.awaitingSync = null;
    }
  }

  void removeMember(ClassicGroup group, GroupMember member) {
    endWaits(member, Errors.UNKNOWN_MEMBER_ID, true);
    group.members.remove(member.memberId);
    if (member.isStatic() && member.memberId.equals(group.staticMembers.get(member.groupInstanceId))) {
      group.staticMembers.remove(member.groupInstanceId);
    }
    if (member.memberId.equals(group.leaderId)) {
      group.leaderId = group.members.isEmpty() ? null : group.members.keySet().iterator().next();
    }
  }

  private void removeMemberAndUpdate(ClassicGroup group, GroupMember member, String reason) {
    removeMember(group, member);
    switch (group.state) {
      case STABLE, COMPLETING_REBALANCE -> prepareRebalance(group, reason);
      case PREPARING_REBALANCE -> maybeCompleteJoin(group);
      case EMPTY, DEAD -> {}
    }
  }

  LeaveGroupResponseData leave(String groupId, List<MemberIdentity> identities) {
    LeaveGroupResponseData response = new LeaveGroupResponseData();
    Errors invalid = ctx.availability(groupId);
    if (invalid != Errors.NONE) return response.setErrorCode(invalid.code());
    ClassicGroup group = ctx.classic(groupId);
    List<MemberResponse> results = new ArrayList<>();
    boolean removed = false;
    for (MemberIdentity id : identities) {
      Errors error;
      if (group == null) {
        error = Errors.UNKNOWN_MEMBER_ID;
      } else if (group.is(DEAD)) {
        error = Errors.COORDINATOR_NOT_AVAILABLE;
      } else if (id.groupInstanceId() != null) {
        String current = group.staticMembers.get(id.groupInstanceId());
        if (current == null) {
          error = Errors.UNKNOWN_MEMBER_ID;
        } else if (!id.memberId().isEmpty() && !id.memberId().equals(current)) {
          error = Errors.FENCED_INSTANCE_ID;
        } else {
          removeMember(group, group.members.get(current));
          removed = true;
          error = Errors.NONE;
        }
      } else if (group.pendingMembers.remove(id.memberId())) {
        removed = true;
        error = Errors.NONE;
      } else if (group.members.containsKey(id.memberId())) {
        removeMember(group, group.members.get(id.memberId()));
        removed = true;
        error = Errors.NONE;
      } else {
        error = Errors.UNKNOWN_MEMBER_ID;
      }
      results.add(
          new MemberResponse()
              .setMemberId(id.memberId())
              .setGroupInstanceId(id.groupInstanceId())
              .setErrorCode(error.code()));
    }
    if (removed) {
      switch (group.state) {
        case STABLE, COMPLETING_REBALANCE -> prepareRebalance(group, "members left");
        case PREPARING_REBALANCE -> maybeCompleteJoin(group);
        case EMPTY, DEAD -> {}
      }
    }
    return response.setMembers(results);
  }

  void restore(ClassicGroup g, GroupSnapshot s) {
    g.protocolType = s.protocolType();
    g.generationId = s.generationId();
    g.protocolName = s.protocolName();
    g.stateTimestamp = s.stateTimestamp();
    if (s.members().isEmpty() || s.protocolName() == null) {
      g.state = EMPTY;
      return;
    }
    for (MemberSnapshot ms : s.members()) {
      GroupMember m =
          new GroupMember(
              ms.memberId(),
              ms.groupInstanceId(),
              ms.clientId(),
              ms.clientHost(),
              ms.rebalanceTimeoutMs(),
              ms.sessionTimeoutMs(),
              s.protocolType(),
              List.of(new GroupMember.Protocol(s.protocolName(), ms.subscription())));
      m.assignment = ms.assignment();
      g.members.put(m.memberId, m);
      if (m.isStatic()) g.staticMembers.put(m.groupInstanceId, m.memberId);
    }
    g.leaderId = g.members.containsKey(s.leaderId()) ? s.leaderId() : g.members.keySet().iterator().next();
    g.state = STABLE;
  }

  static GroupSnapshot snapshot(ClassicGroup g) {
    List<MemberSnapshot> members = new ArrayList<>();
    for (GroupMember m : g.members.values()) {
      byte[] sub = g.protocolName == null ? null : m.metadata(g.protocolName);
      members.add(
          new MemberSnapshot(m.memberId, m.groupInstanceId, m.clientId, m.clientHost, m.rebalanceTimeoutMs,
              m.sessionTimeoutMs, sub == null ? new byte[0] : sub, m.assignment));
    }
    return new GroupSnapshot(g.protocolType, g.generationId, g.protocolName, g.leaderId, g.stateTimestamp, members);
  }

  /** Ends a group this coordinator no longer serves: timers off, waiting members told NOT_COORDINATOR. */
  void retire(ClassicGroup g) {
    g.unloaded = true;
    g.joinTimerEpoch++;
    g.joinTimer.cancel();
    g.syncTimer.cancel();
    for (GroupMember m : g.members.values()) endWaits(m, Errors.NOT_COORDINATOR, true);
    g.transitionTo(DEAD, ctx.clock.milliseconds());
  }
}
