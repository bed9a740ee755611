package dev.brook.broker.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.admin.FakeReplicaManager;
import dev.brook.broker.admin.TopicManager;
import dev.brook.broker.cluster.LocalMetadataStore;
import dev.brook.broker.cluster.MetaProperties;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.config.Listener;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every version the pinned client library defines, for every API the topic admin serves: the
 * response must serialize at that version (no field the version lacks) and parse back.
 */
class TopicApisVersionsTest {
  @TempDir Path dir;
  private TopicManager topics;
  private final ApiDispatcher dispatcher = new ApiDispatcher();

  @BeforeEach
  void start() throws Exception {
    BrokerConfig config = BrokerConfig.of(Map.of("log.dir", dir.toString()));
    topics = new TopicManager(config,
        LocalMetadataStore.open(dir, MetaProperties.loadOrCreate(dir, 1, null, Uuid::randomUuid)),
        new FakeReplicaManager(), Uuid::randomUuid);
    TopicApis.register(dispatcher, topics, listenerName -> new Listener("PLAINTEXT", "127.0.0.1", 9092));
  }

  @AfterEach
  void stop() throws Exception {
    topics.close();
  }

  private ApiMessage call(ApiKeys key, short version, ApiMessage request) throws Exception {
    assertThat(dispatcher.supports(key, version)).as("%s v%d registered", key, version).isTrue();
    RequestContext ctx = new RequestContext(new RequestHeader(key, version, "test", 7), 1,
        new InetSocketAddress("127.0.0.1", 1), "PLAINTEXT");
    // Requests go through the wire too, so that each version's request is one a client could send.
    org.apache.kafka.common.requests.AbstractRequest parsed =
        org.apache.kafka.common.requests.AbstractRequest.parseRequest(key, version, wire(request, version)).request;
    ApiMessage response = dispatcher.dispatch(ctx, parsed).get();
    AbstractResponse back = AbstractResponse.parseResponse(key, wire(response, version), version);
    assertThat(back.data()).isNotNull();
    return response;
  }

  private static ByteBufferAccessor wire(ApiMessage m, short version) {
    ByteBuffer b = MessageUtil.toByteBufferAccessor(m, version).buffer();
    if (b.position() > 0) b.flip();
    return new ByteBufferAccessor(b);
  }

  private static short[] versions(ApiKeys key) {
    short[] out = new short[key.latestVersion() - key.oldestVersion() + 1];
    for (int i = 0; i < out.length; i++) out[i] = (short) (key.oldestVersion() + i);
    return out;
  }

  @Test
  void metadataEveryVersion() throws Exception {
    topics.createTopic(new TopicManager.NewTopic("t", 2, 1, Map.of(), Map.of()), false);
    Uuid id = topics.topicId("t").orElseThrow();
    for (short v : versions(ApiKeys.METADATA)) {
      List<MetadataRequestData.MetadataRequestTopic> wanted = new ArrayList<>();
      wanted.add(new MetadataRequestData.MetadataRequestTopic().setName("t"));
      wanted.add(new MetadataRequestData.MetadataRequestTopic().setName("auto" + v));
      wanted.add(new MetadataRequestData.MetadataRequestTopic().setName("bad name"));
      if (v >= 12) wanted.add(new MetadataRequestData.MetadataRequestTopic().setTopicId(id).setName(null));
      MetadataRequestData r = new MetadataRequestData().setTopics(wanted);
      if (v >= 8 && v <= 10) r.setIncludeClusterAuthorizedOperations(true);
      if (v >= 8) r.setIncludeTopicAuthorizedOperations(true);
      MetadataResponseData resp = (MetadataResponseData) call(ApiKeys.METADATA, v, r);
      assertThat(resp.topics().find("t").errorCode()).isZero();
      assertThat(resp.topics().find("t").partitions()).hasSize(2);
      assertThat(Errors.forCode(resp.topics().find("auto" + v).errorCode())).isEqualTo(Errors.LEADER_NOT_AVAILABLE);
      assertThat(Errors.forCode(resp.topics().find("bad name").errorCode())).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION);
      assertThat(topics.topic("auto" + v)).isPresent();
      if (v >= 10) assertThat(resp.topics().find("t").topicId()).isEqualTo(id);
      // every topic
      MetadataResponseData all = (MetadataResponseData) call(ApiKeys.METADATA, v,
          new MetadataRequestData().setTopics(v == 0 ? List.of() : null));
      assertThat(all.topics().size()).isEqualTo(topics.store().topics().size());
    }
  }

  @Test
  void unknownTopicIsUnknownWithoutAutoCreation() throws Exception {
    MetadataResponseData resp = (MetadataResponseData) call(ApiKeys.METADATA, (short) 12, new MetadataRequestData()
        .setAllowAutoTopicCreation(false)
        .setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName("nope"),
            new MetadataRequestData.MetadataRequestTopic().setTopicId(Uuid.randomUuid()).setName(null))));
    assertThat(Errors.forCode(resp.topics().find("nope").errorCode())).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
    assertThat(resp.topics().stream().filter(t -> t.name() == null).findFirst().orElseThrow().errorCode())
        .isEqualTo(Errors.UNKNOWN_TOPIC_ID.code());
    assertThat(topics.topic("nope")).isEmpty();
  }

  @Test
  void topicChangesEveryVersion() throws Exception {
    for (short v : versions(ApiKeys.CREATE_TOPICS)) {
      CreateTopicsRequestData.CreatableTopicConfigCollection configs = new CreateTopicsRequestData.CreatableTopicConfigCollection();
      configs.add(new CreateTopicsRequestData.CreatableTopicConfig().setName("retention.ms").setValue("5"));
      CreateTopicsRequestData.CreatableTopicCollection ts = new CreateTopicsRequestData.CreatableTopicCollection();
      ts.add(new CreateTopicsRequestData.CreatableTopic().setName("c" + v).setNumPartitions(1).setReplicationFactor((short) 1)
          .setConfigs(configs));
      ts.add(new CreateTopicsRequestData.CreatableTopic().setName("c" + v + "x").setNumPartitions(1).setReplicationFactor((short) 2));
      var resp = (org.apache.kafka.common.message.CreateTopicsResponseData) call(ApiKeys.CREATE_TOPICS, v,
          new CreateTopicsRequestData().setTopics(ts).setTimeoutMs(1000));
      assertThat(resp.topics().find("c" + v).errorCode()).isZero();
      assertThat(Errors.forCode(resp.topics().find("c" + v + "x").errorCode())).isEqualTo(Errors.INVALID_REPLICATION_FACTOR);
    }
    for (short v : versions(ApiKeys.CREATE_PARTITIONS)) {
      CreatePartitionsRequestData.CreatePartitionsTopicCollection ts = new CreatePartitionsRequestData.CreatePartitionsTopicCollection();
      ts.add(new CreatePartitionsRequestData.CreatePartitionsTopic().setName("c2").setCount(2 + v).setAssignments(null));
      var resp = (org.apache.kafka.common.message.CreatePartitionsResponseData) call(ApiKeys.CREATE_PARTITIONS, v,
          new CreatePartitionsRequestData().setTopics(ts).setTimeoutMs(1000));
      assertThat(resp.results().get(0).errorCode()).isZero();
    }
    for (short v : versions(ApiKeys.DELETE_TOPICS)) {
      String name = "c" + (v + 1);
      DeleteTopicsRequestData r = new DeleteTopicsRequestData().setTimeoutMs(1000);
      if (v >= 6) {
        r.setTopics(List.of(new DeleteTopicsRequestData.DeleteTopicState().setName(null)
            .setTopicId(topics.topicId(name).orElseThrow())));
      } else {
        r.setTopicNames(List.of(name, "missing"));
      }
      var resp = (org.apache.kafka.common.message.DeleteTopicsResponseData) call(ApiKeys.DELETE_TOPICS, v, r);
      assertThat(resp.responses().find(name).errorCode()).isZero();
      assertThat(topics.topic(name)).isEmpty();
    }
  }

  @Test
  void configsEveryVersion() throws Exception {
    topics.createTopic(new TopicManager.NewTopic("t", 1, 1, Map.of(), Map.of("retention.ms", "9")), false);
    for (short v : versions(ApiKeys.DESCRIBE_CONFIGS)) {
      var r = new DescribeConfigsRequestData().setIncludeSynonyms(true).setIncludeDocumentation(v >= 3)
          .setResources(List.of(
              new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType(ConfigResource.Type.TOPIC.id())
                  .setResourceName("t").setConfigurationKeys(null),
              new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType(ConfigResource.Type.BROKER.id())
                  .setResourceName("1").setConfigurationKeys(List.of("num.partitions")),
              new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType(ConfigResource.Type.TOPIC.id())
                  .setResourceName("missing").setConfigurationKeys(null)));
      var resp = (org.apache.kafka.common.message.DescribeConfigsResponseData) call(ApiKeys.DESCRIBE_CONFIGS, v, r);
      assertThat(resp.results().get(0).configs()).anyMatch(c -> c.name().equals("retention.ms") && c.value().equals("9"));
      assertThat(resp.results().get(1).configs()).singleElement().satisfies(c -> assertThat(c.value()).isEqualTo("1"));
      assertThat(Errors.forCode(resp.results().get(2).errorCode())).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
    }
    for (short v : versions(ApiKeys.ALTER_CONFIGS)) {
      var configs = new AlterConfigsRequestData.AlterableConfigCollection();
      configs.add(new AlterConfigsRequestData.AlterableConfig().setName("retention.ms").setValue(Integer.toString(100 + v)));
      var res = new AlterConfigsRequestData.AlterConfigsResourceCollection();
      res.add(new AlterConfigsRequestData.AlterConfigsResource().setResourceType(ConfigResource.Type.TOPIC.id())
          .setResourceName("t").setConfigs(configs));
      var resp = (org.apache.kafka.common.message.AlterConfigsResponseData) call(ApiKeys.ALTER_CONFIGS, v,
          new AlterConfigsRequestData().setResources(res));
      assertThat(resp.responses().get(0).errorCode()).isZero();
      assertThat(topics.topic("t").orElseThrow().configs()).containsEntry("retention.ms", Integer.toString(100 + v));
    }
    for (short v : versions(ApiKeys.INCREMENTAL_ALTER_CONFIGS)) {
      var configs = new IncrementalAlterConfigsRequestData.AlterableConfigCollection();
      configs.add(new IncrementalAlterConfigsRequestData.AlterableConfig().setName("segment.ms")
          .setConfigOperation((byte) 0).setValue(Integer.toString(1000 + v)));
      var res = new IncrementalAlterConfigsRequestData.AlterConfigsResourceCollection();
      res.add(new IncrementalAlterConfigsRequestData.AlterConfigsResource().setResourceType(ConfigResource.Type.TOPIC.id())
          .setResourceName("t").setConfigs(configs));
      var resp = (org.apache.kafka.common.message.IncrementalAlterConfigsResponseData) call(
          ApiKeys.INCREMENTAL_ALTER_CONFIGS, v, new IncrementalAlterConfigsRequestData().setResources(res));
      assertThat(resp.responses().get(0).errorCode()).isZero();
      assertThat(topics.topic("t").orElseThrow().configs()).containsEntry("segment.ms", Integer.toString(1000 + v));
    }
  }

  @Test
  void clusterAndLogDirsEveryVersion() throws Exception {
    topics.createTopic(new TopicManager.NewTopic("t", 2, 1, Map.of(), Map.of()), false);
    for (short v : versions(ApiKeys.DESCRIBE_CLUSTER)) {
      var resp = (org.apache.kafka.common.message.DescribeClusterResponseData) call(ApiKeys.DESCRIBE_CLUSTER, v,
          new DescribeClusterRequestData().setIncludeClusterAuthorizedOperations(true));
      assertThat(resp.clusterId()).isEqualTo(topics.store().clusterId());
      assertThat(resp.brokers()).hasSize(1);
    }
    var controllers = (org.apache.kafka.common.message.DescribeClusterResponseData) call(ApiKeys.DESCRIBE_CLUSTER,
        (short) 1, new DescribeClusterRequestData().setEndpointType((byte) 2));
    assertThat(Errors.forCode(controllers.errorCode())).isEqualTo(Errors.UNSUPPORTED_ENDPOINT_TYPE);
    for (short v : versions(ApiKeys.DESCRIBE_LOG_DIRS)) {
      var resp = (org.apache.kafka.common.message.DescribeLogDirsResponseData) call(ApiKeys.DESCRIBE_LOG_DIRS, v,
          new DescribeLogDirsRequestData().setTopics(null));
      assertThat(resp.results().get(0).topics().get(0).partitions()).hasSize(2);
    }
  }

  @Test
  void describeTopicPartitionsPagesByCursor() throws Exception {
    topics.createTopic(new TopicManager.NewTopic("a", 3, 1, Map.of(), Map.of()), false);
    topics.createTopic(new TopicManager.NewTopic("b", 2, 1, Map.of(), Map.of()), false);
    var first = (org.apache.kafka.common.message.DescribeTopicPartitionsResponseData) call(
        ApiKeys.DESCRIBE_TOPIC_PARTITIONS, (short) 0,
        new org.apache.kafka.common.message.DescribeTopicPartitionsRequestData().setResponsePartitionLimit(2));
    assertThat(first.topics()).extracting(t -> t.name()).containsExactly("a");
    assertThat(first.topics().find("a").partitions()).hasSize(2);
    assertThat(first.nextCursor().topicName()).isEqualTo("a");
    assertThat(first.nextCursor().partitionIndex()).isEqualTo(2);
    var second = (org.apache.kafka.common.message.DescribeTopicPartitionsResponseData) call(
        ApiKeys.DESCRIBE_TOPIC_PARTITIONS, (short) 0,
        new org.apache.kafka.common.message.DescribeTopicPartitionsRequestData().setResponsePartitionLimit(10)
            .setCursor(new org.apache.kafka.common.message.DescribeTopicPartitionsRequestData.Cursor()
                .setTopicName("a").setPartitionIndex(2))
            .setTopics(List.of(
                new org.apache.kafka.common.message.DescribeTopicPartitionsRequestData.TopicRequest().setName("a"),
                new org.apache.kafka.common.message.DescribeTopicPartitionsRequestData.TopicRequest().setName("b"),
                new org.apache.kafka.common.message.DescribeTopicPartitionsRequestData.TopicRequest().setName("c"))));
    assertThat(second.topics().find("a").partitions()).extracting(p -> p.partitionIndex()).containsExactly(2);
    assertThat(second.topics().find("b").partitions()).hasSize(2);
    assertThat(second.topics().find("b").topicId()).isEqualTo(topics.topicId("b").orElseThrow());
    assertThat(Errors.forCode(second.topics().find("c").errorCode())).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
    assertThat(second.nextCursor()).isNull();
  }

  @Test
  void oneRequestCannotCreateMoreThanTenThousandPartitions() throws Exception {
    CreateTopicsRequestData.CreatableTopicCollection ts = new CreateTopicsRequestData.CreatableTopicCollection();
    for (int i = 0; i < 3; i++) {
      ts.add(new CreateTopicsRequestData.CreatableTopic().setName("big" + i).setNumPartitions(4000)
          .setReplicationFactor((short) 1));
    }
    var resp = (org.apache.kafka.common.message.CreateTopicsResponseData) call(ApiKeys.CREATE_TOPICS, (short) 7,
        new CreateTopicsRequestData().setTopics(ts).setValidateOnly(true));
    assertThat(resp.topics().find("big0").errorCode()).isZero();
    assertThat(resp.topics().find("big1").errorCode()).isZero();
    assertThat(Errors.forCode(resp.topics().find("big2").errorCode())).isEqualTo(Errors.POLICY_VIOLATION);
  }

  @Test
  void oneRequestCannotAddMoreThanTenThousandPartitions() throws Exception {
    CreateTopicsRequestData.CreatableTopicCollection created = new CreateTopicsRequestData.CreatableTopicCollection();
    for (int i = 0; i < 3; i++) {
      created.add(new CreateTopicsRequestData.CreatableTopic().setName("grow" + i).setNumPartitions(1)
          .setReplicationFactor((short) 1));
    }
    call(ApiKeys.CREATE_TOPICS, (short) 7, new CreateTopicsRequestData().setTopics(created));
    CreatePartitionsRequestData.CreatePartitionsTopicCollection ts = new CreatePartitionsRequestData.CreatePartitionsTopicCollection();
    for (int i = 0; i < 3; i++) {
      ts.add(new CreatePartitionsRequestData.CreatePartitionsTopic().setName("grow" + i).setCount(4001).setAssignments(null));
    }
    var resp = (org.apache.kafka.common.message.CreatePartitionsResponseData) call(ApiKeys.CREATE_PARTITIONS, (short) 3,
        new CreatePartitionsRequestData().setTopics(ts).setTimeoutMs(1000).setValidateOnly(true));
    assertThat(resp.results()).extracting(r -> r.name(), r -> Errors.forCode(r.errorCode())).containsExactly(
        org.assertj.core.groups.Tuple.tuple("grow0", Errors.NONE),
        org.assertj.core.groups.Tuple.tuple("grow1", Errors.NONE),
        org.assertj.core.groups.Tuple.tuple("grow2", Errors.POLICY_VIOLATION));
  }
}
