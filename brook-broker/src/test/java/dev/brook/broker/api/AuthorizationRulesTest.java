package dev.brook.broker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.broker.security.Acl;
import dev.brook.broker.security.Authorizer;
import dev.brook.broker.security.Operation;
import dev.brook.broker.security.PatternType;
import dev.brook.broker.security.Permission;
import dev.brook.broker.security.ResourceType;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.DescribeQuorumRequestData;
import org.apache.kafka.common.message.DescribeQuorumResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.junit.jupiter.api.Test;

/** The rules as the dispatcher applies them, without a broker: what reaches the handler, what is answered. */
class AuthorizationRulesTest {
  private static final InetSocketAddress CLIENT = new InetSocketAddress("10.0.0.1", 5000);

  private static RequestContext ctx(ApiKeys key, short version) {
    return new RequestContext(new RequestHeader(key, version, "test", 1), 1, CLIENT, "PLAINTEXT");
  }

  private static Authorizer authorizer(Acl... acls) {
    Authorizer a = new Authorizer(List.of(), false);
    a.replaceAcls(List.of(acls));
    return a;
  }

  private static Acl allow(ResourceType type, String name, Operation op) {
    return new Acl(type, PatternType.LITERAL, name, "User:ANONYMOUS", "*", op, Permission.ALLOW);
  }

  @Test
  void produceToARefusedTopicNeverReachesTheHandler() throws Exception {
    List<String> seen = new ArrayList<>();
    ApiDispatcher d = new ApiDispatcher();
    d.register(ApiKeys.PRODUCE, (RequestContext c, ProduceRequestData r) -> {
      r.topicData().forEach(t -> seen.add(t.name()));
      ProduceResponseData out = new ProduceResponseData();
      r.topicData().forEach(t -> out.responses().add(new ProduceResponseData.TopicProduceResponse().setName(t.name())));
      return CompletableFuture.completedFuture(out);
    });
    d.authorizeWith(authorizer(allow(ResourceType.TOPIC, "ok", Operation.WRITE)), id -> Optional.empty(), n -> true, true);
    ProduceRequestData data = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(1000);
    for (String topic : List.of("ok", "refused")) {
      ProduceRequestData.TopicProduceData t = new ProduceRequestData.TopicProduceData().setName(topic);
      t.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(MemoryRecords.EMPTY));
      data.topicData().add(t);
    }
    short v = 9;
    ApiMessage resp = d.dispatch(ctx(ApiKeys.PRODUCE, v), new ProduceRequest(data, v)).get(5, TimeUnit.SECONDS);
    assertThat(seen).containsExactly("ok");
    ProduceResponseData out = (ProduceResponseData) resp;
    assertThat(out.responses().find("refused", org.apache.kafka.common.Uuid.ZERO_UUID).partitionResponses().get(0).errorCode())
        .isEqualTo(Errors.TOPIC_AUTHORIZATION_FAILED.code());
  }

  @Test
  void transactionalBatchesNeedWriteOnTheTransactionalIdAndPlainOnesDoNot() throws Exception {
    List<String> seen = new ArrayList<>();
    ApiDispatcher d = new ApiDispatcher();
    d.register(ApiKeys.PRODUCE, (RequestContext c, ProduceRequestData r) -> {
      seen.add(String.valueOf(r.transactionalId()));
      ProduceResponseData out = new ProduceResponseData();
      r.topicData().forEach(t -> out.responses().add(new ProduceResponseData.TopicProduceResponse().setName(t.name())));
      return CompletableFuture.completedFuture(out);
    });
    d.authorizeWith(authorizer(allow(ResourceType.TOPIC, "t", Operation.WRITE),
        allow(ResourceType.TRANSACTIONAL_ID, "granted", Operation.WRITE)), id -> Optional.empty(), n -> true, true);
    MemoryRecords txn = MemoryRecords.withTransactionalRecords(org.apache.kafka.common.compress.Compression.NONE,
        7L, (short) 0, 0, new org.apache.kafka.common.record.SimpleRecord("v".getBytes()));
    MemoryRecords plain = MemoryRecords.withRecords(org.apache.kafka.common.compress.Compression.NONE,
        new org.apache.kafka.common.record.SimpleRecord("v".getBytes()));
    assertThat(produceError(d, "other", txn)).isEqualTo(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    assertThat(produceError(d, null, txn)).isEqualTo(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    assertThat(seen).as("refused before the handler").isEmpty();
    assertThat(produceError(d, "granted", txn)).isEqualTo(Errors.NONE);
    assertThat(produceError(d, "other", plain)).as("an id beside plain batches is not checked").isEqualTo(Errors.NONE);
    assertThat(seen).containsExactly("granted", "other");
  }

  private static Errors produceError(ApiDispatcher d, String transactionalId, MemoryRecords records) throws Exception {
    ProduceRequestData data = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(1000).setTransactionalId(transactionalId);
    ProduceRequestData.TopicProduceData t = new ProduceRequestData.TopicProduceData().setName("t");
    t.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(MemoryRecords.readableRecords(records.buffer().duplicate())));
    data.topicData().add(t);
    short v = 9;
    ProduceResponseData out = (ProduceResponseData) d.dispatch(ctx(ApiKeys.PRODUCE, v), new ProduceRequest(data, v))
        .get(5, TimeUnit.SECONDS);
    if (out.responses().isEmpty() || out.responses().iterator().next().partitionResponses().isEmpty()) return Errors.NONE;
    return Errors.forCode(out.responses().iterator().next().partitionResponses().get(0).errorCode());
  }

  @Test
  void brokerOnlyRequestIsRefusedWholeWithClusterAuthorizationFailed() throws Exception {
    ApiDispatcher d = new ApiDispatcher();
    d.register(ApiKeys.WRITE_TXN_MARKERS, (RequestContext c, WriteTxnMarkersRequestData r) -> {
      throw new AssertionError("must not run");
    });
    d.authorizeWith(authorizer(), id -> Optional.empty(), n -> true, true);
    WriteTxnMarkersRequest req = new WriteTxnMarkersRequest.Builder(List.of(new WriteTxnMarkersRequest.TxnMarkerEntry(
        1, (short) 0, 0, org.apache.kafka.common.requests.TransactionResult.COMMIT,
        List.of(new org.apache.kafka.common.TopicPartition("t", 0))))).build(ApiKeys.WRITE_TXN_MARKERS.latestVersion());
    WriteTxnMarkersResponseData out = (WriteTxnMarkersResponseData) d.dispatch(
        ctx(ApiKeys.WRITE_TXN_MARKERS, ApiKeys.WRITE_TXN_MARKERS.latestVersion()), req).get(5, TimeUnit.SECONDS);
    assertThat(out.markers().get(0).topics().get(0).partitions().get(0).errorCode())
        .isEqualTo(Errors.CLUSTER_AUTHORIZATION_FAILED.code());
  }

  @Test
  void listGroupsShowsOnlyDescribableGroupsWithoutClusterDescribe() throws Exception {
    ApiDispatcher d = new ApiDispatcher();
    d.register(ApiKeys.LIST_GROUPS, (RequestContext c, ListGroupsRequestData r) -> {
      ListGroupsResponseData out = new ListGroupsResponseData();
      for (String g : List.of("mine", "theirs")) out.groups().add(new ListGroupsResponseData.ListedGroup().setGroupId(g));
      return CompletableFuture.completedFuture(out);
    });
    d.authorizeWith(authorizer(allow(ResourceType.GROUP, "mine", Operation.READ)), id -> Optional.empty(), n -> true, true);
    short v = ApiKeys.LIST_GROUPS.latestVersion();
    ListGroupsResponseData out = (ListGroupsResponseData) d.dispatch(ctx(ApiKeys.LIST_GROUPS, v),
        new ListGroupsRequest.Builder(new ListGroupsRequestData()).build(v)).get(5, TimeUnit.SECONDS);
    assertThat(out.groups()).extracting(ListGroupsResponseData.ListedGroup::groupId).containsExactly("mine");
  }

  @Test
  void anApiWithoutARuleStopsTheStart() {
    ApiDispatcher d = new ApiDispatcher();
    d.register(ApiKeys.DESCRIBE_QUORUM, (RequestContext c, DescribeQuorumRequestData r) ->
        CompletableFuture.completedFuture(new DescribeQuorumResponseData()));
    assertThatThrownBy(() -> d.authorizeWith(authorizer(), id -> Optional.empty(), n -> true, true))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("DESCRIBE_QUORUM");
  }
}
