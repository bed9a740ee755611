package dev.brook.broker.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.brook.broker.cluster.PartitionState;
import dev.brook.broker.group.CommittedOffset;
import dev.brook.broker.group.GroupRecord;
import dev.brook.broker.group.ReplicaGroupLog;
import dev.brook.storage.Clock;
import dev.brook.storage.LogConfig;
import dev.brook.storage.LogManager;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * In a cluster, a group/offset write to __consumer_offsets is acknowledged only once the in-sync
 * replicas have it (acks=all), so it survives the loss of the coordinator's broker.
 */
class ReplicatedGroupLogTest {
  static final TopicPartition TP = new TopicPartition(ReplicaGroupLog.TOPIC, 0);
  static final Uuid ID = Uuid.randomUuid();

  @TempDir Path dir;
  LogManager logs;
  LocalReplicaManager replicas;
  Partition partition;
  ReplicaGroupLog groupLog;

  @BeforeEach
  void open() throws Exception {
    logs = LogManager.open(dir, LogConfig.defaults(), Clock.SYSTEM);
    LocalReplicaManager.ReplicationSettings settings =
        LocalReplicaManager.ReplicationSettings.of(600_000, 100, 1024 * 1024, 4 * 1024 * 1024, 50, 5_000, LogConfig.defaults());
    replicas = new LocalReplicaManager(logs, RecordPolicy.defaults(), Clock.SYSTEM, 86_400_000L, 1,
        new InMemoryClusterState(1, new InMemoryClusterState.Shared()), settings);
    partition = replicas.createPartition(TP, ID, LogConfig.defaults(), Map.of());
    replicas.onPartitionStates(List.of(state(1, 1, 0)));
    groupLog = new ReplicaGroupLog(replicas, Clock.SYSTEM, 2_000);
  }

  @AfterEach
  void close() throws Exception {
    replicas.close();
    logs.close();
  }

  static PartitionState state(int leader, int epoch, int version) {
    return new PartitionState(TP, ID, List.of(1, 2), leader, epoch, List.of(1, 2), 1, version);
  }

  static List<GroupRecord> commit(long offset) {
    return List.of(new GroupRecord.OffsetRecord("g", new TopicPartition("t", 0), new CommittedOffset(offset, -1, "", 1L, -1)));
  }

  @Test
  void acknowledgedOnlyOnceTheFollowerHasIt() throws Exception {
    partition.recordFollowerFetch(2, 0, System.currentTimeMillis()); // the follower is caught up (empty log)
    CompletableFuture<Void> written = groupLog.append(0, commit(5));
    assertThat(written).isNotDone();
    partition.recordFollowerFetch(2, partition.logEndOffset(), System.currentTimeMillis());
    await().atMost(Duration.ofSeconds(5)).until(written::isDone);
    assertThat(written).isCompleted();
    assertThat(groupLog.read(0)).hasSize(1);
  }

  @Test
  void losingLeadershipFailsTheWaitingWrite() throws Exception {
    partition.recordFollowerFetch(2, 0, System.currentTimeMillis());
    CompletableFuture<Void> written = groupLog.append(0, commit(5));
    replicas.onPartitionStates(List.of(state(2, 2, 1)));
    await().atMost(Duration.ofSeconds(5)).until(written::isDone);
    assertThat(written).isCompletedExceptionally();
    assertThat(catchCause(written)).isInstanceOf(NotLeaderOrFollowerException.class);
    assertThat(catchCause(groupLog.append(0, commit(6)))).isInstanceOf(NotLeaderOrFollowerException.class);
  }

  @Test
  void aFollowerThatNeverFetchesTimesTheWriteOut() {
    partition.recordFollowerFetch(2, 0, System.currentTimeMillis());
    CompletableFuture<Void> written = groupLog.append(0, commit(5));
    await().atMost(Duration.ofSeconds(10)).until(written::isDone);
    assertThat(catchCause(written)).isInstanceOf(TimeoutException.class);
  }

  private static Throwable catchCause(CompletableFuture<Void> f) {
    try {
      f.join();
      return null;
    } catch (CompletionException e) {
      return e.getCause();
    }
  }
}
