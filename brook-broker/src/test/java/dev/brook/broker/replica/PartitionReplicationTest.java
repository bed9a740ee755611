package dev.brook.broker.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.cluster.PartitionState;
import dev.brook.storage.Clock;
import dev.brook.storage.LogConfig;
import dev.brook.storage.LogId;
import dev.brook.storage.LogManager;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A partition's leader side (follower progress, ISR, high watermark, delayed produce) and follower side. */
class PartitionReplicationTest {
  static final TopicPartition TP = new TopicPartition("t", 0);
  static final Uuid ID = Uuid.randomUuid();
  @TempDir Path dir;
  LogManager logs;
  LocalReplicaManager timer; // only for its timer wheel
  Partition partition;
  final List<List<Integer>> isrRequests = new ArrayList<>();
  long now = 1_000_000;

  @BeforeEach
  void open() throws Exception {
    logs = LogManager.open(dir, LogConfig.defaults(), Clock.SYSTEM);
    timer = new LocalReplicaManager(logs, RecordPolicy.defaults(), Clock.SYSTEM, 86_400_000L);
    partition = newPartition(RecordPolicy.defaults());
  }

  private Partition newPartition(RecordPolicy policy) throws Exception {
    Partition p = new Partition(TP, ID, logs.getOrCreate(new LogId("t", 0), LogConfig.defaults()), 0, policy);
    p.attachToCluster(1, (part, expected, isr) -> isrRequests.add(isr), () -> true);
    return p;
  }

  @AfterEach
  void close() throws Exception {
    timer.close();
    logs.close();
  }

  static PartitionState state(int leader, int epoch, List<Integer> isr, int version) {
    return new PartitionState(TP, ID, List.of(1, 2, 3), leader, epoch, isr, 1, version);
  }

  private static ByteBuffer records(String... values) {
    SimpleRecord[] r = new SimpleRecord[values.length];
    for (int i = 0; i < values.length; i++) r[i] = new SimpleRecord(1L, "k".getBytes(), values[i].getBytes());
    return MemoryRecords.withRecords(Compression.NONE, r).buffer();
  }

  private AppendOutcome produce(int acks, String... values) {
    return partition.appendRecordsAsLeader(records(values), AppendOrigin.CLIENT, acks, now);
  }

  @Test
  void highWatermarkIsTheSmallestLogEndOfTheIsr() {
    partition.makeLeader(state(1, 1, List.of(1, 2, 3), 0), now);
    produce(-1, "a", "b", "c");
    assertThat(partition.highWatermark()).isZero();
    partition.recordFollowerFetch(2, 3, now);
    assertThat(partition.highWatermark()).isZero();
    partition.recordFollowerFetch(3, 2, now);
    assertThat(partition.highWatermark()).isEqualTo(2);
    partition.recordFollowerFetch(3, 3, now);
    assertThat(partition.highWatermark()).isEqualTo(3);
    assertThat(isrRequests).isEmpty();
  }

  @Test
  void followerOutsideTheIsrDoesNotHoldTheHighWatermarkAndJoinsOnceCaughtUp() {
    partition.makeLeader(state(1, 1, List.of(1, 2), 0), now);
    produce(1, "a", "b");
    partition.recordFollowerFetch(2, 2, now);
    assertThat(partition.highWatermark()).isEqualTo(2);
    partition.recordFollowerFetch(3, 1, now); // below the HW: not yet
    assertThat(isrRequests).isEmpty();
    partition.recordFollowerFetch(3, 2, now);
    assertThat(isrRequests).containsExactly(List.of(1, 2, 3));
    partition.onIsrChanged(state(1, 1, List.of(1, 2, 3), 1));
    assertThat(partition.inSyncReplicas()).containsExactly(1, 2, 3);
  }

  @Test
  void followerMustReachTheCurrentEpochToJoinTheIsr() {
    produce(1, "old"); // epoch 0, offset 0 (single-node leader before the cluster state)
    partition.makeLeader(state(1, 1, List.of(1), 0), now); // epoch 1 starts at offset 1
    partition.recordFollowerFetch(2, 0, now); // at the HW (1)? no: at 0, below the epoch start
    assertThat(isrRequests).isEmpty();
    partition.recordFollowerFetch(2, 1, now);
    assertThat(isrRequests).containsExactly(List.of(1, 2));
  }

  @Test
  void laggingFollowerLeavesTheIsrAfterTheLagTime() {
    partition.makeLeader(state(1, 1, List.of(1, 2, 3), 0), now);
    produce(1, "a");
    partition.recordFollowerFetch(2, 1, now);
    partition.recordFollowerFetch(3, 0, now);
    partition.maybeShrinkIsr(now + 10_000, 30_000);
    assertThat(isrRequests).isEmpty();
    // 3 fetched at 0 when the leader ended at 1: not caught up since the term began.
    partition.recordFollowerFetch(2, 1, now + 29_000);
    partition.maybeShrinkIsr(now + 30_001, 30_000);
    assertThat(isrRequests).containsExactly(List.of(1, 2));
    partition.onIsrChanged(state(1, 1, List.of(1, 2), 1));
    assertThat(partition.highWatermark()).isEqualTo(1); // 3 no longer holds it back
  }

  @Test
  void failedIsrChangeAdoptsTheNewerStateAndMayRetry() {
    partition.makeLeader(state(1, 1, List.of(1), 0), now);
    partition.recordFollowerFetch(2, 0, now);
    assertThat(isrRequests).hasSize(1);
    partition.recordFollowerFetch(2, 0, now); // one change in flight at a time
    assertThat(isrRequests).hasSize(1);
    partition.onIsrChangeFailed(Optional.of(state(1, 1, List.of(1, 3), 4)));
    assertThat(partition.replicationState().orElseThrow().zkVersion()).isEqualTo(4);
    partition.recordFollowerFetch(2, 0, now);
    assertThat(isrRequests.get(1)).containsExactly(1, 3, 2);
  }

  @Test
  void minInsyncReplicasRefusesAcksAllBeforeAppending() throws Exception {
    partition = newPartition(RecordPolicy.defaults().with(Map.of("min.insync.replicas", "2")));
    partition.makeLeader(state(1, 1, List.of(1), 0), now);
    assertThat(produce(-1, "a").error()).isEqualTo(Errors.NOT_ENOUGH_REPLICAS);
    assertThat(partition.logEndOffset()).isZero();
    assertThat(produce(1, "a").error()).isEqualTo(Errors.NONE);
  }

  @Test
  void acksAllCompletesWhenTheHighWatermarkPassesTheBatch() throws Exception {
    partition.makeLeader(state(1, 1, List.of(1, 2), 0), now);
    AppendOutcome o = produce(-1, "a", "b");
    assertThat(o.lastOffset()).isEqualTo(1);
    CompletableFuture<List<Errors>> f =
        DelayedProduce.park(timer, List.of(new DelayedProduce.Pending(partition, o.lastOffset() + 1)), 30_000);
    partition.recordFollowerFetch(2, 1, now);
    assertThat(f).isNotDone();
    partition.recordFollowerFetch(2, 2, now);
    assertThat(f.get(5, TimeUnit.SECONDS)).containsExactly(Errors.NONE);
  }

  @Test
  void acksAllAfterTheIsrShrankBelowMinimumIsNotEnoughReplicasAfterAppend() throws Exception {
    partition = newPartition(RecordPolicy.defaults().with(Map.of("min.insync.replicas", "2")));
    partition.makeLeader(state(1, 1, List.of(1, 2), 0), now);
    AppendOutcome o = produce(-1, "a");
    CompletableFuture<List<Errors>> f =
        DelayedProduce.park(timer, List.of(new DelayedProduce.Pending(partition, o.lastOffset() + 1)), 30_000);
    partition.onIsrChanged(state(1, 1, List.of(1), 1)); // 2 dropped out: the HW passes, but with one replica
    assertThat(f.get(5, TimeUnit.SECONDS)).containsExactly(Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
  }

  @Test
  void acksAllTimesOutOrFailsWhenLeadershipMoves() throws Exception {
    partition.makeLeader(state(1, 1, List.of(1, 2), 0), now);
    AppendOutcome a = produce(-1, "a");
    CompletableFuture<List<Errors>> timedOut =
        DelayedProduce.park(timer, List.of(new DelayedProduce.Pending(partition, a.lastOffset() + 1)), 50);
    assertThat(timedOut.get(5, TimeUnit.SECONDS)).containsExactly(Errors.REQUEST_TIMED_OUT);
    CompletableFuture<List<Errors>> moved =
        DelayedProduce.park(timer, List.of(new DelayedProduce.Pending(partition, a.lastOffset() + 1)), 30_000);
    partition.makeFollower(state(2, 2, List.of(1, 2), 1));
    assertThat(moved.get(5, TimeUnit.SECONDS)).containsExactly(Errors.NOT_LEADER_OR_FOLLOWER);
  }

  @Test
  void followerRefusesClientsAndStaleStatesAreIgnored() {
    partition.makeFollower(state(2, 3, List.of(1, 2), 5));
    assertThat(produce(1, "a").error()).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
    assertThat(partition.checkLeadership(3)).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
    assertThat(partition.checkLeadership(2)).isEqualTo(Errors.FENCED_LEADER_EPOCH);
    assertThat(partition.makeLeader(state(1, 2, List.of(1), 9), now)).isFalse();
    assertThat(partition.isLeader()).isFalse();
    assertThat(partition.leaderId()).isEqualTo(2);
  }

  @Test
  void unregisteredBrokerDoesNotLead() throws Exception {
    boolean[] registered = {true};
    partition.attachToCluster(1, (p, e, i) -> {}, () -> registered[0]);
    partition.makeLeader(state(1, 1, List.of(1), 0), now);
    registered[0] = false;
    assertThat(produce(1, "a").error()).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
    registered[0] = true;
    assertThat(produce(1, "a").error()).isEqualTo(Errors.NONE);
  }

  @Test
  void oldLeaderTruncatesItsUnreplicatedTailByEpochAndFollowsTheNewLeader() throws Exception {
    Path otherDir = dir.resolve("other");
    try (LogManager otherLogs = LogManager.open(otherDir, LogConfig.defaults(), Clock.SYSTEM)) {
      Partition other = new Partition(TP, ID, otherLogs.getOrCreate(new LogId("t", 0), LogConfig.defaults()), 0, RecordPolicy.defaults());
      other.attachToCluster(2, (p, e, i) -> {}, () -> true);
      // Epoch 1: this replica (1) leads and writes "a" (replicated to 2) and "x" (not replicated).
      partition.makeLeader(state(1, 1, List.of(1, 2), 0), now);
      ByteBuffer a = records("a");
      partition.appendRecordsAsLeader(a, AppendOrigin.CLIENT, 1, now);
      other.makeFollower(state(1, 1, List.of(1, 2), 0));
      other.appendAsFollower(a.duplicate());
      partition.appendRecordsAsLeader(records("x"), AppendOrigin.CLIENT, 1, now);
      // Epoch 2: 2 leads and writes "c" at offset 1.
      other.makeLeader(state(2, 2, List.of(2), 1), now);
      ByteBuffer c = records("c");
      other.appendRecordsAsLeader(c, AppendOrigin.CLIENT, 1, now);

      assertThat(partition.makeFollower(state(2, 2, List.of(2), 1))).isTrue();
      // OffsetForLeaderEpoch(1) on the new leader: epoch 1 ended at 1 there.
      Truncation t = Truncation.decide(other.endOffsetForEpoch(partition.latestLogEpoch()), partition::endOffsetForEpoch,
          partition.logEndOffset(), partition.highWatermark());
      assertThat(t).isEqualTo(new Truncation(1, true));
      partition.truncateTo(t.offset());
      partition.appendAsFollower(c.duplicate());
      partition.updateFollowerHighWatermark(other.highWatermark());
      assertThat(partition.logEndOffset()).isEqualTo(2);
      assertThat(partition.highWatermark()).isEqualTo(2);
      assertThat(partition.latestLogEpoch()).isEqualTo(2);
      assertThat(partition.epochOfOffset(1)).isEqualTo(2);
    }
  }
}
