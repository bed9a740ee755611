package dev.brook.broker.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** KIP-848 groups on the coordinator with a manual scheduler: epochs, incremental revocation, timeouts. */
class ConsumerProtocolTest {
  private static final Uuid T_ID = Uuid.randomUuid();
  private ManualScheduler scheduler;
  private GroupCoordinator coordinator;
  private final Map<String, Integer> partitions = new HashMap<>(Map.of("t", 4));

  private final TopicLookup topics =
      new TopicLookup() {
        @Override
        public Optional<Uuid> id(String topic) {
          return topic.equals("t") ? Optional.of(T_ID) : Optional.empty();
        }

        @Override
        public Optional<String> name(Uuid id) {
          return id.equals(T_ID) ? Optional.of("t") : Optional.empty();
        }

        @Override
        public OptionalInt partitionCount(String topic) {
          Integer n = partitions.get(topic);
          return n == null ? OptionalInt.empty() : OptionalInt.of(n);
        }

        @Override
        public Collection<String> names() {
          return partitions.keySet();
        }
      };

  @BeforeEach
  void setUp() {
    scheduler = new ManualScheduler();
    GroupCoordinatorConfig config =
        new GroupCoordinatorConfig(3, 1 << 20, 600_000, 60_000, 0, 10, 300_000, 1000, 4096, 3_000, 500, List.of("uniform", "range"));
    coordinator = new GroupCoordinator(config, scheduler, new MemoryGroupLog(), scheduler.clock).withTopics(topics);
    coordinator.startup(Runnable::run);
  }

  private ConsumerGroupHeartbeatResponseData heartbeat(String member, int epoch, Set<Integer> owned) {
    ConsumerGroupHeartbeatRequestData req =
        new ConsumerGroupHeartbeatRequestData().setGroupId("g").setMemberId(member).setMemberEpoch(epoch);
    if (epoch == 0) req.setRebalanceTimeoutMs(10_000).setSubscribedTopicNames(List.of("t"));
    if (owned != null) {
      req.setTopicPartitions(List.of(new ConsumerGroupHeartbeatRequestData.TopicPartitions()
          .setTopicId(T_ID).setPartitions(new ArrayList<>(owned))));
    }
    ConsumerGroupHeartbeatResponseData r = coordinator.consumerGroupHeartbeat(req, "client", "/h").getNow(null);
    assertThat(r).isNotNull();
    return r;
  }

  private static Set<Integer> assigned(ConsumerGroupHeartbeatResponseData r) {
    Set<Integer> out = new HashSet<>();
    if (r.assignment() == null) return null;
    r.assignment().topicPartitions().forEach(t -> out.addAll(t.partitions()));
    return out;
  }

  @Test
  void aRegexMatchesOnlyTopicsTheMemberMayDescribe() {
    ConsumerGroupHeartbeatRequestData hidden = new ConsumerGroupHeartbeatRequestData().setGroupId("rx-hidden")
        .setMemberId("a").setMemberEpoch(0).setRebalanceTimeoutMs(10_000).setSubscribedTopicRegex("t.*")
        .setTopicPartitions(List.of());
    ConsumerGroupHeartbeatResponseData r = coordinator.consumerGroupHeartbeat(hidden, "client", "/h", topic -> false)
        .getNow(null);
    assertThat(assigned(r)).as("t matches, but may not be described").isEmpty();
    ConsumerGroupHeartbeatRequestData seen = new ConsumerGroupHeartbeatRequestData().setGroupId("rx-seen")
        .setMemberId("b").setMemberEpoch(0).setRebalanceTimeoutMs(10_000).setSubscribedTopicRegex("t.*")
        .setTopicPartitions(List.of());
    r = coordinator.consumerGroupHeartbeat(seen, "client", "/h", "t"::equals).getNow(null);
    assertThat(assigned(r)).containsExactlyInAnyOrder(0, 1, 2, 3);
  }

  @Test
  void secondMemberGetsPartitionsOnlyAfterTheFirstRevokesThem() {
    ConsumerGroupHeartbeatResponseData a = heartbeat("a", 0, Set.of());
    assertThat(a.memberEpoch()).isEqualTo(1);
    assertThat(assigned(a)).containsExactlyInAnyOrder(0, 1, 2, 3);

    ConsumerGroupHeartbeatResponseData b = heartbeat("b", 0, Set.of());
    assertThat(b.memberEpoch()).isEqualTo(2);
    assertThat(assigned(b)).as("a still holds everything").isEmpty();

    // a learns to revoke two partitions; its epoch waits until it has.
    ConsumerGroupHeartbeatResponseData a2 = heartbeat("a", 1, null);
    assertThat(a2.memberEpoch()).isEqualTo(1);
    Set<Integer> kept = assigned(a2);
    assertThat(kept).hasSize(2);
    assertThat(coordinator.consumerGroupDescribe(List.of("g")).getNow(null).get(0).groupState()).isEqualTo("Reconciling");

    ConsumerGroupHeartbeatResponseData a3 = heartbeat("a", 1, kept);
    assertThat(a3.memberEpoch()).isEqualTo(2);
    ConsumerGroupHeartbeatResponseData b2 = heartbeat("b", 2, Set.of());
    Set<Integer> got = assigned(b2);
    assertThat(got).hasSize(2).doesNotContainAnyElementsOf(kept);
    heartbeat("b", 2, got);
    assertThat(coordinator.consumerGroupDescribe(List.of("g")).getNow(null).get(0).groupState()).isEqualTo("Stable");
  }

  @Test
  void wrongEpochIsFencedAndUnknownMemberRejected() {
    heartbeat("a", 0, Set.of());
    assertThat(Errors.forCode(heartbeat("a", 7, null).errorCode())).isEqualTo(Errors.FENCED_MEMBER_EPOCH);
    assertThat(Errors.forCode(heartbeat("zz", 1, null).errorCode())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    // A fenced member rejoins with epoch 0 and the same id.
    assertThat(heartbeat("a", 0, Set.of()).memberEpoch()).isPositive();
  }

  @Test
  void silentMemberIsRemovedAfterSessionTimeoutAndItsPartitionsMove() {
    heartbeat("a", 0, Set.of());
    heartbeat("a", 1, Set.of(0, 1, 2, 3));
    heartbeat("b", 0, Set.of());
    ConsumerGroupHeartbeatResponseData b = heartbeat("b", 2, Set.of());
    Set<Integer> latest = assigned(b);
    for (int i = 0; i < 4; i++) {
      scheduler.advance(1_000);
      b = heartbeat("b", b.memberEpoch(), null);
      if (assigned(b) != null) latest = assigned(b);
    }
    // a was silent for 4 s > 3 s session: b ends up with all four partitions.
    assertThat(coordinator.consumerGroupDescribe(List.of("g")).getNow(null).get(0).members()).hasSize(1);
    assertThat(latest).containsExactlyInAnyOrder(0, 1, 2, 3);
  }

  @Test
  void leavingFreesPartitionsAtOnce() {
    heartbeat("a", 0, Set.of());
    heartbeat("a", 1, Set.of(0, 1, 2, 3));
    ConsumerGroupHeartbeatResponseData b = heartbeat("b", 0, Set.of());
    assertThat(heartbeat("a", -1, null).memberEpoch()).isEqualTo(-1);
    assertThat(assigned(heartbeat("b", b.memberEpoch(), Set.of()))).containsExactlyInAnyOrder(0, 1, 2, 3);
  }

  @Test
  void newPartitionsAreAssigned() {
    heartbeat("a", 0, Set.of());
    partitions.put("t", 6);
    ConsumerGroupHeartbeatResponseData a = heartbeat("a", 1, Set.of(0, 1, 2, 3));
    assertThat(a.memberEpoch()).isEqualTo(2);
    assertThat(assigned(a)).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5);
  }

  @Test
  void commitsNeedTheCurrentMemberEpoch() {
    heartbeat("a", 0, Set.of());
    OffsetCommitRequestData req = new OffsetCommitRequestData().setGroupId("g").setMemberId("a")
        .setGenerationIdOrMemberEpoch(1)
        .setTopics(List.of(new OffsetCommitRequestTopic().setName("t").setPartitions(List.of(
            new OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(5)))));
    assertThat(coordinator.commitOffsets(req, (short) 9).getNow(null).topics().get(0).partitions().get(0).errorCode())
        .isEqualTo(Errors.NONE.code());
    req.setGenerationIdOrMemberEpoch(0);
    assertThat(coordinator.commitOffsets(req, (short) 9).getNow(null).topics().get(0).partitions().get(0).errorCode())
        .isEqualTo(Errors.STALE_MEMBER_EPOCH.code());
    assertThat(coordinator.fetchOffsets("g", "a", 0, null, false).getNow(null).errorCode())
        .isEqualTo(Errors.STALE_MEMBER_EPOCH.code());
    assertThat(coordinator.fetchOffsets("g", "a", 1, null, false).getNow(null).topics()).hasSize(1);
  }

  private ConsumerGroupHeartbeatResponseData staticJoin(String member, String instance) {
    ConsumerGroupHeartbeatRequestData req = new ConsumerGroupHeartbeatRequestData().setGroupId("g").setMemberId(member)
        .setMemberEpoch(0).setInstanceId(instance).setRebalanceTimeoutMs(10_000).setSubscribedTopicNames(List.of("t"))
        .setTopicPartitions(List.of());
    return coordinator.consumerGroupHeartbeat(req, "client", "/h").getNow(null);
  }

  @Test
  void restartedStaticMemberTakesOverItsPartitionsWithoutRebalance() {
    ConsumerGroupHeartbeatResponseData a = staticJoin("a1", "i1");
    heartbeat("a1", a.memberEpoch(), Set.of(0, 1, 2, 3));
    assertThat(Errors.forCode(staticJoin("a2", "i1").errorCode())).isEqualTo(Errors.UNRELEASED_INSTANCE_ID);
    assertThat(heartbeat("a1", -2, null).memberEpoch()).isEqualTo(-2);
    int groupEpoch = coordinator.consumerGroupDescribe(List.of("g")).getNow(null).get(0).groupEpoch();
    ConsumerGroupHeartbeatResponseData a2 = staticJoin("a2", "i1");
    assertThat(a2.memberEpoch()).isEqualTo(a.memberEpoch());
    assertThat(assigned(a2)).containsExactlyInAnyOrder(0, 1, 2, 3);
    assertThat(coordinator.consumerGroupDescribe(List.of("g")).getNow(null).get(0).groupEpoch()).isEqualTo(groupEpoch);
  }

  @Test
  void staticMemberThatNeverReturnsIsRemovedAfterSessionTimeout() {
    ConsumerGroupHeartbeatResponseData a = staticJoin("a1", "i1");
    heartbeat("a1", -2, null);
    scheduler.advance(3_001);
    assertThat(coordinator.consumerGroupDescribe(List.of("g")).getNow(null).get(0).members()).isEmpty();
    assertThat(a.memberEpoch()).isPositive();
  }

  @Test
  void uniformAssignorIsBalancedAndSticky() {
    ServerAssignor uniform = new ServerAssignor.Uniform();
    Map<String, Set<String>> subs = new HashMap<>();
    for (int i = 0; i < 3; i++) subs.put("m" + i, Set.of("t"));
    Map<String, Set<TopicPartition>> first = uniform.assign(subs, Map.of("t", 10), Map.of());
    assertThat(first.values()).extracting(Set::size).containsExactlyInAnyOrder(4, 3, 3);
    subs.put("m3", Set.of("t"));
    Map<String, Set<TopicPartition>> second = uniform.assign(subs, Map.of("t", 10), first);
    assertThat(second.values()).extracting(Set::size).containsExactlyInAnyOrder(3, 3, 2, 2);
    for (int i = 0; i < 3; i++) assertThat(first.get("m" + i)).containsAll(second.get("m" + i));
    Set<TopicPartition> all = new HashSet<>();
    second.values().forEach(all::addAll);
    assertThat(all).hasSize(10);
  }

  @Test
  void rangeAssignorGivesContiguousRanges() {
    Map<String, Set<TopicPartition>> r =
        new ServerAssignor.Range().assign(Map.of("a", Set.of("t"), "b", Set.of("t")), Map.of("t", 5), Map.of());
    assertThat(r.get("a")).extracting(TopicPartition::partition).containsExactlyInAnyOrder(0, 1, 2);
    assertThat(r.get("b")).extracting(TopicPartition::partition).containsExactlyInAnyOrder(3, 4);
  }
}
