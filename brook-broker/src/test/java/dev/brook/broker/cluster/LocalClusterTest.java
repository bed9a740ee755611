package dev.brook.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The single node as a cluster of one: its controller's states, stored, and handed to the replicas. */
class LocalClusterTest {
  static final int ME = 3;
  @TempDir Path dir;
  final List<PartitionState> applied = new ArrayList<>();
  final List<TopicPartition> removed = new ArrayList<>();

  LocalCluster open() throws Exception {
    MetaProperties meta = MetaProperties.loadOrCreate(dir, ME, null, Uuid::randomUuid);
    LocalCluster c = new LocalCluster(ME, LocalMetadataStore.open(dir, meta),
        () -> new BrokerEndpoint(ME, "localhost", 9092, null), false);
    c.setListener(new ReplicaStateListener() {
      @Override
      public void onPartitionStates(Collection<PartitionState> changed) {
        applied.addAll(changed);
      }

      @Override
      public void onPartitionsRemoved(Collection<TopicPartition> gone) {
        removed.addAll(gone);
      }
    });
    return c;
  }

  LocalCluster start() throws Exception {
    LocalCluster c = open();
    c.start(tp -> -1);
    return c;
  }

  static TopicMetadata topic(String name, int partitions) {
    return new TopicMetadata(name, Uuid.randomUuid(), partitions, Map.of());
  }

  @Test
  void aNewTopicsPartitionsAreLedHereAtEpochZeroStoredBeforeTheReplicasHear() throws Exception {
    LocalCluster c = start();
    TopicMetadata t = topic("t", 2);
    c.createTopic(t);
    assertThat(applied).hasSize(2).allSatisfy(s -> {
      assertThat(s.leader()).isEqualTo(ME);
      assertThat(s.leaderEpoch()).isZero();
      assertThat(s.isr()).containsExactly(ME);
      assertThat(s.replicas()).containsExactly(ME);
      assertThat(s.topicId()).isEqualTo(t.id());
      assertThat(c.partitionState(s.tp())).contains(s);
    });
    // Durable: a reopened store has them.
    LocalMetadataStore reread = LocalMetadataStore.open(dir, MetaProperties.loadOrCreate(dir, ME, null, Uuid::randomUuid));
    assertThat(reread.partitionStates()).containsOnlyKeys(new TopicPartition("t", 0), new TopicPartition("t", 1));
    assertThat(reread.partitionState(new TopicPartition("t", 1))).isEqualTo(c.partitionState(new TopicPartition("t", 1)));
  }

  /** A coordinator waiting for one key's partition of a new internal topic has it made first. */
  @Test
  void aNewTopicsPartitionNamedFirstReachesTheReplicasFirst() throws Exception {
    LocalCluster c = start();
    c.createTopic(topic("__consumer_offsets", 5), 3);
    assertThat(applied).extracting(s -> s.tp().partition()).containsExactly(3, 0, 1, 2, 4);
    assertThat(c.store().topic("__consumer_offsets")).isPresent();
  }

  @Test
  void eachRestartStartsEveryPartitionInANewLeaderEpoch() throws Exception {
    start().createTopic(topic("t", 1));
    TopicPartition tp = new TopicPartition("t", 0);
    for (int restart = 1; restart <= 2; restart++) {
      applied.clear();
      LocalCluster c = start();
      PartitionState s = c.partitionState(tp).orElseThrow();
      assertThat(s.leader()).isEqualTo(ME);
      assertThat(s.leaderEpoch()).isEqualTo(2 * restart); // fenced, then led again
      assertThat(s.isr()).containsExactly(ME);
      assertThat(s.controllerEpoch()).isEqualTo(1 + restart);
      assertThat(applied).containsExactly(s); // the final state only, once
    }
  }

  @Test
  void metadataWithoutStatesStartsFromTheLogsLatestEpoch() throws Exception {
    LocalMetadataStore old = LocalMetadataStore.open(dir, MetaProperties.loadOrCreate(dir, ME, null, Uuid::randomUuid));
    old.createTopic(topic("legacy", 2)); // as written before states were kept
    LocalCluster c = open();
    c.start(tp -> tp.partition() == 0 ? 5 : -1);
    assertThat(c.partitionState(new TopicPartition("legacy", 0)).orElseThrow().leaderEpoch()).isEqualTo(7);
    assertThat(c.partitionState(new TopicPartition("legacy", 1)).orElseThrow().leaderEpoch()).isEqualTo(2);
    assertThat(applied).hasSize(2).allSatisfy(s -> assertThat(s.leader()).isEqualTo(ME));
  }

  @Test
  void grownTopicsStartOnlyTheirNewPartitionsAndDeletedOnesLoseTheirStates() throws Exception {
    LocalCluster c = start();
    TopicMetadata t = topic("t", 1);
    c.createTopic(t);
    applied.clear();
    c.addPartitions(t.withPartitions(3));
    assertThat(applied).extracting(s -> s.tp().partition()).containsExactly(1, 2);
    assertThat(c.store().topic("t").orElseThrow().partitions()).isEqualTo(3);
    assertThat(c.deleteTopic("t")).isTrue();
    assertThat(removed).extracting(TopicPartition::partition).containsExactly(0, 1, 2);
    assertThat(c.store().partitionStates()).isEmpty();
    assertThat(c.store().topic("t")).isEmpty();
    assertThat(c.deleteTopic("t")).isFalse();
  }

  @Test
  void electionsAndReassignmentsAnswerAsAOneBrokerKafka() throws Exception {
    LocalCluster c = start();
    c.createTopic(topic("t", 2));
    TopicPartition tp = new TopicPartition("t", 0);
    TopicPartition unknown = new TopicPartition("nope", 0);
    assertThat(c.electLeaders(List.of(tp, unknown), false).get())
        .containsEntry(tp, Errors.ELECTION_NOT_NEEDED).containsEntry(unknown, Errors.UNKNOWN_TOPIC_OR_PARTITION);
    assertThat(c.electLeaders(List.of(tp), true).get()).containsEntry(tp, Errors.ELECTION_NOT_NEEDED);
    assertThat(c.electLeaders(null, false).get()).isEmpty(); // all: only those that needed one
    assertThat(c.partitionState(tp).orElseThrow().leaderEpoch()).isZero();

    var results = c.alterReassignments(Map.of(tp, Optional.of(List.of(ME)), new TopicPartition("t", 1),
        Optional.of(List.of(ME + 1)))).get();
    assertThat(results.get(tp).error()).isEqualTo(Errors.NONE);
    assertThat(results.get(new TopicPartition("t", 1)).error()).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT);
    assertThat(c.reassignments()).isEmpty();
    assertThat(c.alterReassignments(Map.of(tp, Optional.empty())).get().get(tp).error())
        .isEqualTo(Errors.NO_REASSIGNMENT_IN_PROGRESS);
  }

  @Test
  void anIsrChangeIsACompareAndSetOnTheStatesVersion() throws Exception {
    LocalCluster c = start();
    c.createTopic(topic("t", 1));
    PartitionState s = c.partitionState(new TopicPartition("t", 0)).orElseThrow();
    assertThat(c.alterIsr(s, List.of(ME + 1))).isCompletedExceptionally(); // the leader must stay in
    PartitionState same = c.alterIsr(s, List.of(ME)).get();
    assertThat(same.zkVersion()).isEqualTo(s.zkVersion() + 1);
    assertThat(c.alterIsr(s, List.of(ME))).isCompletedExceptionally(); // stale version
  }
}
