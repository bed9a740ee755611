package dev.brook.broker.group;

import static dev.brook.broker.group.GroupState.COMPLETING_REBALANCE;
import static dev.brook.broker.group.GroupState.STABLE;

import dev.brook.broker.coordinator.CoordinatorThread;
import dev.brook.broker.group.GroupRecord.OffsetRecord;
import dev.brook.broker.group.GroupRecord.TransactionalOffsetRecord;
import dev.brook.broker.group.GroupRecord.TxnMarker;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponsePartition;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponseTopic;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.protocol.Errors;

/**
 * The committed offsets of every group id of the partitions served, and the offsets committed
 * inside open transactions (TxnOffsetCommit, KIP-98/KIP-447): those stay pending, invisible to
 * OffsetFetch, until the transaction's marker lands on the group's partition (COMMIT makes them
 * committed, ABORT drops them). Offsets belong to the group id, whichever protocol its group speaks.
 * Every change is written to __consumer_offsets and applied once committed. Coordinator thread only.
 */
final class OffsetManager {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(OffsetManager.class);

  private final GroupContext ctx;
  private final ClassicGroupManager classic;
  /** Committed offsets by group id. */
  private final Map<String, Map<TopicPartition, CommittedOffset>> committed = new HashMap<>();
  /** Offsets of open transactions: by __consumer_offsets partition, producer id, group id. */
  private final Map<Integer, Map<Long, Map<String, Map<TopicPartition, CommittedOffset>>>> pending = new HashMap<>();
  /** Markers that landed while their partition was loading: applied after the replay unless it read them. */
  private final Map<Integer, List<TxnMarker>> markersWhileLoading = new HashMap<>();
  /**
   * Markers appended here but not yet known to be replicated, by partition, in log order. A marker
   * ends its transaction's offsets only once the in-sync replicas have it (as Kafka completes
   * transactions in the group coordinator after the marker's acks=all write): a marker a new leader
   * might not have must not make offsets visible that would then go back.
   */
  private final Map<Integer, java.util.TreeMap<Long, TxnMarker>> unreplicated = new HashMap<>();
  /** The high watermark each partition is known to have reached (0 while unknown); it only grows. */
  private final Map<Integer, Long> replicatedUpTo = new HashMap<>();

  OffsetManager(GroupContext ctx, ClassicGroupManager classic) {
    this.ctx = ctx;
    this.classic = classic;
  }

  boolean hasOffsets(String groupId) {
    Map<TopicPartition, CommittedOffset> o = committed.get(groupId);
    return o != null && !o.isEmpty();
  }

  /** The committed offsets held, over every group (the NumOffsets gauge). Coordinator thread. */
  int count() {
    int n = 0;
    for (Map<TopicPartition, CommittedOffset> o : committed.values()) n += o.size();
    return n;
  }

  Map<TopicPartition, CommittedOffset> offsets(String groupId) {
    return committed.getOrDefault(groupId, Map.of());
  }

  Set<String> groupIds() {
    return committed.keySet();
  }

  // ---------------------------------------------------------------------------------------------
  // Loading

  /** Replays one offset record, transactional offset or marker of a partition being loaded. */
  void replay(int partition, GroupRecord r, Set<Long> markersRead) {
    switch (r) {
      case OffsetRecord o -> apply(o);
      case TransactionalOffsetRecord t -> {
        if (t.offset().offset() != null) pendingOf(partition, t.producerId(), t.groupId()).put(t.offset().partition(), t.offset().offset());
      }
      case TxnMarker m -> {
        markersRead.add(m.logOffset());
        endTransaction(partition, m.producerId(), m.commit());
      }
      default -> throw new IllegalArgumentException("not an offset record: " + r);
    }
  }

  /** The markers that landed while {@code partition} was loading (taken: the replay applies them). */
  List<TxnMarker> takeLandedMarkers(int partition) {
    List<TxnMarker> landed = markersWhileLoading.remove(partition);
    return landed == null ? List.of() : landed;
  }

  /**
   * After a partition's replay: markers that landed meanwhile and were not read end their
   * transactions once replicated (those already known to be are applied now).
   */
  void loaded(int partition, Set<Long> markersRead, List<TxnMarker> landed) {
    for (TxnMarker m : landed) {
      if (!markersRead.contains(m.logOffset())) awaitReplication(partition, m);
    }
    applyReplicated(partition);
  }

  /** Drops what this manager holds of {@code partition}'s groups. */
  void unload(int partition) {
    pending.remove(partition);
    markersWhileLoading.remove(partition);
    unreplicated.remove(partition);
    // replicatedUpTo is kept: a high watermark never goes back, and news of it may arrive while the
    // partition loads (the load unloads what an earlier term left first).
    committed.keySet().removeIf(id -> ctx.partitionFor(id) == partition);
  }

  private void apply(OffsetRecord o) {
    if (o.offset() == null) {
      Map<TopicPartition, CommittedOffset> m = committed.get(o.groupId());
      if (m != null) {
        m.remove(o.partition());
        if (m.isEmpty()) committed.remove(o.groupId());
      }
    } else {
      committed.computeIfAbsent(o.groupId(), g -> new HashMap<>()).put(o.partition(), o.offset());
    }
  }

  private Map<TopicPartition, CommittedOffset> pendingOf(int partition, long producerId, String groupId) {
    return pending.computeIfAbsent(partition, p -> new HashMap<>())
        .computeIfAbsent(producerId, id -> new HashMap<>())
        .computeIfAbsent(groupId, g -> new HashMap<>());
  }

  // ---------------------------------------------------------------------------------------------
  // OffsetCommit, OffsetFetch

  static OffsetCommitResponseData commitResponse(OffsetCommitRequestData req, Errors error) {
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

  /**
   * OffsetCommit. A commit with generation -1 and no member id is an admin / simple-consumer
   * commit, allowed only while the group has no members (it creates an empty classic group).
   */
  CompletableFuture<OffsetCommitResponseData> commit(OffsetCommitRequestData req, short version) {
    Errors error = ctx.availability(req.groupId());
    if (error != Errors.NONE) return CompletableFuture.completedFuture(commitResponse(req, error));
    boolean adminCommit = req.generationIdOrMemberEpoch() < 0 && req.memberId().isEmpty();
    Group group = ctx.groups.get(req.groupId());
    if (group == null) {
      if (!adminCommit || req.groupInstanceId() != null) {
        return CompletableFuture.completedFuture(
            commitResponse(req, version >= 9 ? Errors.GROUP_ID_NOT_FOUND : Errors.ILLEGAL_GENERATION));
      }
    } else {
      error = validateCommit(group, req, adminCommit);
      if (error != Errors.NONE) return CompletableFuture.completedFuture(commitResponse(req, error));
    }
    if (!adminCommit && group instanceof ClassicGroup g && g.is(STABLE)) {
      GroupMember m = g.members.get(req.memberId());
      if (m != null) classic.scheduleSessionTimeout(g, m); // a commit counts as a heartbeat
    }
    long now = ctx.clock.milliseconds();
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
        } else if (p.committedMetadata() != null && p.committedMetadata().length() > ctx.config.offsetMetadataMaxBytes()) {
          rp.setErrorCode(Errors.OFFSET_METADATA_TOO_LARGE.code());
        } else if (p.partitionIndex() < 0 || p.committedOffset() < 0) {
          rp.setErrorCode(Errors.INVALID_COMMIT_OFFSET_SIZE.code());
        } else {
          CommittedOffset o = new CommittedOffset(p.committedOffset(), p.committedLeaderEpoch(),
              p.committedMetadata() == null ? "" : p.committedMetadata(), now, expire);
          records.add(new OffsetRecord(req.groupId(), new TopicPartition(t.name(), p.partitionIndex()), o));
          accepted.add(rp);
        }
      }
    }
    if (records.isEmpty()) return CompletableFuture.completedFuture(response);
    int partition = ctx.partitionFor(req.groupId());
    dev.brook.broker.coordinator.PartitionTerms.Term term = ctx.terms.term(partition).orElse(null);
    return ctx.write(req.groupId(), records).handle((v, e) -> {
      if (e != null) {
        Errors stored = GroupContext.storeError(e);
        for (OffsetCommitResponsePartition rp : accepted) rp.setErrorCode(stored.code());
        return response;
      }
      // Committed: applied if the term it was written in goes on, whether or not this broker may
      // serve right now. A broker whose lease lapsed (a pause) while the write waited for the in-sync
      // replicas keeps its term, and when the lease is back it must hold what the log holds: skipping
      // the commit here served the previous offset again (offsets going back). A new term loads the
      // log instead.
      if (term != null && ctx.terms.isCurrent(partition, term) && ctx.terms.isLoaded(partition)) {
        for (GroupRecord r : records) apply((OffsetRecord) r);
        ctx.groups.computeIfAbsent(req.groupId(), id -> new ClassicGroup(id, now));
      }
      ctx.sensors.offsetsCommitted(records.size());
      return response;
    });
  }

  private Errors validateCommit(Group group, OffsetCommitRequestData req, boolean adminCommit) {
    if (group.isGone()) return Errors.COORDINATOR_NOT_AVAILABLE;
    if (adminCommit) return group.isEmpty() ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID;
    return switch (group) {
      case ConsumerGroup cg -> {
        ConsumerGroup.Member m = cg.members.get(req.memberId());
        if (m == null) yield Errors.UNKNOWN_MEMBER_ID;
        yield req.generationIdOrMemberEpoch() == m.epoch ? Errors.NONE : Errors.STALE_MEMBER_EPOCH;
      }
      case ClassicGroup g -> {
        Errors fenced = ClassicGroupManager.checkStatic(g, req.memberId(), req.groupInstanceId());
        if (fenced != Errors.NONE) yield fenced;
        if (!g.members.containsKey(req.memberId())) yield Errors.UNKNOWN_MEMBER_ID;
        if (req.generationIdOrMemberEpoch() != g.generationId) yield Errors.ILLEGAL_GENERATION;
        if (g.is(COMPLETING_REBALANCE)) yield Errors.REBALANCE_IN_PROGRESS;
        yield Errors.NONE;
      }
    };
  }

  /**
   * OffsetFetch for one group: the listed partitions, or ({@code topics == null}) every committed
   * offset. A partition without a committed offset answers offset -1. With {@code requireStable}, a
   * partition whose newer offset an open transaction holds answers UNSTABLE_OFFSET_COMMIT. With a
   * member id (v9+), a consumer group checks the member exists at {@code memberEpoch}.
   */
  OffsetFetchResponseGroup fetch(String groupId, String memberId, int memberEpoch, List<OffsetFetchRequestTopics> topics,
      boolean requireStable) {
    OffsetFetchResponseGroup out = new OffsetFetchResponseGroup().setGroupId(groupId);
    Errors invalid = ctx.availability(groupId);
    if (invalid != Errors.NONE) return out.setErrorCode(invalid.code());
    ConsumerGroup cg = ctx.consumer(groupId);
    if (memberId != null && cg != null) {
      ConsumerGroup.Member m = cg.members.get(memberId);
      Errors e = m == null ? Errors.UNKNOWN_MEMBER_ID : m.epoch != memberEpoch ? Errors.STALE_MEMBER_EPOCH : Errors.NONE;
      if (e != Errors.NONE) return out.setErrorCode(e.code());
    }
    Map<TopicPartition, CommittedOffset> offsets = offsets(groupId);
    if (log.isDebugEnabled()) {
      int p = ctx.partitionFor(groupId);
      log.debug("OffsetFetch of group {} answered as coordinator of {}-{} (leader epoch {}): {}", groupId,
          ReplicaGroupLog.TOPIC, p, ctx.terms.loadedEpoch(p), offsets);
    }
    if (topics == null) {
      Map<String, OffsetFetchResponseTopics> byTopic = new TreeMap<>();
      offsets.forEach((tp, o) -> byTopic.computeIfAbsent(tp.topic(), t -> new OffsetFetchResponseTopics().setName(t))
          .partitions().add(partitionOffset(tp.partition(), o)));
      byTopic.values().forEach(t -> t.partitions().sort(Comparator.comparingInt(OffsetFetchResponsePartitions::partitionIndex)));
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
  // Deletion and expiry

  /** Tombstones for every offset of {@code groupId} (DeleteGroups). */
  List<GroupRecord> tombstones(String groupId) {
    List<GroupRecord> out = new ArrayList<>();
    for (TopicPartition tp : offsets(groupId).keySet()) out.add(new OffsetRecord(groupId, tp, null));
    return out;
  }

  /** Applies tombstones once written (DeleteGroups, OffsetDelete, expiry). */
  void applyAll(List<GroupRecord> records) {
    for (GroupRecord r : records) {
      if (r instanceof OffsetRecord o) apply(o);
    }
  }

  /**
   * Offsets due to expire now: those with an explicit expiry time in the past, and, for a group
   * without members, all committed more than offsets.retention.minutes before now and before the
   * group became empty.
   */
  List<GroupRecord> expired(String groupId, Group group, long now) {
    List<GroupRecord> out = new ArrayList<>();
    boolean empty = group == null || group.isEmpty();
    long emptySince = group == null ? 0 : group.stateTimestamp();
    offsets(groupId).forEach((tp, o) -> {
      boolean expired = o.expireTimestamp() >= 0
          ? now >= o.expireTimestamp()
          : empty && now >= Math.max(o.commitTimestamp(), emptySince) + ctx.config.offsetsRetentionMs();
      if (expired) out.add(new OffsetRecord(groupId, tp, null));
    });
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Transactional offsets

  /**
   * TxnOffsetCommit: after the member checks (KIP-447; none for a commit without member id and
   * generation), the offsets are written in a transactional batch of {@code producerId} at {@code
   * producerEpoch} and kept pending for that producer. NONE once committed; PRODUCER_FENCED when a
   * newer epoch of the producer wrote to the partition.
   */
  CompletableFuture<Errors> commitTransactional(String groupId, long producerId, short producerEpoch, String memberId,
      int generationId, String groupInstanceId, Map<TopicPartition, CommittedOffset> offsets) {
    Errors error = ctx.availability(groupId);
    if (error == Errors.NONE) error = checkTxnMember(groupId, memberId, generationId, groupInstanceId);
    if (error != Errors.NONE) return CompletableFuture.completedFuture(error);
    int partition = ctx.partitionFor(groupId);
    List<GroupRecord> records = new ArrayList<>();
    offsets.forEach((tp, o) -> records.add(new OffsetRecord(groupId, tp, o)));
    CompletableFuture<Void> written;
    try {
      written = ctx.groupLog.appendTransactional(partition, producerId, producerEpoch, records);
    } catch (RuntimeException e) {
      written = CompletableFuture.failedFuture(e);
    }
    // Pending as soon as in the log (as a replay would find it): its marker ends it, even when the
    // wait for the in-sync replicas fails.
    if (!written.isCompletedExceptionally()) pendingOf(partition, producerId, groupId).putAll(offsets);
    return written.handle((v, e) -> e == null ? Errors.NONE : txnStoreError(e));
  }

  private static Errors txnStoreError(Throwable e) {
    Errors error = Errors.forException(CoordinatorThread.unwrap(e));
    if (error == Errors.INVALID_PRODUCER_EPOCH || error == Errors.PRODUCER_FENCED) return Errors.PRODUCER_FENCED;
    return GroupContext.storeError(e);
  }

  private Errors checkTxnMember(String groupId, String memberId, int generationId, String groupInstanceId) {
    if (generationId < 0 && (memberId == null || memberId.isEmpty())) return Errors.NONE; // older producers
    Group group = ctx.groups.get(groupId);
    if (group == null) return Errors.ILLEGAL_GENERATION;
    if (group.isGone()) return Errors.COORDINATOR_NOT_AVAILABLE;
    return switch (group) {
      case ConsumerGroup cg -> { // the generation is the member epoch
        ConsumerGroup.Member m = cg.members.get(memberId);
        yield m == null ? Errors.UNKNOWN_MEMBER_ID : m.epoch != generationId ? Errors.ILLEGAL_GENERATION : Errors.NONE;
      }
      case ClassicGroup g -> {
        Errors fenced = ClassicGroupManager.checkStatic(g, memberId, groupInstanceId);
        if (fenced != Errors.NONE) yield fenced;
        if (!g.members.containsKey(memberId)) yield Errors.UNKNOWN_MEMBER_ID;
        yield generationId != g.generationId ? Errors.ILLEGAL_GENERATION : Errors.NONE;
      }
    };
  }

  /**
   * A transaction marker of {@code producerId} was appended to {@code partition} at {@code
   * markerOffset}: it ends its transaction's offsets once replicated ({@link #onReplicated}); a
   * marker landing while the partition loads waits for the load.
   */
  void onTxnMarker(int partition, long producerId, boolean commit, long markerOffset) {
    var term = ctx.terms.term(partition);
    if (term.isEmpty()) return; // not served: the next load reads the marker from the log
    TxnMarker marker = new TxnMarker(producerId, commit, markerOffset);
    if (!term.get().loaded()) {
      markersWhileLoading.computeIfAbsent(partition, p -> new ArrayList<>()).add(marker);
      return;
    }
    awaitReplication(partition, marker);
    applyReplicated(partition);
  }

  /**
   * {@code partition}'s high watermark reached {@code highWatermark}: the markers below it end their
   * transactions, in log order.
   */
  void onReplicated(int partition, long highWatermark) {
    if (ctx.terms.term(partition).isEmpty()) return;
    replicatedUpTo.merge(partition, highWatermark, Math::max);
    if (ctx.terms.isLoaded(partition)) applyReplicated(partition);
  }

  private void awaitReplication(int partition, TxnMarker marker) {
    unreplicated.computeIfAbsent(partition, p -> new java.util.TreeMap<>()).put(marker.logOffset(), marker);
  }

  private void applyReplicated(int partition) {
    java.util.TreeMap<Long, TxnMarker> waiting = unreplicated.get(partition);
    if (waiting == null) return;
    long hw = replicatedUpTo.getOrDefault(partition, 0L);
    while (!waiting.isEmpty() && waiting.firstKey() < hw) {
      TxnMarker m = waiting.pollFirstEntry().getValue();
      endTransaction(partition, m.producerId(), m.commit());
    }
    if (waiting.isEmpty()) unreplicated.remove(partition);
  }

  /** Commits or drops the pending offsets of {@code producerId} in {@code partition}. */
  private void endTransaction(int partition, long producerId, boolean commit) {
    Map<Long, Map<String, Map<TopicPartition, CommittedOffset>>> byProducer = pending.get(partition);
    Map<String, Map<TopicPartition, CommittedOffset>> ended = byProducer == null ? null : byProducer.remove(producerId);
    if (byProducer != null && byProducer.isEmpty()) pending.remove(partition);
    if (ended == null || !commit) return;
    long now = ctx.clock.milliseconds();
    ended.forEach((groupId, offsets) -> {
      committed.computeIfAbsent(groupId, g -> new HashMap<>()).putAll(offsets);
      ctx.groups.computeIfAbsent(groupId, id -> new ClassicGroup(id, now)); // a group with offsets exists
    });
  }

  /** Whether an open transaction holds an offset of {@code tp} for {@code groupId}. */
  private boolean hasPendingTxnOffset(String groupId, TopicPartition tp) {
    Map<Long, Map<String, Map<TopicPartition, CommittedOffset>>> byProducer = pending.get(ctx.partitionFor(groupId));
    if (byProducer == null) return false;
    for (Map<String, Map<TopicPartition, CommittedOffset>> byGroup : byProducer.values()) {
      Map<TopicPartition, CommittedOffset> offsets = byGroup.get(groupId);
      if (offsets != null && offsets.containsKey(tp)) return true;
    }
    return false;
  }
}
