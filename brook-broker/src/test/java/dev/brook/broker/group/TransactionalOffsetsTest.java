package dev.brook.broker.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Transactional offset commits on the group's coordinator: TxnOffsetCommit writes the offsets
 * pending for the producer; the transaction's marker on the group's partition commits or drops
 * them; a new leader of the partition replays them in log order. Two coordinators share one log,
 * as two brokers share a replicated partition.
 */
class TransactionalOffsetsTest {
  private static final TopicPartition T0 = new TopicPartition("t", 0);

  private ManualScheduler scheduler;
  private MemoryGroupLog store;
  private final List<Runnable> pendingLoads = new ArrayList<>();
  /** Runs between a load's read and its replay (a marker landing meanwhile). */
  private Runnable afterRead = () -> {};
  private GroupCoordinator a;
  private GroupCoordinator b;
  private int partition;

  @BeforeEach
  void setUp() {
    scheduler = new ManualScheduler();
    store = new MemoryGroupLog();
    GroupLog reads = new GroupLog() {
      @Override
      public CompletableFuture<Void> append(int p, List<GroupRecord> records) {
        return store.append(p, records);
      }

      @Override
      public CompletableFuture<Void> appendTransactional(int p, long producerId, short epoch, List<GroupRecord> records) {
        return store.appendTransactional(p, producerId, epoch, records);
      }

      @Override
      public List<GroupRecord> read(int p) throws IOException {
        List<GroupRecord> read = store.read(p);
        afterRead.run();
        return read;
      }
    };
    a = coordinator(Runnable::run, reads);
    b = coordinator(pendingLoads::add, reads);
    partition = a.partitionFor("g");
  }

  private GroupCoordinator coordinator(java.util.concurrent.Executor loader, GroupLog log) {
    GroupCoordinator c = new GroupCoordinator(
        new GroupCoordinatorConfig(5, 1 << 20, 600_000, 60_000, 0, 10, 300_000, 1_000, 4096), scheduler, log, scheduler.clock);
    c.startOnLeadership(loader);
    return c;
  }

  private static Errors txnCommit(GroupCoordinator c, String group, long producerId, long offset) {
    return c.commitTransactionalOffsets(group, producerId, (short) 0, "", -1, null,
        Map.of(T0, new CommittedOffset(offset, -1, "", 0, -1))).getNow(null);
  }

  /** A marker appended and replicated at once (the in-sync replicas have it). */
  private void marker(GroupCoordinator c, long producerId, boolean commit) {
    long at = unreplicatedMarker(c, producerId, commit);
    c.onTxnMarkersReplicated(partition, at + 1);
  }

  /** A marker appended to this leader's log only; returns its offset. */
  private long unreplicatedMarker(GroupCoordinator c, long producerId, boolean commit) {
    long at = store.appendMarker(partition, producerId, commit);
    c.onTxnMarker(partition, producerId, commit, at);
    return at;
  }

  @Test
  void aMarkerChangesTheOffsetsOnlyOnceReplicatedAndInLogOrder() {
    a.onBecomeLeader(partition, 0);
    txnCommit(a, "g", 100, 10);
    long first = unreplicatedMarker(a, 100, true);
    txnCommit(a, "g", 200, 20);
    long second = unreplicatedMarker(a, 200, true);
    // Only this leader has the markers: a new leader might not, so nothing is visible yet.
    assertThat(fetch(a, "g", false).committedOffset()).isEqualTo(-1);
    assertThat(Errors.forCode(fetch(a, "g", true).errorCode())).isEqualTo(Errors.UNSTABLE_OFFSET_COMMIT);
    a.onTxnMarkersReplicated(partition, first + 1);
    assertThat(fetch(a, "g", false).committedOffset()).isEqualTo(10);
    // The second marker's replication news may come first: the markers still end in log order.
    a.onTxnMarkersReplicated(partition, second + 1);
    a.onTxnMarkersReplicated(partition, first + 1);
    assertThat(fetch(a, "g", true).committedOffset()).isEqualTo(20);
  }

  private static OffsetFetchResponsePartitions fetch(GroupCoordinator c, String group, boolean requireStable) {
    return c.fetchOffsets(group, List.of(new OffsetFetchRequestTopics().setName("t").setPartitionIndexes(List.of(0))),
        requireStable).getNow(null).topics().get(0).partitions().get(0);
  }

  private void loadOnB() {
    a.onResign(partition);
    b.onBecomeLeader(partition, 1);
    pendingLoads.forEach(Runnable::run);
    pendingLoads.clear();
  }

  @Test
  void offsetsArePendingUntilTheCommitMarker() {
    a.onBecomeLeader(partition, 0);
    assertThat(txnCommit(a, "g", 100, 42)).isEqualTo(Errors.NONE);
    assertThat(fetch(a, "g", false).committedOffset()).isEqualTo(-1);
    assertThat(Errors.forCode(fetch(a, "g", true).errorCode())).isEqualTo(Errors.UNSTABLE_OFFSET_COMMIT);

    marker(a, 100, true);
    assertThat(fetch(a, "g", true).committedOffset()).isEqualTo(42);
    assertThat(fetch(a, "g", true).errorCode()).isZero();
  }

  @Test
  void anAbortMarkerDropsThemAndOtherProducersStayPending() {
    a.onBecomeLeader(partition, 0);
    assertThat(txnCommit(a, "g", 100, 42)).isEqualTo(Errors.NONE);
    assertThat(txnCommit(a, "g", 200, 50)).isEqualTo(Errors.NONE);
    marker(a, 100, false);
    assertThat(Errors.forCode(fetch(a, "g", true).errorCode())).isEqualTo(Errors.UNSTABLE_OFFSET_COMMIT);
    marker(a, 200, false);
    assertThat(fetch(a, "g", true).errorCode()).isZero();
    assertThat(fetch(a, "g", true).committedOffset()).isEqualTo(-1);
  }

  @Test
  void theNewLeaderReplaysTransactionalOffsetsInLogOrder() {
    a.onBecomeLeader(partition, 0);
    String other = "h0";
    for (int i = 0; a.partitionFor(other) != partition; i++) other = "h" + i;
    txnCommit(a, "g", 100, 10);
    txnCommit(a, other, 100, 11);
    marker(a, 100, true); // both groups of the partition commit
    txnCommit(a, "g", 100, 20);
    marker(a, 100, false); // the next transaction of the producer aborts
    txnCommit(a, "g", 300, 30); // still open at the failover

    loadOnB();
    assertThat(fetch(b, "g", false).committedOffset()).isEqualTo(10);
    assertThat(fetch(b, other, false).committedOffset()).isEqualTo(11);
    assertThat(Errors.forCode(fetch(b, "g", true).errorCode())).isEqualTo(Errors.UNSTABLE_OFFSET_COMMIT);
    marker(b, 300, true); // the transaction coordinator completes it through the new leader
    assertThat(fetch(b, "g", true).committedOffset()).isEqualTo(30);
  }

  @Test
  void aMarkerLandingWhileThePartitionLoadsIsAppliedOnceLoaded() {
    a.onBecomeLeader(partition, 0);
    txnCommit(a, "g", 100, 10);
    afterRead = () -> marker(b, 100, true); // after the read, before the replay
    loadOnB();
    assertThat(fetch(b, "g", true).committedOffset()).isEqualTo(10);
    assertThat(fetch(b, "g", true).errorCode()).isZero();
  }

  @Test
  void aMarkerTheLoadAlreadyReadIsNotAppliedAgain() {
    a.onBecomeLeader(partition, 0);
    txnCommit(a, "g", 100, 10);
    a.onResign(partition);
    b.onBecomeLeader(partition, 1);
    marker(b, 100, true); // lands before the read: the replay sees it
    store.appendTransactional(partition, 100, (short) 0, List.of(new GroupRecord.OffsetRecord("g", T0,
        new CommittedOffset(20, -1, "", 0, -1)))); // the producer's next transaction, through the new leader
    pendingLoads.forEach(Runnable::run);
    assertThat(fetch(b, "g", false).committedOffset()).isEqualTo(10);
    assertThat(Errors.forCode(fetch(b, "g", true).errorCode())).isEqualTo(Errors.UNSTABLE_OFFSET_COMMIT);
  }

  @Test
  void onlyTheGroupsCoordinatorAcceptsAndMembersAreChecked() {
    assertThat(txnCommit(a, "g", 100, 1)).isEqualTo(Errors.NOT_COORDINATOR);
    a.onBecomeLeader(partition, 0);
    assertThat(a.commitTransactionalOffsets("g", 100, (short) 0, "m", 3, null,
        Map.of(T0, new CommittedOffset(1, -1, "", 0, -1))).getNow(null)).isEqualTo(Errors.ILLEGAL_GENERATION);
    assertThat(store.size(partition)).isZero();
    b.onBecomeLeader(partition, 1);
    assertThat(txnCommit(b, "g", 100, 1)).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
  }
}
