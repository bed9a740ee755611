package dev.brook.broker.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.group.GroupCoordinator;
import dev.brook.broker.group.GroupCoordinatorConfig;
import dev.brook.broker.group.GroupScheduler;
import dev.brook.broker.group.MemoryGroupLog;
import dev.brook.broker.group.TopicLookup;
import dev.brook.storage.Clock;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every version the pinned client library defines, for every group API: requests go through the
 * wire at that version, and the response must serialize at that version and parse back.
 */
class GroupApisVersionsTest {
  private static final Uuid TOPIC_ID = Uuid.randomUuid();
  private final ApiDispatcher dispatcher = new ApiDispatcher();
  private GroupCoordinator groups;

  /** Runs tasks inline (queued, never nested); timers never fire. */
  private static final class InlineScheduler implements GroupScheduler {
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private boolean running;

    @Override
    public void execute(Runnable task) {
      queue.add(task);
      if (running) return;
      running = true;
      try {
        Runnable r;
        while ((r = queue.poll()) != null) r.run();
      } finally {
        running = false;
      }
    }

    @Override
    public Cancellable schedule(long delayMs, Runnable task) {
      return Cancellable.NONE;
    }
  }

  @BeforeEach
  void start() {
    TopicLookup topics =
        new TopicLookup() {
          @Override
          public Optional<Uuid> id(String topic) {
            return topic.equals("t") ? Optional.of(TOPIC_ID) : Optional.empty();
          }

          @Override
          public Optional<String> name(Uuid id) {
            return id.equals(TOPIC_ID) ? Optional.of("t") : Optional.empty();
          }

          @Override
          public OptionalInt partitionCount(String topic) {
            return topic.equals("t") ? OptionalInt.of(2) : OptionalInt.empty();
          }

          @Override
          public Collection<String> names() {
            return List.of("t");
          }
        };
    groups =
        new GroupCoordinator(new GroupCoordinatorConfig(3, 1 << 20, 600_000, 60_000, 0, 10, 300_000, 100, 4096),
                new InlineScheduler(), new MemoryGroupLog(), Clock.SYSTEM)
            .withTopics(topics);
    groups.startup(Runnable::run);
    dispatcher.register(ApiKeys.FIND_COORDINATOR, new FindCoordinatorHandler(() -> true, () -> new Node(1, "h", 9092)));
    dispatcher.register(ApiKeys.JOIN_GROUP, new JoinGroupHandler(groups));
    dispatcher.register(ApiKeys.SYNC_GROUP, new SyncGroupHandler(groups));
    dispatcher.register(ApiKeys.HEARTBEAT, new HeartbeatHandler(groups));
    dispatcher.register(ApiKeys.LEAVE_GROUP, new LeaveGroupHandler(groups));
    dispatcher.register(ApiKeys.OFFSET_COMMIT, new OffsetCommitHandler(groups, topics::name));
    dispatcher.register(ApiKeys.OFFSET_FETCH, new OffsetFetchHandler(groups, topics::name, topics::id));
    dispatcher.register(ApiKeys.DESCRIBE_GROUPS, new DescribeGroupsHandler(groups));
    dispatcher.register(ApiKeys.LIST_GROUPS, new ListGroupsHandler(groups));
    dispatcher.register(ApiKeys.DELETE_GROUPS, new DeleteGroupsHandler(groups));
    dispatcher.register(ApiKeys.OFFSET_DELETE, new OffsetDeleteHandler(groups));
    dispatcher.register(ApiKeys.CONSUMER_GROUP_HEARTBEAT, new ConsumerGroupHeartbeatHandler(groups));
    dispatcher.register(ApiKeys.CONSUMER_GROUP_DESCRIBE, new ConsumerGroupDescribeHandler(groups));
  }

  private ApiMessage call(ApiKeys key, short version, ApiMessage request) throws Exception {
    RequestContext ctx = new RequestContext(new RequestHeader(key, version, "test", 7), 1,
        new InetSocketAddress("127.0.0.1", 1), "PLAINTEXT");
    AbstractRequest parsed = AbstractRequest.parseRequest(key, version, wire(request, version)).request;
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

  private JoinGroupRequestData joinRequest(String group, String memberId) {
    JoinGroupRequestData.JoinGroupRequestProtocolCollection ps = new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
    ps.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(new byte[] {1}));
    return new JoinGroupRequestData().setGroupId(group).setMemberId(memberId).setSessionTimeoutMs(10_000)
        .setRebalanceTimeoutMs(10_000).setProtocolType("consumer").setProtocols(ps);
  }

  /** Joins {@code group} at {@code version}; returns the (member id, generation) it got. */
  private JoinGroupResponseData join(String group, short version) throws Exception {
    JoinGroupResponseData r = (JoinGroupResponseData) call(ApiKeys.JOIN_GROUP, version, joinRequest(group, ""));
    if (version >= 4) {
      assertThat(Errors.forCode(r.errorCode())).isEqualTo(Errors.MEMBER_ID_REQUIRED);
      r = (JoinGroupResponseData) call(ApiKeys.JOIN_GROUP, version, joinRequest(group, r.memberId()));
    }
    assertThat(Errors.forCode(r.errorCode())).isEqualTo(Errors.NONE);
    return r;
  }

  @Test
  void classicMembershipEveryVersion() throws Exception {
    for (short v : versions(ApiKeys.JOIN_GROUP)) {
      JoinGroupResponseData r = join("join" + v, v);
      assertThat(r.generationId()).isEqualTo(1);
      assertThat(r.protocolName()).isEqualTo("range");
      assertThat(r.members()).hasSize(1);
    }
    for (short v : versions(ApiKeys.SYNC_GROUP)) {
      JoinGroupResponseData j = join("sync" + v, ApiKeys.JOIN_GROUP.latestVersion());
      SyncGroupResponseData s = (SyncGroupResponseData) call(ApiKeys.SYNC_GROUP, v, new SyncGroupRequestData()
          .setGroupId("sync" + v).setGenerationId(j.generationId()).setMemberId(j.memberId())
          .setProtocolType(v >= 5 ? "consumer" : null).setProtocolName(v >= 5 ? "range" : null)
          .setAssignments(List.of(new SyncGroupRequestData.SyncGroupRequestAssignment()
              .setMemberId(j.memberId()).setAssignment(new byte[] {9}))));
      assertThat(Errors.forCode(s.errorCode())).isEqualTo(Errors.NONE);
      assertThat(s.assignment()).containsExactly(9);
    }
    for (short v : versions(ApiKeys.HEARTBEAT)) {
      JoinGroupResponseData j = join("hb" + v, ApiKeys.JOIN_GROUP.latestVersion());
      HeartbeatResponseData h = (HeartbeatResponseData) call(ApiKeys.HEARTBEAT, v, new HeartbeatRequestData()
          .setGroupId("hb" + v).setGenerationId(j.generationId()).setMemberId(j.memberId()));
      assertThat(Errors.forCode(h.errorCode())).isEqualTo(Errors.NONE);
    }
    for (short v : versions(ApiKeys.LEAVE_GROUP)) {
      JoinGroupResponseData j = join("leave" + v, ApiKeys.JOIN_GROUP.latestVersion());
      LeaveGroupRequestData req = new LeaveGroupRequestData().setGroupId("leave" + v);
      if (v < 3) req.setMemberId(j.memberId());
      else req.setMembers(List.of(new LeaveGroupRequestData.MemberIdentity().setMemberId(j.memberId())));
      LeaveGroupResponseData l = (LeaveGroupResponseData) call(ApiKeys.LEAVE_GROUP, v, req);
      assertThat(Errors.forCode(l.errorCode())).isEqualTo(Errors.NONE);
      if (v >= 3) assertThat(l.members()).extracting(LeaveGroupResponseData.MemberResponse::errorCode).containsExactly((short) 0);
    }
    for (short v : versions(ApiKeys.FIND_COORDINATOR)) {
      FindCoordinatorRequestData req = new FindCoordinatorRequestData();
      if (v < 4) req.setKey("g");
      else req.setCoordinatorKeys(List.of("g", "h"));
      FindCoordinatorResponseData f = (FindCoordinatorResponseData) call(ApiKeys.FIND_COORDINATOR, v, req);
      if (v < 4) assertThat(f.port()).isEqualTo(9092);
      else assertThat(f.coordinators()).extracting(FindCoordinatorResponseData.Coordinator::port).containsExactly(9092, 9092);
      if (v >= 1) {
        req.setKeyType((byte) 1);
        f = (FindCoordinatorResponseData) call(ApiKeys.FIND_COORDINATOR, v, req);
        short error = v < 4 ? f.errorCode() : f.coordinators().get(0).errorCode();
        assertThat(Errors.forCode(error)).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
      }
    }
  }

  @Test
  void offsetsAndAdminEveryVersion() throws Exception {
    for (short v : versions(ApiKeys.OFFSET_COMMIT)) {
      OffsetCommitRequestData.OffsetCommitRequestTopic topic = new OffsetCommitRequestData.OffsetCommitRequestTopic()
          .setPartitions(List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0)
              .setCommittedOffset(10 + v).setCommittedMetadata("m" + v)));
      if (v >= 10) topic.setTopicId(TOPIC_ID);
      else topic.setName("t");
      OffsetCommitResponseData c = (OffsetCommitResponseData) call(ApiKeys.OFFSET_COMMIT, v, new OffsetCommitRequestData()
          .setGroupId("c" + v).setGenerationIdOrMemberEpoch(-1).setMemberId("").setTopics(List.of(topic)));
      assertThat(c.topics().get(0).partitions().get(0).errorCode()).isZero();
    }
    short commitV = ApiKeys.OFFSET_COMMIT.latestVersion();
    for (short v : versions(ApiKeys.OFFSET_FETCH)) {
      OffsetFetchRequestData req = new OffsetFetchRequestData();
      if (v < 8) {
        req.setGroupId("c" + commitV).setTopics(List.of(new OffsetFetchRequestData.OffsetFetchRequestTopic()
            .setName("t").setPartitionIndexes(List.of(0, 1))));
      } else {
        OffsetFetchRequestData.OffsetFetchRequestTopics t = new OffsetFetchRequestData.OffsetFetchRequestTopics()
            .setPartitionIndexes(List.of(0, 1));
        if (v >= 10) t.setTopicId(TOPIC_ID);
        else t.setName("t");
        req.setGroups(List.of(new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId("c" + commitV).setTopics(List.of(t))));
      }
      OffsetFetchResponseData f = (OffsetFetchResponseData) call(ApiKeys.OFFSET_FETCH, v, req);
      long offset = v < 8 ? f.topics().get(0).partitions().get(0).committedOffset()
          : f.groups().get(0).topics().get(0).partitions().get(0).committedOffset();
      long none = v < 8 ? f.topics().get(0).partitions().get(1).committedOffset()
          : f.groups().get(0).topics().get(0).partitions().get(1).committedOffset();
      assertThat(offset).isEqualTo(10 + commitV);
      assertThat(none).isEqualTo(-1);
    }
    for (short v : versions(ApiKeys.DESCRIBE_GROUPS)) {
      DescribeGroupsResponseData d = (DescribeGroupsResponseData) call(ApiKeys.DESCRIBE_GROUPS, v,
          new DescribeGroupsRequestData().setGroups(List.of("c" + commitV, "missing")).setIncludeAuthorizedOperations(v >= 3));
      assertThat(d.groups().get(0).groupState()).isEqualTo("Empty");
      assertThat(Errors.forCode(d.groups().get(1).errorCode())).isEqualTo(v >= 6 ? Errors.GROUP_ID_NOT_FOUND : Errors.NONE);
    }
    for (short v : versions(ApiKeys.LIST_GROUPS)) {
      ListGroupsRequestData req = new ListGroupsRequestData();
      if (v >= 4) req.setStatesFilter(List.of("Empty"));
      if (v >= 5) req.setTypesFilter(List.of("classic"));
      ListGroupsResponseData l = (ListGroupsResponseData) call(ApiKeys.LIST_GROUPS, v, req);
      assertThat(l.groups()).extracting(ListGroupsResponseData.ListedGroup::groupId).contains("c" + commitV);
    }
    OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection ts = new OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection();
    ts.add(new OffsetDeleteRequestData.OffsetDeleteRequestTopic().setName("t")
        .setPartitions(List.of(new OffsetDeleteRequestData.OffsetDeleteRequestPartition().setPartitionIndex(0))));
    OffsetDeleteResponseData od = (OffsetDeleteResponseData) call(ApiKeys.OFFSET_DELETE, (short) 0,
        new OffsetDeleteRequestData().setGroupId("c" + commitV).setTopics(ts));
    assertThat(od.errorCode()).isZero();
    for (short v : versions(ApiKeys.DELETE_GROUPS)) {
      DeleteGroupsResponseData d = (DeleteGroupsResponseData) call(ApiKeys.DELETE_GROUPS, v,
          new DeleteGroupsRequestData().setGroupsNames(List.of("c" + v, "missing")));
      assertThat(Errors.forCode(d.results().find("missing").errorCode())).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
    }
  }

  @Test
  void consumerProtocolEveryVersion() throws Exception {
    for (short v : versions(ApiKeys.CONSUMER_GROUP_HEARTBEAT)) {
      ConsumerGroupHeartbeatResponseData h = (ConsumerGroupHeartbeatResponseData) call(ApiKeys.CONSUMER_GROUP_HEARTBEAT, v,
          new ConsumerGroupHeartbeatRequestData().setGroupId("k" + v).setMemberId(v >= 1 ? Uuid.randomUuid().toString() : "")
              .setMemberEpoch(0).setRebalanceTimeoutMs(10_000).setSubscribedTopicNames(List.of("t"))
              .setTopicPartitions(List.of()));
      assertThat(Errors.forCode(h.errorCode())).isEqualTo(Errors.NONE);
      assertThat(h.memberEpoch()).isEqualTo(1);
      assertThat(h.assignment().topicPartitions().get(0).partitions()).containsExactlyInAnyOrder(0, 1);
    }
    for (short v : versions(ApiKeys.CONSUMER_GROUP_DESCRIBE)) {
      ConsumerGroupDescribeResponseData d = (ConsumerGroupDescribeResponseData) call(ApiKeys.CONSUMER_GROUP_DESCRIBE, v,
          new ConsumerGroupDescribeRequestData().setGroupIds(List.of("k0", "missing")));
      assertThat(d.groups().get(0).groupState()).isEqualTo("Stable");
      assertThat(d.groups().get(0).members().get(0).assignment().topicPartitions().get(0).topicName()).isEqualTo("t");
      assertThat(Errors.forCode(d.groups().get(1).errorCode())).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
    }
  }
}
