package dev.brook.cli;

import dev.brook.broker.config.Listener;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Assignment;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;
import org.apache.kafka.common.utils.Utils;

/**
 * The workload that trains {@code bin/brook}'s AOT cache (JDK 25+, JEP 483/514/515): a client's first
 * connection (ApiVersions, Metadata), a topic created, then a few hundred acks=all produces and
 * fetches over one socket, the requests a broker answers on its hot paths, and last a consumer's
 * group membership (coordinator, join, sync, commit, leave). It runs inside the broker
 * JVM that {@code bin/brook} starts with {@code -XX:AOTCacheOutput} and {@code -Dbrook.aot.training},
 * against that broker's own listener, and the JVM then exits so that the cache is written: the
 * classes loaded and linked and the method profiles gathered here are ready at every later start.
 *
 * <p>The requests are built with kafka-clients' request classes over a plain socket rather than with
 * a {@code KafkaProducer}: the cache holds what the broker loads, not a client's classes.
 */
final class AotTraining {
  static final String PROPERTY = "brook.aot.training";
  private static final String TOPIC = "brook-aot-training";
  private static final String GROUP = "brook-aot-training";
  private static final int ROUNDS = 300;
  /** The newest Produce version that names topics (v13 uses topic ids): what 4.x clients mostly send. */
  private static final short PRODUCE_VERSION = 12;

  private final Socket socket;
  private final DataOutputStream out;
  private final DataInputStream in;
  private int correlationId;

  private AotTraining(Socket socket) throws IOException {
    this.socket = socket;
    this.out = new DataOutputStream(socket.getOutputStream());
    this.in = new DataInputStream(socket.getInputStream());
  }

  static boolean requested() {
    return Boolean.getBoolean(PROPERTY);
  }

  /** Runs the workload against {@code listener}; throws if the broker answers anything unexpected. */
  static void run(Listener listener) throws IOException {
    try (Socket s = new Socket()) {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress(listener.host(), listener.port()), 10_000);
      s.setSoTimeout(30_000);
      new AotTraining(s).exercise();
    }
  }

  private void exercise() throws IOException {
    call(new ApiVersionsRequest.Builder());
    CreateTopicsRequestData create = new CreateTopicsRequestData().setTimeoutMs(30_000);
    create.topics().add(new CreateTopicsRequestData.CreatableTopic().setName(TOPIC).setNumPartitions(1)
        .setReplicationFactor((short) 1));
    call(new CreateTopicsRequest.Builder(create));
    MetadataResponse meta = (MetadataResponse) call(new MetadataRequest.Builder(List.of(TOPIC), false));
    Uuid topicId = meta.data().topics().find(TOPIC).topicId();
    TopicPartition tp = new TopicPartition(TOPIC, 0);
    long offset = 0;
    for (int round = 0; round < ROUNDS; round++) {
      call(produce(round));
      FetchResponse f = (FetchResponse) call(fetch(new TopicIdPartition(topicId, tp), offset));
      FetchResponseData.PartitionData p = f.data().responses().get(0).partitions().get(0);
      if (p.errorCode() != 0) {
        throw new IOException("training fetch failed with error " + p.errorCode());
      }
      offset = p.highWatermark();
    }
    call(ListOffsetsRequest.Builder.forConsumer(false, IsolationLevel.READ_UNCOMMITTED)
        .setTargetTimes(List.of(new ListOffsetsRequestData.ListOffsetsTopic().setName(TOPIC).setPartitions(List.of(
            new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0)
                .setTimestamp(ListOffsetsRequest.LATEST_TIMESTAMP))))));
    if (offset != ROUNDS * 10L) {
      throw new IOException("training produced " + ROUNDS * 10 + " records but the high watermark is " + offset);
    }
    consumeInGroup(tp, offset);
  }

  /**
   * A classic-protocol consumer's life in a group, as every consumer, Streams and Connect worker
   * starts: find the coordinator (which creates __consumer_offsets: 50 partitions and their
   * coordinator loads), join twice (the first answer asks for a member id), sync, heartbeat, commit,
   * fetch the commit back, leave. Without it a broker's first group paid, while its client waited, for
   * loading and linking ~230 classes from the jar and spinning their lambdas (bench/RESULTS.md).
   */
  private void consumeInGroup(TopicPartition tp, long offset) throws IOException {
    FindCoordinatorRequestData find = new FindCoordinatorRequestData()
        .setKeyType(FindCoordinatorRequest.CoordinatorType.GROUP.id()).setCoordinatorKeys(List.of(GROUP));
    for (int attempt = 1; ; attempt++) {
      FindCoordinatorResponse found = (FindCoordinatorResponse) call(new FindCoordinatorRequest.Builder(find));
      short error = found.data().coordinators().get(0).errorCode();
      if (error == Errors.NONE.code()) break;
      if (attempt == 100) throw new IOException("training found no coordinator: " + Errors.forCode(error));
      pause();
    }
    JoinGroupRequestData join = new JoinGroupRequestData().setGroupId(GROUP).setMemberId("")
        .setSessionTimeoutMs(30_000).setRebalanceTimeoutMs(30_000).setProtocolType("consumer");
    join.protocols().add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(
        Utils.toArray(ConsumerProtocol.serializeSubscription(new Subscription(List.of(TOPIC))))));
    JoinGroupResponse joined = (JoinGroupResponse) call(new JoinGroupRequest.Builder(join));
    if (joined.data().errorCode() == Errors.MEMBER_ID_REQUIRED.code()) {
      joined = (JoinGroupResponse) call(new JoinGroupRequest.Builder(join.setMemberId(joined.data().memberId())));
    }
    expectNone(joined.data().errorCode(), "JoinGroup");
    String member = joined.data().memberId();
    int generation = joined.data().generationId();
    SyncGroupRequestData sync = new SyncGroupRequestData().setGroupId(GROUP).setMemberId(member)
        .setGenerationId(generation).setProtocolType("consumer").setProtocolName("range");
    sync.assignments().add(new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(member).setAssignment(
        Utils.toArray(ConsumerProtocol.serializeAssignment(new Assignment(List.of(tp))))));
    expectNone(((SyncGroupResponse) call(new SyncGroupRequest.Builder(sync))).data().errorCode(), "SyncGroup");
    expectNone(((HeartbeatResponse) call(new HeartbeatRequest.Builder(new HeartbeatRequestData().setGroupId(GROUP)
        .setMemberId(member).setGenerationId(generation)))).data().errorCode(), "Heartbeat");
    OffsetCommitRequestData commit = new OffsetCommitRequestData().setGroupId(GROUP).setMemberId(member)
        .setGenerationIdOrMemberEpoch(generation);
    commit.topics().add(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName(TOPIC).setPartitions(List.of(
        new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(offset))));
    OffsetCommitResponse committed = (OffsetCommitResponse) call(OffsetCommitRequest.Builder.forTopicNames(commit));
    expectNone(committed.data().topics().get(0).partitions().get(0).errorCode(), "OffsetCommit");
    OffsetFetchRequestData fetch = new OffsetFetchRequestData();
    fetch.groups().add(new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId(GROUP).setTopics(List.of(
        new OffsetFetchRequestData.OffsetFetchRequestTopics().setName(TOPIC).setPartitionIndexes(List.of(0)))));
    OffsetFetchResponse fetched = (OffsetFetchResponse) call(OffsetFetchRequest.Builder.forTopicNames(fetch, true));
    long read = fetched.data().groups().get(0).topics().get(0).partitions().get(0).committedOffset();
    if (read != offset) throw new IOException("training committed offset " + offset + " but read back " + read);
    LeaveGroupResponse left = (LeaveGroupResponse) call(
        new LeaveGroupRequest.Builder(GROUP, List.of(new LeaveGroupRequestData.MemberIdentity().setMemberId(member))));
    expectNone(left.data().errorCode(), "LeaveGroup");
  }

  private static void expectNone(short error, String request) throws IOException {
    if (error != Errors.NONE.code()) throw new IOException("training " + request + " failed: " + Errors.forCode(error));
  }

  private static void pause() throws IOException {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("training interrupted", e);
    }
  }

  private static ProduceRequest.Builder produce(int round) {
    SimpleRecord[] records = new SimpleRecord[10];
    for (int i = 0; i < records.length; i++) {
      records[i] = new SimpleRecord(System.currentTimeMillis(), null,
          ("training record " + round + "/" + i).getBytes(StandardCharsets.UTF_8));
    }
    ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000);
    data.topicData().add(new ProduceRequestData.TopicProduceData().setName(TOPIC).setPartitionData(List.of(
        new ProduceRequestData.PartitionProduceData().setIndex(0)
            .setRecords(MemoryRecords.withRecords(Compression.NONE, records)))));
    return new ProduceRequest.Builder((short) 3, PRODUCE_VERSION, data); // v13 names topics by id
  }

  private static FetchRequest.Builder fetch(TopicIdPartition tp, long offset) {
    Map<TopicPartition, FetchRequest.PartitionData> partitions = new LinkedHashMap<>();
    partitions.put(tp.topicPartition(),
        new FetchRequest.PartitionData(tp.topicId(), offset, -1, 1 << 20, Optional.empty()));
    return FetchRequest.Builder.forConsumer(ApiKeys.FETCH.latestVersion(), 0, 1, partitions);
  }

  private AbstractResponse call(AbstractRequest.Builder<?> builder) throws IOException {
    short version = builder.latestAllowedVersion();
    AbstractRequest request = builder.build(version);
    RequestHeader header = new RequestHeader(request.apiKey(), version, "brook-aot-training", ++correlationId);
    ByteBuffer bytes = request.serializeWithHeader(header);
    out.writeInt(bytes.remaining());
    out.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
    out.flush();
    byte[] frame = new byte[in.readInt()];
    in.readFully(frame);
    return AbstractResponse.parseResponse(ByteBuffer.wrap(frame), header);
  }
}
