package dev.brook.broker.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A coordinator driven by leadership of __consumer_offsets: it serves the groups of the partitions
 * it leads, loads them when it becomes leader and drops them when it resigns. Two coordinators
 * share one log, as two brokers share a replicated partition.
 */
class GroupCoordinatorLeadershipTest {
  private static final short V = 9;
  private static final int SESSION = 10_000;

  private ManualScheduler scheduler;
  private MemoryGroupLog store;
  private final List<Runnable> pendingLoads = new ArrayList<>();
  private GroupCoordinator a;
  private GroupCoordinator b;
  private int partition;

  @BeforeEach
  void setUp() {
    scheduler = new ManualScheduler();
    store = new MemoryGroupLog();
    a = coordinator(Runnable::run);
    b = coordinator(pendingLoads::add);
    partition = a.partitionFor("g");
  }

  private GroupCoordinator coordinator(java.util.concurrent.Executor loader) {
    GroupCoordinator c = new GroupCoordinator(
        new GroupCoordinatorConfig(5, 1 << 20, 600_000, 60_000, 0, 10, 300_000, 1_000, 4096), scheduler, store, scheduler.clock);
    c.startOnLeadership(loader);
    return c;
  }

  private static JoinGroupRequestData joinRequest(String group, String memberId) {
    JoinGroupRequestProtocolCollection ps = new JoinGroupRequestProtocolCollection();
    ByteBuffer sub = ConsumerProtocol.serializeSubscription(new Subscription(List.of("t")));
    byte[] bytes = new byte[sub.remaining()];
    sub.get(bytes);
    ps.add(new JoinGroupRequestProtocol().setName("range").setMetadata(bytes));
    return new JoinGroupRequestData().setGroupId(group).setMemberId(memberId).setSessionTimeoutMs(SESSION)
        .setRebalanceTimeoutMs(30_000).setProtocolType("consumer").setProtocols(ps);
  }

  private static JoinGroupResponseData join(GroupCoordinator c, String group, String memberId) {
    return c.joinGroup(joinRequest(group, memberId), V, "client", "/127.0.0.1").getNow(null);
  }

  private static Errors commit(GroupCoordinator c, String group, long offset) {
    OffsetCommitResponseData r = c.commitOffsets(new OffsetCommitRequestData().setGroupId(group)
        .setGenerationIdOrMemberEpoch(-1).setMemberId("")
        .setTopics(List.of(new OffsetCommitRequestTopic().setName("t").setPartitions(List.of(
            new OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(offset))))), (short) 8).getNow(null);
    return Errors.forCode(r.topics().get(0).partitions().get(0).errorCode());
  }

  private static long committed(GroupCoordinator c, String group) {
    return c.fetchOffsets(group, List.of(new OffsetFetchRequestTopics().setName("t").setPartitionIndexes(List.of(0))), false)
        .getNow(null).topics().get(0).partitions().get(0).committedOffset();
  }

  /** FindCoordinator asks which partitions are served, and waits for the next one to be. */
  @Test
  void aPartitionIsServedOnceItsLoadIsAppliedAndTheWaitersAreToldThen() {
    CompletableFuture<Void> next = b.nextPartitionServed();
    b.onBecomeLeader(partition, 0);
    assertThat(b.serves(partition)).isFalse(); // loading
    assertThat(next).isNotDone();
    pendingLoads.forEach(Runnable::run);
    pendingLoads.clear();
    assertThat(b.serves(partition)).isTrue();
    assertThat(next).isDone();
    assertThat(b.nextPartitionServed()).isNotDone(); // the next one
    b.onResign(partition);
    assertThat(b.serves(partition)).isFalse();
  }

  @Test
  void aPartitionNotLedAnswersNotCoordinator() {
    assertThat(a.checkAvailable("g")).isEqualTo(Errors.NOT_COORDINATOR);
    assertThat(Errors.forCode(join(a, "g", "").errorCode())).isEqualTo(Errors.NOT_COORDINATOR);
    assertThat(commit(a, "g", 5)).isEqualTo(Errors.NOT_COORDINATOR);
    assertThat(Errors.forCode(a.describeGroups(List.of("g")).getNow(null).get(0).errorCode())).isEqualTo(Errors.NOT_COORDINATOR);
    assertThat(a.heartbeat(new HeartbeatRequestData().setGroupId("g").setMemberId("m").setGenerationId(1)).getNow(null))
        .isEqualTo(Errors.NOT_COORDINATOR);

    a.onBecomeLeader(partition, 0);
    assertThat(a.checkAvailable("g")).isEqualTo(Errors.NONE);
    int other = (partition + 1) % 5;
    String elsewhere = "g0";
    for (int i = 0; a.partitionFor(elsewhere) != other; i++) elsewhere = "g" + i;
    assertThat(a.checkAvailable(elsewhere)).isEqualTo(Errors.NOT_COORDINATOR);
  }

  @Test
  void theNewLeaderLoadsWhatTheOldOneCommitted() {
    a.onBecomeLeader(partition, 0);
    assertThat(commit(a, "g", 42)).isEqualTo(Errors.NONE);

    a.onResign(partition);
    b.onBecomeLeader(partition, 1);
    assertThat(a.checkAvailable("g")).isEqualTo(Errors.NOT_COORDINATOR);
    assertThat(b.checkAvailable("g")).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
    assertThat(Errors.forCode(join(b, "g", "").errorCode())).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
    assertThat(b.listGroups(List.of(), List.of()).getNow(null).errorCode()).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS.code());

    pendingLoads.forEach(Runnable::run);
    pendingLoads.clear();
    assertThat(b.checkAvailable("g")).isEqualTo(Errors.NONE);
    assertThat(committed(b, "g")).isEqualTo(42);
    assertThat(b.listGroups(List.of(), List.of()).getNow(null).groups()).extracting(g -> g.groupId()).containsExactly("g");
    assertThat(a.listGroups(List.of(), List.of()).getNow(null).groups()).isEmpty();
  }

  @Test
  void resigningAnswersWaitingJoinsNotCoordinatorAndStopsTimers() {
    a.onBecomeLeader(partition, 0);
    String m1 = join(a, "g", "").memberId();
    JoinGroupResponseData first = join(a, "g", m1);
    int generation = first.generationId();
    String m2 = join(a, "g", "").memberId();
    CompletableFuture<JoinGroupResponseData> waiting =
        a.joinGroup(joinRequest("g", m2), V, "client", "/127.0.0.1"); // a rebalance: waits for m1
    assertThat(waiting).isNotDone();
    int records = store.size(partition);

    a.onResign(partition);
    assertThat(Errors.forCode(waiting.getNow(null).errorCode())).isEqualTo(Errors.NOT_COORDINATOR);
    assertThat(a.heartbeat(new HeartbeatRequestData().setGroupId("g").setMemberId(m1).setGenerationId(generation))
        .getNow(null)).isEqualTo(Errors.NOT_COORDINATOR);
    assertThat(a.group("g")).isNull();
    scheduler.advance(10 * SESSION); // the dropped group's session and rebalance timers do nothing
    assertThat(store.size(partition)).isEqualTo(records);
  }

  @Test
  void aNewEpochOfALoadedPartitionKeepsItsGroups() {
    a.onBecomeLeader(partition, 0);
    String m = join(a, "g", "").memberId();
    JoinGroupResponseData joined = join(a, "g", m);
    a.onBecomeLeader(partition, 1);
    assertThat(a.checkAvailable("g")).isEqualTo(Errors.NONE);
    assertThat(a.group("g").members).containsKey(m);
    assertThat(joined.generationId()).isEqualTo(a.group("g").generationId);
  }

  @Test
  void aLoadOvertakenByResignationIsDropped() {
    a.onBecomeLeader(partition, 0);
    assertThat(commit(a, "g", 7)).isEqualTo(Errors.NONE);
    b.onBecomeLeader(partition, 1);
    b.onResign(partition);
    pendingLoads.forEach(Runnable::run);
    assertThat(b.checkAvailable("g")).isEqualTo(Errors.NOT_COORDINATOR);
    assertThat(b.group("g")).isNull();
  }

  @Test
  void aBrokerThatCannotActAsLeaderAnswersNotCoordinator() {
    java.util.concurrent.atomic.AtomicBoolean registered = new java.util.concurrent.atomic.AtomicBoolean(true);
    GroupCoordinator c = new GroupCoordinator(
        new GroupCoordinatorConfig(5, 1 << 20, 600_000, 60_000, 0, 10, 300_000, 1_000, 4096), scheduler, store, scheduler.clock);
    c.startOnLeadership(Runnable::run, p -> registered.get());
    c.onBecomeLeader(partition, 0);
    assertThat(commit(c, "g", 3)).isEqualTo(Errors.NONE);
    registered.set(false); // e.g. its cluster session expired: another broker may lead now
    assertThat(c.checkAvailable("g")).isEqualTo(Errors.NOT_COORDINATOR);
    assertThat(Errors.forCode(join(c, "g", "").errorCode())).isEqualTo(Errors.NOT_COORDINATOR);
    registered.set(true);
    assertThat(committed(c, "g")).isEqualTo(3);
  }

  @Test
  void partitionsOutsideTheConfiguredCountAreIgnored() {
    a.onBecomeLeader(99, 0);
    assertThat(a.listGroups(List.of(), List.of()).getNow(null).errorCode()).isZero();
  }

  /**
   * PartitionFaultIT, seed 99: a coordinator stopped (SIGSTOP) while a commit waited for the in-sync
   * replicas. Its lease lapsed (it may not serve: NOT_COORDINATOR), the followers completed the
   * write meanwhile, and the lease came back in the same term: the commit must be served, not the
   * offset before it (committed offsets must never go back).
   */
  @Test
  void aCommitCompletedWhileTheCoordinatorMayNotServeIsServedWhenItMayAgain() {
    java.util.concurrent.atomic.AtomicBoolean leads = new java.util.concurrent.atomic.AtomicBoolean(true);
    List<CompletableFuture<Void>> waiting = new ArrayList<>();
    GroupLog replicated = new GroupLog() {
      @Override
      public CompletableFuture<Void> append(int p, List<GroupRecord> records) {
        store.append(p, records); // in the leader's log at once; committed when the test says
        CompletableFuture<Void> committed = new CompletableFuture<>();
        waiting.add(committed);
        return committed;
      }

      @Override
      public CompletableFuture<Void> appendTransactional(int p, long producerId, short producerEpoch, List<GroupRecord> records) {
        return store.appendTransactional(p, producerId, producerEpoch, records);
      }

      @Override
      public List<GroupRecord> read(int p) {
        return store.read(p);
      }
    };
    GroupCoordinator c = new GroupCoordinator(
        new GroupCoordinatorConfig(5, 1 << 20, 600_000, 60_000, 0, 10, 300_000, 1_000, 4096), scheduler, replicated,
        scheduler.clock);
    c.startOnLeadership(Runnable::run, p -> leads.get());
    c.onBecomeLeader(partition, 0);
    OffsetCommitRequestData first = new OffsetCommitRequestData().setGroupId("g").setGenerationIdOrMemberEpoch(-1)
        .setMemberId("").setTopics(List.of(new OffsetCommitRequestTopic().setName("t").setPartitions(List.of(
            new OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(10)))));
    CompletableFuture<OffsetCommitResponseData> ten = c.commitOffsets(first, (short) 8);
    waiting.removeFirst().complete(null);
    assertThat(ten.getNow(null).topics().get(0).partitions().get(0).errorCode()).isZero();
    assertThat(committed(c, "g")).isEqualTo(10);

    OffsetCommitRequestData second = first.duplicate();
    second.topics().get(0).partitions().get(0).setCommittedOffset(20);
    CompletableFuture<OffsetCommitResponseData> twenty = c.commitOffsets(second, (short) 8);
    leads.set(false); // the lease lapsed while the write waited: same term, not serving
    assertThat(Errors.forCode(c.fetchOffsets("g", null, false).getNow(null).errorCode())).isEqualTo(Errors.NOT_COORDINATOR);
    waiting.removeFirst().complete(null); // the in-sync replicas have it: committed
    assertThat(twenty).isDone();
    leads.set(true); // the lease is back, in the same term
    assertThat(committed(c, "g")).as("the committed offset, never the one before it").isEqualTo(20);
  }
}
