package dev.brook.broker.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.cluster.PartitionState;
import dev.brook.storage.Clock;
import dev.brook.storage.LogConfig;
import dev.brook.storage.LogManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replica manager tells {@link LeadershipListener}s when this broker starts or stops leading. */
class LeadershipListenerTest {
  static final TopicPartition TP = new TopicPartition("__consumer_offsets", 3);
  static final TopicPartition OTHER = new TopicPartition("t", 0);
  static final Uuid ID = Uuid.randomUuid();

  @TempDir Path dir;
  LogManager logs;
  LocalReplicaManager replicas;

  /** Records the calls as "lead tp epoch" / "resign tp". */
  static final class Recorder implements LeadershipListener {
    final List<String> events = new ArrayList<>();

    @Override
    public synchronized void onBecomeLeader(TopicPartition tp, int leaderEpoch) {
      events.add("lead " + tp + " " + leaderEpoch);
    }

    @Override
    public synchronized void onResign(TopicPartition tp) {
      events.add("resign " + tp);
    }
  }

  @AfterEach
  void close() throws Exception {
    if (replicas != null) replicas.close();
    if (logs != null) logs.close();
  }

  private void singleNode() throws Exception {
    logs = LogManager.open(dir, LogConfig.defaults(), Clock.SYSTEM);
    replicas = new LocalReplicaManager(logs, RecordPolicy.defaults(), Clock.SYSTEM, 86_400_000L);
  }

  private void clusterNode(int id) throws Exception {
    logs = LogManager.open(dir, LogConfig.defaults(), Clock.SYSTEM);
    LocalReplicaManager.ReplicationSettings settings =
        LocalReplicaManager.ReplicationSettings.of(10_000, 100, 1024 * 1024, 4 * 1024 * 1024, 50, 5_000, LogConfig.defaults());
    replicas = new LocalReplicaManager(logs, RecordPolicy.defaults(), Clock.SYSTEM, 86_400_000L, id,
        new InMemoryClusterState(id, new InMemoryClusterState.Shared()), settings);
  }

  static PartitionState state(int leader, int epoch, int version) {
    return new PartitionState(TP, ID, List.of(1, 2, 3), leader, epoch, List.of(1, 2, 3), 1, version);
  }

  @Test
  void singleNodeLeadsFromCreationAndResignsOnDeleteAndClose() throws Exception {
    singleNode();
    Recorder r = new Recorder();
    replicas.addLeadershipListener(r);
    replicas.createPartition(TP, ID, LogConfig.defaults(), Map.of());
    replicas.createPartition(TP, ID, LogConfig.defaults(), Map.of()); // already open: nothing new
    replicas.createPartition(OTHER, Uuid.randomUuid(), LogConfig.defaults(), Map.of());
    assertThat(r.events).containsExactly("lead " + TP + " 0", "lead " + OTHER + " 0");

    replicas.deletePartition(TP);
    assertThat(r.events).last().isEqualTo("resign " + TP);

    replicas.close();
    assertThat(r.events).last().isEqualTo("resign " + OTHER);
    assertThat(r.events).hasSize(4);
  }

  @Test
  void registrationReplaysThePartitionsLedNow() throws Exception {
    singleNode();
    replicas.createPartition(TP, ID, LogConfig.defaults(), Map.of());
    Recorder r = new Recorder();
    replicas.addLeadershipListener(r);
    assertThat(r.events).containsExactly("lead " + TP + " 0");
  }

  @Test
  void clusterFiresOnLeaderOrEpochChangesOnly() throws Exception {
    clusterNode(1);
    Recorder r = new Recorder();
    replicas.addLeadershipListener(r);
    replicas.createPartition(TP, ID, LogConfig.defaults(), Map.of()); // no state yet: not led
    assertThat(r.events).isEmpty();

    replicas.onPartitionStates(List.of(state(1, 4, 0)));
    replicas.onPartitionStates(List.of(state(1, 4, 1))); // ISR change only, same term
    assertThat(r.events).containsExactly("lead " + TP + " 4");

    replicas.onPartitionStates(List.of(state(1, 5, 2))); // a new epoch, still leader
    replicas.onPartitionStates(List.of(state(1, 4, 0))); // stale: ignored
    assertThat(r.events).containsExactly("lead " + TP + " 4", "lead " + TP + " 5");

    replicas.onPartitionStates(List.of(state(2, 6, 3)));
    replicas.onPartitionStates(List.of(state(3, 7, 4))); // another leader; this broker still follows
    assertThat(r.events).containsExactly("lead " + TP + " 4", "lead " + TP + " 5", "resign " + TP);

    Recorder late = new Recorder();
    replicas.addLeadershipListener(late);
    assertThat(late.events).isEmpty();

    replicas.onPartitionStates(List.of(state(1, 8, 5)));
    replicas.onPartitionsRemoved(List.of(TP));
    assertThat(r.events).endsWith("lead " + TP + " 8", "resign " + TP);
    assertThat(late.events).containsExactly("lead " + TP + " 8", "resign " + TP);
  }

  @Test
  void aFailingListenerDoesNotStopTheOthers() throws Exception {
    singleNode();
    replicas.addLeadershipListener(new LeadershipListener() {
      @Override
      public void onBecomeLeader(TopicPartition tp, int leaderEpoch) {
        throw new IllegalStateException("boom");
      }

      @Override
      public void onResign(TopicPartition tp) {}
    });
    Recorder r = new Recorder();
    replicas.addLeadershipListener(r);
    replicas.createPartition(TP, ID, LogConfig.defaults(), Map.of());
    assertThat(r.events).containsExactly("lead " + TP + " 0");
  }
}
