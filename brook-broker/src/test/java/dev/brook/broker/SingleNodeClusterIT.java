package dev.brook.broker;

import static dev.brook.broker.PartitionTestSupport.produce;
import static dev.brook.broker.PartitionTestSupport.records;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.broker.network.RawClient;
import dev.brook.broker.replica.LeadershipListener;
import dev.brook.broker.replica.LocalReplicaManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ElectionNotNeededException;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The single node as a cluster of one: its partitions lead through the controller's states (ISR =
 * this broker), a restart is a new leader epoch that the epoch cache, OffsetForLeaderEpoch and the
 * leader epoch checks follow, and the controller APIs answer as a one-broker Kafka.
 */
class SingleNodeClusterIT {
  @TempDir Path dir;
  Broker broker;
  RawClient client;

  private void start() throws Exception {
    broker = PartitionTestSupport.start(dir, Map.of());
    client = new RawClient("127.0.0.1", broker.port());
  }

  private void restart() throws Exception {
    client.close();
    broker.close();
    start();
  }

  @AfterEach
  void stop() throws Exception {
    if (client != null) client.close();
    if (broker != null) broker.close();
  }

  private Admin admin() {
    return Admin.create(Map.of("bootstrap.servers", "127.0.0.1:" + broker.port()));
  }

  private void createTopic(String name, int partitions) throws Exception {
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
    }
  }

  private MetadataResponsePartition metadata(String topic, int partition) throws Exception {
    MetadataRequestData d = new MetadataRequestData().setAllowAutoTopicCreation(false)
        .setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName(topic)));
    return client.call(new MetadataRequest.Builder(d).build((short) 12), MetadataResponse.class).data().topics()
        .find(topic).partitions().get(partition);
  }

  private OffsetForLeaderEpochResponseData.EpochEndOffset endOf(int epoch, int currentEpoch) throws Exception {
    var topics = new OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection();
    var t = new OffsetForLeaderEpochRequestData.OffsetForLeaderTopic().setTopic("t");
    t.partitions().add(new OffsetForLeaderEpochRequestData.OffsetForLeaderPartition().setPartition(0)
        .setLeaderEpoch(epoch).setCurrentLeaderEpoch(currentEpoch));
    topics.add(t);
    return client.call(OffsetsForLeaderEpochRequest.Builder.forConsumer(topics).build((short) 4),
        OffsetsForLeaderEpochResponse.class).data().topics().iterator().next().partitions().get(0);
  }

  @Test
  void partitionsLeadHereAndARestartIsANewLeaderEpoch() throws Exception {
    start();
    createTopic("t", 2);
    MetadataResponsePartition m = metadata("t", 0);
    assertThat(m.leaderId()).isEqualTo(broker.nodeId());
    assertThat(m.leaderEpoch()).isZero();
    assertThat(m.isrNodes()).containsExactly(broker.nodeId());
    assertThat(produce(client, "t", 0, records("a", "b", "c")).baseOffset()).isZero();

    restart();
    m = metadata("t", 0);
    assertThat(m.leaderId()).isEqualTo(broker.nodeId());
    assertThat(m.leaderEpoch()).isEqualTo(2);
    assertThat(m.isrNodes()).containsExactly(broker.nodeId());
    assertThat(metadata("t", 1).leaderEpoch()).isEqualTo(2);
    // Everything before the restart is committed (high watermark = log end, ISR of one).
    var p = broker.replicaManager().partition(new TopicPartition("t", 0)).orElseThrow();
    assertThat(p.highWatermark()).isEqualTo(3);
    assertThat(p.checkLeaderEpoch(0)).isEqualTo(Errors.FENCED_LEADER_EPOCH);
    // The old epoch ends where the log ended; the new one is answered with the log end.
    var old = endOf(0, 2);
    assertThat(Errors.forCode(old.errorCode())).isEqualTo(Errors.NONE);
    assertThat(old.leaderEpoch()).isZero();
    assertThat(old.endOffset()).isEqualTo(3);
    assertThat(Errors.forCode(endOf(0, 0).errorCode())).isEqualTo(Errors.FENCED_LEADER_EPOCH);

    assertThat(produce(client, "t", 0, records("d")).baseOffset()).isEqualTo(3);
    assertThat(p.highWatermark()).isEqualTo(4);
    var current = endOf(2, 2);
    assertThat(current.leaderEpoch()).isEqualTo(2);
    assertThat(current.endOffset()).isEqualTo(4);
    assertThat(endOf(0, 2).endOffset()).isEqualTo(3);
    List<String> checkpoint = Files.readAllLines(p.log().dir().resolve("leader-epoch-checkpoint"));
    assertThat(checkpoint.subList(2, checkpoint.size())).containsExactly("0 0", "2 3");
  }

  @Test
  void controllerApisAnswerAsAOneBrokerKafka() throws Exception {
    start();
    createTopic("t", 1);
    TopicPartition tp = new TopicPartition("t", 0);
    try (Admin admin = admin()) {
      assertThat(admin.describeCluster().controller().get().id()).isEqualTo(broker.nodeId());
      var preferred = admin.electLeaders(ElectionType.PREFERRED, Set.of(tp)).partitions().get();
      assertThat(preferred.get(tp)).containsInstanceOf(ElectionNotNeededException.class);
      var unclean = admin.electLeaders(ElectionType.UNCLEAN, Set.of(tp)).partitions().get();
      assertThat(unclean.get(tp)).containsInstanceOf(ElectionNotNeededException.class);
      assertThat(admin.electLeaders(ElectionType.PREFERRED, null).partitions().get()).isEmpty();
      assertThat(admin.listPartitionReassignments().reassignments().get()).isEmpty();
      admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(List.of(broker.nodeId())))))
          .all().get();
      assertThat(admin.listPartitionReassignments().reassignments().get()).isEmpty();
      assertThatThrownBy(() -> admin.alterPartitionReassignments(
          Map.of(tp, Optional.of(new NewPartitionReassignment(List.of(broker.nodeId() + 1))))).all().get())
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(org.apache.kafka.common.errors.InvalidReplicaAssignmentException.class);
    }
    assertThat(metadata("t", 0).leaderEpoch()).isZero(); // nothing was elected
  }

  @Test
  void leadershipListenersHearEachPartitionOnce() throws Exception {
    start();
    List<String> heard = new CopyOnWriteArrayList<>();
    LeadershipListener l = new LeadershipListener() {
      @Override
      public void onBecomeLeader(TopicPartition tp, int leaderEpoch) {
        if (tp.topic().equals("t")) heard.add("lead " + tp + " " + leaderEpoch);
      }

      @Override
      public void onResign(TopicPartition tp) {
        if (tp.topic().equals("t")) heard.add("resign " + tp);
      }
    };
    ((LocalReplicaManager) broker.replicaManager()).addLeadershipListener(l);
    createTopic("t", 2);
    assertThat(heard).containsExactlyInAnyOrder("lead t-0 0", "lead t-1 0");
    try (Admin admin = admin()) {
      admin.createPartitions(Map.of("t", org.apache.kafka.clients.admin.NewPartitions.increaseTo(3))).all().get();
    }
    assertThat(heard).containsExactlyInAnyOrder("lead t-0 0", "lead t-1 0", "lead t-2 0");
    heard.clear();
    client.close();
    broker.close();
    assertThat(heard).containsExactlyInAnyOrder("resign t-0", "resign t-1", "resign t-2"); // closing
    heard.clear();
    start();
    ((LocalReplicaManager) broker.replicaManager()).addLeadershipListener(l);
    assertThat(heard).containsExactlyInAnyOrder("lead t-0 2", "lead t-1 2", "lead t-2 2");
    heard.clear();
    try (Admin admin = admin()) {
      admin.deleteTopics(List.of("t")).all().get();
    }
    assertThat(heard).containsExactlyInAnyOrder("resign t-0", "resign t-1", "resign t-2");
  }
}
