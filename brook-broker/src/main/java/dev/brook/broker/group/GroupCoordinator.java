package dev.brook.broker.group;

import static dev.brook.broker.group.GroupState.COMPLETING_REBALANCE;
import static dev.brook.broker.group.GroupState.DEAD;
import static dev.brook.broker.group.GroupState.EMPTY;
import static dev.brook.broker.group.GroupState.PREPARING_REBALANCE;
import static dev.brook.broker.group.GroupState.STABLE;

import dev.brook.broker.group.GroupRecord.GroupMetadataRecord;
import dev.brook.broker.group.GroupRecord.GroupSnapshot;
import dev.brook.broker.group.GroupRecord.MemberSnapshot;
import dev.brook.broker.group.GroupRecord.OffsetRecord;
import dev.brook.broker.group.GroupRecord.TransactionalOffsetRecord;
import dev.brook.broker.group.GroupRecord.TxnMarker;
import dev.brook.storage.Clock;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResultCollection;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroupMember;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupResponseData.MemberResponse;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponsePartition;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponseTopic;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestPartition;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopic;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponsePartition;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponsePartitionCollection;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponseTopic;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponseTopicCollection;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classic group coordinator: membership and rebalances (JoinGroup, SyncGroup, Heartbeat,
 * LeaveGroup), committed offsets, transactional offsets (TxnOffsetCommit: pending per producer
 * until the transaction's marker reaches the group's partition, see {@link #onTxnMarker}), and the
 * admin view of groups, with its state kept in __consumer_offsets through a {@link GroupLog}.
 *
 * <p>Threading: every public method may be called from any thread (typically a Netty event loop);
 * it hands its work to the {@link GroupScheduler}'s single thread and returns a future that
 * completes there, possibly much later (a JoinGroup waits for the rebalance). All group state is
 * read and changed only on that thread.
 *
 * <p>Loading: a group maps to partition {@code abs(groupId.hashCode()) % offsets.topic.num.partitions}
 * of __consumer_offsets (Kafka's formula, so tools agree). The coordinator serves the groups of the
 * partitions it owns: all of them after {@link #startup}, or, after {@link #startOnLeadership},
 * those whose partition this broker leads ({@link #onBecomeLeader} / {@link #onResign}). Requests
 * for a group get NOT_COORDINATOR when its partition is not owned, and COORDINATOR_LOAD_IN_PROGRESS
 * until the partition has been replayed. Ownership is kept in a concurrent map (read from any
 * thread); the groups themselves are loaded and unloaded on the coordinator thread.
 */
public final class GroupCoordinator {
  private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);

  /** The protocol type of consumers (subscriptions are parsed for OffsetDelete). */
  static final String CONSUMER_PROTOCOL_TYPE = "consumer";

  private final GroupCoordinatorConfig config;
  private final GroupScheduler scheduler;
  private final GroupLog groupLog;
  private final Clock clock;
  private final Map<String, ClassicGroup> groups = new HashMap<>();
  /**
   * The partitions served, each with the load that made it (loaded or not yet). Absent: not served
   * (NOT_COORDINATOR). Changed by the leadership callbacks (any thread) and by loads completing
   * (coordinator thread).
   */
  private final java.util.concurrent.ConcurrentHashMap<Integer, Ownership> owned = new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong loadIds = new java.util.concurrent.atomic.AtomicLong();
  /** Where partition logs are read when loads are driven by leadership; null until then. */
  private volatile Executor loader;
  /** Whether this broker may act as leader of a partition now (false while its cluster session is lost). */
  private volatile java.util.function.IntPredicate leadsNow = p -> true;
  private final Supplier<String> memberIdSuffix;
  private TopicLookup topics = TopicLookup.NONE;

  public GroupCoordinator(
      GroupCoordinatorConfig config, GroupScheduler scheduler, GroupLog groupLog, Clock clock) {
    this(config, scheduler, groupLog, clock, () -> UUID.randomUUID().toString());
  }

  /** The topics KIP-848 groups subscribe to (set once, before serving). */
  public GroupCoordinator withTopics(TopicLookup topics) {
    this.topics = topics;
    return this;
  }

  GroupCoordinator(
      GroupCoordinatorConfig config,
      GroupScheduler scheduler,
      GroupLog groupLog,
      Clock clock,
      Supplier<String> memberIdSuffix) {
    this.config = config;
    this.scheduler = scheduler;
    this.groupLog = groupLog;
    this.clock = clock;
    this.memberIdSuffix = memberIdSuffix;
    for (int p = 0; p < config.offsetsTopicPartitions(); p++) owned.put(p, new Ownership(loadIds.incrementAndGet(), -1, false));
  }

  /**
   * One term of serving a partition: {@code id} identifies the load (a later leadership term starts
   * another), {@code loaded} is true once its groups are replayed.
   */
  private record Ownership(long id, int leaderEpoch, boolean loaded) {}

  /** The __consumer_offsets partition that holds {@code groupId}. */
  public int partitionFor(String groupId) {
    return Utils.abs(groupId.hashCode()) % config.offsetsTopicPartitions();
  }

  // ---------------------------------------------------------------------------------------------
  // Loading and expiry

  /**
   * Loads every partition of __consumer_offsets: reads run on {@code loader} (off the coordinator
   * thread), and each partition is applied on the coordinator thread as it completes. Also starts
   * the periodic offset-expiry duty. The returned future completes when all partitions are loaded.
   */
  public CompletableFuture<Void> startup(Executor loader) {
    List<CompletableFuture<Void>> loads = new ArrayList<>();
    for (int p = 0; p < config.offsetsTopicPartitions(); p++) {
      loads.add(load(p, owned.get(p), loader));
    }
    scheduleExpiry();
    return CompletableFuture.allOf(loads.toArray(CompletableFuture[]::new));
  }

  /**
   * Serves no partition until told this broker leads it ({@link #onBecomeLeader}); loads then run
   * on {@code loader}. Also starts the periodic offset-expiry duty. Call once, instead of {@link
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
  public void startOnLeadership(Executor loader, java.util.function.IntPredicate leadsNow) {
    this.leadsNow = leadsNow;
    this.loader = loader;
    owned.clear();
    scheduleExpiry();
  }

  /**
   * This broker now leads partition {@code partition} of __consumer_offsets in {@code leaderEpoch}:
   * its groups load in the background (COORDINATOR_LOAD_IN_PROGRESS meanwhile). A new epoch of a
   * partition already loaded keeps its groups (this broker led it all along, as Kafka assumes).
   * Must not block: called on the thread that changed the leadership.
   */
  public void onBecomeLeader(int partition, int leaderEpoch) {
    Executor l = loader;
    if (l == null || partition < 0 || partition >= config.offsetsTopicPartitions()) {
      log.warn("Ignoring leadership of __consumer_offsets-{} (partitions {}, leadership-driven: {})", partition,
          config.offsetsTopicPartitions(), l != null);
      return;
    }
    Ownership now = owned.compute(partition, (p, prev) -> prev != null && prev.loaded()
        ? new Ownership(prev.id(), leaderEpoch, true)
        : new Ownership(loadIds.incrementAndGet(), leaderEpoch, false));
    if (!now.loaded()) {
      log.debug("Loading the groups of __consumer_offsets-{} (leader epoch {})", partition, leaderEpoch);
      load(partition, now, l);
    }
  }

  /**
   * This broker no longer leads partition {@code partition}: its groups are dropped from memory
   * (waiting joins and syncs answer NOT_COORDINATOR, and every later request for them too, so
   * clients find the new coordinator). Must not block.
   */
  public void onResign(int partition) {
    if (owned.remove(partition) == null) return;
    scheduler.execute(() -> {
      Ownership o = owned.get(partition);
      if (o == null || !o.loaded()) unload(partition);
    });
  }

  /**
   * Reads {@code partition} on {@code loader} and replays it on the coordinator thread, if {@code
   * term} still owns the partition then. Completes once applied or abandoned.
   */
  private CompletableFuture<Void> load(int partition, Ownership term, Executor loader) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    loader.execute(
        () -> {
          List<GroupRecord> records;
          try {
            records = groupLog.read(partition);
          } catch (Exception e) {
            log.error("Could not load __consumer_offsets-{}; its groups stay unavailable", partition, e);
            done.completeExceptionally(e);
            return;
          }
          scheduler.execute(
              () -> {
                if (owned.get(partition) == term) { // else resigned or re-elected meanwhile
                  List<TxnMarker> landed = markersWhileLoading.remove(partition);
                  unload(partition); // anything left from an earlier term
                  Set<Long> read = replay(partition, records);
                  owned.replace(partition, term, new Ownership(term.id(), term.leaderEpoch(), true));
                  if (landed != null) {
                    for (TxnMarker m : landed) {
                      if (!read.contains(m.logOffset())) endTransaction(partition, m.producerId(), m.commit());
                    }
                  }
                }
                done.complete(null);
              });
        });
    return done;
  }

  /** Drops the groups of {@code partition} from memory, ending what waits on them. Coordinator thread. */
  private void unload(int partition) {
    pendingTxnOffsets.remove(partition);
    markersWhileLoading.remove(partition);
    int dropped = 0;
    for (ClassicGroup g : List.copyOf(groups.values())) {
      if (partitionFor(g.groupId) != partition) continue;
      groups.remove(g.groupId);
      retire(g);
      dropped++;
    }
    if (dropped > 0) log.info("Unloaded {} groups of __consumer_offsets-{}", dropped, partition);
  }

  /** Ends a group this coordinator no longer serves: timers off, waiting members told NOT_COORDINATOR. */
  private void retire(ClassicGroup g) {
    g.unloaded = true;
    g.joinTimerEpoch++;
    g.joinTimer.cancel();
    g.syncTimer.cancel();
    for (GroupMember m : g.members.values()) {
      m.heartbeatTimer.cancel();
      m.heartbeatEpoch++;
      if (m.awaitingJoin != null) {
        m.awaitingJoin.complete(joinError(m.memberId, Errors.NOT_COORDINATOR));
        m.awaitingJoin = null;
      }
      if (m.awaitingSync != null) {
        m.awaitingSync.complete(syncError(Errors.NOT_COORDINATOR));
        m.awaitingSync = null;
      }
    }
    if (g.consumer != null) {
      for (ConsumerGroup.Member m : g.consumer.members.values()) {
        m.sessionTimer.cancel();
        m.revocationTimer.cancel();
      }
      g.consumer = null; // its timers check this
    }
    g.transitionTo(DEAD, clock.milliseconds());
  }

  /** True if {@code partition} is served and loaded. */
  private boolean serves(int partition) {
    Ownership o = owned.get(partition);
    return o != null && o.loaded();
  }

  /**
   * Rebuilds the groups of {@code partition} from its records. Transactional offsets stay pending
   * until their producer's marker: COMMIT makes them committed at the marker's place in the log,
   * ABORT drops them, none leaves them pending. Returns the log offsets of the markers read.
   */
  private Set<Long> replay(int partition, List<GroupRecord> records) {
    Map<String, GroupSnapshot> snapshots = new LinkedHashMap<>();
    Map<String, Map<TopicPartition, CommittedOffset>> offsets = new LinkedHashMap<>();
    Map<Long, Map<String, Map<TopicPartition, CommittedOffset>>> pending = new HashMap<>();
    Set<Long> markers = new HashSet<>();
    for (GroupRecord r : records) {
      switch (r) {
        case TransactionalOffsetRecord t -> {
          if (t.offset().offset() != null) {
            pending.computeIfAbsent(t.producerId(), id -> new HashMap<>())
                .computeIfAbsent(t.groupId(), g -> new HashMap<>())
                .put(t.offset().partition(), t.offset().offset());
          }
        }
        case TxnMarker m -> {
          markers.add(m.logOffset());
          Map<String, Map<TopicPartition, CommittedOffset>> ended = pending.remove(m.producerId());
          if (ended != null && m.commit()) {
            ended.forEach((g, o) -> offsets.computeIfAbsent(g, x -> new HashMap<>()).putAll(o));
          }
        }
        case OffsetRecord o -> {
          Map<TopicPartition, CommittedOffset> m = offsets.computeIfAbsent(o.groupId(), g -> new HashMap<>());
          if (o.offset() == null) m.remove(o.partition());
          else m.put(o.partition(), o.offset());
        }
        case GroupMetadataRecord g -> {
          if (g.group() == null) {
            snapshots.remove(g.groupId());
            snapshots.put(g.groupId(), null);
          } else {
            snapshots.put(g.groupId(), g.group());
          }
        }        default -> {} // KIP-848 records: not yet replayed here
      }
    }
    long now = clock.milliseconds();
    Set<String> ids = new HashSet<>(snapshots.keySet());
    ids.addAll(offsets.keySet());
    int loaded = 0;
    for (String id : ids) {
      GroupSnapshot s = snapshots.get(id);
      Map<TopicPartition, CommittedOffset> o = offsets.getOrDefault(id, Map.of());
      if (s == null && o.isEmpty()) continue;
      ClassicGroup g = new ClassicGroup(id, now);
      g.offsets.putAll(o);
      if (s != null) restore(g, s);
      groups.put(id, g);
      loaded++;
    }
    if (!pending.isEmpty()) pendingTxnOffsets.put(partition, pending);
    if (loaded > 0) log.info("Loaded {} groups from __consumer_offsets-{} ({} records)", loaded, partition, records.size());
    return markers;
  }

  private void restore(ClassicGroup g, GroupSnapshot s) {
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
      scheduleSessionTimeout(g, m);
    }
    g.leaderId = g.members.containsKey(s.leaderId()) ? s.leaderId() : g.members.keySet().iterator().next();
    g.state = STABLE;
  }

  private void scheduleExpiry() {
    scheduler.schedule(
        config.offsetsRetentionCheckIntervalMs(),
        () -> {
          expireOffsets();
          scheduleExpiry();
        });
  }

  /**
   * Removes expired offsets: those with an explicit expiry time in the past, and, for groups
   * without members, all offsets committed more than offsets.retention.minutes before now and
   * before the group became empty. A group left with neither members nor offsets is deleted.
   */
  void expireOffsets() {
    long now = clock.milliseconds();
    for (ClassicGroup g : List.copyOf(groups.values())) {
      if (!serves(partitionFor(g.groupId))) continue;
      List<GroupRecord> tombstones = new ArrayList<>();
      for (Map.Entry<TopicPartition, CommittedOffset> e : g.offsets.entrySet()) {
        CommittedOffset o = e.getValue();
        boolean expired =
            o.expireTimestamp() >= 0
                ? now >= o.expireTimestamp()
                : isEmptyGroup(g)
                    && now >= Math.max(o.commitTimestamp(), g.stateTimestamp) + config.offsetsRetentionMs();
        if (expired) tombstones.add(new OffsetRecord(g.groupId, e.getKey(), null));
      }
      boolean deleteGroup = isEmptyGroup(g) && tombstones.size() == g.offsets.size();
      if (deleteGroup) tombstones.add(new GroupMetadataRecord(g.groupId, null));
      if (tombstones.isEmpty()) continue;
      append(g, tombstones)
          .whenComplete(
              (v, e) ->
                  scheduler.execute(
                      () -> {
                        if (e != null) {
                          log.warn("Could not expire offsets of group {}", g.groupId, e);
                          return;
                        }
                        for (GroupRecord r : tombstones) {
                          if (r instanceof OffsetRecord o) g.offsets.remove(o.partition());
                        }
                        if (deleteGroup && isEmptyGroup(g) && g.offsets.isEmpty() && groups.get(g.groupId) == g) {
                          g.transitionTo(DEAD, now);
                          groups.remove(g.groupId);
                        }
                      }));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // JoinGroup

  /**
   * JoinGroup: completes when the member's next generation starts (or at once with an error, or
   * with MEMBER_ID_REQUIRED for a first join at v4+, KIP-394).
   */
  public CompletableFuture<JoinGroupResponseData> joinGroup(
      JoinGroupRequestData req, short version, String clientId, String clientHost) {
    CompletableFuture<JoinGroupResponseData> future = new CompletableFuture<>();
    scheduler.execute(() -> doJoin(req, version, clientId, clientHost, future));
    return future;
  }

  private static JoinGroupResponseData joinError(String memberId, Errors error) {
    return new JoinGroupResponseData()
        .setErrorCode(error.code())
        .setMemberId(memberId)
        .setGenerationId(-1)
        .setProtocolName(null)
        .setLeader("");
  }

  private void doJoin(
      JoinGroupRequestData req,
      short version,
      String clientId,
      String clientHost,
      CompletableFuture<JoinGroupResponseData> future) {
    String groupId = req.groupId();
    String memberId = req.memberId();
    Errors invalid = validateGroupId(groupId);
    if (invalid != Errors.NONE) {
      future.complete(joinError(memberId, invalid));
      return;
    }
    if (req.sessionTimeoutMs() < config.minSessionTimeoutMs()
        || req.sessionTimeoutMs() > config.maxSessionTimeoutMs()) {
      future.complete(joinError(memberId, Errors.INVALID_SESSION_TIMEOUT));
      return;
    }
    if (req.groupInstanceId() != null && req.groupInstanceId().isEmpty()) {
      future.complete(joinError(memberId, Errors.INVALID_REQUEST));
      return;
    }
    ClassicGroup group = groups.get(groupId);
    if (group == null) {
      if (!memberId.isEmpty()) {
        future.complete(joinError(memberId, Errors.UNKNOWN_MEMBER_ID));
        return;
      }
      group = new ClassicGroup(groupId, clock.milliseconds());
      groups.put(groupId, group);
    }
    if (group.is(DEAD)) {
      // Deleted while the request waited: make the client look for the coordinator again.
      future.complete(joinError(memberId, Errors.COORDINATOR_NOT_AVAILABLE));
      return;
    }
    if (group.consumer != null) {
      if (!group.consumer.members.isEmpty()) {
        future.complete(joinError(memberId, Errors.INCONSISTENT_GROUP_PROTOCOL));
        return;
      }
      group.consumer = null; // an empty consumer-protocol group becomes classic again
    }
    if (!memberId.isEmpty()
        && !group.members.containsKey(memberId)
        && !group.pendingMembers.contains(memberId)
        && req.groupInstanceId() == null) {
      future.complete(joinError(memberId, Errors.UNKNOWN_MEMBER_ID));
      return;
    }
    boolean isNewMember = !group.members.containsKey(memberId);
    if (isNewMember
        && req.groupInstanceId() == null
        && group.members.size() + group.pendingMembers.size() >= config.maxGroupSize()
        && !group.pendingMembers.contains(memberId)) {
      future.complete(joinError(memberId, Errors.GROUP_MAX_SIZE_REACHED));
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
    if (group.is(EMPTY) && group.members.isEmpty() && group.offsets.isEmpty() && group.pendingMembers.isEmpty()
        && group.generationId == 0) {
      // A rejected first join must not leave a phantom group behind.
      groups.remove(groupId);
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
      future.complete(joinError("", Errors.INCONSISTENT_GROUP_PROTOCOL));
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
      scheduler.schedule(sessionTimeout, () -> expirePendingMember(group, newMemberId));
      future.complete(joinError(newMemberId, Errors.MEMBER_ID_REQUIRED));
      return;
    }
    addMemberAndRebalance(group, newMemberId, req, version, clientId, clientHost, rebalanceTimeout, protocols,
        future);
  }

  private void expirePendingMember(ClassicGroup group, String memberId) {
    if (group.pendingMembers.remove(memberId) && group.is(PREPARING_REBALANCE)) {
      maybeCompleteJoin(group);
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
        future.complete(joinError(memberId, Errors.INCONSISTENT_GROUP_PROTOCOL));
        return;
      }
      addMemberAndRebalance(group, memberId, req, version, clientId, clientHost, rebalanceTimeout, protocols,
          future);
      return;
    }
    Errors fenced = checkStatic(group, memberId, instanceId);
    if (fenced != Errors.NONE) {
      future.complete(joinError(memberId, fenced));
      return;
    }
    GroupMember member = group.members.get(memberId);
    if (member == null) {
      future.complete(joinError(memberId, Errors.UNKNOWN_MEMBER_ID));
      return;
    }
    if (!group.supportsProtocols(memberId, req.protocolType(), protocols)) {
      future.complete(joinError(memberId, Errors.INCONSISTENT_GROUP_PROTOCOL));
      return;
    }
    switch (group.state) {
      case PREPARING_REBALANCE ->
          updateMemberAndRebalance(group, member, version, clientId, clientHost, rebalanceTimeout,
              req.sessionTimeoutMs(), protocols, future);
      case COMPLETING_REBALANCE -> {
        if (member.sameProtocols(protocols)) {
          // A retried join: answer with the generation already formed.
          future.complete(joinResponse(group, member, version, false));
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
          future.complete(joinResponse(group, member, version, false));
        }
      }
      case EMPTY, DEAD -> future.complete(joinError(memberId, Errors.UNKNOWN_MEMBER_ID));
    }
  }

  /** For a request naming an instance id: the member id must be that instance's current one. */
  private static Errors checkStatic(ClassicGroup group, String memberId, String instanceId) {
    if (instanceId == null) return Errors.NONE;
    String current = group.staticMembers.get(instanceId);
    if (current == null) return Errors.UNKNOWN_MEMBER_ID;
    return current.equals(memberId) ? Errors.NONE : Errors.FENCED_INSTANCE_ID;
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
    scheduleSessionTimeout(group, member);
    if (group.is(PREPARING_REBALANCE)) {
      maybeCompleteJoin(group);
    } else {
      prepareRebalance(group, "member " + memberId + " joined");
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
      member.awaitingJoin.complete(joinError(member.memberId, Errors.REBALANCE_IN_PROGRESS));
    }
    member.protocols = protocols;
    member.clientId = clientId;
    member.clientHost = clientHost;
    member.rebalanceTimeoutMs = rebalanceTimeout;
    member.sessionTimeoutMs = sessionTimeout;
    member.awaitingJoin = future;
    member.joinVersion = version;
    scheduleSessionTimeout(group, member);
    if (group.is(PREPARING_REBALANCE)) {
      maybeCompleteJoin(group);
    } else {
      prepareRebalance(group, "member " + member.memberId + " rejoined with new metadata");
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
      member.awaitingJoin.complete(joinError(oldMemberId, Errors.FENCED_INSTANCE_ID));
      member.awaitingJoin = null;
    }
    if (member.awaitingSync != null) {
      member.awaitingSync.complete(syncError(Errors.FENCED_INSTANCE_ID));
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
    scheduleSessionTimeout(group, member);
    boolean leaderWithoutSkip = group.isLeader(newMemberId) && version < 9;
    if (group.is(STABLE) && sameProtocols && !leaderWithoutSkip) {
      // KIP-345: a restarted static member gets its old assignment back without a rebalance.
      int generation = group.generationId;
      append(group, List.of(new GroupMetadataRecord(group.groupId, snapshot(group))))
          .whenComplete(
              (v, e) ->
                  scheduler.execute(
                      () -> {
                        if (e != null) {
                          future.complete(joinError(newMemberId, storeError(e)));
                        } else if (group.generationId != generation || !group.members.containsKey(newMemberId)) {
                          future.complete(joinError(newMemberId, Errors.REBALANCE_IN_PROGRESS));
                        } else {
                          future.complete(joinResponse(group, member, version, group.isLeader(newMemberId)));
                        }
                      }));
      return;
    }
    updateMemberAndRebalance(group, member, version, clientId, clientHost, rebalanceTimeout,
        req.sessionTimeoutMs(), protocols, future);
  }

  private JoinGroupResponseData joinResponse(
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

  private void prepareRebalance(ClassicGroup group, String reason) {
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
    boolean initial = group.is(EMPTY) && config.initialRebalanceDelayMs() > 0;
    group.transitionTo(PREPARING_REBALANCE, clock.milliseconds());
    log.debug("Group {} rebalancing (generation {}): {}", group.groupId, group.generationId, reason);
    long epoch = ++group.joinTimerEpoch;
    group.joinTimer.cancel();
    if (initial) {
      group.initialDelayActive = true;
      group.newMemberAdded = false;
      int delay = Math.min(config.initialRebalanceDelayMs(), group.maxRebalanceTimeoutMs());
      int remaining = Math.max(0, group.maxRebalanceTimeoutMs() - delay);
      group.joinTimer = scheduler.schedule(delay, () -> initialDelayExpired(group, epoch, remaining));
    } else {
      group.initialDelayActive = false;
      group.joinTimer =
          scheduler.schedule(group.maxRebalanceTimeoutMs(), () -> joinTimeout(group, epoch));
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
      int delay = Math.min(config.initialRebalanceDelayMs(), remaining);
      long next = ++group.joinTimerEpoch;
      group.joinTimer = scheduler.schedule(delay, () -> initialDelayExpired(group, next, remaining - delay));
      return;
    }
    group.initialDelayActive = false;
    completeJoin(group);
  }

  private void joinTimeout(ClassicGroup group, long epoch) {
    if (group.joinTimerEpoch != epoch || !group.is(PREPARING_REBALANCE)) return;
    completeJoin(group);
  }

  private void maybeCompleteJoin(ClassicGroup group) {
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
    long now = clock.milliseconds();
    if (group.members.isEmpty()) {
      group.protocolName = null;
      group.leaderId = null;
      group.transitionTo(EMPTY, now);
      append(group, List.of(new GroupMetadataRecord(group.groupId, snapshot(group))))
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
    group.syncTimer = scheduler.schedule(group.maxRebalanceTimeoutMs(), () -> syncTimeout(group, generation));
    log.debug("Group {} generation {} formed with {} members, protocol {}", group.groupId, generation,
        group.members.size(), group.protocolName);
  }

  private void syncTimeout(ClassicGroup group, int generation) {
    if (group.generationId != generation || groups.get(group.groupId) != group) return;
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

  // ---------------------------------------------------------------------------------------------
  // SyncGroup

  public CompletableFuture<SyncGroupResponseData> syncGroup(SyncGroupRequestData req, short version) {
    CompletableFuture<SyncGroupResponseData> future = new CompletableFuture<>();
    scheduler.execute(() -> doSync(req, future));
    return future;
  }

  private static SyncGroupResponseData syncError(Errors error) {
    return new SyncGroupResponseData().setErrorCode(error.code()).setAssignment(new byte[0]);
  }

  private void doSync(SyncGroupRequestData req, CompletableFuture<SyncGroupResponseData> future) {
    Errors invalid = validateGroupId(req.groupId());
    if (invalid != Errors.NONE) {
      future.complete(syncError(invalid));
      return;
    }
    ClassicGroup group = groups.get(req.groupId());
    if (group == null) {
      future.complete(syncError(Errors.UNKNOWN_MEMBER_ID));
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
    append(group, List.of(new GroupMetadataRecord(group.groupId, snapshot(group))))
        .whenComplete(
            (v, e) ->
                scheduler.execute(
                    () -> {
                      if (group.generationId != generation || !group.is(COMPLETING_REBALANCE)) return;
                      if (e != null) {
                        Errors error = storeError(e);
                        for (GroupMember m : group.members.values()) {
                          m.assignment = new byte[0];
                          if (m.awaitingSync != null) {
                            m.awaitingSync.complete(syncError(error));
                            m.awaitingSync = null;
                          }
                        }
                        prepareRebalance(group, "could not store the assignment: " + e);
                        return;
                      }
                      group.transitionTo(STABLE, clock.milliseconds());
                      for (GroupMember m : group.members.values()) {
                        if (m.awaitingSync != null) {
                          m.awaitingSync.complete(syncSuccess(group, m));
                          m.awaitingSync = null;
                          m.pendingSync = false;
                        } else {
                          m.pendingSync = true;
                        }
                      }
                    }));
  }

  // ---------------------------------------------------------------------------------------------
  // Heartbeat, session timeouts, LeaveGroup

  public CompletableFuture<Errors> heartbeat(HeartbeatRequestData req) {
    CompletableFuture<Errors> future = new CompletableFuture<>();
    scheduler.execute(() -> future.complete(doHeartbeat(req)));
    return future;
  }

  private Errors doHeartbeat(HeartbeatRequestData req) {
    Errors invalid = validateGroupId(req.groupId());
    if (invalid != Errors.NONE) return invalid;
    ClassicGroup group = groups.get(req.groupId());
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
  private void scheduleSessionTimeout(ClassicGroup group, GroupMember member) {
    member.heartbeatTimer.cancel();
    long epoch = ++member.heartbeatEpoch;
    member.heartbeatTimer =
        scheduler.schedule(member.sessionTimeoutMs, () -> sessionExpired(group, member, epoch));
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

  private void removeMember(ClassicGroup group, GroupMember member) {
    member.heartbeatTimer.cancel();
    member.heartbeatEpoch++;
    if (member.awaitingJoin != null) {
      member.awaitingJoin.complete(joinError(member.memberId, Errors.UNKNOWN_MEMBER_ID));
      member.awaitingJoin = null;
    }
    if (member.awaitingSync != null) {
      member.awaitingSync.complete(syncError(Errors.UNKNOWN_MEMBER_ID));
      member.awaitingSync = null;
    }
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

  /**
   * LeaveGroup: removes each listed member (a static one by instance id; a member id given with it
   * must match). Answers per member, in request order; one rebalance follows.
   */
  public CompletableFuture<LeaveGroupResponseData> leaveGroup(String groupId, List<MemberIdentity> members) {
    CompletableFuture<LeaveGroupResponseData> future = new CompletableFuture<>();
    scheduler.execute(() -> future.complete(doLeave(groupId, members)));
    return future;
  }

  private LeaveGroupResponseData doLeave(String groupId, List<MemberIdentity> identities) {
    LeaveGroupResponseData response = new LeaveGroupResponseData();
    Errors invalid = validateGroupId(groupId);
    if (invalid != Errors.NONE) return response.setErrorCode(invalid.code());
    ClassicGroup group = groups.get(groupId);
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

  // ---------------------------------------------------------------------------------------------
  // Offsets

  /**
   * OffsetCommit. Topic names must be resolved (v10 topic ids) by the caller. A commit with
   * generation -1 and no member id is an admin / simple-consumer commit, allowed only while the
   * group has no members.
   */
  public CompletableFuture<OffsetCommitResponseData> commitOffsets(OffsetCommitRequestData req, short version) {
    CompletableFuture<OffsetCommitResponseData> future = new CompletableFuture<>();
    scheduler.execute(() -> doCommit(req, version, future));
    return future;
  }

  private static OffsetCommitResponseData commitResponse(OffsetCommitRequestData req, Errors error) {
    OffsetCommitResponseData r = new OffsetCommitResponseData();
    for (OffsetCommitRequestTopic t : req.topics()) {
      OffsetCommitResponseTopic rt = new OffsetCommitResponseTopic().setName(t.name()).setTopicId(t.topicId());
      for (OffsetCommitRequestPartition p : t.partitions()) {
        rt.partitions().add(new OffsetCommitResponsePartition().setPartitionIndex(p.partitionIndex()).setErrorCode(error.code()));
      }
      r.topics().add(rt);
    }
    return r;
  }

  private void doCommit(OffsetCommitRequestData req, short version, CompletableFuture<OffsetCommitResponseData> future) {
    Errors error = validateGroupId(req.groupId());
    if (error != Errors.NONE) {
      future.complete(commitResponse(req, error));
      return;
    }
    boolean adminCommit = req.generationIdOrMemberEpoch() < 0 && req.memberId().isEmpty();
    ClassicGroup group = groups.get(req.groupId());
    if (group == null) {
      if (!adminCommit || req.groupInstanceId() != null) {
        future.complete(commitResponse(req, version >= 9 ? Errors.GROUP_ID_NOT_FOUND : Errors.ILLEGAL_GENERATION));
        return;
      }
      group = new ClassicGroup(req.groupId(), clock.milliseconds());
      groups.put(req.groupId(), group);
    }
    error = validateCommit(group, req, adminCommit);
    if (error != Errors.NONE) {
      future.complete(commitResponse(req, error));
      if (group.members.isEmpty() && group.offsets.isEmpty() && group.generationId == 0) groups.remove(group.groupId);
      return;
    }
    long now = clock.milliseconds();
    long expire = version <= 4 && req.retentionTimeMs() >= 0 ? now + req.retentionTimeMs() : -1;
    OffsetCommitResponseData response = new OffsetCommitResponseData();
    List<GroupRecord> records = new ArrayList<>();
    List<OffsetCommitResponsePartition> accepted = new ArrayList<>();
    for (OffsetCommitRequestTopic t : req.topics()) {
      OffsetCommitResponseTopic rt = new OffsetCommitResponseTopic().setName(t.name()).setTopicId(t.topicId());
      response.topics().add(rt);
      for (OffsetCommitRequestPartition p : t.partitions()) {
        OffsetCommitResponsePartition rp = new OffsetCommitResponsePartition().setPartitionIndex(p.partitionIndex());
        rt.partitions().add(rp);
        if (t.name() == null || t.name().isEmpty()) {
          rp.setErrorCode(Errors.UNKNOWN_TOPIC_ID.code());
        } else if (p.committedMetadata() != null && p.committedMetadata().length() > config.offsetMetadataMaxBytes()) {
          rp.setErrorCode(Errors.OFFSET_METADATA_TOO_LARGE.code());
        } else if (p.partitionIndex() < 0 || p.committedOffset() < 0) {
          rp.setErrorCode(Errors.INVALID_COMMIT_OFFSET_SIZE.code());
        } else {
          CommittedOffset o =
              new CommittedOffset(p.committedOffset(), p.committedLeaderEpoch(),
                  p.committedMetadata() == null ? "" : p.committedMetadata(), now, expire);
          records.add(new OffsetRecord(group.groupId, new TopicPartition(t.name(), p.partitionIndex()), o));
          accepted.add(rp);
        }
      }
    }
    if (!adminCommit && group.consumer == null) {
      GroupMember m = group.members.get(req.memberId());
      if (m != null && group.is(STABLE)) scheduleSessionTimeout(group, m);
    }
    if (records.isEmpty()) {
      future.complete(response);
      return;
    }
    ClassicGroup g = group;
    append(group, records)
        .whenComplete(
            (v, e) ->
                scheduler.execute(
                    () -> {
                      if (e != null) {
                        Errors stored = storeError(e);
                        for (OffsetCommitResponsePartition rp : accepted) rp.setErrorCode(stored.code());
                      } else {
                        for (GroupRecord r : records) {
                          OffsetRecord o = (OffsetRecord) r;
                          g.offsets.put(o.partition(), o.offset());
                        }
                        if (!g.unloaded && groups.get(g.groupId) != g) groups.put(g.groupId, g);
                      }
                      future.complete(response);
                    }));
  }

  private static Errors validateCommit(ClassicGroup group, OffsetCommitRequestData req, boolean adminCommit) {
    if (group.is(DEAD)) return Errors.COORDINATOR_NOT_AVAILABLE;
    if (adminCommit) {
      return isEmptyGroup(group) ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID;
    }
    if (group.consumer != null) {
      ConsumerGroup.Member m = group.consumer.members.get(req.memberId());
      if (m == null) return Errors.UNKNOWN_MEMBER_ID;
      return req.generationIdOrMemberEpoch() == m.epoch ? Errors.NONE : Errors.STALE_MEMBER_EPOCH;
    }
    Errors fenced = checkStatic(group, req.memberId(), req.groupInstanceId());
    if (fenced != Errors.NONE) return fenced;
    if (!group.members.containsKey(req.memberId())) return Errors.UNKNOWN_MEMBER_ID;
    if (req.generationIdOrMemberEpoch() != group.generationId) return Errors.ILLEGAL_GENERATION;
    if (group.is(COMPLETING_REBALANCE)) return Errors.REBALANCE_IN_PROGRESS;
    return Errors.NONE;
  }

  /**
   * OffsetFetch for one group: the listed partitions, or ({@code topics == null}) every committed
   * offset. A partition without a committed offset answers offset -1. With {@code requireStable}, a
   * partition whose newer offset an open transaction holds answers UNSTABLE_OFFSET_COMMIT.
   */
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
    CompletableFuture<OffsetFetchResponseGroup> future = new CompletableFuture<>();
    scheduler.execute(
        () -> {
          ClassicGroup g = groups.get(groupId);
          if (memberId != null && g != null && g.consumer != null) {
            ConsumerGroup.Member m = g.consumer.members.get(memberId);
            Errors e = m == null ? Errors.UNKNOWN_MEMBER_ID : m.epoch != memberEpoch ? Errors.STALE_MEMBER_EPOCH : Errors.NONE;
            if (e != Errors.NONE) {
              future.complete(new OffsetFetchResponseGroup().setGroupId(groupId).setErrorCode(e.code()));
              return;
            }
          }
          future.complete(doFetchOffsets(groupId, topics, requireStable));
        });
    return future;
  }

  private OffsetFetchResponseGroup doFetchOffsets(
      String groupId, List<OffsetFetchRequestTopics> topics, boolean requireStable) {
    OffsetFetchResponseGroup out = new OffsetFetchResponseGroup().setGroupId(groupId);
    Errors invalid = validateGroupId(groupId);
    if (invalid != Errors.NONE) return out.setErrorCode(invalid.code());
    ClassicGroup group = groups.get(groupId);
    Map<TopicPartition, CommittedOffset> offsets = group == null ? Map.of() : group.offsets;
    if (topics == null) {
      Map<String, OffsetFetchResponseTopics> byTopic = new java.util.TreeMap<>();
      offsets.forEach(
          (tp, o) ->
              byTopic
                  .computeIfAbsent(tp.topic(), t -> new OffsetFetchResponseTopics().setName(t))
                  .partitions()
                  .add(partitionOffset(tp.partition(), o)));
      byTopic.values().forEach(t -> t.partitions().sort(java.util.Comparator.comparingInt(OffsetFetchResponsePartitions::partitionIndex)));
      out.topics().addAll(byTopic.values());
      return out;
    }
    for (OffsetFetchRequestTopics t : topics) {
      OffsetFetchResponseTopics rt = new OffsetFetchResponseTopics().setName(t.name()).setTopicId(t.topicId());
      for (int p : t.partitionIndexes()) {
        TopicPartition tp = new TopicPartition(t.name(), p);
        OffsetFetchResponsePartitions rp = partitionOffset(p, offsets.get(tp));
        if (requireStable && hasPendingTxnOffset(groupId, tp)) {
          rp.setErrorCode(Errors.UNSTABLE_OFFSET_COMMIT.code()); // a transaction holds a newer offset
        }
        rt.partitions().add(rp);
      }
      out.topics().add(rt);
    }
    return out;
  }

  private static OffsetFetchResponsePartitions partitionOffset(int partition, CommittedOffset o) {
    OffsetFetchResponsePartitions r = new OffsetFetchResponsePartitions().setPartitionIndex(partition);
    if (o == null) return r.setCommittedOffset(-1).setCommittedLeaderEpoch(-1).setMetadata("");
    return r.setCommittedOffset(o.offset()).setCommittedLeaderEpoch(o.leaderEpoch()).setMetadata(o.metadata());
  }

  // ---------------------------------------------------------------------------------------------
  // Admin: describe, list, delete

  /** DescribeGroups; an unknown group is described as Dead with no members. */
  public CompletableFuture<List<DescribedGroup>> describeGroups(List<String> groupIds) {
    CompletableFuture<List<DescribedGroup>> future = new CompletableFuture<>();
    scheduler.execute(
        () -> {
          List<DescribedGroup> out = new ArrayList<>();
          for (String id : groupIds) out.add(describe(id));
          future.complete(out);
        });
    return future;
  }

  private DescribedGroup describe(String groupId) {
    DescribedGroup d = new DescribedGroup().setGroupId(groupId).setProtocolType("").setProtocolData("");
    Errors unavailable = checkAvailable(groupId);
    if (unavailable != Errors.NONE) {
      return d.setErrorCode(unavailable.code()).setGroupState(DEAD.displayName());
    }
    ClassicGroup g = groups.get(groupId);
    if (g == null || g.consumer != null) {
      return d.setGroupState(DEAD.displayName()).setErrorCode(Errors.GROUP_ID_NOT_FOUND.code());
    }
    d.setGroupState(g.state.displayName()).setProtocolType(g.protocolType == null ? "" : g.protocolType);
    boolean stable = g.is(STABLE);
    if (stable) d.setProtocolData(g.protocolName);
    for (GroupMember m : g.members.values()) {
      byte[] meta = stable ? m.metadata(g.protocolName) : null;
      d.members()
          .add(
              new DescribedGroupMember()
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
   * ListGroups, filtered by state names (case-insensitive) and group types ("classic"); an empty
   * filter matches everything.
   */
  public CompletableFuture<ListGroupsResponseData> listGroups(List<String> states, List<String> types) {
    CompletableFuture<ListGroupsResponseData> future = new CompletableFuture<>();
    scheduler.execute(
        () -> {
          ListGroupsResponseData r = new ListGroupsResponseData();
          if (owned.values().stream().anyMatch(o -> !o.loaded())) r.setErrorCode(Errors.COORDINATOR_LOAD_IN_PROGRESS.code());
          Set<String> stateFilter = new HashSet<>();
          for (String s : states) stateFilter.add(s.toLowerCase(java.util.Locale.ROOT));
          Set<String> typeFilter = new HashSet<>();
          for (String t : types) typeFilter.add(t.toLowerCase(java.util.Locale.ROOT));
          List<ClassicGroup> sorted = new ArrayList<>(groups.values());
          sorted.sort(java.util.Comparator.comparing(g -> g.groupId));
          for (ClassicGroup g : sorted) {
            String state = g.consumer == null ? g.state.displayName() : g.consumer.stateName();
            String type = g.consumer == null ? "classic" : "consumer";
            if (!stateFilter.isEmpty() && !stateFilter.contains(state.toLowerCase(java.util.Locale.ROOT))) continue;
            if (!typeFilter.isEmpty() && !typeFilter.contains(type)) continue;
            r.groups()
                .add(
                    new ListedGroup()
                        .setGroupId(g.groupId)
                        .setProtocolType(g.consumer != null ? CONSUMER_PROTOCOL_TYPE : g.protocolType == null ? "" : g.protocolType)
                        .setGroupState(state)
                        .setGroupType(type));
          }
          future.complete(r);
        });
    return future;
  }

  /** DeleteGroups: only groups without members; their offsets and metadata get tombstones. */
  public CompletableFuture<DeletableGroupResultCollection> deleteGroups(List<String> groupIds) {
    CompletableFuture<DeletableGroupResultCollection> future = new CompletableFuture<>();
    scheduler.execute(() -> doDeleteGroups(groupIds, future));
    return future;
  }

  private void doDeleteGroups(List<String> groupIds, CompletableFuture<DeletableGroupResultCollection> future) {
    DeletableGroupResultCollection results = new DeletableGroupResultCollection();
    List<CompletableFuture<Void>> pending = new ArrayList<>();
    for (String id : new java.util.LinkedHashSet<>(groupIds)) {
      DeletableGroupResult r = new DeletableGroupResult().setGroupId(id);
      results.add(r);
      Errors error = checkAvailable(id);
      ClassicGroup g = groups.get(id);
      if (error != Errors.NONE) {
        r.setErrorCode(error.code());
      } else if (g == null || g.is(DEAD)) {
        r.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code());
      } else if (!isEmptyGroup(g)) {
        r.setErrorCode(Errors.NON_EMPTY_GROUP.code());
      } else {
        List<GroupRecord> tombstones = new ArrayList<>();
        for (TopicPartition tp : g.offsets.keySet()) tombstones.add(new OffsetRecord(id, tp, null));
        tombstones.add(new GroupMetadataRecord(id, null));
        g.transitionTo(DEAD, clock.milliseconds());
        groups.remove(id);
        CompletableFuture<Void> done = new CompletableFuture<>();
        pending.add(done);
        append(g, tombstones)
            .whenComplete(
                (v, e) ->
                    scheduler.execute(
                        () -> {
                          if (e != null) {
                            r.setErrorCode(storeError(e).code());
                            // Not durably deleted: keep serving the group as it was.
                            if (!groups.containsKey(id) && checkAvailable(id) == Errors.NONE) {
                              g.transitionTo(EMPTY, clock.milliseconds());
                              groups.put(id, g);
                            }
                          }
                          done.complete(null);
                        }));
      }
    }
    CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).thenRun(() -> future.complete(results));
  }

  /**
   * OffsetDelete: removes committed offsets of partitions the group does not consume (all of them
   * if the group is empty). Partitions of topics a member subscribes to answer
   * GROUP_SUBSCRIBED_TO_TOPIC.
   */
  public CompletableFuture<OffsetDeleteResponseData> deleteOffsets(OffsetDeleteRequestData req) {
    CompletableFuture<OffsetDeleteResponseData> future = new CompletableFuture<>();
    scheduler.execute(() -> doDeleteOffsets(req, future));
    return future;
  }

  private void doDeleteOffsets(OffsetDeleteRequestData req, CompletableFuture<OffsetDeleteResponseData> future) {
    OffsetDeleteResponseData response = new OffsetDeleteResponseData();
    Errors error = validateGroupId(req.groupId());
    ClassicGroup g = groups.get(req.groupId());
    if (error == Errors.NONE && (g == null || g.is(DEAD))) error = Errors.GROUP_ID_NOT_FOUND;
    Set<String> subscribed = new HashSet<>();
    if (error == Errors.NONE && g.consumer != null) {
      for (ConsumerGroup.Member m : g.consumer.members.values()) subscribed.addAll(ConsumerGroup.subscribedTopics(m, topics));
    } else if (error == Errors.NONE && !g.is(EMPTY)) {
      if (!CONSUMER_PROTOCOL_TYPE.equals(g.protocolType)) {
        error = Errors.NON_EMPTY_GROUP;
      } else {
        subscribed = subscribedTopics(g);
      }
    }
    if (error != Errors.NONE) {
      future.complete(response.setErrorCode(error.code()));
      return;
    }
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
          if (g.offsets.containsKey(tp)) tombstones.add(new OffsetRecord(g.groupId, tp, null));
        }
        parts.add(rp);
      }
      topics.add(new OffsetDeleteResponseTopic().setName(t.name()).setPartitions(parts));
    }
    response.setTopics(topics);
    if (tombstones.isEmpty()) {
      future.complete(response);
      return;
    }
    append(g, tombstones)
        .whenComplete(
            (v, e) ->
                scheduler.execute(
                    () -> {
                      if (e != null) {
                        future.complete(new OffsetDeleteResponseData().setErrorCode(storeError(e).code()));
                        return;
                      }
                      for (GroupRecord r : tombstones) g.offsets.remove(((OffsetRecord) r).partition());
                      future.complete(response);
                    }));
  }

  /** The topics the members of a consumer group subscribe to (from their JoinGroup metadata). */
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

  // ---------------------------------------------------------------------------------------------
  // Transactional offset commits (KIP-98, KIP-447): TxnOffsetCommit writes the offsets to the
  // group's partition in a transactional batch of the producer; they stay pending (invisible to
  // OffsetFetch) until the transaction coordinator's marker lands on that partition.

  /**
   * Offsets committed inside open transactions: by __consumer_offsets partition, producer id, group.
   * Coordinator thread only.
   */
  private final Map<Integer, Map<Long, Map<String, Map<TopicPartition, CommittedOffset>>>> pendingTxnOffsets =
      new HashMap<>();
  /**
   * Markers that landed while their partition was loading: applied after the replay unless the
   * replay read them. Coordinator thread only.
   */
  private final Map<Integer, List<TxnMarker>> markersWhileLoading = new HashMap<>();

  /**
   * TxnOffsetCommit: after the member checks (KIP-447; none for a commit without member id and
   * generation), the offsets are written in a transactional batch of {@code producerId} at {@code
   * producerEpoch} (replicated like any group write) and kept pending for that producer. NONE once
   * durable; PRODUCER_FENCED when a newer epoch of the producer wrote to the partition.
   */
  public CompletableFuture<Errors> commitTransactionalOffsets(
      String groupId, long producerId, short producerEpoch, String memberId, int generationId, String groupInstanceId,
      Map<TopicPartition, CommittedOffset> offsets) {
    CompletableFuture<Errors> future = new CompletableFuture<>();
    scheduler.execute(() -> {
      Errors error = validateGroupId(groupId);
      if (error == Errors.NONE) error = checkTxnMember(groupId, memberId, generationId, groupInstanceId);
      if (error != Errors.NONE) {
        future.complete(error);
        return;
      }
      int partition = partitionFor(groupId);
      List<GroupRecord> records = new ArrayList<>();
      offsets.forEach((tp, o) -> records.add(new OffsetRecord(groupId, tp, o)));
      CompletableFuture<Void> written;
      try {
        written = groupLog.appendTransactional(partition, producerId, producerEpoch, records);
      } catch (RuntimeException e) {
        written = CompletableFuture.failedFuture(e);
      }
      // Pending as soon as in the log (as a replay would find it): its marker ends it, even when
      // the wait for the in-sync replicas fails.
      if (!written.isCompletedExceptionally()) {
        pendingTxnOffsets.computeIfAbsent(partition, p -> new HashMap<>())
            .computeIfAbsent(producerId, id -> new HashMap<>())
            .computeIfAbsent(groupId, g -> new HashMap<>())
            .putAll(offsets);
      }
      written.whenComplete((v, e) -> future.complete(e == null ? Errors.NONE : txnStoreError(e)));
    });
    return future;
  }

  private static Errors txnStoreError(Throwable e) {
    Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    Errors error = Errors.forException(cause);
    if (error == Errors.INVALID_PRODUCER_EPOCH || error == Errors.PRODUCER_FENCED) return Errors.PRODUCER_FENCED;
    return storeError(e);
  }

  /** The member checks of TxnOffsetCommit (KIP-447). Coordinator thread. */
  private Errors checkTxnMember(String groupId, String memberId, int generationId, String groupInstanceId) {
    if (generationId < 0 && (memberId == null || memberId.isEmpty())) return Errors.NONE; // older producers
    ClassicGroup group = groups.get(groupId);
    if (group == null) return Errors.ILLEGAL_GENERATION;
    if (group.is(DEAD)) return Errors.COORDINATOR_NOT_AVAILABLE;
    if (group.consumer != null) { // a consumer-protocol group: the generation is the member epoch
      ConsumerGroup.Member m = group.consumer.members.get(memberId);
      return m == null ? Errors.UNKNOWN_MEMBER_ID : m.epoch != generationId ? Errors.ILLEGAL_GENERATION : Errors.NONE;
    }
    Errors fenced = checkStatic(group, memberId, groupInstanceId);
    if (fenced != Errors.NONE) return fenced;
    if (!group.members.containsKey(memberId)) return Errors.UNKNOWN_MEMBER_ID;
    return generationId != group.generationId ? Errors.ILLEGAL_GENERATION : Errors.NONE;
  }

  /**
   * A transaction marker of {@code producerId} was appended to partition {@code partition} of
   * __consumer_offsets at {@code markerOffset} (this broker leads it): the producer's pending
   * offsets of that partition's groups become committed (COMMIT) or are dropped (ABORT). Any
   * thread; applied on the coordinator thread in the order markers are appended.
   */
  public void onTxnMarker(int partition, long producerId, boolean commit, long markerOffset) {
    scheduler.execute(() -> {
      Ownership o = owned.get(partition);
      if (o == null) return; // not served: the next load reads the marker from the log
      if (!o.loaded()) {
        markersWhileLoading.computeIfAbsent(partition, p -> new ArrayList<>()).add(new TxnMarker(producerId, commit, markerOffset));
        return;
      }
      endTransaction(partition, producerId, commit);
    });
  }

  /** Commits or drops the pending offsets of {@code producerId} in {@code partition}. Coordinator thread. */
  private void endTransaction(int partition, long producerId, boolean commit) {
    Map<Long, Map<String, Map<TopicPartition, CommittedOffset>>> byProducer = pendingTxnOffsets.get(partition);
    Map<String, Map<TopicPartition, CommittedOffset>> ended = byProducer == null ? null : byProducer.remove(producerId);
    if (byProducer != null && byProducer.isEmpty()) pendingTxnOffsets.remove(partition);
    if (ended == null || !commit) return;
    long now = clock.milliseconds();
    ended.forEach((groupId, offsets) -> groups.computeIfAbsent(groupId, id -> new ClassicGroup(id, now)).offsets.putAll(offsets));
  }

  /** Whether an open transaction holds an offset of {@code tp} for {@code groupId}. Coordinator thread. */
  private boolean hasPendingTxnOffset(String groupId, TopicPartition tp) {
    Map<Long, Map<String, Map<TopicPartition, CommittedOffset>>> byProducer = pendingTxnOffsets.get(partitionFor(groupId));
    if (byProducer == null) return false;
    for (Map<String, Map<TopicPartition, CommittedOffset>> byGroup : byProducer.values()) {
      Map<TopicPartition, CommittedOffset> offsets = byGroup.get(groupId);
      if (offsets != null && offsets.containsKey(tp)) return true;
    }
    return false;
  }

  // ---------------------------------------------------------------------------------------------
  // KIP-848: ConsumerGroupHeartbeat, ConsumerGroupDescribe

  /**
   * ConsumerGroupHeartbeat: joins (epoch 0), heartbeats (epoch > 0) or leaves (epoch -1 / -2) a
   * consumer-protocol group. Answers at once with the member's epoch and, when it changed, its
   * assignment; revocations come first, partitions still held by others follow on later
   * heartbeats.
   */
  public CompletableFuture<ConsumerGroupHeartbeatResponseData> consumerGroupHeartbeat(
      ConsumerGroupHeartbeatRequestData req, String clientId, String clientHost) {
    CompletableFuture<ConsumerGroupHeartbeatResponseData> future = new CompletableFuture<>();
    scheduler.execute(() -> future.complete(doConsumerHeartbeat(req, clientId, clientHost)));
    return future;
  }

  private static ConsumerGroupHeartbeatResponseData heartbeatError(Errors error, String message) {
    return new ConsumerGroupHeartbeatResponseData().setErrorCode(error.code()).setErrorMessage(message);
  }

  private ConsumerGroupHeartbeatResponseData doConsumerHeartbeat(
      ConsumerGroupHeartbeatRequestData req, String clientId, String clientHost) {
    Errors unavailable = checkAvailable(req.groupId());
    if (unavailable != Errors.NONE) return heartbeatError(unavailable, null);
    int epoch = req.memberEpoch();
    if (epoch == 0) {
      if (req.rebalanceTimeoutMs() < 0 && req.rebalanceTimeoutMs() != -1) {
        return heartbeatError(Errors.INVALID_REQUEST, "RebalanceTimeoutMs must be set when joining.");
      }
      if (req.subscribedTopicNames() == null && req.subscribedTopicRegex() == null) {
        return heartbeatError(Errors.INVALID_REQUEST, "SubscribedTopicNames or SubscribedTopicRegex must be set when joining.");
      }
      if (req.topicPartitions() == null) {
        return heartbeatError(Errors.INVALID_REQUEST, "TopicPartitions must be set when joining.");
      }
    } else if (epoch < -2 || req.memberId().isEmpty()) {
      return heartbeatError(Errors.INVALID_REQUEST, "MemberId and MemberEpoch must be valid.");
    }
    if (req.instanceId() != null && req.instanceId().isEmpty()) {
      return heartbeatError(Errors.INVALID_REQUEST, "InstanceId can't be empty.");
    }
    if (req.serverAssignor() != null && !config.consumerAssignors().contains(req.serverAssignor())) {
      return heartbeatError(Errors.UNSUPPORTED_ASSIGNOR, "Unsupported assignor " + req.serverAssignor() + ".");
    }
    if (req.subscribedTopicRegex() != null) {
      try {
        java.util.regex.Pattern.compile(req.subscribedTopicRegex());
      } catch (java.util.regex.PatternSyntaxException e) {
        return heartbeatError(Errors.INVALID_REGULAR_EXPRESSION, e.getDescription());
      }
    }
    ClassicGroup g = groups.get(req.groupId());
    if (g == null) {
      if (epoch != 0) return heartbeatError(Errors.UNKNOWN_MEMBER_ID, null);
      g = new ClassicGroup(req.groupId(), clock.milliseconds());
      groups.put(req.groupId(), g);
    }
    if (g.consumer == null) {
      if (!g.is(EMPTY) || !g.members.isEmpty()) {
        return heartbeatError(Errors.GROUP_ID_NOT_FOUND, "Group " + req.groupId() + " is not a consumer group.");
      }
      g.consumer = new ConsumerGroup();
      g.protocolType = CONSUMER_PROTOCOL_TYPE;
    }
    ConsumerGroup cg = g.consumer;
    if (epoch < 0) return leaveConsumerGroup(g, req);
    ConsumerGroup.Member m;
    if (epoch == 0) {
      if (req.instanceId() != null) {
        ConsumerGroup.Member holder = cg.members.get(cg.staticMembers.getOrDefault(req.instanceId(), ""));
        if (holder != null && !holder.leftStatically && !holder.memberId.equals(req.memberId())) {
          return heartbeatError(Errors.UNRELEASED_INSTANCE_ID,
              "Instance " + req.instanceId() + " is still in use by member " + holder.memberId + ".");
        }
      }
      m = joinConsumerGroup(g, req, clientId, clientHost);
    } else {
      m = cg.members.get(req.memberId());
      if (m == null) return heartbeatError(Errors.UNKNOWN_MEMBER_ID, null);
      if (epoch != m.epoch) {
        boolean lostResponse = epoch == m.previousEpoch && owned(req).map(m.assigned::containsAll).orElse(true);
        if (!lostResponse) return heartbeatError(Errors.FENCED_MEMBER_EPOCH, "Member epoch " + epoch + " is not " + m.epoch + ".");
      }
      updateSubscription(cg, m, req);
    }
    // Topics created, deleted or grown since the target was computed: a new group epoch.
    if (cg.assignmentEpoch == cg.groupEpoch && !cg.currentPartitionCounts(topics).equals(cg.partitionCounts)) {
      cg.groupEpoch++;
    }
    if (cg.assignmentEpoch < cg.groupEpoch) {
      ServerAssignor assignor = ServerAssignor.named(cg.preferredAssignor(config.consumerAssignors().get(0)));
      cg.computeTarget(assignor, topics);
    }
    boolean revoking = cg.reconcile(m, owned(req).orElse(null));
    if (log.isDebugEnabled()) {
      log.debug("Heartbeat {} {} epoch {} owned {} -> epoch {} assigned {} revoking {} (group epoch {}, target {})",
          req.groupId(), m.memberId, epoch, owned(req).orElse(null), m.epoch, m.assigned, m.pendingRevocation,
          cg.groupEpoch, cg.target.get(m.memberId));
    }
    if (revoking) scheduleRevocationTimeout(g, m);
    scheduleConsumerSession(g, m);
    ConsumerGroupHeartbeatResponseData r =
        new ConsumerGroupHeartbeatResponseData()
            .setMemberId(m.memberId)
            .setMemberEpoch(m.epoch)
            .setHeartbeatIntervalMs(config.consumerHeartbeatIntervalMs());
    if (m.assignmentChanged || epoch == 0) {
      r.setAssignment(new ConsumerGroupHeartbeatResponseData.Assignment().setTopicPartitions(wire(m.assigned)));
      m.assignmentChanged = false;
    }
    return r;
  }

  private ConsumerGroup.Member joinConsumerGroup(
      ClassicGroup g, ConsumerGroupHeartbeatRequestData req, String clientId, String clientHost) {
    ConsumerGroup cg = g.consumer;
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

  private ConsumerGroupHeartbeatResponseData leaveConsumerGroup(ClassicGroup g, ConsumerGroupHeartbeatRequestData req) {
    ConsumerGroup cg = g.consumer;
    ConsumerGroup.Member m = cg.members.get(req.memberId());
    if (m == null) return heartbeatError(Errors.UNKNOWN_MEMBER_ID, null);
    if (req.memberEpoch() == -2 && m.instanceId != null) {
      // A static member going away for a while (KIP-345 in KIP-848): its partitions wait for its
      // return until its session times out.
      m.leftStatically = true;
      scheduleConsumerSession(g, m);
    } else {
      removeConsumerMember(g, m);
    }
    return new ConsumerGroupHeartbeatResponseData()
        .setMemberId(req.memberId())
        .setMemberEpoch(req.memberEpoch())
        .setHeartbeatIntervalMs(0);
  }

  private void removeConsumerMember(ClassicGroup g, ConsumerGroup.Member m) {
    g.consumer.remove(m);
    g.consumer.groupEpoch++;
    if (g.consumer.members.isEmpty()) g.stateTimestamp = clock.milliseconds();
  }

  /** The partitions the member reports owning (empty optional: not reported this time). */
  private java.util.Optional<Set<TopicPartition>> owned(ConsumerGroupHeartbeatRequestData req) {
    if (req.topicPartitions() == null) return java.util.Optional.empty();
    Set<TopicPartition> out = new HashSet<>();
    for (ConsumerGroupHeartbeatRequestData.TopicPartitions t : req.topicPartitions()) {
      String name = topics.name(t.topicId()).orElse(null);
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
            topics.id(topic).ifPresent(id -> {
              java.util.Collections.sort(ps);
              out.add(new ConsumerGroupHeartbeatResponseData.TopicPartitions().setTopicId(id).setPartitions(ps));
            }));
    return out;
  }

  private void scheduleConsumerSession(ClassicGroup g, ConsumerGroup.Member m) {
    m.sessionTimer.cancel();
    long timer = ++m.timerEpoch;
    m.sessionTimer =
        scheduler.schedule(
            config.consumerSessionTimeoutMs(),
            () -> {
              if (m.timerEpoch != timer || g.consumer == null || g.consumer.members.get(m.memberId) != m) return;
              log.debug("Member {} of consumer group {} missed its session timeout", m.memberId, g.groupId);
              removeConsumerMember(g, m);
            });
  }

  /** A member that does not revoke within its rebalance timeout is removed (its partitions freed). */
  private void scheduleRevocationTimeout(ClassicGroup g, ConsumerGroup.Member m) {
    if (m.revocationTimer != GroupScheduler.Cancellable.NONE) return;
    int epoch = m.epoch;
    m.revocationTimer =
        scheduler.schedule(
            m.rebalanceTimeoutMs,
            () -> {
              m.revocationTimer = GroupScheduler.Cancellable.NONE;
              if (g.consumer == null || g.consumer.members.get(m.memberId) != m) return;
              if (m.epoch == epoch && !m.pendingRevocation.isEmpty()) {
                log.debug("Member {} of consumer group {} did not revoke in time", m.memberId, g.groupId);
                removeConsumerMember(g, m);
              }
            });
  }

  /** ConsumerGroupDescribe; classic and unknown groups answer GROUP_ID_NOT_FOUND. */
  public CompletableFuture<List<ConsumerGroupDescribeResponseData.DescribedGroup>> consumerGroupDescribe(List<String> groupIds) {
    CompletableFuture<List<ConsumerGroupDescribeResponseData.DescribedGroup>> future = new CompletableFuture<>();
    scheduler.execute(
        () -> {
          List<ConsumerGroupDescribeResponseData.DescribedGroup> out = new ArrayList<>();
          for (String id : groupIds) out.add(describeConsumerGroup(id));
          future.complete(out);
        });
    return future;
  }

  private ConsumerGroupDescribeResponseData.DescribedGroup describeConsumerGroup(String groupId) {
    var d = new ConsumerGroupDescribeResponseData.DescribedGroup().setGroupId(groupId).setAssignorName("").setGroupState("");
    Errors unavailable = checkAvailable(groupId);
    if (unavailable != Errors.NONE) return d.setErrorCode(unavailable.code());
    ClassicGroup g = groups.get(groupId);
    if (g == null || g.consumer == null) {
      return d.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())
          .setErrorMessage("Group " + groupId + " is not a consumer group.")
          .setGroupState(DEAD.displayName());
    }
    ConsumerGroup cg = g.consumer;
    d.setGroupState(cg.stateName())
        .setGroupEpoch(cg.groupEpoch)
        .setAssignmentEpoch(cg.assignmentEpoch)
        .setAssignorName(cg.assignorName == null ? cg.preferredAssignor(config.consumerAssignors().get(0)) : cg.assignorName);
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
              .setTopicId(topics.id(topic).orElse(org.apache.kafka.common.Uuid.ZERO_UUID))
              .setPartitions(ps));
        });
    return new ConsumerGroupDescribeResponseData.Assignment().setTopicPartitions(out);
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  /** No members under either protocol. */
  static boolean isEmptyGroup(ClassicGroup g) {
    return g.consumer != null ? g.consumer.members.isEmpty() : g.is(EMPTY);
  }

  /**
   * NONE, or why a request for this group cannot be served now: invalid id, partition not served
   * here (NOT_COORDINATOR), or still loading. Any thread.
   */
  public Errors checkAvailable(String groupId) {
    if (groupId == null || groupId.isEmpty()) return Errors.INVALID_GROUP_ID;
    int partition = partitionFor(groupId);
    Ownership o = owned.get(partition);
    if (o == null || !leadsNow.test(partition)) return Errors.NOT_COORDINATOR;
    return o.loaded() ? Errors.NONE : Errors.COORDINATOR_LOAD_IN_PROGRESS;
  }

  private Errors validateGroupId(String groupId) {
    return checkAvailable(groupId);
  }

  private CompletableFuture<Void> append(ClassicGroup group, List<GroupRecord> records) {
    try {
      return groupLog.append(partitionFor(group.groupId), records);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static GroupSnapshot snapshot(ClassicGroup g) {
    List<MemberSnapshot> members = new ArrayList<>();
    for (GroupMember m : g.members.values()) {
      byte[] sub = g.protocolName == null ? null : m.metadata(g.protocolName);
      members.add(
          new MemberSnapshot(m.memberId, m.groupInstanceId, m.clientId, m.clientHost, m.rebalanceTimeoutMs,
              m.sessionTimeoutMs, sub == null ? new byte[0] : sub, m.assignment));
    }
    return new GroupSnapshot(g.protocolType, g.generationId, g.protocolName, g.leaderId, g.stateTimestamp, members);
  }

  /** Kafka's mapping of a failed __consumer_offsets append to the error a group client expects. */
  static Errors storeError(Throwable e) {
    Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    Errors error = Errors.forException(cause);
    return switch (error) {
      case UNKNOWN_TOPIC_OR_PARTITION, NOT_ENOUGH_REPLICAS, NOT_ENOUGH_REPLICAS_AFTER_APPEND, REQUEST_TIMED_OUT ->
          Errors.COORDINATOR_NOT_AVAILABLE;
      case NOT_LEADER_OR_FOLLOWER, KAFKA_STORAGE_ERROR -> Errors.NOT_COORDINATOR;
      case MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, INVALID_FETCH_SIZE -> Errors.INVALID_COMMIT_OFFSET_SIZE;
      default -> {
        log.warn("Could not append to __consumer_offsets", cause);
        yield Errors.COORDINATOR_NOT_AVAILABLE;
      }
    };
  }

  /** The number of groups this coordinator holds (loaded and live). For tests and metrics. */
  int groupCount() {
    return groups.size();
  }

  ClassicGroup group(String groupId) {
    return groups.get(groupId);
  }
}
