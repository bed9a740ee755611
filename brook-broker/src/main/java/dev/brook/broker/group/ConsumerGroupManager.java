package dev.brook.broker.group;

import dev.brook.broker.group.GroupRecord.ConsumerGroupEpochRecord;
import dev.brook.broker.group.GroupRecord.ConsumerMemberRecord;
import dev.brook.broker.group.GroupRecord.CurrentAssignmentRecord;
import dev.brook.broker.group.GroupRecord.GroupMetadataRecord;
import dev.brook.broker.group.GroupRecord.RegexRecord;
import dev.brook.broker.group.GroupRecord.TargetAssignmentEpochRecord;
import dev.brook.broker.group.GroupRecord.TargetAssignmentMemberRecord;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * KIP-848 consumer groups: ConsumerGroupHeartbeat joins (epoch 0), heartbeats (epoch > 0) and leaves
 * (epoch -1, or -2 for a static member that will return) a group whose assignment is computed here;
 * revocations come first, partitions still held by others follow on later heartbeats. Every change
 * is written to __consumer_offsets as Kafka's ConsumerGroup* records ({@link ConsumerGroupRecords})
 * before the member is answered, and a load replays them, so a restart or a new coordinator keeps
 * the members, their epochs and assignments: consumers carry on without rejoining. Coordinator
 * thread only.
 */
final class ConsumerGroupManager {
  private static final Logger log = LoggerFactory.getLogger(ConsumerGroupManager.class);

  private final GroupContext ctx;

  ConsumerGroupManager(GroupContext ctx) {
    this.ctx = ctx;
  }

  // ---------------------------------------------------------------------------------------------
  // Persistence

  /**
   * Writes what changed in {@code cg} since the view last committed, after {@code first} (records
   * that must precede them); completes on the coordinator thread once committed, and the group's
   * committed view moves on.
   */
  private CompletableFuture<Void> persist(ConsumerGroup cg, List<GroupRecord> first) {
    ConsumerGroupRecords.View now = ConsumerGroupRecords.view(cg, ctx.topics);
    List<GroupRecord> records = new ArrayList<>(first);
    records.addAll(ConsumerGroupRecords.diff(cg.groupId, cg.persisted, now, ctx.clock.milliseconds()));
    if (records.isEmpty()) return CompletableFuture.completedFuture(null);
    return ctx.write(cg.groupId, records).thenRun(() -> cg.persisted = now);
  }

  /** As {@link #persist}, for changes no client waits on (timeouts): a failure is logged. */
  private void persistQuietly(ConsumerGroup cg) {
    persist(cg, List.of()).exceptionally(e -> {
      log.warn("Could not store the change of consumer group {}; the next change carries it", cg.groupId, e);
      return null;
    });
  }

  /**
   * Deletes an empty consumer group (DeleteGroups, or a classic member taking the id over). A failed
   * write serves the group again as it was, unless the id was taken meanwhile: the log still holds it.
   */
  CompletableFuture<Void> deleteEmpty(ConsumerGroup cg) {
    cg.gone = true;
    ctx.groups.remove(cg.groupId, cg);
    return ctx.write(cg.groupId, ConsumerGroupRecords.deletion(cg.groupId)).whenComplete((v, e) -> {
      if (e != null && !ctx.groups.containsKey(cg.groupId) && ctx.availability(cg.groupId) == Errors.NONE) {
        cg.gone = false;
        ctx.groups.put(cg.groupId, cg);
      }
    });
  }

  /** Replays one ConsumerGroup* record of a partition being loaded. */
  void replay(GroupRecord r) {
    switch (r) {
      case ConsumerGroupEpochRecord e -> {
        if (e.value() == null) {
          if (ctx.groups.get(e.groupId()) instanceof ConsumerGroup) ctx.groups.remove(e.groupId());
        } else {
          group(e.groupId()).groupEpoch = e.value().epoch();
        }
      }
      case ConsumerMemberRecord m -> {
        ConsumerGroup cg = group(m.groupId());
        if (m.value() == null) {
          ConsumerGroup.Member gone = cg.members.get(m.memberId());
          if (gone != null) cg.remove(gone);
          return;
        }
        ConsumerGroup.Member member = cg.members.computeIfAbsent(m.memberId(), ConsumerGroup.Member::new);
        var s = m.value();
        member.instanceId = s.instanceId();
        member.rackId = s.rackId();
        member.clientId = s.clientId();
        member.clientHost = s.clientHost();
        member.topics = Set.copyOf(s.subscribedTopicNames());
        member.regex = s.subscribedTopicRegex();
        member.rebalanceTimeoutMs = s.rebalanceTimeoutMs();
        member.assignor = s.serverAssignor();
        if (s.instanceId() != null) cg.staticMembers.put(s.instanceId(), m.memberId());
      }
      case TargetAssignmentMemberRecord t -> {
        ConsumerGroup cg = group(t.groupId());
        if (t.partitions() == null) cg.target.remove(t.memberId());
        else cg.target.put(t.memberId(), ConsumerGroupRecords.byName(t.partitions(), ctx.topics));
      }
      case TargetAssignmentEpochRecord t -> {
        if (t.assignmentEpoch() != null) group(t.groupId()).assignmentEpoch = t.assignmentEpoch();
      }
      case CurrentAssignmentRecord c -> {
        if (c.value() == null) return;
        ConsumerGroup.Member m = group(c.groupId()).members.computeIfAbsent(c.memberId(), ConsumerGroup.Member::new);
        m.epoch = c.value().memberEpoch();
        m.previousEpoch = c.value().previousMemberEpoch();
        m.assigned.clear();
        m.assigned.addAll(ConsumerGroupRecords.byName(c.value().assignedPartitions(), ctx.topics));
        m.pendingRevocation.clear();
        m.pendingRevocation.addAll(ConsumerGroupRecords.byName(c.value().partitionsPendingRevocation(), ctx.topics));
      }
      case RegexRecord x -> {
        if (x.value() != null) {
          group(x.groupId()).resolvedRegexes.put(x.regex(), Set.copyOf(x.value().topics()));
        } else if (ctx.groups.get(x.groupId()) instanceof ConsumerGroup cg) {
          cg.resolvedRegexes.remove(x.regex());
        }
      }
      default -> throw new IllegalArgumentException("not a consumer group record: " + r);
    }
  }

  /** The consumer group {@code groupId} during a replay, created (over an empty classic one) if new. */
  private ConsumerGroup group(String groupId) {
    if (ctx.groups.get(groupId) instanceof ConsumerGroup cg) return cg;
    ConsumerGroup cg = new ConsumerGroup(groupId, ctx.clock.milliseconds());
    ctx.groups.put(groupId, cg);
    return cg;
  }

  /**
   * After a replay: the group as loaded is what the log holds, the assignment it holds is current
   * (no new epoch for topics the target already counted), and members get their session timers. A
   * member's regex matches, until its next heartbeat brings its principal's DESCRIBE decisions
   * again, only the topics of the regex's stored resolution (none if the log holds none): the
   * decisions are not stored, and matching every topic would hand it topics it may not see.
   */
  void loaded(ConsumerGroup cg) {
    for (ConsumerGroup.Member m : cg.members.values()) {
      if (m.regex == null) continue;
      Set<String> resolved = cg.resolvedRegexes.getOrDefault(m.regex, Set.of());
      m.mayDescribe = resolved::contains;
    }
    cg.persisted = ConsumerGroupRecords.view(cg, ctx.topics).withRegexes(cg.resolvedRegexes);
    cg.resolvedRegexes.clear();
    cg.partitionCounts = cg.currentPartitionCounts(ctx.topics);
    cg.assignorName = cg.preferredAssignor(ctx.config.consumerAssignors().get(0));
    for (ConsumerGroup.Member m : cg.members.values()) {
      m.assignmentChanged = false;
      scheduleSession(cg, m);
    }
  }

  /** Ends a group this coordinator no longer serves: its timers do nothing from now on. */
  void retire(ConsumerGroup cg) {
    cg.gone = true;
    for (ConsumerGroup.Member m : cg.members.values()) {
      m.sessionTimer.cancel();
      m.revocationTimer.cancel();
    }
  }

  private static <T> CompletableFuture<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }

  // ---------------------------------------------------------------------------------------------
  // ConsumerGroupHeartbeat, ConsumerGroupDescribe

  CompletableFuture<ConsumerGroupHeartbeatResponseData> heartbeat(ConsumerGroupHeartbeatRequestData req,
      String clientId, String clientHost, java.util.function.Predicate<String> mayDescribe) {
    Errors unavailable = ctx.availability(req.groupId());
    if (unavailable != Errors.NONE) return done(heartbeatError(unavailable, null));
    int epoch = req.memberEpoch();
    if (epoch == 0) {
      if (req.rebalanceTimeoutMs() < 0 && req.rebalanceTimeoutMs() != -1) {
        return done(heartbeatError(Errors.INVALID_REQUEST, "RebalanceTimeoutMs must be set when joining."));
      }
      if (req.subscribedTopicNames() == null && req.subscribedTopicRegex() == null) {
        return done(heartbeatError(Errors.INVALID_REQUEST, "SubscribedTopicNames or SubscribedTopicRegex must be set when joining."));
      }
      if (req.topicPartitions() == null) {
        return done(heartbeatError(Errors.INVALID_REQUEST, "TopicPartitions must be set when joining."));
      }
    } else if (epoch < -2 || req.memberId().isEmpty()) {
      return done(heartbeatError(Errors.INVALID_REQUEST, "MemberId and MemberEpoch must be valid."));
    }
    if (req.instanceId() != null && req.instanceId().isEmpty()) {
      return done(heartbeatError(Errors.INVALID_REQUEST, "InstanceId can't be empty."));
    }
    if (req.serverAssignor() != null && !ctx.config.consumerAssignors().contains(req.serverAssignor())) {
      return done(heartbeatError(Errors.UNSUPPORTED_ASSIGNOR, "Unsupported assignor " + req.serverAssignor() + "."));
    }
    if (req.subscribedTopicRegex() != null) {
      try {
        java.util.regex.Pattern.compile(req.subscribedTopicRegex());
      } catch (java.util.regex.PatternSyntaxException e) {
        return done(heartbeatError(Errors.INVALID_REGULAR_EXPRESSION, e.getDescription()));
      }
    }
    Group existing = ctx.groups.get(req.groupId());
    List<GroupRecord> converted = List.of();
    if (existing instanceof ClassicGroup classic) {
      if (!classic.is(GroupState.EMPTY) || !classic.members.isEmpty()) {
        return done(heartbeatError(Errors.GROUP_ID_NOT_FOUND, "Group " + req.groupId() + " is not a consumer group."));
      }
      if (epoch != 0) return done(heartbeatError(Errors.UNKNOWN_MEMBER_ID, null));
      // An empty classic group becomes a consumer group: its stored generation is deleted.
      converted = classic.generationId > 0 ? List.of(new GroupMetadataRecord(req.groupId(), null)) : List.of();
      ctx.groups.remove(req.groupId());
      existing = null;
    }
    ConsumerGroup cg = (ConsumerGroup) existing;
    if (cg == null) {
      if (epoch != 0) return done(heartbeatError(Errors.UNKNOWN_MEMBER_ID, null));
      cg = new ConsumerGroup(req.groupId(), ctx.clock.milliseconds());
      ctx.groups.put(req.groupId(), cg);
    }
    if (epoch < 0) return leave(cg, req);
    ConsumerGroup.Member m;
    if (epoch == 0) {
      if (req.instanceId() != null) {
        ConsumerGroup.Member holder = cg.members.get(cg.staticMembers.getOrDefault(req.instanceId(), ""));
        if (holder != null && !holder.leftStatically && !holder.memberId.equals(req.memberId())) {
          return done(heartbeatError(Errors.UNRELEASED_INSTANCE_ID,
              "Instance " + req.instanceId() + " is still in use by member " + holder.memberId + "."));
        }
      }
      m = join(cg, req, clientId, clientHost);
    } else {
      m = cg.members.get(req.memberId());
      if (m == null) return done(heartbeatError(Errors.UNKNOWN_MEMBER_ID, null));
      if (epoch != m.epoch) {
        boolean lostResponse = epoch == m.previousEpoch && owned(req).map(m.assigned::containsAll).orElse(true);
        if (!lostResponse) return done(heartbeatError(Errors.FENCED_MEMBER_EPOCH, "Member epoch " + epoch + " is not " + m.epoch + "."));
      }
      updateSubscription(cg, m, req);
    }
    m.mayDescribe = mayDescribe;
    // Topics created, deleted or grown since the target was computed: a new group epoch.
    if (cg.assignmentEpoch == cg.groupEpoch && !cg.currentPartitionCounts(ctx.topics).equals(cg.partitionCounts)) {
      cg.groupEpoch++;
    }
    if (cg.assignmentEpoch < cg.groupEpoch) {
      ServerAssignor assignor = ServerAssignor.named(cg.preferredAssignor(ctx.config.consumerAssignors().get(0)));
      cg.computeTarget(assignor, ctx.topics);
      ctx.sensors.consumerRebalanced();
    }
    boolean revoking = cg.reconcile(m, owned(req).orElse(null));
    if (log.isDebugEnabled()) {
      log.debug("Heartbeat {} {} epoch {} owned {} -> epoch {} assigned {} revoking {} (group epoch {}, target {})",
          req.groupId(), m.memberId, epoch, owned(req).orElse(null), m.epoch, m.assigned, m.pendingRevocation,
          cg.groupEpoch, cg.target.get(m.memberId));
    }
    if (revoking) scheduleRevocationTimeout(cg, m);
    scheduleSession(cg, m);
    ConsumerGroupHeartbeatResponseData r =
        new ConsumerGroupHeartbeatResponseData()
            .setMemberId(m.memberId)
            .setMemberEpoch(m.epoch)
            .setHeartbeatIntervalMs(ctx.config.consumerHeartbeatIntervalMs());
    if (m.assignmentChanged || epoch == 0) {
      r.setAssignment(new ConsumerGroupHeartbeatResponseData.Assignment().setTopicPartitions(wire(m.assigned)));
      m.assignmentChanged = false;
    }
    // Answered once the change is in the log: a restart or a new coordinator carries on from it.
    return persist(cg, converted).handle((v, e) -> e == null ? r : heartbeatError(GroupContext.storeError(e), null));
  }

  static ConsumerGroupHeartbeatResponseData heartbeatError(Errors error, String message) {
    return new ConsumerGroupHeartbeatResponseData().setErrorCode(error.code()).setErrorMessage(message);
  }

  private ConsumerGroup.Member join(
      ConsumerGroup cg, ConsumerGroupHeartbeatRequestData req, String clientId, String clientHost) {
    String memberId = req.memberId().isEmpty() ? UUID.randomUUID().toString() : req.memberId();
    ConsumerGroup.Member old = cg.members.get(memberId);
    if (old != null) cg.remove(old); // a fenced member rejoining starts afresh
    ConsumerGroup.Member m = new ConsumerGroup.Member(memberId);
    boolean takeover = false;
    if (req.instanceId() != null) {
      ConsumerGroup.Member previous = cg.members.get(cg.staticMembers.getOrDefault(req.instanceId(), ""));
      if (previous != null) {
        // The restarted instance takes over its predecessor's epoch and partitions: no rebalance.
        takeover = true;
        m.epoch = previous.epoch;
        m.previousEpoch = previous.previousEpoch;
        m.assigned.addAll(previous.assigned);
        m.pendingRevocation.addAll(previous.pendingRevocation);
        Set<TopicPartition> target = cg.target.get(previous.memberId);
        cg.remove(previous);
        if (target != null) cg.target.put(memberId, target);
      }
      cg.staticMembers.put(req.instanceId(), memberId);
    }
    m.instanceId = req.instanceId();
    m.rackId = req.rackId();
    m.clientId = clientId;
    m.clientHost = clientHost;
    m.rebalanceTimeoutMs = req.rebalanceTimeoutMs() > 0 ? req.rebalanceTimeoutMs() : 300_000;
    m.topics = req.subscribedTopicNames() == null ? Set.of() : Set.copyOf(req.subscribedTopicNames());
    m.regex = req.subscribedTopicRegex();
    m.assignor = req.serverAssignor();
    cg.members.put(memberId, m);
    if (!takeover) cg.groupEpoch++;
    return m;
  }

  private static void updateSubscription(ConsumerGroup cg, ConsumerGroup.Member m, ConsumerGroupHeartbeatRequestData req) {
    boolean changed = false;
    if (req.subscribedTopicNames() != null && !Set.copyOf(req.subscribedTopicNames()).equals(m.topics)) {
      m.topics = Set.copyOf(req.subscribedTopicNames());
      changed = true;
    }
    if (req.subscribedTopicRegex() != null && !req.subscribedTopicRegex().equals(m.regex)) {
      m.regex = req.subscribedTopicRegex().isEmpty() ? null : req.subscribedTopicRegex();
      changed = true;
    }
    if (req.serverAssignor() != null && !req.serverAssignor().equals(m.assignor)) {
      m.assignor = req.serverAssignor();
      changed = true;
    }
    if (req.rebalanceTimeoutMs() > 0) m.rebalanceTimeoutMs = req.rebalanceTimeoutMs();
    if (changed) cg.groupEpoch++;
  }

  private CompletableFuture<ConsumerGroupHeartbeatResponseData> leave(ConsumerGroup cg, ConsumerGroupHeartbeatRequestData req) {
    ConsumerGroup.Member m = cg.members.get(req.memberId());
    if (m == null) return done(heartbeatError(Errors.UNKNOWN_MEMBER_ID, null));
    if (req.memberEpoch() == -2 && m.instanceId != null) {
      // A static member going away for a while (KIP-345 in KIP-848): its partitions wait for its
      // return until its session times out.
      m.leftStatically = true;
      scheduleSession(cg, m);
    } else {
      removeMember(cg, m);
    }
    ConsumerGroupHeartbeatResponseData r = new ConsumerGroupHeartbeatResponseData()
        .setMemberId(req.memberId())
        .setMemberEpoch(req.memberEpoch())
        .setHeartbeatIntervalMs(0);
    return persist(cg, List.of()).handle((v, e) -> e == null ? r : heartbeatError(GroupContext.storeError(e), null));
  }

  private void removeMember(ConsumerGroup cg, ConsumerGroup.Member m) {
    cg.remove(m);
    cg.groupEpoch++;
    if (cg.members.isEmpty()) cg.stateTimestamp = ctx.clock.milliseconds();
  }

  /** The partitions the member reports owning (empty optional: not reported this time). */
  private java.util.Optional<Set<TopicPartition>> owned(ConsumerGroupHeartbeatRequestData req) {
    if (req.topicPartitions() == null) return java.util.Optional.empty();
    Set<TopicPartition> out = new HashSet<>();
    for (ConsumerGroupHeartbeatRequestData.TopicPartitions t : req.topicPartitions()) {
      String name = ctx.topics.name(t.topicId()).orElse(null);
      if (name == null) continue; // a deleted topic: nothing to hand over
      for (int p : t.partitions()) out.add(new TopicPartition(name, p));
    }
    return java.util.Optional.of(out);
  }

  private List<ConsumerGroupHeartbeatResponseData.TopicPartitions> wire(Set<TopicPartition> partitions) {
    Map<String, List<Integer>> byTopic = new java.util.TreeMap<>();
    for (TopicPartition tp : partitions) byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
    List<ConsumerGroupHeartbeatResponseData.TopicPartitions> out = new ArrayList<>();
    byTopic.forEach(
        (topic, ps) ->
            ctx.topics.id(topic).ifPresent(id -> {
              java.util.Collections.sort(ps);
              out.add(new ConsumerGroupHeartbeatResponseData.TopicPartitions().setTopicId(id).setPartitions(ps));
            }));
    return out;
  }

  void scheduleSession(ConsumerGroup cg, ConsumerGroup.Member m) {
    m.sessionTimer.cancel();
    long timer = ++m.timerEpoch;
    m.sessionTimer =
        ctx.scheduler.schedule(
            ctx.config.consumerSessionTimeoutMs(),
            () -> {
              if (m.timerEpoch != timer || cg.gone || cg.members.get(m.memberId) != m) return;
              log.debug("Member {} of consumer group {} missed its session timeout", m.memberId, cg.groupId);
              removeMember(cg, m);
              persistQuietly(cg);
            });
  }

  /** A member that does not revoke within its rebalance timeout is removed (its partitions freed). */
  private void scheduleRevocationTimeout(ConsumerGroup cg, ConsumerGroup.Member m) {
    if (m.revocationTimer != GroupScheduler.Cancellable.NONE) return;
    int epoch = m.epoch;
    m.revocationTimer =
        ctx.scheduler.schedule(
            m.rebalanceTimeoutMs,
            () -> {
              m.revocationTimer = GroupScheduler.Cancellable.NONE;
              if (cg.gone || cg.members.get(m.memberId) != m) return;
              if (m.epoch == epoch && !m.pendingRevocation.isEmpty()) {
                log.debug("Member {} of consumer group {} did not revoke in time", m.memberId, cg.groupId);
                removeMember(cg, m);
                persistQuietly(cg);
              }
            });
  }

  ConsumerGroupDescribeResponseData.DescribedGroup describe(String groupId) {
    var d = new ConsumerGroupDescribeResponseData.DescribedGroup().setGroupId(groupId).setAssignorName("").setGroupState("");
    Errors unavailable = ctx.availability(groupId);
    if (unavailable != Errors.NONE) return d.setErrorCode(unavailable.code());
    ConsumerGroup cg = ctx.consumer(groupId);
    if (cg == null) {
      return d.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())
          .setErrorMessage("Group " + groupId + " is not a consumer group.")
          .setGroupState(GroupState.DEAD.displayName());
    }
    d.setGroupState(cg.stateName())
        .setGroupEpoch(cg.groupEpoch)
        .setAssignmentEpoch(cg.assignmentEpoch)
        .setAssignorName(cg.assignorName == null ? cg.preferredAssignor(ctx.config.consumerAssignors().get(0)) : cg.assignorName);
    for (ConsumerGroup.Member m : cg.members.values()) {
      d.members()
          .add(
              new ConsumerGroupDescribeResponseData.Member()
                  .setMemberId(m.memberId)
                  .setInstanceId(m.instanceId)
                  .setRackId(m.rackId)
                  .setMemberEpoch(m.epoch)
                  .setClientId(m.clientId)
                  .setClientHost(m.clientHost)
                  .setSubscribedTopicNames(new ArrayList<>(new java.util.TreeSet<>(m.topics)))
                  .setSubscribedTopicRegex(m.regex)
                  .setAssignment(describeAssignment(m.assigned))
                  .setTargetAssignment(describeAssignment(cg.target.getOrDefault(m.memberId, Set.of())))
                  .setMemberType((byte) 1));
    }
    return d;
  }

  private ConsumerGroupDescribeResponseData.Assignment describeAssignment(Set<TopicPartition> partitions) {
    Map<String, List<Integer>> byTopic = new java.util.TreeMap<>();
    for (TopicPartition tp : partitions) byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
    List<ConsumerGroupDescribeResponseData.TopicPartitions> out = new ArrayList<>();
    byTopic.forEach(
        (topic, ps) -> {
          java.util.Collections.sort(ps);
          out.add(new ConsumerGroupDescribeResponseData.TopicPartitions()
              .setTopicName(topic)
              .setTopicId(ctx.topics.id(topic).orElse(org.apache.kafka.common.Uuid.ZERO_UUID))
              .setPartitions(ps));
        });
    return new ConsumerGroupDescribeResponseData.Assignment().setTopicPartitions(out);
  }
}
