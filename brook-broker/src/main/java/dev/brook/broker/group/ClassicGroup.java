package dev.brook.broker.group;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A classic consumer group: members, generation, chosen protocol, and the group's committed
 * offsets. Invariants: the leader, when set, is a member; every static member's instance id maps to
 * its current member id; a pending member (KIP-394) is not yet a member. Mutable; owned by the
 * coordinator thread.
 */
final class ClassicGroup implements Group {
  final String groupId;
  GroupState state = GroupState.EMPTY;
  /** When the group entered its state (retention of an empty group's offsets counts from here). */
  long stateTimestamp;
  int generationId;
  String protocolType;
  String protocolName;
  String leaderId;
  final LinkedHashMap<String, GroupMember> members = new LinkedHashMap<>();
  final Map<String, String> staticMembers = new HashMap<>();
  final Set<String> pendingMembers = new HashSet<>();
  boolean newMemberAdded;
  /** True while the first rebalance of an empty group waits group.initial.rebalance.delay.ms. */
  boolean initialDelayActive;
  long joinTimerEpoch;
  GroupScheduler.Cancellable joinTimer = GroupScheduler.Cancellable.NONE;
  GroupScheduler.Cancellable syncTimer = GroupScheduler.Cancellable.NONE;
  /** Set when the coordinator stopped serving the group's partition: the object is stale for good. */
  boolean unloaded;

  ClassicGroup(String groupId, long now) {
    this.groupId = groupId;
    this.stateTimestamp = now;
  }

  @Override
  public String groupId() {
    return groupId;
  }

  @Override
  public boolean isEmpty() {
    return state == GroupState.EMPTY;
  }

  @Override
  public String stateName() {
    return state.displayName();
  }

  @Override
  public String protocolType() {
    return protocolType == null ? "" : protocolType;
  }

  @Override
  public String type() {
    return "classic";
  }

  @Override
  public long stateTimestamp() {
    return stateTimestamp;
  }

  @Override
  public boolean isGone() {
    return unloaded || state == GroupState.DEAD;
  }

  void transitionTo(GroupState next, long now) {
    state = next;
    stateTimestamp = now;
  }

  boolean is(GroupState s) {
    return state == s;
  }

  boolean isLeader(String memberId) {
    return memberId.equals(leaderId);
  }

  boolean hasAllMembersJoined() {
    if (!pendingMembers.isEmpty()) return false;
    for (GroupMember m : members.values()) {
      if (m.awaitingJoin == null) return false;
    }
    return true;
  }

  int maxRebalanceTimeoutMs() {
    int max = 0;
    for (GroupMember m : members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  /**
   * The protocols every member except {@code excluding} supports, in the first member's order of
   * preference.
   */
  List<String> candidateProtocols(String excluding) {
    List<String> out = null;
    for (GroupMember m : members.values()) {
      if (m.memberId.equals(excluding)) continue;
      if (out == null) {
        out = new ArrayList<>();
        for (GroupMember.Protocol p : m.protocols) out.add(p.name());
      } else {
        out.removeIf(name -> !m.supports(name));
      }
    }
    return out;
  }

  /** Whether a member with these protocols may join (or rejoin, as {@code memberId}). */
  boolean supportsProtocols(String memberId, String type, List<GroupMember.Protocol> protocols) {
    if (type == null || type.isEmpty() || protocols.isEmpty()) return false;
    List<String> candidates = candidateProtocols(memberId);
    if (candidates == null) return true; // no other member
    if (!type.equals(protocolType)) return false;
    for (GroupMember.Protocol p : protocols) {
      if (candidates.contains(p.name())) return true;
    }
    return false;
  }

  /**
   * The protocol for the next generation: among those all members support, the one most members
   * list first among those candidates; ties go to the first member's preference.
   */
  String selectProtocol() {
    List<String> candidates = candidateProtocols(null);
    if (candidates == null || candidates.isEmpty()) return null;
    Map<String, Integer> votes = new HashMap<>();
    for (GroupMember m : members.values()) {
      for (GroupMember.Protocol p : m.protocols) {
        if (candidates.contains(p.name())) {
          votes.merge(p.name(), 1, Integer::sum);
          break;
        }
      }
    }
    String best = candidates.get(0);
    for (String c : candidates) {
      if (votes.getOrDefault(c, 0) > votes.getOrDefault(best, 0)) best = c;
    }
    return best;
  }
}
