package dev.brook.broker.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * Failures inside the coordinator answer the client: a store that throws, a store whose write fails,
 * and a coordinator that no longer runs tasks each give every API a Kafka error code, never a
 * future left incomplete (which would stall the client's connection, responses being in order).
 */
class GroupCoordinatorFailureTest {
  private static final GroupCoordinatorConfig CONFIG =
      new GroupCoordinatorConfig(1, 1 << 20, 600_000, 60_000, 0, 10, 300_000, 1000, 4096, 3_000, 500, List.of("uniform"));

  /** A store whose appends fail in the way given; reads succeed (nothing stored). */
  private static class FailingLog implements GroupLog {
    final boolean throwNow;

    FailingLog(boolean throwNow) {
      this.throwNow = throwNow;
    }

    private CompletableFuture<Void> fail() {
      if (throwNow) throw new IllegalStateException("injected: append threw");
      return CompletableFuture.failedFuture(new java.io.IOException("injected: append failed"));
    }

    @Override
    public CompletableFuture<Void> append(int partition, List<GroupRecord> records) {
      return fail();
    }

    @Override
    public CompletableFuture<Void> appendTransactional(int partition, long producerId, short producerEpoch,
        List<GroupRecord> records) {
      return fail();
    }

    @Override
    public List<GroupRecord> read(int partition) {
      return List.of();
    }
  }

  /** A coordinator thread that has been shut down. */
  private static final class ShutDownScheduler implements GroupScheduler {
    @Override
    public void execute(Runnable task) {
      throw new RejectedExecutionException("injected: shut down");
    }

    @Override
    public Cancellable schedule(long delayMs, Runnable task) {
      return Cancellable.NONE;
    }
  }

  private static <T> T answer(CompletableFuture<T> f) throws Exception {
    return f.get(5, TimeUnit.SECONDS);
  }

  private static GroupCoordinator started(GroupLog log) {
    ManualScheduler scheduler = new ManualScheduler();
    GroupCoordinator c = new GroupCoordinator(CONFIG, scheduler, log, scheduler.clock);
    c.startup(Runnable::run);
    return c;
  }

  private static JoinGroupRequestData join(String memberId) {
    JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
    protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(new byte[0]));
    return new JoinGroupRequestData().setGroupId("g").setMemberId(memberId).setProtocolType("consumer")
        .setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(10_000).setProtocols(protocols);
  }

  private static OffsetCommitRequestData adminCommit() {
    return new OffsetCommitRequestData().setGroupId("g").setGenerationIdOrMemberEpoch(-1).setMemberId("")
        .setTopics(List.of(new OffsetCommitRequestTopic().setName("t")
            .setPartitions(List.of(new OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(5)))));
  }

  private static ConsumerGroupHeartbeatRequestData consumerJoin() {
    return new ConsumerGroupHeartbeatRequestData().setGroupId("c").setMemberId("m").setMemberEpoch(0)
        .setRebalanceTimeoutMs(10_000).setSubscribedTopicNames(List.of("t")).setTopicPartitions(List.of());
  }

  private static void everyWriteAnswersWithAnError(GroupCoordinator c) throws Exception {
    Errors commit = Errors.forCode(answer(c.commitOffsets(adminCommit(), (short) 8))
        .topics().get(0).partitions().get(0).errorCode());
    assertThat(commit).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
    Errors txn = answer(c.commitTransactionalOffsets("g", 1, (short) 0, "", -1, null,
        Map.of(new TopicPartition("t", 0), new CommittedOffset(1, -1, "", 0, -1))));
    assertThat(txn).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
    assertThat(Errors.forCode(answer(c.consumerGroupHeartbeat(consumerJoin(), "client", "/h")).errorCode()))
        .isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
    // A classic group's first generation is stored by the leader's SyncGroup: it fails, and says so.
    String member = answer(c.joinGroup(join(""), (short) 3, "client", "/h")).memberId();
    var sync = c.syncGroup(new SyncGroupRequestData().setGroupId("g").setMemberId(member).setGenerationId(1)
        .setAssignments(List.of()), (short) 3);
    assertThat(Errors.forCode(answer(sync).errorCode())).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
  }

  @Test
  void aConsumerGroupWhoseDeletionIsNotStoredIsStillServed() throws Exception {
    ManualScheduler scheduler = new ManualScheduler();
    boolean[] failWrites = {false};
    MemoryGroupLog memory = new MemoryGroupLog();
    GroupLog log = new GroupLog() {
      @Override
      public CompletableFuture<Void> append(int partition, List<GroupRecord> records) {
        return failWrites[0] ? CompletableFuture.failedFuture(new java.io.IOException("injected")) : memory.append(partition, records);
      }

      @Override
      public CompletableFuture<Void> appendTransactional(int partition, long producerId, short producerEpoch,
          List<GroupRecord> records) {
        return memory.appendTransactional(partition, producerId, producerEpoch, records);
      }

      @Override
      public List<GroupRecord> read(int partition) {
        return memory.read(partition);
      }
    };
    GroupCoordinator c = new GroupCoordinator(CONFIG, scheduler, log, scheduler.clock);
    c.startup(Runnable::run);
    answer(c.consumerGroupHeartbeat(consumerJoin(), "client", "/h"));
    answer(c.consumerGroupHeartbeat(new ConsumerGroupHeartbeatRequestData().setGroupId("c").setMemberId("m")
        .setMemberEpoch(-1), "client", "/h"));
    failWrites[0] = true;
    assertThat(Errors.forCode(answer(c.deleteGroups(List.of("c"))).find("c").errorCode()))
        .isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
    assertThat(Errors.forCode(answer(c.consumerGroupDescribe(List.of("c"))).get(0).errorCode())).isEqualTo(Errors.NONE);
  }

  @Test
  void aStoreThatThrowsAnswersEveryWrite() throws Exception {
    everyWriteAnswersWithAnError(started(new FailingLog(true)));
  }

  @Test
  void aStoreWhoseWritesFailAnswersEveryWrite() throws Exception {
    everyWriteAnswersWithAnError(started(new FailingLog(false)));
  }

  @Test
  void aStoreThatCannotBeReadLeavesGroupsLoadingAndSaysSo() throws Exception {
    ManualScheduler scheduler = new ManualScheduler();
    GroupLog unreadable = new FailingLog(false) {
      @Override
      public List<GroupRecord> read(int partition) {
        throw new IllegalStateException("injected: read failed");
      }
    };
    GroupCoordinator c = new GroupCoordinator(CONFIG, scheduler, unreadable, scheduler.clock);
    c.startup(Runnable::run);
    assertThat(Errors.forCode(answer(c.commitOffsets(adminCommit(), (short) 8))
        .topics().get(0).partitions().get(0).errorCode())).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
    assertThat(Errors.forCode(answer(c.joinGroup(join(""), (short) 5, "client", "/h")).errorCode()))
        .isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
  }

  @Test
  void aCoordinatorThatNoLongerRunsTasksAnswersEveryApi() throws Exception {
    GroupCoordinator c = new GroupCoordinator(CONFIG, new ShutDownScheduler(), new MemoryGroupLog(),
        new ManualScheduler().clock);
    Errors unavailable = Errors.COORDINATOR_NOT_AVAILABLE;
    assertThat(Errors.forCode(answer(c.joinGroup(join(""), (short) 5, "client", "/h")).errorCode())).isEqualTo(unavailable);
    assertThat(Errors.forCode(answer(c.syncGroup(new SyncGroupRequestData().setGroupId("g").setMemberId("m"),
        (short) 3)).errorCode())).isEqualTo(unavailable);
    assertThat(answer(c.heartbeat(new HeartbeatRequestData().setGroupId("g").setMemberId("m")))).isEqualTo(unavailable);
    assertThat(Errors.forCode(answer(c.leaveGroup("g", List.of(new MemberIdentity().setMemberId("m")))).errorCode()))
        .isEqualTo(unavailable);
    assertThat(Errors.forCode(answer(c.commitOffsets(adminCommit(), (short) 8))
        .topics().get(0).partitions().get(0).errorCode())).isEqualTo(unavailable);
    assertThat(Errors.forCode(answer(c.fetchOffsets("g", null, false)).errorCode())).isEqualTo(unavailable);
    assertThat(answer(c.commitTransactionalOffsets("g", 1, (short) 0, "", -1, null, Map.of()))).isEqualTo(unavailable);
    assertThat(Errors.forCode(answer(c.consumerGroupHeartbeat(consumerJoin(), "client", "/h")).errorCode()))
        .isEqualTo(unavailable);
    assertThat(Errors.forCode(answer(c.consumerGroupDescribe(List.of("c"))).get(0).errorCode())).isEqualTo(unavailable);
    assertThat(Errors.forCode(answer(c.describeGroups(List.of("g"))).get(0).errorCode())).isEqualTo(unavailable);
    assertThat(Errors.forCode(answer(c.listGroups(List.of(), List.of())).errorCode())).isEqualTo(unavailable);
    assertThat(Errors.forCode(answer(c.deleteGroups(List.of("g"))).find("g").errorCode())).isEqualTo(unavailable);
    assertThat(Errors.forCode(answer(c.deleteOffsets(new OffsetDeleteRequestData().setGroupId("g"))).errorCode()))
        .isEqualTo(unavailable);
  }
}
