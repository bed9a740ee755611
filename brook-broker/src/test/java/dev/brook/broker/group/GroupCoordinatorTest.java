package dev.brook.broker.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Assignment;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestPartition;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopic;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GroupCoordinatorTest {
  private static final short V = 9; // latest JoinGroup
  private static final int SESSION = 10_000;
  private static final int REBALANCE = 30_000;

  private ManualScheduler scheduler;
  private MemoryGroupLog store;
  private GroupCoordinator coordinator;
  private final AtomicInteger ids = new AtomicInteger();

  private GroupCoordinatorConfig config(int initialDelay) {
    return new GroupCoordinatorConfig(5, 1 << 20, 600_000, 60_000, initialDelay, 10, 300_000, 1_000, 4096);
  }

  @BeforeEach
  void setUp() {
    scheduler = new ManualScheduler();
    store = new MemoryGroupLog();
    coordinator = start(config(0));
  }

  private GroupCoordinator start(GroupCoordinatorConfig c) {
    GroupCoordinator g =
        new GroupCoordinator(c, scheduler, store, scheduler.clock, () -> "id" + ids.incrementAndGet());
    g.startup(Runnable::run);
    return g;
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private static byte[] subscription(String... topics) {
    return bytes(ConsumerProtocol.serializeSubscription(new Subscription(List.of(topics))));
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  private JoinGroupRequestData joinRequest(String group, String memberId, String instanceId, String... protocols) {
    JoinGroupRequestProtocolCollection ps = new JoinGroupRequestProtocolCollection();
    for (String p : protocols) ps.add(new JoinGroupRequestProtocol().setName(p).setMetadata(subscription("t")));
    return new JoinGroupRequestData()
        .setGroupId(group)
        .setMemberId(memberId)
        .setGroupInstanceId(instanceId)
        .setSessionTimeoutMs(SESSION)
        .setRebalanceTimeoutMs(REBALANCE)
        .setProtocolType("consumer")
        .setProtocols(ps);
  }

  private CompletableFuture<JoinGroupResponseData> join(String group, String memberId, String... protocols) {
    return coordinator.joinGroup(joinRequest(group, memberId, null, protocols), V, "client", "/127.0.0.1");
  }

  /** First join of a dynamic member: MEMBER_ID_REQUIRED, then the join with the id. */
  private CompletableFuture<JoinGroupResponseData> newMember(String group, String... protocols) {
    JoinGroupResponseData first = join(group, "", protocols).getNow(null);
    assertThat(Errors.forCode(first.errorCode())).isEqualTo(Errors.MEMBER_ID_REQUIRED);
    assertThat(first.memberId()).isNotEmpty();
    return join(group, first.memberId(), protocols);
  }

  private CompletableFuture<SyncGroupResponseData> sync(
      String group, int generation, String memberId, Map<String, byte[]> assignments) {
    List<SyncGroupRequestAssignment> list = new ArrayList<>();
    assignments.forEach((m, a) -> list.add(new SyncGroupRequestAssignment().setMemberId(m).setAssignment(a)));
    return coordinator.syncGroup(
        new SyncGroupRequestData().setGroupId(group).setGenerationId(generation).setMemberId(memberId).setAssignments(list),
        (short) 5);
  }

  private Errors heartbeat(String group, int generation, String memberId) {
    return coordinator
        .heartbeat(new HeartbeatRequestData().setGroupId(group).setGenerationId(generation).setMemberId(memberId))
        .getNow(null);
  }

  private static Errors error(JoinGroupResponseData r) {
    return Errors.forCode(r.errorCode());
  }

  private OffsetCommitResponseData commit(String group, int generation, String memberId, String topic, int partition,
      long offset, String metadata) {
    OffsetCommitRequestData req =
        new OffsetCommitRequestData()
            .setGroupId(group)
            .setGenerationIdOrMemberEpoch(generation)
            .setMemberId(memberId)
            .setTopics(
                List.of(
                    new OffsetCommitRequestTopic()
                        .setName(topic)
                        .setPartitions(
                            List.of(
                                new OffsetCommitRequestPartition()
                                    .setPartitionIndex(partition)
                                    .setCommittedOffset(offset)
                                    .setCommittedMetadata(metadata)))));
    return coordinator.commitOffsets(req, (short) 9).getNow(null);
  }

  private static Errors commitError(OffsetCommitResponseData r) {
    return Errors.forCode(r.topics().get(0).partitions().get(0).errorCode());
  }

  private OffsetFetchResponseGroup fetch(String group, String topic, int... partitions) {
    List<Integer> ps = new ArrayList<>();
    for (int p : partitions) ps.add(p);
    return coordinator
        .fetchOffsets(group, List.of(new OffsetFetchRequestTopics().setName(topic).setPartitionIndexes(ps)), false)
        .getNow(null);
  }

  /** Forms a stable group of {@code n} dynamic members; returns their ids (leader first). */
  private List<String> stableGroup(String group, int n) {
    List<CompletableFuture<JoinGroupResponseData>> joins = new ArrayList<>();
    for (int i = 0; i < n; i++) joins.add(newMember(group, "range"));
    Map<String, JoinGroupResponseData> formed = formGeneration(group, joins);
    assertThat(formed).hasSize(n);
    JoinGroupResponseData any = formed.values().iterator().next();
    String leader = any.leader();
    int generation = any.generationId();
    List<String> members = new ArrayList<>();
    members.add(leader);
    for (String id : formed.keySet()) if (!id.equals(leader)) members.add(id);
    Map<String, byte[]> assignment = new HashMap<>();
    for (String m : members) assignment.put(m, m.getBytes());
    List<CompletableFuture<SyncGroupResponseData>> syncs = new ArrayList<>();
    for (String m : members) syncs.add(sync(group, generation, m, m.equals(leader) ? assignment : Map.of()));
    for (int i = 0; i < members.size(); i++) {
      SyncGroupResponseData s = done(syncs.get(i));
      assertThat(Errors.forCode(s.errorCode())).isEqualTo(Errors.NONE);
      assertThat(s.assignment()).isEqualTo(members.get(i).getBytes());
    }
    assertThat(coordinator.group(group).state).isEqualTo(GroupState.STABLE);
    return members;
  }

  /** The manual scheduler runs everything inline: a future is either done now or waits for time. */
  private static <T> T done(CompletableFuture<T> f) {
    assertThat(f).isDone();
    return f.join();
  }

  // ---- tests -----------------------------------------------------------------------------------

  @Test
  void firstJoinGetsMemberIdRequiredThenFormsGenerationOne() {
    JoinGroupResponseData r = newMember("g", "range").getNow(null);
    assertThat(error(r)).isEqualTo(Errors.NONE);
    assertThat(r.generationId()).isEqualTo(1);
    assertThat(r.leader()).isEqualTo(r.memberId());
    assertThat(r.protocolName()).isEqualTo("range");
    assertThat(r.members()).extracting(JoinGroupResponseMember::memberId).containsExactly(r.memberId());
    assertThat(coordinator.group("g").state).isEqualTo(GroupState.COMPLETING_REBALANCE);
  }

  @Test
  void oldJoinVersionGetsMemberIdWithoutExtraRoundTrip() {
    JoinGroupResponseData r =
        coordinator.joinGroup(joinRequest("g", "", null, "range"), (short) 3, "c", "/h").getNow(null);
    assertThat(error(r)).isEqualTo(Errors.NONE);
    assertThat(r.memberId()).startsWith("c-");
  }

  @Test
  void unknownMemberAndBadSessionTimeoutAreRejected() {
    assertThat(error(join("g", "nobody", "range").getNow(null))).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    JoinGroupRequestData bad = joinRequest("g", "", null, "range").setSessionTimeoutMs(1);
    assertThat(error(coordinator.joinGroup(bad, V, "c", "/h").getNow(null))).isEqualTo(Errors.INVALID_SESSION_TIMEOUT);
    assertThat(error(join("", "", "range").getNow(null))).isEqualTo(Errors.INVALID_GROUP_ID);
  }

  @Test
  void leaderGetsAllMembersAndSyncDistributesAssignments() {
    List<String> members = stableGroup("g", 3);
    assertThat(members).hasSize(3);
    int gen = coordinator.group("g").generationId;
    assertThat(heartbeat("g", gen, members.get(1))).isEqualTo(Errors.NONE);
    assertThat(heartbeat("g", gen - 1, members.get(1))).isEqualTo(Errors.ILLEGAL_GENERATION);
    assertThat(heartbeat("g", gen, "ghost")).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
  }

  @Test
  void protocolIsChosenAcrossMembersAndIncompatibleJoinRejected() {
    CompletableFuture<JoinGroupResponseData> a = newMember("g", "range", "cooperative-sticky");
    // a's join completed alone (delay 0); b joins → rebalance; a rejoins.
    String aId = a.getNow(null).memberId();
    CompletableFuture<JoinGroupResponseData> b = newMember("g", "cooperative-sticky");
    CompletableFuture<JoinGroupResponseData> a2 = join("g", aId, "range", "cooperative-sticky");
    assertThat(a2.getNow(null).protocolName()).isEqualTo("cooperative-sticky");
    assertThat(b.getNow(null).protocolName()).isEqualTo("cooperative-sticky");
    JoinGroupResponseData c = join("g", "", "roundrobin").getNow(null);
    assertThat(error(c)).isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
  }

  @Test
  void initialRebalanceDelayWaitsForMoreMembers() {
    coordinator = start(config(3000));
    CompletableFuture<JoinGroupResponseData> a = newMember("g", "range");
    scheduler.advance(2000);
    assertThat(a).isNotDone();
    CompletableFuture<JoinGroupResponseData> b = newMember("g", "range");
    scheduler.advance(1000); // first delay over, but b arrived: wait one more delay
    assertThat(a).isNotDone();
    scheduler.advance(3000);
    assertThat(a.getNow(null).generationId()).isEqualTo(1);
    assertThat(b.getNow(null).generationId()).isEqualTo(1);
    assertThat(a.getNow(null).leader()).isEqualTo(a.getNow(null).memberId());
    assertThat(a.getNow(null).members()).hasSize(2);
  }

  @Test
  void silentMemberIsRemovedAfterSessionTimeout() {
    List<String> m = stableGroup("g", 2);
    int gen = coordinator.group("g").generationId;
    scheduler.advance(SESSION / 2);
    assertThat(heartbeat("g", gen, m.get(0))).isEqualTo(Errors.NONE);
    scheduler.advance(SESSION / 2 + 1); // m1 silent for a whole session
    assertThat(coordinator.group("g").members).containsOnlyKeys(m.get(0));
    assertThat(heartbeat("g", gen, m.get(0))).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
    JoinGroupResponseData r = join("g", m.get(0), "range").getNow(null);
    assertThat(r.generationId()).isEqualTo(gen + 1);
    assertThat(r.members()).hasSize(1);
  }

  @Test
  void memberNotRejoiningWithinRebalanceTimeoutIsRemoved() {
    List<String> m = stableGroup("g", 2);
    int gen = coordinator.group("g").generationId;
    CompletableFuture<JoinGroupResponseData> rejoin = join("g", m.get(0), "range", "roundrobin");
    // m1 keeps heartbeating (its poll loop is stuck: max.poll.interval.ms exceeded) but never rejoins.
    for (int t = 0; t < REBALANCE; t += 3000) {
      assertThat(heartbeat("g", gen, m.get(1))).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
      assertThat(rejoin).isNotDone();
      scheduler.advance(3000);
    }
    assertThat(rejoin.getNow(null).generationId()).isEqualTo(gen + 1);
    assertThat(rejoin.getNow(null).members()).extracting(JoinGroupResponseMember::memberId).containsExactly(m.get(0));
    assertThat(heartbeat("g", gen + 1, m.get(1))).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
  }

  @Test
  void leaderNotSyncingIsRemovedAfterRebalanceTimeout() {
    CompletableFuture<JoinGroupResponseData> a = newMember("g", "range");
    JoinGroupResponseData ar = a.getNow(null);
    CompletableFuture<JoinGroupResponseData> b = newMember("g", "range");
    join("g", ar.memberId(), "range").getNow(null);
    JoinGroupResponseData br = b.getNow(null);
    CompletableFuture<SyncGroupResponseData> bSync = sync("g", br.generationId(), br.memberId(), Map.of());
    // Both keep heartbeating; only the leader's SyncGroup never comes.
    for (int t = 0; t < REBALANCE; t += 3000) {
      heartbeat("g", br.generationId(), ar.memberId());
      heartbeat("g", br.generationId(), br.memberId());
      scheduler.advance(3000);
    }
    // The leader never synced: it is removed, and the follower is told to rejoin.
    assertThat(Errors.forCode(bSync.getNow(null).errorCode())).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
    JoinGroupResponseData again = join("g", br.memberId(), "range").getNow(null);
    assertThat(again.leader()).isEqualTo(br.memberId());
  }

  @Test
  void leaveGroupRemovesMembersInOneBatchAndRebalances() {
    List<String> m = stableGroup("g", 3);
    int gen = coordinator.group("g").generationId;
    var r =
        coordinator
            .leaveGroup("g", List.of(new MemberIdentity().setMemberId(m.get(1)), new MemberIdentity().setMemberId("ghost")))
            .getNow(null);
    assertThat(r.members()).extracting(x -> Errors.forCode(x.errorCode()))
        .containsExactly(Errors.NONE, Errors.UNKNOWN_MEMBER_ID);
    assertThat(coordinator.group("g").state).isEqualTo(GroupState.PREPARING_REBALANCE);
    CompletableFuture<JoinGroupResponseData> j0 = join("g", m.get(0), "range");
    assertThat(j0).isNotDone();
    JoinGroupResponseData j2 = join("g", m.get(2), "range").getNow(null);
    assertThat(j2.generationId()).isEqualTo(gen + 1);
    assertThat(j0.getNow(null).members()).hasSize(2);
    coordinator.leaveGroup("g", List.of(new MemberIdentity().setMemberId(m.get(0)), new MemberIdentity().setMemberId(m.get(2)))).getNow(null);
    assertThat(coordinator.group("g").state).isEqualTo(GroupState.EMPTY);
    assertThat(coordinator.group("g").generationId).isEqualTo(gen + 2);
  }

  @Test
  void staticMemberRestartGetsOldAssignmentAndFencesOldId() {
    JoinGroupResponseData a =
        coordinator.joinGroup(joinRequest("g", "", "instance-a", "range"), V, "c", "/h").getNow(null);
    assertThat(error(a)).isEqualTo(Errors.NONE); // static members skip MEMBER_ID_REQUIRED
    sync("g", 1, a.memberId(), Map.of(a.memberId(), new byte[] {7})).getNow(null);
    JoinGroupResponseData b =
        coordinator.joinGroup(joinRequest("g", "", "instance-b", "range"), V, "c", "/h").thenApply(x -> x).getNow(null);
    assertThat(b).isNull(); // b's join triggered a rebalance; a must rejoin
    JoinGroupResponseData a2 = coordinator.joinGroup(joinRequest("g", a.memberId(), "instance-a", "range"), V, "c", "/h").getNow(null);
    assertThat(a2.generationId()).isEqualTo(2);
    String bId = a2.members().stream().filter(m -> "instance-b".equals(m.groupInstanceId())).findFirst().orElseThrow().memberId();
    sync("g", 2, a2.memberId(), Map.of(a2.memberId(), new byte[] {1}, bId, new byte[] {2})).getNow(null);
    assertThat(sync("g", 2, bId, Map.of()).getNow(null).assignment()).containsExactly(2);

    // b restarts: a new member id, same instance id, no rebalance, same assignment.
    JoinGroupResponseData b2 = coordinator.joinGroup(joinRequest("g", "", "instance-b", "range"), V, "c", "/h").getNow(null);
    assertThat(error(b2)).isEqualTo(Errors.NONE);
    assertThat(b2.memberId()).isNotEqualTo(bId);
    assertThat(b2.generationId()).isEqualTo(2);
    assertThat(coordinator.group("g").state).isEqualTo(GroupState.STABLE);
    assertThat(sync("g", 2, b2.memberId(), Map.of()).getNow(null).assignment()).containsExactly(2);
    // The old incarnation is fenced.
    assertThat(coordinator.heartbeat(new HeartbeatRequestData().setGroupId("g").setGenerationId(2)
        .setMemberId(bId).setGroupInstanceId("instance-b")).getNow(null)).isEqualTo(Errors.FENCED_INSTANCE_ID);
    assertThat(commitError(coordinator.commitOffsets(new OffsetCommitRequestData().setGroupId("g")
        .setGenerationIdOrMemberEpoch(2).setMemberId(bId).setGroupInstanceId("instance-b")
        .setTopics(List.of(new OffsetCommitRequestTopic().setName("t").setPartitions(List.of(
            new OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(1))))), (short) 9).getNow(null)))
        .isEqualTo(Errors.FENCED_INSTANCE_ID);
  }

  @Test
  void offsetCommitChecksMemberAndGeneration() {
    List<String> m = stableGroup("g", 1);
    assertThat(commitError(commit("g", 1, m.get(0), "t", 0, 42, "meta"))).isEqualTo(Errors.NONE);
    assertThat(commitError(commit("g", 7, m.get(0), "t", 0, 43, null))).isEqualTo(Errors.ILLEGAL_GENERATION);
    assertThat(commitError(commit("g", 1, "ghost", "t", 0, 43, null))).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    assertThat(commitError(commit("g", -1, "", "t", 0, 43, null))).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    assertThat(commitError(commit("g", 1, m.get(0), "t", 1, 5, "x".repeat(5000))))
        .isEqualTo(Errors.OFFSET_METADATA_TOO_LARGE);
    var f = fetch("g", "t", 0, 1);
    assertThat(f.topics().get(0).partitions().get(0).committedOffset()).isEqualTo(42);
    assertThat(f.topics().get(0).partitions().get(0).metadata()).isEqualTo("meta");
    assertThat(f.topics().get(0).partitions().get(1).committedOffset()).isEqualTo(-1);
    // An admin commit into a group nobody has joined creates it.
    assertThat(commitError(commit("simple", -1, "", "t", 3, 9, null))).isEqualTo(Errors.NONE);
    assertThat(fetch("simple", "t", 3).topics().get(0).partitions().get(0).committedOffset()).isEqualTo(9);
  }

  @Test
  void commitDuringCompletingRebalanceIsRejected() {
    CompletableFuture<JoinGroupResponseData> a = newMember("g", "range");
    JoinGroupResponseData r = a.getNow(null);
    assertThat(commitError(commit("g", r.generationId(), r.memberId(), "t", 0, 1, null)))
        .isEqualTo(Errors.REBALANCE_IN_PROGRESS);
  }

  @Test
  void offsetsAndGroupSurviveReload() {
    List<String> m = stableGroup("g", 2);
    int gen = coordinator.group("g").generationId;
    commit("g", gen, m.get(0), "t", 0, 100, "a");
    commit("g", gen, m.get(1), "t", 1, 200, "b");
    commit("g", gen, m.get(1), "t", 1, 201, "c");
    commit("other", -1, "", "u", 0, 5, null);

    GroupCoordinator reloaded = start(config(0));
    coordinator = reloaded;
    OffsetFetchResponseGroup f = fetch("g", "t", 0, 1);
    assertThat(f.topics().get(0).partitions()).extracting(p -> p.committedOffset()).containsExactly(100L, 201L);
    assertThat(f.topics().get(0).partitions().get(1).metadata()).isEqualTo("c");
    ClassicGroup g = coordinator.group("g");
    assertThat(g.state).isEqualTo(GroupState.STABLE);
    assertThat(g.generationId).isEqualTo(gen);
    assertThat(g.members).containsOnlyKeys(m.get(0), m.get(1));
    assertThat(heartbeat("g", gen, m.get(1))).isEqualTo(Errors.NONE);
    assertThat(coordinator.fetchOffsets("other", null, true).getNow(null).topics()).hasSize(1);
  }

  @Test
  void groupsLoadingAnswerLoadInProgress() {
    GroupCoordinator notLoaded =
        new GroupCoordinator(config(0), scheduler, store, scheduler.clock);
    assertThat(notLoaded.checkAvailable("g")).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
    JoinGroupResponseData r = notLoaded.joinGroup(joinRequest("g", "", null, "range"), V, "c", "/h").getNow(null);
    assertThat(error(r)).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
    List<Runnable> pending = new ArrayList<>();
    notLoaded.startup(pending::add);
    assertThat(notLoaded.checkAvailable("g")).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
    pending.forEach(Runnable::run);
    assertThat(notLoaded.checkAvailable("g")).isEqualTo(Errors.NONE);
  }

  @Test
  void deleteGroupsOnlyWhenEmptyAndTombstonesSurviveReload() {
    List<String> m = stableGroup("g", 1);
    commit("g", 1, m.get(0), "t", 0, 1, null);
    var r = coordinator.deleteGroups(List.of("g", "missing")).getNow(null);
    assertThat(Errors.forCode(r.find("g").errorCode())).isEqualTo(Errors.NON_EMPTY_GROUP);
    assertThat(Errors.forCode(r.find("missing").errorCode())).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
    coordinator.leaveGroup("g", List.of(new MemberIdentity().setMemberId(m.get(0)))).getNow(null);
    r = coordinator.deleteGroups(List.of("g")).getNow(null);
    assertThat(Errors.forCode(r.find("g").errorCode())).isEqualTo(Errors.NONE);
    assertThat(coordinator.group("g")).isNull();
    coordinator = start(config(0));
    assertThat(coordinator.group("g")).isNull();
    assertThat(fetch("g", "t", 0).topics().get(0).partitions().get(0).committedOffset()).isEqualTo(-1);
  }

  @Test
  void offsetsOfEmptyGroupExpireAfterRetention() {
    commit("g", -1, "", "t", 0, 1, null);
    List<String> m = stableGroup("live", 1);
    commit("live", 1, m.get(0), "t", 0, 1, null);
    for (int t = 0; t < 600_000 + 60_000; t += 5_000) {
      assertThat(heartbeat("live", 1, m.get(0))).isEqualTo(Errors.NONE);
      scheduler.advance(5_000);
    }
    // The group with a member keeps its offsets however old they are.
    assertThat(coordinator.group("g")).isNull();
    coordinator = start(config(0));
    assertThat(coordinator.group("g")).isNull();
    assertThat(coordinator.offsets("live")).hasSize(1);
  }

  @Test
  void describeAndListGroups() {
    List<String> m = stableGroup("g", 2);
    commit("e", -1, "", "t", 0, 1, null);
    DescribedGroup d = coordinator.describeGroups(List.of("g", "nope")).getNow(null).get(0);
    assertThat(d.groupState()).isEqualTo("Stable");
    assertThat(d.protocolData()).isEqualTo("range");
    assertThat(d.members()).hasSize(2);
    assertThat(d.members().get(0).memberAssignment()).isEqualTo(m.get(0).getBytes());
    assertThat(coordinator.describeGroups(List.of("nope")).getNow(null).get(0).groupState()).isEqualTo("Dead");
    assertThat(coordinator.listGroups(List.of(), List.of()).getNow(null).groups()).extracting(ListedGroup::groupId)
        .containsExactly("e", "g");
    assertThat(coordinator.listGroups(List.of("stable"), List.of()).getNow(null).groups()).extracting(ListedGroup::groupId)
        .containsExactly("g");
    assertThat(coordinator.listGroups(List.of("Empty"), List.of("classic")).getNow(null).groups())
        .extracting(ListedGroup::groupId).containsExactly("e");
    assertThat(coordinator.listGroups(List.of(), List.of("consumer")).getNow(null).groups()).isEmpty();
  }

  @Test
  void offsetDeleteRefusesSubscribedTopics() {
    List<String> m = stableGroup("g", 1);
    commit("g", 1, m.get(0), "t", 0, 1, null);
    commit("g", 1, m.get(0), "old", 0, 1, null);
    OffsetDeleteRequestTopicCollection topics = new OffsetDeleteRequestTopicCollection();
    topics.add(new OffsetDeleteRequestTopic().setName("t").setPartitions(List.of(new OffsetDeleteRequestPartition().setPartitionIndex(0))));
    topics.add(new OffsetDeleteRequestTopic().setName("old").setPartitions(List.of(new OffsetDeleteRequestPartition().setPartitionIndex(0))));
    OffsetDeleteResponseData r = coordinator.deleteOffsets(new OffsetDeleteRequestData().setGroupId("g").setTopics(topics)).getNow(null);
    assertThat(Errors.forCode(r.topics().find("t").partitions().find(0).errorCode())).isEqualTo(Errors.GROUP_SUBSCRIBED_TO_TOPIC);
    assertThat(Errors.forCode(r.topics().find("old").partitions().find(0).errorCode())).isEqualTo(Errors.NONE);
    assertThat(coordinator.offsets("g")).containsOnlyKeys(new TopicPartition("t", 0));
  }

  /** 200 members on 400 partitions: every partition assigned exactly once, before and after a leave. */
  @Test
  void twoHundredMembersRebalanceOverFourHundredPartitions() {
    int members = 200;
    int partitions = 400;
    List<CompletableFuture<JoinGroupResponseData>> joins = new ArrayList<>();
    for (int i = 0; i < members; i++) joins.add(newMember("big", "range"));
    // Under delay 0 the first join completes alone; the rest trigger one more rebalance that every
    // known member must rejoin.
    Map<String, JoinGroupResponseData> current = formGeneration("big", joins);
    assertThat(current).hasSize(members);
    Map<String, List<TopicPartition>> assigned = assignAndSync("big", current, partitions);
    assertPartitionedOnce(assigned, partitions, members);

    // One member leaves; the other 199 rejoin and split all 400 again.
    String leaving = current.keySet().iterator().next();
    coordinator.leaveGroup("big", List.of(new MemberIdentity().setMemberId(leaving))).getNow(null);
    List<CompletableFuture<JoinGroupResponseData>> rejoins = new ArrayList<>();
    for (String id : current.keySet()) if (!id.equals(leaving)) rejoins.add(join("big", id, "range"));
    Map<String, JoinGroupResponseData> next = formGeneration("big", rejoins);
    assertThat(next).hasSize(members - 1);
    assertPartitionedOnce(assignAndSync("big", next, partitions), partitions, members - 1);
  }

  private Map<String, JoinGroupResponseData> formGeneration(String group, List<CompletableFuture<JoinGroupResponseData>> joins) {
    Map<String, JoinGroupResponseData> done = new HashMap<>();
    List<CompletableFuture<JoinGroupResponseData>> waiting = new ArrayList<>(joins);
    for (int round = 0; round < 5 && !waiting.isEmpty(); round++) {
      int generation = coordinator.group(group).generationId;
      List<CompletableFuture<JoinGroupResponseData>> next = new ArrayList<>();
      for (CompletableFuture<JoinGroupResponseData> f : waiting) {
        if (!f.isDone()) {
          next.add(f);
          continue;
        }
        JoinGroupResponseData r = done(f);
        assertThat(error(r)).isEqualTo(Errors.NONE);
        if (r.generationId() == generation && coordinator.group(group).is(GroupState.COMPLETING_REBALANCE)) {
          done.put(r.memberId(), r);
        } else {
          next.add(join(group, r.memberId(), "range")); // stale generation: rejoin
        }
      }
      waiting = next;
    }
    assertThat(waiting).isEmpty();
    int generation = coordinator.group(group).generationId;
    done.values().removeIf(r -> r.generationId() != generation);
    return done;
  }

  private Map<String, List<TopicPartition>> assignAndSync(String group, Map<String, JoinGroupResponseData> members, int partitions) {
    JoinGroupResponseData leader = members.values().stream().filter(r -> r.leader().equals(r.memberId())).findFirst().orElseThrow();
    List<String> ids = leader.members().stream().map(JoinGroupResponseMember::memberId).sorted().toList();
    assertThat(ids).containsExactlyInAnyOrderElementsOf(members.keySet());
    Map<String, List<TopicPartition>> plan = new HashMap<>();
    for (int p = 0; p < partitions; p++) plan.computeIfAbsent(ids.get(p % ids.size()), k -> new ArrayList<>()).add(new TopicPartition("t", p));
    Map<String, byte[]> encoded = new HashMap<>();
    plan.forEach((m, tps) -> encoded.put(m, bytes(ConsumerProtocol.serializeAssignment(new Assignment(tps)))));
    int generation = leader.generationId();
    Map<String, CompletableFuture<SyncGroupResponseData>> syncs = new HashMap<>();
    for (String m : ids) if (!m.equals(leader.memberId())) syncs.put(m, sync(group, generation, m, Map.of()));
    syncs.put(leader.memberId(), sync(group, generation, leader.memberId(), encoded));
    Map<String, List<TopicPartition>> received = new HashMap<>();
    syncs.forEach((m, f) -> {
      SyncGroupResponseData s = done(f);
      assertThat(Errors.forCode(s.errorCode())).isEqualTo(Errors.NONE);
      received.put(m, ConsumerProtocol.deserializeAssignment(ByteBuffer.wrap(s.assignment())).partitions());
    });
    return received;
  }

  private static void assertPartitionedOnce(Map<String, List<TopicPartition>> assigned, int partitions, int members) {
    assertThat(assigned).hasSize(members);
    Set<TopicPartition> seen = new HashSet<>();
    for (List<TopicPartition> tps : assigned.values()) {
      assertThat(tps).isNotEmpty();
      for (TopicPartition tp : tps) assertThat(seen.add(tp)).as("assigned twice: %s", tp).isTrue();
    }
    assertThat(seen).hasSize(partitions);
  }
}
