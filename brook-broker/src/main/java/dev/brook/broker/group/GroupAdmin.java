package dev.brook.broker.group;

import static dev.brook.broker.group.GroupState.DEAD;
import static dev.brook.broker.group.GroupState.EMPTY;
import static dev.brook.broker.group.GroupState.STABLE;

import dev.brook.broker.group.GroupRecord.GroupMetadataRecord;
import dev.brook.broker.group.GroupRecord.OffsetRecord;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResultCollection;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroupMember;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestPartition;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopic;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponsePartition;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponsePartitionCollection;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponseTopic;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponseTopicCollection;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin view of groups: DescribeGroups (classic groups), ListGroups, DeleteGroups, OffsetDelete,
 * and the periodic expiry of offsets. Deletions are tombstones written to __consumer_offsets and
 * applied once committed. Coordinator thread only.
 */
final class GroupAdmin {
  private static final Logger log = LoggerFactory.getLogger(GroupAdmin.class);

  private final GroupContext ctx;
  private final OffsetManager offsets;
  private final ConsumerGroupManager consumers;

  GroupAdmin(GroupContext ctx, OffsetManager offsets, ConsumerGroupManager consumers) {
    this.ctx = ctx;
    this.offsets = offsets;
    this.consumers = consumers;
  }

  /** DescribeGroups of one id; an unknown group is described as Dead with no members. */
  DescribedGroup describe(String groupId) {
    DescribedGroup d = new DescribedGroup().setGroupId(groupId).setProtocolType("").setProtocolData("");
    Errors unavailable = ctx.availability(groupId);
    if (unavailable != Errors.NONE) return d.setErrorCode(unavailable.code()).setGroupState(DEAD.displayName());
    ClassicGroup g = ctx.classic(groupId);
    if (g == null) return d.setGroupState(DEAD.displayName()).setErrorCode(Errors.GROUP_ID_NOT_FOUND.code());
    d.setGroupState(g.state.displayName()).setProtocolType(g.protocolType());
    boolean stable = g.is(STABLE);
    if (stable) d.setProtocolData(g.protocolName);
    for (GroupMember m : g.members.values()) {
      byte[] meta = stable ? m.metadata(g.protocolName) : null;
      d.members().add(new DescribedGroupMember()
          .setMemberId(m.memberId)
          .setGroupInstanceId(m.groupInstanceId)
          .setClientId(m.clientId)
          .setClientHost(m.clientHost)
          .setMemberMetadata(meta == null ? new byte[0] : meta)
          .setMemberAssignment(stable ? m.assignment : new byte[0]));
    }
    return d;
  }

  /**
   * ListGroups, filtered by state names (case-insensitive) and group types ("classic",
   * "consumer"); an empty filter matches everything.
   */
  ListGroupsResponseData list(List<String> states, List<String> types) {
    ListGroupsResponseData r = new ListGroupsResponseData();
    if (ctx.terms.anyLoading()) r.setErrorCode(Errors.COORDINATOR_LOAD_IN_PROGRESS.code());
    Set<String> stateFilter = lowerCase(states);
    Set<String> typeFilter = lowerCase(types);
    List<Group> sorted = new ArrayList<>(ctx.groups.values());
    sorted.sort(Comparator.comparing(Group::groupId));
    for (Group g : sorted) {
      if (!stateFilter.isEmpty() && !stateFilter.contains(g.stateName().toLowerCase(Locale.ROOT))) continue;
      if (!typeFilter.isEmpty() && !typeFilter.contains(g.type())) continue;
      r.groups().add(new ListedGroup()
          .setGroupId(g.groupId())
          .setProtocolType(g.protocolType())
          .setGroupState(g.stateName())
          .setGroupType(g.type()));
    }
    return r;
  }

  private static Set<String> lowerCase(List<String> names) {
    Set<String> out = new HashSet<>();
    for (String s : names) out.add(s.toLowerCase(Locale.ROOT));
    return out;
  }

  /** DeleteGroups: only groups without members; their offsets and metadata get tombstones. */
  CompletableFuture<DeletableGroupResultCollection> delete(List<String> groupIds) {
    DeletableGroupResultCollection results = new DeletableGroupResultCollection();
    List<CompletableFuture<Void>> pending = new ArrayList<>();
    for (String id : new LinkedHashSet<>(groupIds)) {
      DeletableGroupResult r = new DeletableGroupResult().setGroupId(id);
      results.add(r);
      Errors error = ctx.availability(id);
      Group g = ctx.groups.get(id);
      if (error != Errors.NONE) {
        r.setErrorCode(error.code());
      } else if (g == null || g.isGone()) {
        r.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code());
      } else if (!g.isEmpty()) {
        r.setErrorCode(Errors.NON_EMPTY_GROUP.code());
      } else {
        pending.add(deleteEmpty(g).handle((v, e) -> {
          if (e != null) r.setErrorCode(GroupContext.storeError(e).code());
          return null;
        }));
      }
    }
    return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).thenApply(v -> results);
  }

  /**
   * Deletes an empty group with its offsets; completes on the coordinator thread once the
   * tombstones are committed. A failed write keeps the group (served as before).
   */
  private CompletableFuture<Void> deleteEmpty(Group g) {
    String id = g.groupId();
    List<GroupRecord> tombstones = offsets.tombstones(id);
    switch (g) {
      case ClassicGroup c -> {
        tombstones.add(new GroupMetadataRecord(id, null));
        c.transitionTo(DEAD, ctx.clock.milliseconds());
        ctx.groups.remove(id);
        return ctx.write(id, tombstones).whenComplete((v, e) -> {
          if (e == null) {
            offsets.applyAll(tombstones);
          } else if (!ctx.groups.containsKey(id) && ctx.availability(id) == Errors.NONE) {
            c.transitionTo(EMPTY, ctx.clock.milliseconds()); // not durably deleted: keep serving it
            ctx.groups.put(id, c);
          }
        });
      }
      case ConsumerGroup cg -> {
        CompletableFuture<Void> offsetsDeleted = tombstones.isEmpty()
            ? CompletableFuture.completedFuture(null)
            : ctx.write(id, tombstones).thenRun(() -> offsets.applyAll(tombstones));
        return offsetsDeleted.thenCompose(v -> consumers.deleteEmpty(cg));
      }
    }
  }

  /**
   * OffsetDelete: removes committed offsets of partitions the group does not consume (all of them
   * if the group is empty). Partitions of topics a member subscribes to answer
   * GROUP_SUBSCRIBED_TO_TOPIC.
   */
  CompletableFuture<OffsetDeleteResponseData> deleteOffsets(OffsetDeleteRequestData req) {
    OffsetDeleteResponseData response = new OffsetDeleteResponseData();
    Errors error = ctx.availability(req.groupId());
    Group g = ctx.groups.get(req.groupId());
    if (error == Errors.NONE && (g == null || g.isGone())) error = Errors.GROUP_ID_NOT_FOUND;
    Set<String> subscribed = new HashSet<>();
    if (error == Errors.NONE) {
      switch (g) {
        case ConsumerGroup cg -> {
          for (ConsumerGroup.Member m : cg.members.values()) subscribed.addAll(ConsumerGroup.subscribedTopics(m, ctx.topics));
        }
        case ClassicGroup c -> {
          if (!c.is(EMPTY)) {
            if (!ConsumerGroup.PROTOCOL_TYPE.equals(c.protocolType)) error = Errors.NON_EMPTY_GROUP;
            else subscribed = subscribedTopics(c);
          }
        }
      }
    }
    if (error != Errors.NONE) return CompletableFuture.completedFuture(response.setErrorCode(error.code()));
    List<GroupRecord> tombstones = new ArrayList<>();
    OffsetDeleteResponseTopicCollection topics = new OffsetDeleteResponseTopicCollection();
    for (OffsetDeleteRequestTopic t : req.topics()) {
      OffsetDeleteResponsePartitionCollection parts = new OffsetDeleteResponsePartitionCollection();
      for (OffsetDeleteRequestPartition p : t.partitions()) {
        OffsetDeleteResponsePartition rp = new OffsetDeleteResponsePartition().setPartitionIndex(p.partitionIndex());
        if (subscribed.contains(t.name())) {
          rp.setErrorCode(Errors.GROUP_SUBSCRIBED_TO_TOPIC.code());
        } else {
          TopicPartition tp = new TopicPartition(t.name(), p.partitionIndex());
          if (offsets.offsets(req.groupId()).containsKey(tp)) tombstones.add(new OffsetRecord(req.groupId(), tp, null));
        }
        parts.add(rp);
      }
      topics.add(new OffsetDeleteResponseTopic().setName(t.name()).setPartitions(parts));
    }
    response.setTopics(topics);
    if (tombstones.isEmpty()) return CompletableFuture.completedFuture(response);
    return ctx.write(req.groupId(), tombstones).handle((v, e) -> {
      if (e != null) return new OffsetDeleteResponseData().setErrorCode(GroupContext.storeError(e).code());
      offsets.applyAll(tombstones);
      return response;
    });
  }

  /** The topics the members of a classic consumer group subscribe to (from their JoinGroup metadata). */
  private static Set<String> subscribedTopics(ClassicGroup g) {
    Set<String> topics = new HashSet<>();
    for (GroupMember m : g.members.values()) {
      byte[] meta = g.protocolName == null ? null : m.metadata(g.protocolName);
      if (meta == null) continue;
      try {
        topics.addAll(ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(meta)).topics());
      } catch (RuntimeException e) {
        log.debug("Unparsable subscription of member {} in group {}", m.memberId, g.groupId);
      }
    }
    return topics;
  }

  /**
   * Removes expired offsets (see {@link OffsetManager#expired}); an empty group left with no
   * offsets is deleted with them.
   */
  void expireOffsets() {
    long now = ctx.clock.milliseconds();
    Set<String> ids = new HashSet<>(offsets.groupIds());
    for (String id : ids) {
      if (ctx.availability(id) != Errors.NONE) continue;
      Group g = ctx.groups.get(id);
      List<GroupRecord> tombstones = offsets.expired(id, g, now);
      if (tombstones.isEmpty()) continue;
      boolean deleteGroup = g instanceof ClassicGroup c && c.isEmpty()
          && tombstones.size() == offsets.offsets(id).size();
      if (deleteGroup) tombstones.add(new GroupMetadataRecord(id, null));
      ctx.write(id, tombstones).whenComplete((v, e) -> {
        if (e != null) {
          log.warn("Could not expire offsets of group {}", id, e);
          return;
        }
        offsets.applyAll(tombstones);
        if (deleteGroup && ctx.groups.get(id) instanceof ClassicGroup c && c.isEmpty() && !offsets.hasOffsets(id)) {
          c.transitionTo(DEAD, now);
          ctx.groups.remove(id);
        }
      });
    }
  }
}
