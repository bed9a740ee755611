package dev.brook.broker.group;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.group.GroupRecord.ConsumerGroupEpochRecord;
import dev.brook.broker.group.GroupRecord.ConsumerMemberRecord;
import dev.brook.broker.group.GroupRecord.CurrentAssignmentRecord;
import dev.brook.broker.group.GroupRecord.RegexRecord;
import dev.brook.broker.group.GroupRecord.TargetAssignmentEpochRecord;
import dev.brook.broker.group.GroupRecord.TargetAssignmentMemberRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData.DescribedGroup;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * KIP-848 groups survive their coordinator: the state is written as Kafka's ConsumerGroup* records
 * and a new coordinator over the same log carries on with the same members, epochs and assignments,
 * so members keep heartbeating without rejoining.
 */
class ConsumerGroupPersistenceTest {
  private static final Uuid T_ID = Uuid.randomUuid();
  private static final Uuid U_ID = Uuid.randomUuid();
  private static final GroupCoordinatorConfig CONFIG =
      new GroupCoordinatorConfig(1, 1 << 20, 600_000, 60_000, 0, 10, 300_000, 1000, 4096, 3_000, 500, List.of("uniform", "range"));
  private static final TopicLookup TOPICS = new TopicLookup() {
    @Override
    public Optional<Uuid> id(String topic) {
      return switch (topic) {
        case "t" -> Optional.of(T_ID);
        case "u" -> Optional.of(U_ID);
        default -> Optional.empty();
      };
    }

    @Override
    public Optional<String> name(Uuid id) {
      return id.equals(T_ID) ? Optional.of("t") : id.equals(U_ID) ? Optional.of("u") : Optional.empty();
    }

    @Override
    public OptionalInt partitionCount(String topic) {
      return switch (topic) {
        case "t" -> OptionalInt.of(4);
        case "u" -> OptionalInt.of(2);
        default -> OptionalInt.empty();
      };
    }

    @Override
    public Collection<String> names() {
      return List.of("t", "u");
    }
  };

  private final MemoryGroupLog log = new MemoryGroupLog();
  private ManualScheduler scheduler;
  private GroupCoordinator coordinator;

  @BeforeEach
  void setUp() {
    coordinator = start();
  }

  private GroupCoordinator start() {
    scheduler = new ManualScheduler();
    GroupCoordinator c = new GroupCoordinator(CONFIG, scheduler, log, scheduler.clock).withTopics(TOPICS);
    c.startup(Runnable::run);
    return c;
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
    if (r.assignment() == null) return null;
    Set<Integer> out = new HashSet<>();
    r.assignment().topicPartitions().forEach(t -> out.addAll(t.partitions()));
    return out;
  }

  /** Two members share the topic, each having reconciled to the target; returns b's partitions. */
  private Set<Integer> stableGroupOfTwo() {
    heartbeat("a", 0, Set.of());
    heartbeat("b", 0, Set.of());
    Set<Integer> kept = assigned(heartbeat("a", 1, null));
    heartbeat("a", 1, kept);
    Set<Integer> got = assigned(heartbeat("b", 2, Set.of()));
    heartbeat("b", 2, got);
    assertThat(describe().groupState()).isEqualTo("Stable");
    return got;
  }

  private DescribedGroup describe() {
    return coordinator.consumerGroupDescribe(List.of("g")).getNow(null).get(0);
  }

  @Test
  void everyChangeIsWrittenAsKafkasConsumerGroupRecords() {
    heartbeat("a", 0, Set.of());
    List<GroupRecord> records = log.read(0);
    assertThat(records).hasAtLeastOneElementOfType(ConsumerMemberRecord.class)
        .hasAtLeastOneElementOfType(ConsumerGroupEpochRecord.class)
        .hasAtLeastOneElementOfType(TargetAssignmentMemberRecord.class)
        .hasAtLeastOneElementOfType(TargetAssignmentEpochRecord.class)
        .hasAtLeastOneElementOfType(CurrentAssignmentRecord.class);
    int before = log.size(0);
    heartbeat("a", 1, Set.of(0, 1, 2, 3)); // nothing changed: nothing written
    assertThat(log.size(0)).isEqualTo(before);
  }

  @Test
  void membersCarryOnAfterTheCoordinatorRestartsWithoutRejoining() {
    Set<Integer> bPartitions = stableGroupOfTwo();
    DescribedGroup was = describe();

    coordinator = start(); // a new coordinator replays the same log
    DescribedGroup now = describe();
    assertThat(now.groupEpoch()).isEqualTo(was.groupEpoch());
    assertThat(now.assignmentEpoch()).isEqualTo(was.assignmentEpoch());
    assertThat(now.members()).hasSameSizeAs(was.members());
    for (int i = 0; i < was.members().size(); i++) {
      assertThat(now.members().get(i).memberId()).isEqualTo(was.members().get(i).memberId());
      assertThat(now.members().get(i).memberEpoch()).isEqualTo(was.members().get(i).memberEpoch());
      assertThat(now.members().get(i).assignment()).isEqualTo(was.members().get(i).assignment());
    }
    ConsumerGroupHeartbeatResponseData b = heartbeat("b", 2, bPartitions);
    assertThat(Errors.forCode(b.errorCode())).isEqualTo(Errors.NONE);
    assertThat(b.memberEpoch()).isEqualTo(2);
    assertThat(describe().groupState()).isEqualTo("Stable");
  }

  @Test
  void aMemberThatLeftStaysGoneAfterARestart() {
    stableGroupOfTwo();
    heartbeat("b", -1, null);
    coordinator = start();
    assertThat(describe().members()).extracting(m -> m.memberId()).containsExactly("a");
    assertThat(Errors.forCode(heartbeat("b", 2, null).errorCode())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
  }

  @Test
  void aDeletedGroupStaysDeletedAfterARestart() {
    heartbeat("a", 0, Set.of());
    heartbeat("a", -1, null);
    assertThat(coordinator.deleteGroups(List.of("g")).getNow(null).find("g").errorCode()).isZero();
    coordinator = start();
    assertThat(Errors.forCode(describe().errorCode())).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
  }

  @Test
  void membersLoadedFromTheLogStillTimeOut() {
    stableGroupOfTwo();
    coordinator = start();
    heartbeat("a", 2, null);
    scheduler.advance(2_000);
    heartbeat("a", 2, null);
    scheduler.advance(2_000); // b silent for 4 s > the 3 s session timeout
    assertThat(describe().members()).extracting(m -> m.memberId()).containsExactly("a");
  }

  /** Joins member {@code id} subscribing with regex {@code .*}; it may DESCRIBE only {@code t}. */
  private ConsumerGroupHeartbeatResponseData joinByRegexSeeingOnlyT(String id) {
    ConsumerGroupHeartbeatRequestData join = new ConsumerGroupHeartbeatRequestData().setGroupId("g").setMemberId(id)
        .setMemberEpoch(0).setRebalanceTimeoutMs(10_000).setSubscribedTopicRegex(".*").setTopicPartitions(List.of());
    return coordinator.consumerGroupHeartbeat(join, "client", "/h", "t"::equals).getNow(null);
  }

  private List<String> targetedTopics() {
    List<String> out = new ArrayList<>();
    describe().members().forEach(m -> m.targetAssignment().topicPartitions().forEach(tp -> out.add(tp.topicName())));
    return out;
  }

  @Test
  void aRegexStillMatchesOnlyTopicsItsMemberMayDescribeAfterARestart() {
    ConsumerGroupHeartbeatResponseData a = joinByRegexSeeingOnlyT("a");
    assertThat(a.assignment().topicPartitions()).extracting(tp -> tp.topicId()).containsExactly(T_ID);
    assertThat(log.read(0)).filteredOn(RegexRecord.class::isInstance).map(RegexRecord.class::cast)
        .singleElement().satisfies(r -> {
          assertThat(r.regex()).isEqualTo(".*");
          assertThat(r.value().topics()).containsExactly("t");
        });

    coordinator = start(); // a new coordinator replays the same log; a has not heartbeated since
    heartbeat("b", 0, Set.of()); // b (by name: t) joins, so the target is computed with a as loaded
    assertThat(targetedTopics()).as("u matches a's regex, but a may not describe it").isNotEmpty().containsOnly("t");
  }

  @Test
  void aRegexNoMemberUsesAnyMoreGetsItsTombstone() {
    joinByRegexSeeingOnlyT("a");
    heartbeat("a", -1, null);
    List<RegexRecord> regexRecords = log.read(0).stream().filter(RegexRecord.class::isInstance).map(RegexRecord.class::cast).toList();
    assertThat(regexRecords).hasSize(2);
    assertThat(regexRecords.get(1).value()).as("the tombstone").isNull();
    coordinator = start();
    joinByRegexSeeingOnlyT("c");
    assertThat(targetedTopics()).containsOnly("t");
  }
}
