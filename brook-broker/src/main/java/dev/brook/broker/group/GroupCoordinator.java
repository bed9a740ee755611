package dev.brook.broker.group;

import dev.brook.broker.coordinator.PartitionTerms;
import dev.brook.broker.group.GroupRecord.ConsumerGroupEpochRecord;
import dev.brook.broker.group.GroupRecord.ConsumerMemberRecord;
import dev.brook.broker.group.GroupRecord.CurrentAssignmentRecord;
import dev.brook.broker.group.GroupRecord.GroupMetadataRecord;
import dev.brook.broker.group.GroupRecord.IgnoredRecord;
import dev.brook.broker.group.GroupRecord.OffsetRecord;
import dev.brook.broker.group.GroupRecord.TargetAssignmentEpochRecord;
import dev.brook.broker.group.GroupRecord.TargetAssignmentMemberRecord;
import dev.brook.broker.group.GroupRecord.TransactionalOffsetRecord;
import dev.brook.broker.group.GroupRecord.TxnMarker;
import dev.brook.storage.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.IntPredicate;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResultCollection;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group coordinator: the one entry point of the group APIs, on the coordinator runtime
 * (package {@code dev.brook.broker.coordinator}). It owns which partitions of __consumer_offsets are
 * served and loads them by replaying their records; the protocols are its managers' ({@link
 * ClassicJoin} and {@link ClassicGroupManager} for the classic protocol, {@link ConsumerGroupManager}
 * for KIP-848, {@link OffsetManager} for committed and transactional offsets, {@link GroupAdmin} for
 * describe, list, delete and expiry).
 *
 * <p>Threading: every public method may be called from any thread (typically a Netty event loop);
 * it runs on the coordinator's single thread ({@link GroupScheduler}) and answers a future that
 * always completes: an exception inside a manager becomes the API's error answer
 * (COORDINATOR_NOT_AVAILABLE, which clients retry), never a stalled connection.
 *
 * <p>Loading: a group maps to partition {@code abs(groupId.hashCode()) % offsets.topic.num.partitions}
 * of __consumer_offsets (Kafka's formula, so tools agree). The coordinator serves the groups of the
 * partitions it owns: all of them after {@link #startup}, or, after {@link #startOnLeadership},
 * those whose partition this broker leads ({@link #onBecomeLeader} / {@link #onResign}). Requests
 * for a group get NOT_COORDINATOR when its partition is not owned, and COORDINATOR_LOAD_IN_PROGRESS
 * until the partition has been replayed.
 */
public final class GroupCoordinator {
  private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);

  private final GroupContext ctx;
  private final ClassicGroupManager classic;
  private final ClassicJoin join;
  private final ConsumerGroupManager consumers;
  private final OffsetManager offsets;
  private final GroupAdmin admin;
  /** Where partition logs are read when loads are driven by leadership; null until then. */
  private volatile Executor loader;

  public GroupCoordinator(GroupCoordinatorConfig config, GroupScheduler scheduler, GroupLog groupLog, Clock clock) {
    this(config, scheduler, groupLog, clock, () -> UUID.randomUUID().toString());
  }

  GroupCoordinator(GroupCoordinatorConfig config, GroupScheduler scheduler, GroupLog groupLog, Clock clock,
      Supplier<String> memberIdSuffix) {
    this.ctx = new GroupContext(config, scheduler, groupLog, clock);
    this.classic = new ClassicGroupManager(ctx);
    this.consumers = new ConsumerGroupManager(ctx);
    this.offsets = new OffsetManager(ctx, classic);
    this.join = new ClassicJoin(ctx, classic, consumers, offsets, memberIdSuffix);
    this.admin = new GroupAdmin(ctx, offsets, consumers);
    for (int p = 0; p < config.offsetsTopicPartitions(); p++) ctx.terms.begin(p, -1, false);
  }

  /** The topics KIP-848 groups subscribe to (set once, before serving). */
  public GroupCoordinator withTopics(TopicLookup topics) {
    ctx.topics = topics;
    return this;
  }

  /** The __consumer_offsets partition that holds {@code groupId}. */
  public int partitionFor(String groupId) {
    return ctx.partitionFor(groupId);
  }

  /**
   * NONE, or why a request for this group cannot be served now: invalid id, partition not served
   * here (NOT_COORDINATOR), or still loading. Any thread.
   */
  public Errors checkAvailable(String groupId) {
    return ctx.availability(groupId);
  }

  // ---------------------------------------------------------------------------------------------
  // Loading

  /**
   * Loads every partition of __consumer_offsets (reads on {@code loader}, replays on the
   * coordinator thread) and starts the periodic offset expiry. Completes when all are loaded.
   */
  public CompletableFuture<Void> startup(Executor loader) {
    List<CompletableFuture<Boolean>> loads = new ArrayList<>();
    for (int p = 0; p < ctx.config.offsetsTopicPartitions(); p++) {
      PartitionTerms.Term term = ctx.terms.term(p).orElseThrow();
      loads.add(load(p, term, loader));
    }
    scheduleExpiry();
    return CompletableFuture.allOf(loads.toArray(CompletableFuture[]::new));
  }

  /**
   * Serves no partition until told this broker leads it ({@link #onBecomeLeader}); loads then run
   * on {@code loader}. Also starts the periodic offset expiry. Call once, instead of {@link
   * #startup}, before the leadership callbacks are registered.
   */
  public void startOnLeadership(Executor loader) {
    startOnLeadership(loader, p -> true);
  }

  /**
   * As {@link #startOnLeadership(Executor)}; {@code leadsNow} is asked before serving a group
   * (cheap, any thread): a broker that lost its cluster session still holds its groups but must
   * answer NOT_COORDINATOR until it leads again or resigns.
   */
  public void startOnLeadership(Executor loader, IntPredicate leadsNow) {
    ctx.leadsNow = leadsNow;
    this.loader = loader;
    ctx.terms.clear();
    scheduleExpiry();
  }

  /**
   * This broker now leads {@code partition} of __consumer_offsets in {@code leaderEpoch}: its groups
   * load in the background (COORDINATOR_LOAD_IN_PROGRESS meanwhile). A new epoch of a partition
   * already loaded keeps its groups (this broker led it all along). Must not block.
   */
  public void onBecomeLeader(int partition, int leaderEpoch) {
    Executor l = loader;
    if (l == null || partition < 0 || partition >= ctx.config.offsetsTopicPartitions()) {
      log.warn("Ignoring leadership of __consumer_offsets-{} (partitions {}, leadership-driven: {})", partition,
          ctx.config.offsetsTopicPartitions(), l != null);
      return;
    }
    PartitionTerms.Term term = ctx.terms.begin(partition, leaderEpoch, true);
    if (!term.loaded()) {
      log.debug("Loading the groups of __consumer_offsets-{} (leader epoch {})", partition, leaderEpoch);
      load(partition, term, l);
    }
  }

  /**
   * This broker no longer leads {@code partition}: its groups are dropped from memory (waiting
   * joins and syncs answer NOT_COORDINATOR, and every later request for them too, so clients find
   * the new coordinator). Must not block.
   */
  public void onResign(int partition) {
    if (!ctx.terms.end(partition)) return;
    ctx.thread.run(() -> {
      if (ctx.terms.term(partition).isEmpty()) unload(partition);
    });
  }

  private CompletableFuture<Boolean> load(int partition, PartitionTerms.Term term, Executor loader) {
    return ctx.terms.load(partition, term, loader, () -> ctx.groupLog.read(partition), ctx.thread, records -> {
      List<TxnMarker> landed = offsets.takeLandedMarkers(partition);
      unload(partition); // anything left from an earlier term
      replay(partition, records, landed);
    });
  }

  /**
   * Rebuilds the groups of {@code partition} from its records, in log order: each record goes to
   * the manager of its kind; transactional offsets stay pending until their producer's marker.
   * {@code landed}: markers appended while the partition loaded, applied unless the replay read them.
   */
  private void replay(int partition, List<GroupRecord> records, List<TxnMarker> landed) {
    Set<Long> markersRead = new HashSet<>();
    for (GroupRecord r : records) {
      switch (r) {
        case OffsetRecord o -> offsets.replay(partition, o, markersRead);
        case TransactionalOffsetRecord t -> offsets.replay(partition, t, markersRead);
        case TxnMarker m -> offsets.replay(partition, m, markersRead);
        case GroupMetadataRecord g -> classic.replay(g);
        case ConsumerGroupEpochRecord c -> consumers.replay(c);
        case ConsumerMemberRecord c -> consumers.replay(c);
        case TargetAssignmentEpochRecord c -> consumers.replay(c);
        case TargetAssignmentMemberRecord c -> consumers.replay(c);
        case CurrentAssignmentRecord c -> consumers.replay(c);
        case GroupRecord.RegexRecord c -> consumers.replay(c);
        case IgnoredRecord ignored -> {}
      }
    }
    long now = ctx.clock.milliseconds();
    for (String id : offsets.groupIds()) {
      if (ctx.partitionFor(id) == partition) ctx.groups.computeIfAbsent(id, g -> new ClassicGroup(g, now));
    }
    int loaded = 0;
    for (Group g : ctx.groups.values()) {
      if (ctx.partitionFor(g.groupId()) != partition) continue;
      loaded++;
      switch (g) {
        case ClassicGroup c -> classic.startTimers(c);
        case ConsumerGroup c -> consumers.loaded(c);
      }
    }
    offsets.loaded(partition, markersRead, landed);
    if (loaded > 0) log.info("Loaded {} groups from __consumer_offsets-{} ({} records)", loaded, partition, records.size());
  }

  /** Drops the groups of {@code partition} from memory, ending what waits on them. Coordinator thread. */
  private void unload(int partition) {
    offsets.unload(partition);
    int dropped = 0;
    for (Group g : List.copyOf(ctx.groups.values())) {
      if (ctx.partitionFor(g.groupId()) != partition) continue;
      ctx.groups.remove(g.groupId());
      switch (g) {
        case ClassicGroup c -> classic.retire(c);
        case ConsumerGroup c -> consumers.retire(c);
      }
      dropped++;
    }
    if (dropped > 0) log.info("Unloaded {} groups of __consumer_offsets-{}", dropped, partition);
  }

  private void scheduleExpiry() {
    ctx.scheduler.schedule(ctx.config.offsetsRetentionCheckIntervalMs(), () -> {
      try {
        admin.expireOffsets();
      } finally {
        scheduleExpiry();
      }
    });
  }

  /** Removes expired offsets now (the periodic duty's work). Coordinator thread. */
  void expireOffsets() {
    admin.expireOffsets();
  }

  // ---------------------------------------------------------------------------------------------
  // The classic protocol

  /**
   * JoinGroup: completes when the member's next generation starts (or at once with an error, or
   * with MEMBER_ID_REQUIRED for a first join at v4+, KIP-394).
   */
  public CompletableFuture<JoinGroupResponseData> joinGroup(
      JoinGroupRequestData req, short version, String clientId, String clientHost) {
    return ctx.thread.call(() -> {
      CompletableFuture<JoinGroupResponseData> future = new CompletableFuture<>();
      join.join(req, version, clientId, clientHost, future);
      return future;
    }, e -> ClassicGroupManager.joinError(req.memberId(), GroupContext.storeError(e)));
  }

  public CompletableFuture<SyncGroupResponseData> syncGroup(SyncGroupRequestData req, short version) {
    return ctx.thread.call(() -> {
      CompletableFuture<SyncGroupResponseData> future = new CompletableFuture<>();
      classic.sync(req, future);
      return future;
    }, e -> ClassicGroupManager.syncError(GroupContext.storeError(e)));
  }

  public CompletableFuture<Errors> heartbeat(HeartbeatRequestData req) {
    return ctx.thread.call(() -> CompletableFuture.completedFuture(classic.heartbeat(req)), GroupContext::storeError);
  }

  /**
   * LeaveGroup: removes each listed member (a static one by instance id; a member id given with it
   * must match). Answers per member, in request order; one rebalance follows.
   */
  public CompletableFuture<LeaveGroupResponseData> leaveGroup(String groupId, List<MemberIdentity> members) {
    return ctx.thread.call(() -> CompletableFuture.completedFuture(classic.leave(groupId, members)),
        e -> new LeaveGroupResponseData().setErrorCode(GroupContext.storeError(e).code()));
  }

  // ---------------------------------------------------------------------------------------------
  // Offsets

  /**
   * OffsetCommit. Topic names must be resolved (v10 topic ids) by the caller. A commit with
   * generation -1 and no member id is an admin / simple-consumer commit, allowed only while the
   * group has no members.
   */
  public CompletableFuture<OffsetCommitResponseData> commitOffsets(OffsetCommitRequestData req, short version) {
    return ctx.thread.call(() -> offsets.commit(req, version),
        e -> OffsetManager.commitResponse(req, GroupContext.storeError(e)));
  }

  /** OffsetFetch for one group (see {@link OffsetManager#fetch}). */
  public CompletableFuture<OffsetFetchResponseGroup> fetchOffsets(
      String groupId, List<OffsetFetchRequestTopics> topics, boolean requireStable) {
    return fetchOffsets(groupId, null, -1, topics, requireStable);
  }

  /**
   * OffsetFetch v9+: with a member id, a consumer-protocol group checks that the member exists at
   * {@code memberEpoch} (UNKNOWN_MEMBER_ID / STALE_MEMBER_EPOCH otherwise).
   */
  public CompletableFuture<OffsetFetchResponseGroup> fetchOffsets(
      String groupId, String memberId, int memberEpoch, List<OffsetFetchRequestTopics> topics, boolean requireStable) {
    return ctx.thread.call(
        () -> CompletableFuture.completedFuture(offsets.fetch(groupId, memberId, memberEpoch, topics, requireStable)),
        e -> new OffsetFetchResponseGroup().setGroupId(groupId).setErrorCode(GroupContext.storeError(e).code()));
  }

  /**
   * TxnOffsetCommit: after the member checks (KIP-447), the offsets are written in a transactional
   * batch of {@code producerId} and stay pending until the transaction's marker (see {@link
   * #onTxnMarker}). NONE once durable; PRODUCER_FENCED when a newer epoch of the producer wrote.
   */
  public CompletableFuture<Errors> commitTransactionalOffsets(
      String groupId, long producerId, short producerEpoch, String memberId, int generationId, String groupInstanceId,
      Map<TopicPartition, CommittedOffset> offsets) {
    return ctx.thread.call(() -> this.offsets.commitTransactional(groupId, producerId, producerEpoch, memberId,
        generationId, groupInstanceId, offsets), GroupContext::storeError);
  }

  /**
   * A transaction marker of {@code producerId} was appended to partition {@code partition} of
   * __consumer_offsets at {@code markerOffset} (this broker leads it): once it is replicated ({@link
   * #onTxnMarkersReplicated}) the producer's pending offsets there become committed (COMMIT) or are
   * dropped (ABORT). Any thread; applied on the coordinator thread in log order.
   */
  public void onTxnMarker(int partition, long producerId, boolean commit, long markerOffset) {
    ctx.thread.run(() -> offsets.onTxnMarker(partition, producerId, commit, markerOffset));
  }

  /**
   * Partition {@code partition}'s high watermark reached {@code highWatermark}: the transaction
   * markers below it are replicated, and their offsets become committed (or are dropped), in log
   * order. Until then a marker changes nothing a client can see. Any thread.
   */
  public void onTxnMarkersReplicated(int partition, long highWatermark) {
    ctx.thread.run(() -> offsets.onReplicated(partition, highWatermark));
  }

  // ---------------------------------------------------------------------------------------------
  // KIP-848

  /** ConsumerGroupHeartbeat: answered once the group's change is in __consumer_offsets. */
  public CompletableFuture<ConsumerGroupHeartbeatResponseData> consumerGroupHeartbeat(
      ConsumerGroupHeartbeatRequestData req, String clientId, String clientHost) {
    return consumerGroupHeartbeat(req, clientId, clientHost, null);
  }

  /**
   * ConsumerGroupHeartbeat from a member whose subscription regex may match only the topics
   * {@code mayDescribe} allows (null: every topic; no authorizer). Called on any thread; the
   * predicate is then called on the coordinator's thread, whenever the group's assignment is
   * computed, until the member's next heartbeat replaces it.
   */
  public CompletableFuture<ConsumerGroupHeartbeatResponseData> consumerGroupHeartbeat(
      ConsumerGroupHeartbeatRequestData req, String clientId, String clientHost,
      java.util.function.Predicate<String> mayDescribe) {
    return ctx.thread.call(() -> consumers.heartbeat(req, clientId, clientHost, mayDescribe),
        e -> ConsumerGroupManager.heartbeatError(GroupContext.storeError(e), null));
  }

  /** ConsumerGroupDescribe; classic and unknown groups answer GROUP_ID_NOT_FOUND. */
  public CompletableFuture<List<ConsumerGroupDescribeResponseData.DescribedGroup>> consumerGroupDescribe(
      List<String> groupIds) {
    return ctx.thread.call(() -> {
      List<ConsumerGroupDescribeResponseData.DescribedGroup> out = new ArrayList<>();
      for (String id : groupIds) out.add(consumers.describe(id));
      return CompletableFuture.completedFuture(out);
    }, e -> {
      List<ConsumerGroupDescribeResponseData.DescribedGroup> out = new ArrayList<>();
      for (String id : groupIds) {
        out.add(new ConsumerGroupDescribeResponseData.DescribedGroup().setGroupId(id)
            .setErrorCode(GroupContext.storeError(e).code()));
      }
      return out;
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Admin

  /** DescribeGroups; an unknown group is described as Dead with no members. */
  public CompletableFuture<List<DescribedGroup>> describeGroups(List<String> groupIds) {
    return ctx.thread.call(() -> {
      List<DescribedGroup> out = new ArrayList<>();
      for (String id : groupIds) out.add(admin.describe(id));
      return CompletableFuture.completedFuture(out);
    }, e -> {
      List<DescribedGroup> out = new ArrayList<>();
      for (String id : groupIds) {
        out.add(new DescribedGroup().setGroupId(id).setErrorCode(GroupContext.storeError(e).code()));
      }
      return out;
    });
  }

  /** ListGroups, filtered by state names and group types; an empty filter matches everything. */
  public CompletableFuture<ListGroupsResponseData> listGroups(List<String> states, List<String> types) {
    return ctx.thread.call(() -> CompletableFuture.completedFuture(admin.list(states, types)),
        e -> new ListGroupsResponseData().setErrorCode(GroupContext.storeError(e).code()));
  }

  /** DeleteGroups: only groups without members; their offsets and metadata get tombstones. */
  public CompletableFuture<DeletableGroupResultCollection> deleteGroups(List<String> groupIds) {
    return ctx.thread.call(() -> admin.delete(groupIds), e -> {
      DeletableGroupResultCollection out = new DeletableGroupResultCollection();
      for (String id : new java.util.LinkedHashSet<>(groupIds)) {
        out.add(new DeletableGroupResult().setGroupId(id).setErrorCode(GroupContext.storeError(e).code()));
      }
      return out;
    });
  }

  /** OffsetDelete: removes committed offsets of partitions the group does not consume. */
  public CompletableFuture<OffsetDeleteResponseData> deleteOffsets(OffsetDeleteRequestData req) {
    return ctx.thread.call(() -> admin.deleteOffsets(req),
        e -> new OffsetDeleteResponseData().setErrorCode(GroupContext.storeError(e).code()));
  }

  /** Whether this coordinator serves the groups of {@code partition} now: it leads it and loaded it. Any thread. */
  public boolean serves(int partition) {
    return ctx.terms.isLoaded(partition) && ctx.leadsNow.test(partition);
  }

  /** Completes when the next partition's load is applied, so {@link #serves} may answer otherwise. */
  public CompletableFuture<Void> nextPartitionServed() {
    return ctx.terms.nextLoad();
  }

  /** True when no partition of __consumer_offsets is being loaded (readiness). Any thread. */
  public boolean isLoaded() {
    return !ctx.terms.anyLoading();
  }

  /**
   * The number of groups this coordinator holds (loaded and live), for the NumGroups gauge: read
   * without the coordinator thread, so possibly a moment stale. Any thread.
   */
  public int groupCount() {
    return ctx.groups.size();
  }

  /** Sends the coordinator's events to {@code sensors} and its partitions' load times to {@code loadTimes} (µs). */
  public void instrument(GroupSensors sensors, java.util.function.LongConsumer loadTimes) {
    ctx.sensors = sensors;
    ctx.terms.onLoadTime(loadTimes);
  }

  /** Partitions of __consumer_offsets served and loaded ({@code true}) or still loading. Any thread. */
  public int partitionCount(boolean loaded) {
    return ctx.terms.count(loaded);
  }

  /** What the coordinator holds, for the gauges: groups by protocol, classic groups by state, offsets. */
  public record Stats(int classicGroups, int consumerGroups, Map<GroupState, Integer> classicByState, int offsets) {
    static final Stats NONE = new Stats(0, 0, Map.of(), 0);

    public int classicIn(GroupState state) {
      return classicByState.getOrDefault(state, 0);
    }
  }

  /** Counts what the coordinator holds, on its thread. */
  public CompletableFuture<Stats> stats() {
    return ctx.thread.call(() -> {
      int classicGroups = 0;
      int consumerGroups = 0;
      Map<GroupState, Integer> byState = new java.util.EnumMap<>(GroupState.class);
      for (Group g : ctx.groups.values()) {
        switch (g) {
          case ClassicGroup c -> {
            classicGroups++;
            byState.merge(c.state, 1, Integer::sum);
          }
          case ConsumerGroup c -> consumerGroups++;
        }
      }
      return CompletableFuture.completedFuture(new Stats(classicGroups, consumerGroups, byState, offsets.count()));
    }, e -> Stats.NONE);
  }

  // ---------------------------------------------------------------------------------------------
  // For tests

  /** The classic group {@code groupId}, or null. Coordinator thread. */
  ClassicGroup group(String groupId) {
    return ctx.classic(groupId);
  }

  /** The committed offsets of {@code groupId}. Coordinator thread. */
  Map<TopicPartition, CommittedOffset> offsets(String groupId) {
    return offsets.offsets(groupId);
  }

  /** The consumer group {@code groupId}, or null. Coordinator thread. */
  ConsumerGroup consumerGroup(String groupId) {
    return ctx.consumer(groupId);
  }
}
