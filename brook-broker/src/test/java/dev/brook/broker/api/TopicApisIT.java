package dev.brook.broker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicCollection;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicIdException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.requests.AlterConfigsRequest;
import org.apache.kafka.common.requests.AlterConfigsResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The topic, config and cluster APIs through the real kafka-clients AdminClient. */
class TopicApisIT {
  @TempDir Path dir;
  private TopicApisFixture broker;
  private Admin admin;

  @BeforeEach
  void start() throws Exception {
    broker = new TopicApisFixture(dir, Map.of("log.retention.hours", "24"));
    admin = admin();
  }

  @AfterEach
  void stop() throws Exception {
    admin.close();
    broker.close();
  }

  private Admin admin() {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    return Admin.create(p);
  }

  private static Throwable cause(Runnable r) {
    try {
      r.run();
      throw new AssertionError("expected a failure");
    } catch (RuntimeException e) {
      return e.getCause() instanceof ExecutionException ee ? ee.getCause() : e.getCause();
    }
  }

  private void createTopic(String name, int partitions, Map<String, String> configs) throws Exception {
    admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all().get();
  }

  @Test
  void createListDescribeAndDeleteTopics() throws Exception {
    CreateTopicsResult created = admin.createTopics(List.of(
        new NewTopic("orders", 3, (short) 1).configs(Map.of("retention.ms", "1000")),
        new NewTopic("defaults", Optional.empty(), Optional.empty())));
    created.all().get();
    assertThat(created.numPartitions("orders").get()).isEqualTo(3);
    assertThat(created.replicationFactor("orders").get()).isEqualTo(1);
    Uuid ordersId = created.topicId("orders").get();
    assertThat(ordersId).isNotEqualTo(Uuid.ZERO_UUID);
    assertThat(created.config("orders").get().get("retention.ms").value()).isEqualTo("1000");
    assertThat(created.config("orders").get().get("retention.ms").source())
        .isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
    assertThat(created.numPartitions("defaults").get()).isEqualTo(1);

    assertThat(admin.listTopics().names().get()).containsExactlyInAnyOrder("orders", "defaults");

    TopicDescription d = admin.describeTopics(List.of("orders")).allTopicNames().get().get("orders");
    assertThat(d.topicId()).isEqualTo(ordersId);
    assertThat(d.isInternal()).isFalse();
    assertThat(d.partitions()).hasSize(3);
    assertThat(d.partitions().get(2).leader().id()).isEqualTo(1);
    assertThat(d.partitions().get(2).isr()).extracting(n -> n.id()).containsExactly(1);

    TopicDescription byId = admin.describeTopics(TopicCollection.ofTopicIds(List.of(ordersId))).allTopicIds().get()
        .get(ordersId);
    assertThat(byId.name()).isEqualTo("orders");

    admin.deleteTopics(TopicCollection.ofTopicIds(List.of(ordersId))).all().get();
    admin.deleteTopics(List.of("defaults")).all().get();
    assertThat(admin.listTopics().names().get()).isEmpty();
    assertThat(broker.replicas.partitions).isEmpty();
    assertThat(cause(() -> join(admin.deleteTopics(List.of("orders")).all())))
        .isInstanceOf(UnknownTopicOrPartitionException.class);
    assertThat(cause(() -> join(admin.deleteTopics(TopicCollection.ofTopicIds(List.of(ordersId))).all())))
        .isInstanceOf(UnknownTopicIdException.class);
  }

  @Test
  void topicChangesRunOnTheTopicAdminThreadNeverOnAnEventLoop() throws Exception {
    createTopic("made", 2, Map.of());
    try (dev.brook.broker.network.RawClient raw = new dev.brook.broker.network.RawClient("127.0.0.1",
        broker.server.boundListener().port())) {
      org.apache.kafka.common.requests.MetadataRequest auto = new org.apache.kafka.common.requests.MetadataRequest.Builder(
          List.of("auto"), true).build((short) 12);
      int id = raw.send(auto);
      raw.receive(org.apache.kafka.common.protocol.ApiKeys.METADATA, (short) 12, id);
    }
    admin.deleteTopics(List.of("made")).all().get();
    assertThat(broker.replicas.partitions.keySet()).extracting(tp -> tp.topic()).containsOnly("auto");
    // Two partitions created, one auto-created, two deleted: each on the admin's thread, none on a
    // listener's event loop (brook-net-*), where a slow disk or ZooKeeper would stall connections.
    assertThat(broker.replicas.changeThreads).hasSize(5).containsOnly("brook-topic-admin");
  }

  private static <T> T join(org.apache.kafka.common.KafkaFuture<T> f) {
    try {
      return f.get();
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }

  @Test
  void createTopicsErrorsAreKafkas() throws Exception {
    createTopic("a.b", 1, Map.of());
    assertThat(cause(() -> join(admin.createTopics(List.of(new NewTopic("a.b", 1, (short) 1))).all())))
        .isInstanceOf(TopicExistsException.class);
    assertThat(cause(() -> join(admin.createTopics(List.of(new NewTopic("a_b", 1, (short) 1))).all())))
        .isInstanceOf(InvalidTopicException.class);
    assertThat(cause(() -> join(admin.createTopics(List.of(new NewTopic("bad/name", 1, (short) 1))).all())))
        .isInstanceOf(InvalidTopicException.class);
    assertThat(cause(() -> join(admin.createTopics(List.of(new NewTopic("rf", 1, (short) 3))).all())))
        .isInstanceOf(InvalidReplicationFactorException.class);
    assertThat(cause(() -> join(admin.createTopics(List.of(new NewTopic("cfg", 1, (short) 1)
        .configs(Map.of("cleanup.policy", "shred")))).all())))
        .isInstanceOf(InvalidConfigurationException.class);
    assertThat(cause(() -> join(admin.createTopics(List.of(new NewTopic("p", 0, (short) 1))).all())))
        .isInstanceOf(InvalidPartitionsException.class);
    assertThat(admin.listTopics().names().get()).containsExactly("a.b");
  }

  @Test
  void validateOnlyChecksWithoutCreating() throws Exception {
    CreateTopicsResult r = admin.createTopics(List.of(new NewTopic("v", 2, (short) 1)),
        new CreateTopicsOptions().validateOnly(true));
    r.all().get();
    assertThat(r.numPartitions("v").get()).isEqualTo(2);
    assertThat(admin.listTopics().names().get()).isEmpty();
    assertThat(cause(() -> join(admin.createTopics(List.of(new NewTopic("v", 1, (short) 2)),
        new CreateTopicsOptions().validateOnly(true)).all())))
        .isInstanceOf(InvalidReplicationFactorException.class);
  }

  @Test
  void createPartitionsOnlyIncreases() throws Exception {
    createTopic("t", 1, Map.of());
    admin.createPartitions(Map.of("t", NewPartitions.increaseTo(3))).all().get();
    assertThat(admin.describeTopics(List.of("t")).allTopicNames().get().get("t").partitions()).hasSize(3);
    assertThat(cause(() -> join(admin.createPartitions(Map.of("t", NewPartitions.increaseTo(2))).all())))
        .isInstanceOf(InvalidPartitionsException.class);
    admin.createPartitions(Map.of("t", NewPartitions.increaseTo(5)),
        new org.apache.kafka.clients.admin.CreatePartitionsOptions().validateOnly(true)).all().get();
    assertThat(broker.topics.partitionCount("t")).contains(3);
  }

  @Test
  void describeConfigsShowsSourcesAndSynonyms() throws Exception {
    createTopic("t", 1, Map.of("retention.ms", "1000"));
    ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "t");
    Config c = admin.describeConfigs(List.of(topic),
        new DescribeConfigsOptions().includeSynonyms(true).includeDocumentation(true)).all().get().get(topic);
    ConfigEntry retention = c.get("retention.ms");
    assertThat(retention.value()).isEqualTo("1000");
    assertThat(retention.source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
    assertThat(retention.type()).isEqualTo(ConfigEntry.ConfigType.LONG);
    assertThat(retention.documentation()).isNotBlank();
    ConfigEntry policy = c.get("cleanup.policy");
    assertThat(policy.value()).isEqualTo("delete");
    assertThat(policy.source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
    assertThat(policy.synonyms()).extracting(ConfigEntry.ConfigSynonym::name).containsExactly("log.cleanup.policy");
    assertThat(c.get("segment.bytes").value()).isEqualTo("1073741824");

    ConfigResource brokerRes = new ConfigResource(ConfigResource.Type.BROKER, "1");
    Config b = admin.describeConfigs(List.of(brokerRes), new DescribeConfigsOptions().includeSynonyms(true))
        .all().get().get(brokerRes);
    ConfigEntry hours = b.get("log.retention.hours");
    assertThat(hours.value()).isEqualTo("24");
    assertThat(hours.source()).isEqualTo(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG);
    assertThat(hours.synonyms()).extracting(ConfigEntry.ConfigSynonym::source)
        .containsExactly(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG, ConfigEntry.ConfigSource.DEFAULT_CONFIG);
    assertThat(hours.isReadOnly()).isTrue();
    assertThat(b.get("num.partitions").source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);

    ConfigResource missing = new ConfigResource(ConfigResource.Type.TOPIC, "nope");
    assertThat(cause(() -> join(admin.describeConfigs(List.of(missing)).all())))
        .isInstanceOf(UnknownTopicOrPartitionException.class);
  }

  @Test
  void incrementalAlterConfigsIsPersistedAcrossRestart() throws Exception {
    createTopic("t", 2, Map.of("retention.ms", "1000"));
    ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "t");
    admin.incrementalAlterConfigs(Map.of(topic, List.of(
        new AlterConfigOp(new ConfigEntry("retention.ms", null), AlterConfigOp.OpType.DELETE),
        new AlterConfigOp(new ConfigEntry("segment.ms", "60000"), AlterConfigOp.OpType.SET),
        new AlterConfigOp(new ConfigEntry("cleanup.policy", "compact"), AlterConfigOp.OpType.APPEND))))
        .all().get();
    assertThat(broker.replicas.configs.get(new TopicPartition("t", 1)).segmentMs()).isEqualTo(60000);
    assertThat(broker.replicas.configs.get(new TopicPartition("t", 1)).compact()).isTrue();

    assertThat(cause(() -> join(admin.incrementalAlterConfigs(Map.of(topic, List.of(
        new AlterConfigOp(new ConfigEntry("segment.ms", "soon"), AlterConfigOp.OpType.SET)))).all())))
        .isInstanceOf(InvalidConfigurationException.class);
    assertThat(cause(() -> join(admin.incrementalAlterConfigs(Map.of(topic, List.of(
        new AlterConfigOp(new ConfigEntry("segment.ms", "1"), AlterConfigOp.OpType.APPEND)))).all())))
        .isInstanceOf(InvalidConfigurationException.class);
    // Keys for features Brook lacks are refused naming the key; the cheap ones reach the log.
    assertThat(cause(() -> join(admin.incrementalAlterConfigs(Map.of(topic, List.of(new AlterConfigOp(
        new ConfigEntry("leader.replication.throttled.replicas", "0:1"), AlterConfigOp.OpType.SET)))).all())))
        .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("leader.replication.throttled.replicas");
    assertThat(cause(() -> join(admin.createTopics(List.of(new NewTopic("zstd23", 1, (short) 1)
        .configs(Map.of("compression.zstd.level", "23")))).all())))
        .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("compression.zstd.level");
    admin.incrementalAlterConfigs(Map.of(topic, List.of(
        new AlterConfigOp(new ConfigEntry("segment.jitter.ms", "5000"), AlterConfigOp.OpType.SET),
        new AlterConfigOp(new ConfigEntry("max.compaction.lag.ms", "120000"), AlterConfigOp.OpType.SET))))
        .all().get();
    assertThat(broker.replicas.configs.get(new TopicPartition("t", 1)).segmentJitterMs()).isEqualTo(5000);
    assertThat(broker.replicas.configs.get(new TopicPartition("t", 1)).maxSegmentMs()).isEqualTo(60000);
    assertThat(broker.replicas.configs.get(new TopicPartition("t", 1)).maxCompactionLagMs()).isEqualTo(120000);
    ConfigResource brokerRes = new ConfigResource(ConfigResource.Type.BROKER, "1");
    assertThat(cause(() -> join(admin.incrementalAlterConfigs(Map.of(brokerRes, List.of(
        new AlterConfigOp(new ConfigEntry("log.retention.hours", "1"), AlterConfigOp.OpType.SET)))).all())))
        .isInstanceOf(InvalidRequestException.class);

    admin.close();
    broker.restart();
    admin = admin();
    Config c = admin.describeConfigs(List.of(topic)).all().get().get(topic);
    assertThat(c.get("segment.ms").value()).isEqualTo("60000");
    assertThat(c.get("segment.ms").source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
    assertThat(c.get("cleanup.policy").value()).isEqualTo("delete,compact");
    assertThat(c.get("retention.ms").value()).isEqualTo("86400000");
    assertThat(c.get("retention.ms").source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
    assertThat(broker.replicas.configs.get(new TopicPartition("t", 0)).segmentMs()).isEqualTo(60000);
  }

  @Test
  void legacyAlterConfigsReplacesAllOverrides() throws Exception {
    createTopic("t", 1, Map.of("retention.ms", "1000"));
    AlterConfigsRequest.Config config =
        new AlterConfigsRequest.Config(List.of(new AlterConfigsRequest.ConfigEntry("segment.ms", "5000")));
    try (dev.brook.broker.network.RawClient c =
        new dev.brook.broker.network.RawClient("127.0.0.1", broker.server.boundListener().port())) {
      AlterConfigsResponse r = c.call(new AlterConfigsRequest.Builder(
          Map.of(new ConfigResource(ConfigResource.Type.TOPIC, "t"), config), false).build((short) 2), AlterConfigsResponse.class);
      assertThat(r.data().responses().get(0).errorCode()).isZero();
    }
    assertThat(broker.topics.topic("t").orElseThrow().configs()).isEqualTo(Map.of("segment.ms", "5000"));
  }

  @Test
  void describeClusterAndLogDirs() throws Exception {
    DescribeClusterResult cluster = admin.describeCluster();
    assertThat(cluster.clusterId().get()).isEqualTo(broker.topics.store().clusterId());
    assertThat(cluster.controller().get().id()).isEqualTo(1);
    Collection<org.apache.kafka.common.Node> nodes = cluster.nodes().get();
    assertThat(nodes).extracting(org.apache.kafka.common.Node::port).containsExactly(broker.server.boundListener().port());

    createTopic("t", 2, Map.of());
    Map<String, LogDirDescription> dirs = admin.describeLogDirs(List.of(1)).allDescriptions().get().get(1);
    assertThat(dirs).hasSize(1);
    LogDirDescription d = dirs.values().iterator().next();
    assertThat(d.replicaInfos().get(new TopicPartition("t", 1)).size()).isEqualTo(200);
    assertThat(d.totalBytes()).isPresent();
    assertThat(admin.describeReplicaLogDirs(Set.of(new org.apache.kafka.common.TopicPartitionReplica("t", 0, 1)))
        .all().get()).hasSize(1);
  }

  @Test
  void restartKeepsTopicIdsAndClusterId() throws Exception {
    createTopic("t", 2, Map.of());
    Uuid id = broker.topics.topicId("t").orElseThrow();
    String cluster = admin.describeCluster().clusterId().get();
    admin.close();
    broker.restart();
    admin = admin();
    assertThat(admin.describeTopics(List.of("t")).allTopicNames().get().get("t").topicId()).isEqualTo(id);
    assertThat(admin.describeCluster().clusterId().get()).isEqualTo(cluster);
    assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("t", 1, (short) 1))).all().get())
        .hasCauseInstanceOf(TopicExistsException.class);
  }
}
