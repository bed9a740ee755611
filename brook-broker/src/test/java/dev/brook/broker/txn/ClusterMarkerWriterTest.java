package dev.brook.broker.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.brook.broker.cluster.BrokerEndpoint;
import dev.brook.broker.cluster.ClusterState;
import dev.brook.broker.cluster.PartitionState;
import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.Partition;
import dev.brook.broker.replica.RecordPolicy;
import dev.brook.storage.Clock;
import dev.brook.storage.LogConfig;
import dev.brook.storage.LogManager;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster marker writer's retry rules, with a fake cluster view: a partition is retried while
 * it exists and is not written, given up when deleted, and abandoned when the coordinator loses its
 * epoch. (WriteTxnMarkers to other brokers is covered by TransactionsClusterIT.)
 */
class ClusterMarkerWriterTest {
  static final TopicPartition LED = new TopicPartition("led", 0);
  static final TopicPartition LATE = new TopicPartition("late", 0);
  @TempDir Path dir;
  LogManager logs;
  LocalReplicaManager replicas;
  ClusterMarkerWriter writer;
  final Map<TopicPartition, PartitionState> states = new ConcurrentHashMap<>();

  final ClusterState cluster = new ClusterState() {
    @Override
    public int localBrokerId() {
      return 1;
    }

    @Override
    public Optional<BrokerEndpoint> broker(int id) {
      return Optional.empty();
    }

    @Override
    public Collection<BrokerEndpoint> liveBrokers() {
      return List.of();
    }

    @Override
    public int controllerId() {
      return 1;
    }

    @Override
    public Optional<PartitionState> partitionState(TopicPartition tp) {
      return Optional.ofNullable(states.get(tp));
    }

    @Override
    public CompletableFuture<PartitionState> alterIsr(PartitionState expected, List<Integer> newIsr) {
      return CompletableFuture.failedFuture(new UnsupportedOperationException());
    }

    @Override
    public boolean isRegistered() {
      return true;
    }
  };

  @BeforeEach
  void open() throws Exception {
    logs = LogManager.open(dir, LogConfig.defaults(), Clock.SYSTEM);
    replicas = new LocalReplicaManager(logs, RecordPolicy.defaults(), Clock.SYSTEM, 86_400_000L, 1, null, null);
    writer = new ClusterMarkerWriter(cluster, new LocalMarkerWriter(replicas, Clock.SYSTEM, 10_000),
        Executors.newSingleThreadScheduledExecutor(), 10, 1_000);
  }

  @AfterEach
  void close() throws Exception {
    writer.close();
    replicas.close();
    logs.close();
  }

  private Partition lead(TopicPartition tp) throws Exception {
    Partition p = replicas.createPartition(tp, Uuid.randomUuid(), LogConfig.defaults(), Map.of());
    PartitionState s = new PartitionState(tp, p.topicId(), List.of(1), 1, 1, List.of(1), 1, 0);
    p.makeLeader(s, 0);
    states.put(tp, s);
    return p;
  }

  @Test
  void retriesUntilThePartitionIsLedHereAndGivesUpOnDeletedOnes() throws Exception {
    lead(LED);
    // LATE's leader is this broker as the cluster says, but the partition is not open here yet.
    states.put(LATE, new PartitionState(LATE, Uuid.randomUuid(), List.of(1), 1, 1, List.of(1), 1, 0));
    TopicPartition deleted = new TopicPartition("deleted", 0);
    CompletableFuture<Map<TopicPartition, Errors>> f =
        writer.write(5, (short) 0, 0, true, List.of(LED, LATE, deleted), () -> true);
    await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(5)).until(() -> !f.isDone());
    Partition late = lead(LATE);
    assertThat(f.get(10, java.util.concurrent.TimeUnit.SECONDS)).containsEntry(LED, Errors.NONE)
        .containsEntry(LATE, Errors.NONE).containsEntry(deleted, Errors.UNKNOWN_TOPIC_OR_PARTITION);
    assertThat(late.logEndOffset()).as("one marker, not one per retry").isEqualTo(1);
  }

  @Test
  void stopsWhenTheCoordinatorLosesItsEpoch() throws Exception {
    states.put(LATE, new PartitionState(LATE, Uuid.randomUuid(), List.of(1, 2), -1, 1, List.of(1), 1, 0)); // no leader
    AtomicBoolean current = new AtomicBoolean(true);
    CompletableFuture<Map<TopicPartition, Errors>> f = writer.write(5, (short) 0, 0, true, List.of(LATE), current::get);
    await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(5)).until(() -> !f.isDone());
    current.set(false);
    assertThat(f.get(10, java.util.concurrent.TimeUnit.SECONDS)).containsEntry(LATE, Errors.NOT_COORDINATOR);
  }
}
