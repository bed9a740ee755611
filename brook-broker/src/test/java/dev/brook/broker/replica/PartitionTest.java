package dev.brook.broker.replica;

import static dev.brook.broker.replica.BatchValidatorTest.batch;
import static dev.brook.broker.replica.BatchValidatorTest.rec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.storage.Clock;
import dev.brook.storage.LogReadResult;
import dev.brook.storage.RecordBatchHeader;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.CompressionType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionTest {
  static final long NOW = BatchValidatorTest.NOW;
  @TempDir Path dir;
  FilePartitionLog log;
  Partition partition;

  @BeforeEach
  void open() throws Exception {
    log = new FilePartitionLog(dir);
    partition = new Partition(new TopicPartition("t", 0), Uuid.randomUuid(), log, 0, RecordPolicy.defaults());
  }

  @AfterEach
  void close() throws Exception {
    log.close();
  }

  private AppendOutcome append(ByteBuffer b) {
    return partition.appendRecordsAsLeader(b, AppendOrigin.CLIENT, -1, NOW);
  }

  private static ByteBuffer idempotent(long pid, int epoch, int seq, int count) {
    var recs = new org.apache.kafka.common.record.SimpleRecord[count];
    for (int i = 0; i < count; i++) recs[i] = rec("k", "v" + seq + "-" + i);
    return batch(CompressionType.NONE, pid, (short) epoch, seq, recs);
  }

  @Test
  void appendAssignsOffsetsInPlaceAndAdvancesTheHighWatermark() {
    ByteBuffer b = batch(rec("a", "1"), rec("b", "2"));
    assertThat(append(b).baseOffset()).isZero();
    ByteBuffer c = batch(rec("c", "3"));
    AppendOutcome o = append(c);
    assertThat(o.error()).isEqualTo(Errors.NONE);
    assertThat(o.baseOffset()).isEqualTo(2);
    assertThat(RecordBatchHeader.baseOffset(c, 0)).isEqualTo(2);
    assertThat(partition.highWatermark()).isEqualTo(3);
    assertThat(partition.logEndOffset()).isEqualTo(3);
  }

  @Test
  void invalidBatchesNeverReachTheLog() {
    ByteBuffer bad = batch(rec("a", "1"));
    bad.put(bad.limit() - 1, (byte) 0x33);
    assertThat(append(bad).error()).isEqualTo(Errors.CORRUPT_MESSAGE);
    assertThat(log.logEndOffset()).isZero();
    assertThat(log.sizeInBytes()).isZero();
  }

  @Test
  void duplicateIsAnsweredWithOriginalOffsetsAndNotAppended() {
    append(idempotent(5, 0, 0, 3));
    append(idempotent(5, 0, 3, 2));
    long size = log.sizeInBytes();
    AppendOutcome dup = append(idempotent(5, 0, 3, 2));
    assertThat(dup.error()).isEqualTo(Errors.NONE);
    assertThat(dup.baseOffset()).isEqualTo(3);
    assertThat(log.sizeInBytes()).isEqualTo(size);
    assertThat(append(idempotent(5, 0, 9, 1)).error()).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
  }

  @Test
  void producerStateIsRebuiltFromTheLog() {
    append(idempotent(5, 0, 0, 3));
    append(idempotent(5, 0, 3, 2));
    append(batch(rec("x", "plain")));
    Partition reopened = new Partition(new TopicPartition("t", 0), partition.topicId(), log, 0, RecordPolicy.defaults());
    AppendOutcome dup = reopened.appendRecordsAsLeader(idempotent(5, 0, 0, 3), AppendOrigin.CLIENT, 1, NOW);
    assertThat(dup.baseOffset()).isZero();
    assertThat(reopened.appendRecordsAsLeader(idempotent(5, 0, 5, 1), AppendOrigin.CLIENT, 1, NOW).baseOffset()).isEqualTo(6);
  }

  @Test
  void producerStateIsRestoredFromASnapshotPlusNewerBatches() throws Exception {
    append(idempotent(5, 0, 0, 3));
    partition.snapshotProducerState();
    append(idempotent(5, 0, 3, 2));
    append(idempotent(6, 2, 0, 1));
    Partition reopened = new Partition(new TopicPartition("t", 0), partition.topicId(), log, 0, RecordPolicy.defaults());
    assertThat(reopened.producerEntry(5).batches()).hasSize(2);
    assertThat(reopened.appendRecordsAsLeader(idempotent(5, 0, 0, 3), AppendOrigin.CLIENT, 1, NOW).baseOffset()).isZero();
    assertThat(reopened.appendRecordsAsLeader(idempotent(5, 0, 3, 2), AppendOrigin.CLIENT, 1, NOW).baseOffset()).isEqualTo(3);
    assertThat(reopened.producerEntry(6).epoch()).isEqualTo((short) 2);
    // a corrupt snapshot is ignored: the state comes from the log alone
    ByteBuffer bytes = log.snapshots.get(3L);
    bytes.put(10, (byte) (bytes.get(10) ^ 1));
    Partition again = new Partition(new TopicPartition("t", 0), partition.topicId(), log, 0, RecordPolicy.defaults());
    assertThat(again.producerEntry(5).batches()).hasSize(2);
    assertThat(again.lastProducerStateRebuild().snapshotOffset()).isEqualTo(-1);
    assertThat(reopened.lastProducerStateRebuild()).isEqualTo(new Partition.ProducerStateRebuild(3, 3, 2));
  }

  @Test
  void logAppendTimeTopicStampsTheBrokerTime() {
    partition.updateConfig(log.config(), RecordPolicy.defaults().with(Map.of("message.timestamp.type", "LogAppendTime")));
    ByteBuffer b = batch(rec("a", "1"));
    AppendOutcome o = append(b);
    assertThat(o.logAppendTime()).isEqualTo(NOW);
    assertThat(RecordBatchHeader.isLogAppendTime(b, 0)).isTrue();
    assertThat(RecordBatchHeader.isCrcValid(b, 0)).isTrue();
  }

  @Test
  void acksAllNeedsMinInsyncReplicas() {
    partition.updateConfig(log.config(), RecordPolicy.defaults().with(Map.of("min.insync.replicas", "2")));
    assertThat(partition.appendRecordsAsLeader(batch(rec("a", "1")), AppendOrigin.CLIENT, -1, NOW).error())
        .isEqualTo(Errors.NOT_ENOUGH_REPLICAS);
    assertThat(partition.appendRecordsAsLeader(batch(rec("a", "1")), AppendOrigin.CLIENT, 1, NOW).error()).isEqualTo(Errors.NONE);
  }

  @Test
  void leaderEpochChecks() {
    Partition p = new Partition(new TopicPartition("t", 0), Uuid.randomUuid(), log, 2, RecordPolicy.defaults());
    assertThat(p.checkLeaderEpoch(-1)).isEqualTo(Errors.NONE);
    assertThat(p.checkLeaderEpoch(2)).isEqualTo(Errors.NONE);
    assertThat(p.checkLeaderEpoch(1)).isEqualTo(Errors.FENCED_LEADER_EPOCH);
    assertThat(p.checkLeaderEpoch(3)).isEqualTo(Errors.UNKNOWN_LEADER_EPOCH);
  }

  @Test
  void epochOfOffsetReadsTheBatchHeader() throws Exception {
    Partition p = new Partition(new TopicPartition("t", 0), Uuid.randomUuid(), log, 4, RecordPolicy.defaults());
    p.appendRecordsAsLeader(batch(rec("a", "1"), rec("b", "2")), AppendOrigin.CLIENT, 1, NOW);
    assertThat(p.epochOfOffset(1)).isEqualTo(4);
    assertThat(p.epochOfOffset(2)).isEqualTo(-1);
    assertThat(p.endOffsetForEpoch(4).endOffset()).isEqualTo(2);
  }

  @Test
  void readIsBoundedByIsolation() throws Exception {
    append(batch(rec("a", "1")));
    LogReadResult r = partition.read(0, 1 << 20, FetchIsolation.HIGH_WATERMARK, true);
    assertThat(r.records().length()).isPositive();
    assertThat(partition.read(1, 1 << 20, FetchIsolation.TXN_COMMITTED, true).records().isEmpty()).isTrue();
    assertThat(partition.read(2, 1 << 20, FetchIsolation.HIGH_WATERMARK, true).outOfRange()).isTrue();
  }

  @Test
  void watchersAreToldAfterAppendsOnly() {
    AtomicInteger calls = new AtomicInteger();
    PartitionWatcher w = p -> calls.incrementAndGet();
    partition.addWatcher(w);
    append(batch(rec("a", "1")));
    ByteBuffer bad = batch(rec("a", "1"));
    bad.put(bad.limit() - 1, (byte) 0x33);
    append(bad);
    partition.removeWatcher(w);
    append(batch(rec("a", "1")));
    assertThat(calls.get()).isEqualTo(1);
  }

  @Test
  void delayedFetchCompletesOnAppendOrTimeout() throws Exception {
    LocalReplicaManager replicas = new LocalReplicaManager(null, RecordPolicy.defaults(), Clock.SYSTEM, 86_400_000L);
    try {
      CompletableFuture<Long> woken = DelayedFetch.park(replicas, List.of(partition), 600_000,
          p -> p.logEndOffset(), 2, () -> partition.logEndOffset());
      append(batch(rec("a", "1")));
      assertThat(woken).isNotDone();
      append(batch(rec("a", "2")));
      assertThat(woken.get(5, TimeUnit.SECONDS)).isEqualTo(2);

      CompletableFuture<Long> timedOut = DelayedFetch.park(replicas, List.of(partition), 20,
          p -> 0L, 1, () -> -partition.logEndOffset());
      assertThat(timedOut.get(5, TimeUnit.SECONDS)).isEqualTo(-2);

      CompletableFuture<Long> failed = DelayedFetch.park(replicas, List.of(partition), 600_000,
          p -> DelayedFetch.ERROR, 1, () -> 7L);
      assertThat(failed.get(5, TimeUnit.SECONDS)).isEqualTo(7);
    } finally {
      replicas.close();
    }
  }

  @Test
  void markerFromAnOlderCoordinatorEpochIsFencedAndTheEpochSurvivesReplay() throws Exception {
    assertThat(marker(7, 5).error()).isEqualTo(Errors.NONE);
    assertThat(marker(7, 4).error()).isEqualTo(Errors.TRANSACTION_COORDINATOR_FENCED);
    assertThat(marker(7, 5).error()).isEqualTo(Errors.NONE);
    assertThat(marker(7, 6).error()).isEqualTo(Errors.NONE);
    assertThat(marker(8, 0).error()).as("per producer").isEqualTo(Errors.NONE);
    assertThat(partition.producerEntry(7).coordinatorEpoch()).isEqualTo(6);
    // A replica rebuilt from the log (a follower becoming leader) remembers the coordinator epoch.
    ProducerStateManager replayed = new ProducerStateManager();
    partition.log().scanBatches(0, b -> replayed.replay(b, b.position()));
    assertThat(replayed.checkCoordinatorEpoch(7, 5)).isEqualTo(Errors.TRANSACTION_COORDINATOR_FENCED);
    assertThat(replayed.checkCoordinatorEpoch(7, 6)).isEqualTo(Errors.NONE);
  }

  private AppendOutcome marker(long producerId, int coordinatorEpoch) {
    ByteBuffer b = org.apache.kafka.common.record.MemoryRecords.withEndTransactionMarker(NOW, producerId, (short) 0,
        new org.apache.kafka.common.record.EndTransactionMarker(org.apache.kafka.common.record.ControlRecordType.ABORT,
            coordinatorEpoch)).buffer();
    return partition.appendRecordsAsLeader(b, AppendOrigin.COORDINATOR, 1, NOW);
  }
}
