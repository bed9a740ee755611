package dev.brook.broker.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.brook.broker.api.ApiDispatcher;
import dev.brook.broker.api.ApiVersionsHandler;
import dev.brook.broker.api.FetchHandler;
import dev.brook.broker.api.ListOffsetsHandler;
import dev.brook.broker.api.OffsetForLeaderEpochHandler;
import dev.brook.broker.api.ProduceHandler;
import dev.brook.broker.cluster.BrokerEndpoint;
import dev.brook.broker.cluster.PartitionState;
import dev.brook.broker.config.Listener;
import dev.brook.broker.network.NetworkServer;
import dev.brook.broker.network.RawClient;
import dev.brook.storage.Clock;
import dev.brook.storage.FileSlice;
import dev.brook.storage.LogConfig;
import dev.brook.storage.LogId;
import dev.brook.storage.LogManager;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three in-process brokers (logs, replica manager, network with the replication APIs) over an
 * in-memory cluster state, the test acting as controller: RF=3, min.insync.replicas=2, acks=all.
 * The leader dies, a follower from the ISR takes over, the old leader comes back with a tail that
 * never replicated and truncates it by leader epoch; no acknowledged record is lost.
 */
class ReplicationIT {
  static final TopicPartition TP = new TopicPartition("orders", 0);
  static final Uuid TOPIC_ID = Uuid.randomUuid();
  static final Map<String, String> TOPIC = Map.of("min.insync.replicas", "2");

  @TempDir Path dir;
  final InMemoryClusterState.Shared cluster = new InMemoryClusterState.Shared();
  final Map<Integer, Node> nodes = new HashMap<>();

  /** One broker: its logs, replica manager and listener. */
  final class Node implements AutoCloseable {
    final int id;
    final LogManager logs;
    final LocalReplicaManager replicas;
    final NetworkServer network;

    Node(int id) throws Exception {
      this.id = id;
      logs = LogManager.open(dir.resolve("b" + id), LogConfig.defaults(), Clock.SYSTEM);
      LocalReplicaManager.ReplicationSettings settings =
          LocalReplicaManager.ReplicationSettings.of(10_000, 100, 1024 * 1024, 4 * 1024 * 1024, 50, 5_000, LogConfig.defaults());
      replicas = new LocalReplicaManager(logs, RecordPolicy.defaults(), Clock.SYSTEM, 86_400_000L, id,
          new InMemoryClusterState(id, cluster), settings);
      ApiDispatcher d = new ApiDispatcher();
      d.register(ApiKeys.API_VERSIONS, new ApiVersionsHandler(d));
      d.register(ApiKeys.PRODUCE, new ProduceHandler(replicas, Clock.SYSTEM));
      d.register(ApiKeys.FETCH, new FetchHandler(replicas, new FetchSessionCache(100, Clock.SYSTEM, new Random(id)::nextInt), id));
      d.register(ApiKeys.LIST_OFFSETS, new ListOffsetsHandler(replicas));
      d.register(ApiKeys.OFFSET_FOR_LEADER_EPOCH, new OffsetForLeaderEpochHandler(replicas));
      network = NetworkServer.start(new Listener("PLAINTEXT", "127.0.0.1", 0),
          new NetworkServer.Settings(100 * 1024 * 1024, 100, 1, 128 * 1024, 128 * 1024, 600_000), d);
      cluster.live.put(id, new BrokerEndpoint(id, "127.0.0.1", network.boundListener().port(), null));
      replicas.createPartition(TP, TOPIC_ID, LogConfig.defaults(), TOPIC);
    }

    Partition partition() {
      return replicas.partition(TP).orElseThrow();
    }

    @Override
    public void close() throws Exception {
      cluster.live.remove(id);
      network.close();
      replicas.close();
      logs.close();
    }
  }

  @AfterEach
  void stopAll() throws Exception {
    for (Node n : nodes.values()) n.close();
  }

  private Node start(int id) throws Exception {
    Node n = new Node(id);
    nodes.put(id, n);
    return n;
  }

  private void publish(PartitionState s) throws Exception {
    cluster.states.put(s.tp(), s);
    for (Node n : nodes.values()) n.replicas.onPartitionStates(List.of(s));
  }

  private static ProduceResponseData.PartitionProduceResponse produce(Node to, short acks, String... values) throws Exception {
    SimpleRecord[] recs = new SimpleRecord[values.length];
    for (int i = 0; i < values.length; i++) recs[i] = new SimpleRecord(System.currentTimeMillis(), null, values[i].getBytes(StandardCharsets.UTF_8));
    ProduceRequestData data = new ProduceRequestData().setAcks(acks).setTimeoutMs(10_000);
    ProduceRequestData.TopicProduceData t = new ProduceRequestData.TopicProduceData().setName(TP.topic());
    t.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(TP.partition())
        .setRecords(MemoryRecords.withRecords(Compression.NONE, recs)));
    data.topicData().add(t);
    try (RawClient c = new RawClient("127.0.0.1", to.network.boundListener().port())) {
      ProduceResponse r = c.call(new ProduceRequest(data, (short) 11), ProduceResponse.class);
      return r.data().responses().iterator().next().partitionResponses().get(0);
    }
  }

  /** Every record value in a replica's log, in offset order, with its offset. */
  private static List<String> contents(Partition p) throws Exception {
    FileSlice s = p.read(p.logStartOffset(), Integer.MAX_VALUE, FetchIsolation.LOG_END, true).records();
    ByteBuffer buf = ByteBuffer.allocate(s.length());
    while (buf.hasRemaining()) {
      if (s.channel().read(buf, s.position() + buf.position()) < 0) break;
    }
    buf.flip();
    List<String> out = new ArrayList<>();
    for (RecordBatch b : MemoryRecords.readableRecords(buf).batches()) {
      for (Record r : b) out.add(r.offset() + ":" + StandardCharsets.UTF_8.decode(r.value()));
    }
    return out;
  }

  @Test
  void leaderKillLosesNoAckedRecordAndTheOldLeaderTruncatesItsUnreplicatedTail() throws Exception {
    for (int id = 1; id <= 3; id++) start(id);
    publish(new PartitionState(TP, TOPIC_ID, List.of(1, 2, 3), 1, 0, List.of(1, 2, 3), 1, 0));

    List<String> acked = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      var r = produce(nodes.get(1), (short) -1, "a" + i, "b" + i);
      assertThat(Errors.forCode(r.errorCode())).as("produce %d", i).isEqualTo(Errors.NONE);
      acked.add(r.baseOffset() + ":a" + i);
      acked.add((r.baseOffset() + 1) + ":b" + i);
    }
    // acks=all answered: both followers have every acknowledged record.
    for (int id = 2; id <= 3; id++) assertThat(contents(nodes.get(id).partition())).containsAll(acked);

    // A follower answers clients NOT_LEADER_OR_FOLLOWER and names the leader.
    var refused = produce(nodes.get(3), (short) -1, "nope");
    assertThat(Errors.forCode(refused.errorCode())).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
    assertThat(refused.currentLeader().leaderId()).isEqualTo(1);
    assertThat(refused.currentLeader().leaderEpoch()).isEqualTo(0);

    // The leader dies; while dying it had appended records no follower fetched (acks=1 style).
    Node old = nodes.remove(1);
    old.close();
    appendOffline(1, "lost1", "lost2", "lost3");

    publish(cluster.elect(TP, 2, 1));
    for (int i = 0; i < 10; i++) {
      var r = produce(nodes.get(2), (short) -1, "c" + i);
      assertThat(Errors.forCode(r.errorCode())).as("produce to new leader %d", i).isEqualTo(Errors.NONE);
      acked.add(r.baseOffset() + ":c" + i);
    }

    // The old leader returns as a follower: truncates "lost*" by epoch, catches up, rejoins the ISR.
    start(1);
    nodes.get(1).replicas.onPartitionStates(List.of(cluster.states.get(TP)));
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(cluster.states.get(TP).isr()).containsExactlyInAnyOrder(1, 2, 3);
      assertThat(nodes.get(1).partition().logEndOffset()).isEqualTo(nodes.get(2).partition().logEndOffset());
    });
    List<String> leaderLog = contents(nodes.get(2).partition());
    assertThat(leaderLog).containsExactlyElementsOf(acked);
    for (int id = 1; id <= 3; id++) {
      assertThat(contents(nodes.get(id).partition())).as("replica %d", id).containsExactlyElementsOf(acked);
    }
    assertThat(nodes.get(2).partition().highWatermark()).isEqualTo(acked.size());
    await().atMost(Duration.ofSeconds(10)).untilAsserted(
        () -> assertThat(nodes.get(1).partition().highWatermark()).isEqualTo(acked.size()));
  }

  @Test
  void leaderThatAppendedNothingInItsEpochFollowsTheNextLeader() throws Exception {
    // Seen in the separate-JVM fault soak: a broker leads a new epoch but writes nothing in it (it
    // restarted and applied a stale state, or leadership moved on at once); the next leader's epoch
    // starts at the same offset. The empty epoch must go, or every fetch would be answered
    // "diverging" and the follower would never catch up nor rejoin the ISR.
    for (int id = 1; id <= 3; id++) start(id);
    publish(new PartitionState(TP, TOPIC_ID, List.of(1, 2, 3), 1, 0, List.of(1, 2, 3), 1, 0));
    List<String> acked = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      var r = produce(nodes.get(1), (short) -1, "a" + i);
      assertThat(Errors.forCode(r.errorCode())).isEqualTo(Errors.NONE);
      acked.add(r.baseOffset() + ":a" + i);
    }
    publish(cluster.elect(TP, 2, -1)); // 2 leads epoch 1 from offset 5 and appends nothing
    assertThat(nodes.get(2).partition().latestLogEpoch()).isEqualTo(1);
    publish(cluster.elect(TP, 1, -1)); // 1 leads epoch 2, also from offset 5
    for (int i = 0; i < 5; i++) {
      var r = produce(nodes.get(1), (short) 1, "b" + i);
      assertThat(Errors.forCode(r.errorCode())).isEqualTo(Errors.NONE);
      acked.add(r.baseOffset() + ":b" + i);
    }
    await().atMost(Duration.ofSeconds(8)).untilAsserted(() -> {
      for (int id = 2; id <= 3; id++) assertThat(contents(nodes.get(id).partition())).as("replica %d", id).containsExactlyElementsOf(acked);
    });
    assertThat(nodes.get(2).partition().latestLogEpoch()).isEqualTo(2);
    assertThat(cluster.states.get(TP).isr()).containsExactlyInAnyOrder(1, 2, 3);
  }

  @Test
  void acksAllWaitsForTheIsrAndFailsWhenTooFewReplicasRemain() throws Exception {
    for (int id = 1; id <= 2; id++) start(id);
    publish(new PartitionState(TP, TOPIC_ID, List.of(1, 2), 1, 0, List.of(1, 2), 1, 0));
    assertThat(Errors.forCode(produce(nodes.get(1), (short) -1, "x").errorCode())).isEqualTo(Errors.NONE);
    nodes.remove(2).close();
    // The controller leaves the leader alone (2's replica reassigned away, so a late parked fetch of
    // 2 cannot bring it back): min.insync.replicas=2 refuses acks=all.
    PartitionState cur = cluster.states.get(TP);
    publish(new PartitionState(TP, TOPIC_ID, List.of(1), 1, cur.leaderEpoch(), List.of(1), 1, cur.zkVersion() + 1));
    assertThat(Errors.forCode(produce(nodes.get(1), (short) -1, "y").errorCode())).isEqualTo(Errors.NOT_ENOUGH_REPLICAS);
    assertThat(Errors.forCode(produce(nodes.get(1), (short) 1, "z").errorCode())).isEqualTo(Errors.NONE);
  }

  @Test
  void followerBehindTheLeadersLogStartRestartsItsLogThere() throws Exception {
    // 2 is a replica but down from the start: the leader writes alone and deletes its log head.
    start(1);
    publish(new PartitionState(TP, TOPIC_ID, List.of(1, 2), 1, 0, List.of(1), 1, 0));
    List<String> acked = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      var r = produce(nodes.get(1), (short) 1, "r" + i);
      assertThat(Errors.forCode(r.errorCode())).isEqualTo(Errors.NONE);
      if (i >= 8) acked.add(r.baseOffset() + ":r" + i);
    }
    assertThat(nodes.get(1).partition().deleteRecordsBefore(8)).isEqualTo(8);

    // 2 comes up with an empty log: its fetch at 0 is out of range; it restarts at 8 and catches up.
    start(2);
    nodes.get(2).replicas.onPartitionStates(List.of(cluster.states.get(TP)));
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(cluster.states.get(TP).isr()).containsExactlyInAnyOrder(1, 2);
      assertThat(contents(nodes.get(2).partition())).containsExactlyElementsOf(acked);
    });
    assertThat(nodes.get(2).partition().logStartOffset()).isEqualTo(8);
  }

  /** Appends to a stopped broker's log as its (stale) leader would have, without replication. */
  private void appendOffline(int id, String... values) throws Exception {
    try (LogManager logs = LogManager.open(dir.resolve("b" + id), LogConfig.defaults(), Clock.SYSTEM)) {
      var plog = logs.getOrCreate(new LogId(TP.topic(), TP.partition()), LogConfig.defaults());
      SimpleRecord[] recs = new SimpleRecord[values.length];
      for (int i = 0; i < values.length; i++) recs[i] = new SimpleRecord(System.currentTimeMillis(), null, values[i].getBytes(StandardCharsets.UTF_8));
      plog.appendAsLeader(MemoryRecords.withRecords(Compression.NONE, recs).buffer(), 0);
    }
  }
}
