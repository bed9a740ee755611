package dev.brook.broker.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.broker.cluster.PartitionState;
import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.Partition;
import dev.brook.broker.replica.RecordPolicy;
import dev.brook.storage.Clock;
import dev.brook.storage.LogConfig;
import dev.brook.storage.LogManager;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * State appends and markers on a replicated leader: acknowledged only once the in-sync replicas
 * have them (the high watermark passes), refused below min.insync.replicas; nothing blocks.
 */
class ReplicatedTxnWritesTest {
  static final TopicPartition STATE = new TopicPartition(ReplicaTxnLog.TOPIC, 0);
  static final TopicPartition DATA = new TopicPartition("data", 0);
  @TempDir Path dir;
  LogManager logs;
  LocalReplicaManager replicas;
  final long now = 1_000_000;

  @BeforeEach
  void open() throws Exception {
    logs = LogManager.open(dir, LogConfig.defaults(), Clock.SYSTEM);
    replicas = new LocalReplicaManager(logs, RecordPolicy.defaults(), Clock.SYSTEM, 86_400_000L, 1, null, null);
  }

  @AfterEach
  void close() throws Exception {
    replicas.close();
    logs.close();
  }

  /** A partition led here with followers 2 and 3 in the ISR. */
  private Partition ledWithFollowers(TopicPartition tp, List<Integer> isr, Map<String, String> overrides) throws Exception {
    Partition p = replicas.createPartition(tp, Uuid.randomUuid(), LogConfig.defaults(), overrides);
    p.makeLeader(new PartitionState(tp, p.topicId(), List.of(1, 2, 3), 1, 1, isr, 1, 0), now);
    return p;
  }

  @Test
  void stateAppendCompletesOnlyWhenTheInSyncReplicasHaveIt() throws Exception {
    Partition p = ledWithFollowers(STATE, List.of(1, 2, 3), Map.of("min.insync.replicas", "2"));
    ReplicaTxnLog log = new ReplicaTxnLog(replicas, Clock.SYSTEM, 60_000);
    TxnRecord r = new TxnRecord("tx", 1, -1, (short) 0, (short) -1, 1000, TxnState.EMPTY, Set.of(), -1, now);
    CompletableFuture<Void> append = log.append(0, "tx", r);
    assertThat(append).isNotDone();
    p.recordFollowerFetch(2, p.logEndOffset(), now);
    assertThat(append).isNotDone();
    p.recordFollowerFetch(3, p.logEndOffset(), now);
    assertThat(append).isCompleted();
    assertThat(log.read(0)).containsEntry("tx", r);
  }

  @Test
  void stateAppendBelowMinIsrIsRefused() throws Exception {
    ledWithFollowers(STATE, List.of(1), Map.of("min.insync.replicas", "2"));
    ReplicaTxnLog log = new ReplicaTxnLog(replicas, Clock.SYSTEM, 60_000);
    TxnRecord r = new TxnRecord("tx", 1, -1, (short) 0, (short) -1, 1000, TxnState.EMPTY, Set.of(), -1, now);
    assertThatThrownBy(() -> log.append(0, "tx", r).join()).isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(NotEnoughReplicasException.class);
    assertThatThrownBy(() -> log.append(1, "tx", r).join()).as("a partition not hosted here")
        .hasCauseInstanceOf(org.apache.kafka.common.errors.NotCoordinatorException.class);
  }

  @Test
  void markerIsWrittenOnceReplicatedAndPartitionsNotLedHereAreReported() throws Exception {
    Partition p = ledWithFollowers(DATA, List.of(1, 2), Map.of());
    Partition follower = replicas.createPartition(new TopicPartition("data", 1), Uuid.randomUuid(), LogConfig.defaults(), Map.of());
    follower.makeFollower(new PartitionState(follower.topicPartition(), follower.topicId(), List.of(1, 2), 2, 1, List.of(1, 2), 1, 0));
    LocalMarkerWriter writer = new LocalMarkerWriter(replicas, Clock.SYSTEM, 60_000);
    CompletableFuture<Map<TopicPartition, Errors>> written = writer.write(7, (short) 0, 3, true,
        List.of(DATA, follower.topicPartition(), new TopicPartition("gone", 0)), () -> true);
    assertThat(written).isNotDone();
    p.recordFollowerFetch(2, p.logEndOffset(), now);
    assertThat(written.join())
        .containsEntry(DATA, Errors.NONE)
        .containsEntry(follower.topicPartition(), Errors.NOT_LEADER_OR_FOLLOWER)
        .containsEntry(new TopicPartition("gone", 0), Errors.UNKNOWN_TOPIC_OR_PARTITION);
    assertThat(p.producerEntry(7).coordinatorEpoch()).isEqualTo(3);
    assertThat(writer.write(7, (short) 0, 2, true, List.of(DATA), () -> true).join())
        .containsEntry(DATA, Errors.TRANSACTION_COORDINATOR_FENCED);
  }
}
