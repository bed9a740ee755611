package dev.brook.broker.cluster.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.brook.broker.cluster.PartitionState;
import dev.brook.broker.cluster.ReplicaStateListener;
import dev.brook.broker.cluster.TopicMetadata;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What this broker's replica side hears of cluster changes, from snapshots alone (no ZooKeeper). */
class ReplicaStateDispatcherTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int ME = 1;
  private static final Uuid ID = Uuid.randomUuid();
  private static final TopicPartition T0 = new TopicPartition("t", 0);
  private static final TopicPartition T1 = new TopicPartition("t", 1);
  private static final TopicPartition U0 = new TopicPartition("u", 0);

  private final AtomicReference<ClusterSnapshot> snapshot = new AtomicReference<>(ClusterSnapshot.EMPTY);
  private final AtomicBoolean active = new AtomicBoolean(true);
  private final ExecutorService events = Executors.newSingleThreadExecutor();
  private final ReplicaStateDispatcher dispatcher = new ReplicaStateDispatcher(ME, snapshot::get, active::get, events);
  private final Recording heard = new Recording();

  @AfterEach
  void close() {
    dispatcher.close();
  }

  /** Everything the listener heard, in order. */
  private static final class Recording implements ReplicaStateListener {
    final List<Object> calls = new CopyOnWriteArrayList<>();
    volatile int failuresLeft;

    @Override
    public void onPartitionStates(Collection<PartitionState> changed) throws Exception {
      if (failuresLeft > 0) {
        failuresLeft--;
        throw new java.io.IOException("disk full (test)");
      }
      calls.add(Set.copyOf(changed));
    }

    @Override
    public void onPartitionsRemoved(Collection<TopicPartition> removed) {
      calls.add(List.copyOf(removed));
    }
  }

  private static PartitionState state(TopicPartition tp, List<Integer> replicas, int leader, int epoch) {
    return new PartitionState(tp, ID, replicas, leader, epoch, replicas, 1, epoch);
  }

  private static ClusterSnapshot snapshot(Map<String, Map<String, String>> topicConfigs, Set<String> deleting,
      PartitionState... states) {
    Map<String, TopicMetadata> topics = new java.util.TreeMap<>();
    topicConfigs.forEach((t, c) -> topics.put(t, new TopicMetadata(t, ID, 2, c)));
    Map<TopicPartition, PartitionState> byTp = new java.util.HashMap<>();
    for (PartitionState s : states) byTp.put(s.tp(), s);
    return new ClusterSnapshot(Map.of(), -1, topics, Map.of(), Map.of(), Map.of(), byTp, deleting, Set.of(), false,
        Map.of(), Map.of(), Map.of());
  }

  private void publish(ClusterSnapshot s) {
    snapshot.set(s);
    dispatcher.schedule();
  }

  @Test
  void tellsOnlyThisBrokersChangedPartitionsAndWhatItLeads() {
    dispatcher.setListener(heard);
    PartitionState led = state(T0, List.of(1, 2), 1, 0);
    PartitionState followed = state(T1, List.of(2, 1), 2, 0);
    PartitionState elsewhere = state(U0, List.of(2, 3), 2, 0);
    publish(snapshot(Map.of("t", Map.of(), "u", Map.of()), Set.of(), led, followed, elsewhere));
    await().atMost(WAIT).until(() -> heard.calls.size() == 1);
    assertThat(heard.calls.getFirst()).isEqualTo(Set.of(led, followed));
    assertThat(dispatcher.ledHere()).isEqualTo(Map.of(T0, led));

    // Only what changed is told again: T1's leader moved here.
    PartitionState nowLed = state(T1, List.of(2, 1), 1, 1);
    publish(snapshot(Map.of("t", Map.of(), "u", Map.of()), Set.of(), led, nowLed, elsewhere));
    await().atMost(WAIT).until(() -> heard.calls.size() == 2);
    assertThat(heard.calls.get(1)).isEqualTo(Set.of(nowLed));
    assertThat(dispatcher.ledHere()).isEqualTo(Map.of(T0, led, T1, nowLed));
  }

  @Test
  void aDeletedTopicOrAMovedReplicaIsRemovedButANewPartitionWithoutStateIsNot() {
    dispatcher.setListener(heard);
    PartitionState t0 = state(T0, List.of(1, 2), 1, 0);
    PartitionState u0 = state(U0, List.of(1, 2), 2, 0);
    publish(snapshot(Map.of("t", Map.of(), "u", Map.of()), Set.of(), t0, u0));
    await().atMost(WAIT).until(() -> heard.calls.size() == 1);

    // t's state znode gone while t still exists (not being deleted): nothing yet. u being deleted: removed.
    publish(snapshot(Map.of("t", Map.of(), "u", Map.of()), Set.of("u")));
    await().atMost(WAIT).until(() -> heard.calls.size() == 2);
    assertThat(heard.calls.get(1)).isEqualTo(List.of(U0));
    assertThat(dispatcher.ledHere()).isEqualTo(Map.of(T0, t0));

    // T0 reassigned away from this broker: removed.
    publish(snapshot(Map.of("t", Map.of()), Set.of(), state(T0, List.of(2, 3), 2, 1)));
    await().atMost(WAIT).until(() -> heard.calls.size() == 3);
    assertThat(heard.calls.get(2)).isEqualTo(List.of(T0));
    assertThat(dispatcher.ledHere()).isEmpty();
  }

  @Test
  void aFailingListenerIsToldAgainUntilItTakesTheChange() {
    heard.failuresLeft = 2;
    dispatcher.setListener(heard);
    PartitionState t0 = state(T0, List.of(1, 2), 1, 0);
    publish(snapshot(Map.of("t", Map.of()), Set.of(), t0));
    await().atMost(WAIT).until(() -> heard.calls.size() == 1);
    assertThat(heard.failuresLeft).isZero();
    assertThat(heard.calls.getFirst()).isEqualTo(Set.of(t0));
    assertThat(dispatcher.ledHere()).isEqualTo(Map.of(T0, t0));
  }

  @Test
  void topicConfigListenerHearsChangedConfigsOnly() throws Exception {
    List<TopicMetadata> configs = new CopyOnWriteArrayList<>();
    dispatcher.setListener(heard);
    dispatcher.setConfigListener(configs::add);
    publish(snapshot(Map.of("t", Map.of("retention.ms", "1"), "u", Map.of()), Set.of()));
    events.submit(() -> {}).get(); // the first snapshot was dispatched on its own
    assertThat(configs).isEmpty(); // first seen, not changed
    publish(snapshot(Map.of("t", Map.of("retention.ms", "2"), "u", Map.of()), Set.of()));
    await().atMost(WAIT).until(() -> configs.size() == 1);
    assertThat(configs.getFirst().name()).isEqualTo("t");
    assertThat(configs.getFirst().configs()).isEqualTo(Map.of("retention.ms", "2"));
  }

  @Test
  void nothingIsToldWhileInactive() throws Exception {
    active.set(false);
    dispatcher.setListener(heard);
    publish(snapshot(Map.of("t", Map.of()), Set.of(), state(T0, List.of(1, 2), 1, 0)));
    events.submit(() -> {}).get(); // anything scheduled has run
    assertThat(heard.calls).isEmpty();

    active.set(true);
    dispatcher.schedule();
    await().atMost(WAIT).until(() -> heard.calls.size() == 1);
  }
}
