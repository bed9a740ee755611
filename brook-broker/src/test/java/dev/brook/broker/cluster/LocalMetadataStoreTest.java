package dev.brook.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.broker.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalMetadataStoreTest {
  @TempDir Path dir;

  private LocalMetadataStore open() throws IOException {
    return LocalMetadataStore.open(dir, MetaProperties.loadOrCreate(dir, 1, null, Uuid::randomUuid));
  }

  @Test
  void topicsSurviveReopenWithIdsPartitionsAndConfigs() throws IOException {
    Uuid a = Uuid.randomUuid();
    Uuid b = Uuid.randomUuid();
    try (LocalMetadataStore s = open()) {
      s.createTopic(new TopicMetadata("orders", a, 3, Map.of("retention.ms", "1000", "cleanup.policy", "compact,delete")));
      s.createTopic(new TopicMetadata("odd=name", b, 1, Map.of("k", "value with = and \n newline")));
      s.createTopic(new TopicMetadata("gone", Uuid.randomUuid(), 1, Map.of()));
      s.updateTopic(s.topic("orders").orElseThrow().withPartitions(5));
      assertThat(s.deleteTopic("gone")).isTrue();
      assertThat(s.deleteTopic("gone")).isFalse();
    }
    try (LocalMetadataStore s = open()) {
      assertThat(s.topics()).extracting(TopicMetadata::name).containsExactly("odd=name", "orders");
      TopicMetadata orders = s.topic("orders").orElseThrow();
      assertThat(orders.id()).isEqualTo(a);
      assertThat(orders.partitions()).isEqualTo(5);
      assertThat(orders.configs()).containsEntry("retention.ms", "1000").containsEntry("cleanup.policy", "compact,delete");
      assertThat(s.topic(b).orElseThrow().configs()).containsEntry("k", "value with = and \n newline");
      assertThat(s.topic("gone")).isEmpty();
    }
  }

  @Test
  void partitionStatesAreStoredWithTheirTopicsAndGoWithThem() throws IOException {
    TopicMetadata t = new TopicMetadata("t", Uuid.randomUuid(), 2, Map.of("retention.ms", "5"));
    org.apache.kafka.common.TopicPartition p0 = new org.apache.kafka.common.TopicPartition("t", 0);
    org.apache.kafka.common.TopicPartition p1 = new org.apache.kafka.common.TopicPartition("t", 1);
    PartitionState s0 = new PartitionState(p0, t.id(), java.util.List.of(1), 1, 0, java.util.List.of(1), 1, 0);
    try (LocalMetadataStore s = open()) {
      s.createTopic(t, java.util.List.of(s0));
      s.putPartitionStates(java.util.List.of(new PartitionState(p1, t.id(), java.util.List.of(1, 2), -1, 7,
          java.util.List.of(), 3, 4)));
      s.updateTopic(s.topic("t").orElseThrow().withConfigs(Map.of())); // a config change keeps the states
      assertThatThrownBy(() -> s.putPartitionStates(java.util.List.of(new PartitionState(
          new org.apache.kafka.common.TopicPartition("t", 2), t.id(), java.util.List.of(1), 1, 0, java.util.List.of(1), 1, 0))))
          .isInstanceOf(IllegalStateException.class); // no such partition
    }
    try (LocalMetadataStore s = open()) {
      assertThat(s.partitionState(p0)).contains(s0);
      PartitionState back = s.partitionState(p1).orElseThrow();
      assertThat(back.replicas()).containsExactly(1, 2);
      assertThat(back.leader()).isEqualTo(-1);
      assertThat(back.leaderEpoch()).isEqualTo(7);
      assertThat(back.isr()).isEmpty();
      assertThat(back.controllerEpoch()).isEqualTo(3);
      assertThat(back.zkVersion()).isEqualTo(4);
      assertThat(s.deleteTopic("t")).isTrue();
      assertThat(s.partitionStates()).isEmpty();
    }
    try (LocalMetadataStore s = open()) {
      assertThat(s.partitionStates()).isEmpty();
    }
  }

  @Test
  void clusterIdIsGeneratedOnceAndKept() throws IOException {
    String first;
    try (LocalMetadataStore s = open()) {
      first = s.clusterId();
    }
    assertThat(Uuid.fromString(first)).isNotNull();
    try (LocalMetadataStore s = open()) {
      assertThat(s.clusterId()).isEqualTo(first);
    }
    assertThat(Files.readString(dir.resolve("meta.properties"))).contains("node.id=1").contains("cluster.id=" + first);
  }

  @Test
  void aDifferentNodeIdIsAClearStartupError() throws IOException {
    MetaProperties.loadOrCreate(dir, 1, null, Uuid::randomUuid);
    assertThatThrownBy(() -> MetaProperties.loadOrCreate(dir, 2, null, Uuid::randomUuid))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("node.id")
        .hasMessageContaining("belongs to node 1");
  }

  @Test
  void aDifferentConfiguredClusterIdIsAClearStartupError() throws IOException {
    MetaProperties.loadOrCreate(dir, 1, "clusterA", Uuid::randomUuid);
    assertThat(MetaProperties.loadOrCreate(dir, 1, null, Uuid::randomUuid).clusterId()).isEqualTo("clusterA");
    assertThatThrownBy(() -> MetaProperties.loadOrCreate(dir, 1, "clusterB", Uuid::randomUuid))
        .isInstanceOf(ConfigException.class).hasMessageContaining("cluster.id");
  }

  @Test
  void writesLeaveNoTemporaryFileAndAnInterruptedWriteIsIgnored() throws IOException {
    try (LocalMetadataStore s = open()) {
      s.createTopic(new TopicMetadata("t", Uuid.randomUuid(), 1, Map.of()));
    }
    assertThat(dir.resolve(LocalMetadataStore.FILE_NAME + ".tmp")).doesNotExist();
    // A crash between writing the temporary file and the rename leaves the old file in force.
    Files.writeString(dir.resolve(LocalMetadataStore.FILE_NAME + ".tmp"), "version=1\ntopic.count=7\ngarbage");
    try (LocalMetadataStore s = open()) {
      assertThat(s.topics()).extracting(TopicMetadata::name).containsExactly("t");
    }
    assertThat(dir.resolve(LocalMetadataStore.FILE_NAME + ".tmp")).doesNotExist();
  }

  @Test
  void aCorruptFileIsAStartupErrorNotAnEmptyCluster() throws IOException {
    open().close();
    Files.writeString(dir.resolve(LocalMetadataStore.FILE_NAME), "version=1\ntopic.count=2\ntopic.0.name=x\n");
    assertThatThrownBy(this::open).isInstanceOf(IOException.class).hasMessageContaining("corrupt");
  }

  @Test
  void nameAndIdAreUnique() throws IOException {
    Uuid id = Uuid.randomUuid();
    try (LocalMetadataStore s = open()) {
      s.createTopic(new TopicMetadata("t", id, 1, Map.of()));
      assertThatThrownBy(() -> s.createTopic(new TopicMetadata("t", Uuid.randomUuid(), 1, Map.of())))
          .isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> s.createTopic(new TopicMetadata("u", id, 1, Map.of())))
          .isInstanceOf(IllegalStateException.class);
    }
  }
}
