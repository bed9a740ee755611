package dev.brook.broker.cluster.zk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.cluster.BrokerEndpoint;
import dev.brook.broker.cluster.PartitionState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;

/** Reading the cluster's snapshot from the znodes of the cache, without ZooKeeper. */
class ClusterSnapshotTest {
  private static final Uuid ID = Uuid.randomUuid();

  private static ChildData node(String path, byte[] data, int version, long czxid) {
    Stat stat = new Stat();
    stat.setVersion(version);
    stat.setCzxid(czxid);
    return new ChildData(path, stat, data);
  }

  private static List<ChildData> twoBrokersOneTopic() {
    List<ChildData> nodes = new ArrayList<>();
    nodes.add(node(ZkData.BROKER_IDS, new byte[0], 0, 1));
    nodes.add(node(ZkData.brokerPath(1), ZkData.broker(new BrokerEndpoint(1, "h1", 9001, null), 0), 0, 11));
    nodes.add(node(ZkData.brokerPath(2), ZkData.broker(new BrokerEndpoint(2, "h2", 9002, null), 0), 0, 12));
    nodes.add(node(ZkData.CONTROLLER, ZkData.controller(2, 0), 0, 13));
    nodes.add(node(ZkData.topicPath("t"), ZkData.assignment(new ZkData.Assignment(ID, Map.of(0, List.of(1, 2), 1, List.of(2, 1)))), 4, 14));
    nodes.add(node(ZkData.statePath(new TopicPartition("t", 0)), ZkData.state(1, 3, List.of(1, 2), 5), 7, 15));
    nodes.add(node(ZkData.configPath("t"), ZkData.topicConfig(Map.of("retention.ms", "1000")), 2, 16));
    return nodes;
  }

  @Test
  void readsBrokersControllerTopicsAndStatesWithTheirZnodeVersions() {
    ClusterSnapshot s = ClusterSnapshot.read(twoBrokersOneTopic());

    assertThat(s.brokers()).containsOnlyKeys(1, 2);
    assertThat(s.brokers().get(2).host()).isEqualTo("h2");
    assertThat(s.brokerEpochs()).isEqualTo(Map.of(1, 11L, 2, 12L));
    assertThat(s.controllerId()).isEqualTo(2);
    assertThat(s.topics().get("t").partitions()).isEqualTo(2);
    assertThat(s.topics().get("t").configs()).isEqualTo(Map.of("retention.ms", "1000"));
    assertThat(s.topicVersions()).isEqualTo(Map.of("t", 4));
    assertThat(s.configVersions()).isEqualTo(Map.of("t", 2));
    // Partition 1 has no state znode yet: it is not in the states.
    assertThat(s.states()).containsOnlyKeys(new TopicPartition("t", 0));
    assertThat(s.states().get(new TopicPartition("t", 0)))
        .isEqualTo(new PartitionState(new TopicPartition("t", 0), ID, List.of(1, 2), 1, 3, List.of(1, 2), 5, 7));
  }

  @Test
  void readsPendingAdminRequests() {
    List<ChildData> nodes = twoBrokersOneTopic();
    nodes.add(node(Controller.DELETE_TOPICS + "/t", new byte[0], 0, 20));
    nodes.add(node(ZkData.CONTROLLED_SHUTDOWN + "/1", new byte[0], 0, 21));
    nodes.add(node(ZkData.PREFERRED_ELECTION, new byte[0], 0, 22));
    nodes.add(node(ZkData.offlineReplicasPath(2), ZkData.partitions(List.of(new TopicPartition("t", 1))), 0, 23));

    ClusterSnapshot s = ClusterSnapshot.read(nodes);

    assertThat(s.topicsBeingDeleted()).containsExactly("t");
    assertThat(s.shuttingDown()).containsExactly(1);
    assertThat(s.preferredElectionRequested()).isTrue();
    assertThat(s.offlineReplicas()).isEqualTo(Map.of(2, java.util.Set.of(new TopicPartition("t", 1))));
  }

  @Test
  void malformedZnodesAreLeftOutAndTheRestIsRead() {
    List<ChildData> nodes = twoBrokersOneTopic();
    nodes.add(node(ZkData.brokerPath(3), ZkData.bytes("not json"), 0, 30));
    nodes.add(node(ZkData.topicPath("u"), ZkData.bytes("{"), 0, 31));
    nodes.add(node(ZkData.statePath(new TopicPartition("t", 1)), ZkData.bytes("[]"), 0, 32));

    ClusterSnapshot s = ClusterSnapshot.read(nodes);

    assertThat(s.brokers()).containsOnlyKeys(1, 2);
    assertThat(s.topics()).containsOnlyKeys("t");
    assertThat(s.states()).containsOnlyKeys(new TopicPartition("t", 0));
  }

  @Test
  void anEmptyTreeReadsAsTheEmptySnapshot() {
    assertThat(ClusterSnapshot.read(List.of())).isEqualTo(ClusterSnapshot.EMPTY);
  }
}
