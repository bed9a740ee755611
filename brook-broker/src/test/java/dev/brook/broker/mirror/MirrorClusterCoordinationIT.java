package dev.brook.broker.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.brook.broker.Broker;
import dev.brook.broker.InProcessCluster;
import dev.brook.broker.cluster.BrokerEndpoint;
import dev.brook.broker.cluster.PartitionState;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.replica.ReplicaClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mirror topic on a three-broker ZooKeeper target, where what a mirror partition's leader knows
 * must reach other brokers: a group coordinated away from the leader gets the source's commits
 * copied and fails over with zero re-reads; producer ids handed out after a promote are above every
 * mirrored (source) producer's, on every broker, including one that claimed its block of ids before
 * the promote and does not lead the mirror; a source topic deleted (and created again) stops the
 * mirror, which keeps its records and says so; and every broker answers
 * the mirror status with every partition's lag, not only the partitions it leads.
 */
class MirrorClusterCoordinationIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String TOPIC = "orders";

  @TempDir Path dir;
  private InProcessCluster target;
  private Broker source;

  @BeforeEach
  void start() throws Exception {
    source = Broker.start(BrokerConfig.of(Map.of("node.id", "100", "log.dirs", dir.resolve("source").toString(),
        "listeners", "PLAINTEXT://127.0.0.1:0")));
    target = new InProcessCluster(dir.resolve("target"), Map.of("replica.fetch.wait.max.ms", "100"));
    for (int id = 1; id <= 3; id++) target.start(id);
  }

  @AfterEach
  void stop() throws Exception {
    if (target != null) target.close();
    if (source != null) source.close();
  }

  @Test
  void groupCoordinatedAwayFromTheLeaderFailsOverWithZeroRereads() throws Exception {
    createSourceTopic(1);
    produce(source.bootstrapServers(), "r", 1_000);
    linkAndMirror(Map.of("cluster.link.src.consumer.offset.sync.ms", "200"));
    TopicPartition tp = new TopicPartition(TOPIC, 0);
    int leader = awaitLeader(tp);
    String group = groupCoordinatedAwayFrom(leader);

    // The group on the source reads some records and commits mid-stream, then goes away.
    long committed = 437;
    try (KafkaConsumer<String, String> c = consumer(source.bootstrapServers(), group, "earliest")) {
      c.subscribe(List.of(TOPIC));
      int seen = 0;
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (seen < committed && System.nanoTime() < deadline) seen += c.poll(Duration.ofMillis(200)).count();
      assertThat(seen).isGreaterThanOrEqualTo((int) committed);
      c.commitSync(Map.of(tp, new OffsetAndMetadata(committed)));
    }

    try (Admin admin = admin(target.bootstrap())) {
      await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> assertThat(
          admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().get(tp).offset()).isEqualTo(committed));
    }
    // Failover: the group's consumer switches to the target and carries on from its commit.
    try (KafkaConsumer<String, String> c = consumer(target.bootstrap(), group, "none")) { // only its commit may place it
      c.subscribe(List.of(TOPIC));
      ConsumerRecord<String, String> first = null;
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (first == null && System.nanoTime() < deadline) {
        ConsumerRecords<String, String> rs = c.poll(Duration.ofMillis(200));
        if (!rs.isEmpty()) first = rs.iterator().next();
      }
      assertThat(first).as("a record after the failover").isNotNull();
      assertThat(first.offset()).as("first record read on the target").isEqualTo(committed);
      assertThat(first.value()).isEqualTo("r-" + committed);
    }
  }

  @Test
  void producerIdsHandedOutAfterAPromoteAreAboveEveryMirroredOneOnEveryBroker() throws Exception {
    createSourceTopic(1);
    TopicPartition tp = new TopicPartition(TOPIC, 0);
    // 30 idempotent producers on the single-node source: ids 0..29.
    for (int i = 0; i < 30; i++) {
      try (KafkaProducer<String, String> p = producer(source.bootstrapServers(), null)) {
        p.send(new ProducerRecord<>(TOPIC, 0, "k", "source-" + i)).get();
      }
    }
    Set<Long> sourceIds = producerIds(source.bootstrapServers(), tp);
    assertThat(sourceIds).hasSize(30);
    long maxSourceId = sourceIds.stream().mapToLong(Long::longValue).max().orElseThrow();
    linkAndMirror(Map.of("cluster.link.src.consumer.offset.sync.enable", "false"));
    int leader = awaitLeader(tp);
    awaitMirrorEnd(tp, 30);

    // Before the promote every broker claims its block of ids; a broker that does not lead the mirror
    // first, so it holds the block from id 0 (which the source's ids fall in).
    List<Integer> order = new ArrayList<>(target.ids());
    order.remove(Integer.valueOf(leader));
    order.add(leader);
    long first = initProducerId(target.broker(order.get(0)));
    assertThat(first).as("the cluster's first producer id").isZero();
    for (int id : order.subList(1, order.size())) initProducerId(target.broker(id));

    try (Admin admin = admin(target.bootstrap())) {
      admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, TOPIC), List.of(
          new AlterConfigOp(new ConfigEntry("mirror.state", "promoted"), AlterConfigOp.OpType.SET)))).all().get();
    }
    for (int id : order) {
      assertThat(initProducerId(target.broker(id))).as("a producer id broker %d hands out after the promote", id)
          .isGreaterThan(maxSourceId);
    }

    // End to end: transactional producers started now write to the promoted topic, none taken for a source producer.
    for (int i = 0; i < 10; i++) {
      try (KafkaProducer<String, String> p = producer(target.bootstrap(), "after-" + i)) {
        p.initTransactions();
        p.beginTransaction();
        p.send(new ProducerRecord<>(TOPIC, 0, "k", "after-" + i)).get();
        p.commitTransaction();
      }
    }
    Set<Long> newIds = new HashSet<>(producerIds(target.bootstrap(), tp));
    newIds.removeAll(sourceIds);
    assertThat(newIds).hasSize(10).allMatch(id -> id > maxSourceId);
    assertThat(readValues(target.bootstrap(), tp)).containsAll(
        java.util.stream.IntStream.range(0, 10).mapToObj(i -> "after-" + i).toList());
  }

  /** A new idempotent producer id from broker {@code b} itself (InitProducerId on its listener). */
  private static long initProducerId(Broker b) throws Exception {
    BrokerEndpoint self = b.cluster().broker(b.nodeId()).orElseThrow();
    InitProducerIdRequestData req = new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(60_000)
        .setProducerId(-1).setProducerEpoch((short) -1);
    try (ReplicaClient c = new ReplicaClient(self, "pid-test", 10_000, 30_000)) {
      InitProducerIdResponse r = (InitProducerIdResponse) c.call(new InitProducerIdRequest.Builder(req).build((short) 4));
      assertThat(r.error()).isEqualTo(org.apache.kafka.common.protocol.Errors.NONE);
      return r.data().producerId();
    }
  }

  @Test
  void everyBrokerAnswersTheStatusOfEveryPartition() throws Exception {
    createSourceTopic(3);
    produce(source.bootstrapServers(), "r", 3_000);
    linkAndMirror(Map.of("cluster.link.src.consumer.offset.sync.enable", "false"));
    Map<Integer, Integer> leaders = new HashMap<>();
    for (int p = 0; p < 3; p++) leaders.put(p, awaitLeader(new TopicPartition(TOPIC, p)));
    assertThat(new HashSet<>(leaders.values())).as("partitions led by more than one broker").hasSizeGreaterThan(1);
    Map<TopicPartition, Long> sourceEnds = ends(source.bootstrapServers(), 3);
    for (int p = 0; p < 3; p++) awaitMirrorEnd(new TopicPartition(TOPIC, p), sourceEnds.get(new TopicPartition(TOPIC, p)));

    for (Broker b : target.brokers()) {
      await().atMost(WAIT).untilAsserted(() -> {
        String status = mirrorStatus(b);
        List<String> want = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
          long end = sourceEnds.get(new TopicPartition(TOPIC, p));
          want.add(p + ":fetching:" + end + ":" + end + ":0");
        }
        assertThat(status).as("mirror.status answered by broker %d (leaders %s)", b.nodeId(), leaders)
            .isEqualTo(String.join(";", want));
      });
    }
  }

  @Test
  void sourceTopicDeletedStopsTheMirrorWhichKeepsItsRecordsAndDoesNotFollowARecreatedOne() throws Exception {
    createSourceTopic(1);
    produce(source.bootstrapServers(), "r", 200);
    linkAndMirror(Map.of("cluster.link.src.consumer.offset.sync.enable", "false", "cluster.link.src.metadata.max.age.ms", "500"));
    TopicPartition tp = new TopicPartition(TOPIC, 0);
    awaitLeader(tp);
    awaitMirrorEnd(tp, 200);

    try (Admin src = admin(source.bootstrapServers())) {
      src.deleteTopics(List.of(TOPIC)).all().get();
    }
    for (Broker b : target.brokers()) {
      await().atMost(WAIT).untilAsserted(() -> assertThat(mirrorStatus(b)).startsWith("0:source-deleted:200:"));
    }
    // A topic of the same name on the source is another topic (offsets from 0 again): not followed.
    createSourceTopic(1);
    produce(source.bootstrapServers(), "new", 50);
    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(mirrorStatus(target.brokers().iterator().next())).startsWith("0:source-deleted:200:");
      assertThat(ends(target.bootstrap(), 1).get(tp)).isEqualTo(200L);
    });
    List<String> kept = readValues(target.bootstrap(), tp);
    assertThat(kept).hasSize(200);
    assertThat(kept.get(0)).isEqualTo("r-0");
    assertThat(kept.get(199)).isEqualTo("r-199");
  }

  // ---- helpers

  private void createSourceTopic(int partitions) throws Exception {
    try (Admin src = admin(source.bootstrapServers())) {
      src.createTopics(List.of(new NewTopic(TOPIC, partitions, (short) 1))).all().get();
    }
  }

  private void linkAndMirror(Map<String, String> linkSettings) throws Exception {
    try (Admin admin = admin(target.bootstrap())) {
      List<AlterConfigOp> ops = new ArrayList<>();
      ops.add(new AlterConfigOp(new ConfigEntry("cluster.link.src.bootstrap.servers", source.bootstrapServers()),
          AlterConfigOp.OpType.SET));
      linkSettings.forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
      admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.BROKER, ""), ops)).all().get();
      admin.createTopics(List.of(new NewTopic(TOPIC, Optional.empty(), Optional.of((short) 3))
          .configs(Map.of("mirror.link", "src")))).all().get();
    }
  }

  private int awaitLeader(TopicPartition tp) {
    await().atMost(WAIT).until(() -> state(tp).map(PartitionState::leader).orElse(-1) >= 0);
    return state(tp).orElseThrow().leader();
  }

  private Optional<PartitionState> state(TopicPartition tp) {
    return target.brokers().iterator().next().cluster().partitionState(tp);
  }

  /** A group id whose coordinator on the target (the leader of its __consumer_offsets partition) is not {@code broker}. */
  private String groupCoordinatedAwayFrom(int broker) throws Exception {
    int partitions;
    try (Admin admin = admin(target.bootstrap())) {
      // Asking for a coordinator creates __consumer_offsets.
      await().atMost(WAIT).ignoreExceptions().until(() -> {
        admin.listConsumerGroupOffsets("probe").partitionsToOffsetAndMetadata().get();
        return true;
      });
      partitions = admin.describeTopics(List.of("__consumer_offsets")).allTopicNames().get().get("__consumer_offsets")
          .partitions().size();
    }
    for (int i = 0; i < 1_000; i++) {
      String group = "failover-" + i;
      TopicPartition offsets = new TopicPartition("__consumer_offsets", Utils.abs(group.hashCode()) % partitions);
      int coordinator = awaitLeader(offsets);
      if (coordinator != broker) return group;
    }
    throw new AssertionError("every group is coordinated by broker " + broker);
  }

  private void awaitMirrorEnd(TopicPartition tp, long end) {
    await().atMost(WAIT).ignoreExceptions().until(() -> ends(target.bootstrap(), tp.partition() + 1).get(tp) == end);
  }

  /** {@code mirror.status} as broker {@code b} itself answers it (asked on its listener directly). */
  private static String mirrorStatus(Broker b) throws Exception {
    BrokerEndpoint self = b.cluster().broker(b.nodeId()).orElseThrow();
    DescribeConfigsRequestData req = new DescribeConfigsRequestData();
    req.resources().add(new DescribeConfigsRequestData.DescribeConfigsResource()
        .setResourceType(ConfigResource.Type.TOPIC.id()).setResourceName(TOPIC).setConfigurationKeys(List.of("mirror.status")));
    try (ReplicaClient c = new ReplicaClient(self, "status-test", 10_000, 30_000)) {
      DescribeConfigsResponse r = (DescribeConfigsResponse) c.call(new DescribeConfigsRequest.Builder(req).build((short) 4));
      DescribeConfigsResponseData.DescribeConfigsResult res = r.data().results().get(0);
      assertThat(res.errorCode()).isZero();
      return res.configs().stream().filter(e -> e.name().equals("mirror.status")).findFirst().orElseThrow().value();
    }
  }

  private static Set<Long> producerIds(String bootstrap, TopicPartition tp) throws Exception {
    try (Admin admin = admin(bootstrap)) {
      return admin.describeProducers(List.of(tp)).partitionResult(tp).get().activeProducers().stream()
          .map(ProducerState::producerId).collect(Collectors.toSet());
    }
  }

  private static Admin admin(String bootstrap) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 45_000);
    return Admin.create(p);
  }

  private static KafkaProducer<String, String> producer(String bootstrap, String transactionalId) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
    if (transactionalId != null) p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    return new KafkaProducer<>(p);
  }

  private static void produce(String bootstrap, String prefix, int count) throws Exception {
    try (Admin admin = admin(bootstrap)) {
      int partitions = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC).partitions().size();
      try (KafkaProducer<String, String> producer = producer(bootstrap, null)) {
        for (int i = 0; i < count; i++) producer.send(new ProducerRecord<>(TOPIC, i % partitions, "k" + i, prefix + "-" + i));
        producer.flush();
      }
    }
  }

  private static KafkaConsumer<String, String> consumer(String bootstrap, String group, String reset) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    if (group != null) {
      p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
      p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, reset);
    }
    return new KafkaConsumer<>(p);
  }

  private static Map<TopicPartition, Long> ends(String bootstrap, int partitions) {
    List<TopicPartition> tps = new ArrayList<>();
    for (int p = 0; p < partitions; p++) tps.add(new TopicPartition(TOPIC, p));
    try (KafkaConsumer<String, String> c = consumer(bootstrap, null, null)) {
      return c.endOffsets(tps, Duration.ofSeconds(15));
    }
  }

  private static List<String> readValues(String bootstrap, TopicPartition tp) {
    List<String> out = new ArrayList<>();
    try (KafkaConsumer<String, String> c = consumer(bootstrap, null, null)) {
      long end = c.endOffsets(List.of(tp), Duration.ofSeconds(15)).get(tp);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (c.position(tp) < end && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) out.add(r.value());
      }
    }
    return out;
  }
}
