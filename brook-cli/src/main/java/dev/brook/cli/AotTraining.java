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
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * The workload that trains {@code bin/brook}'s AOT cache (JDK 25+, JEP 483/514/515): a client's first
 * connection (ApiVersions, Metadata), a topic created, then a few hundred acks=all produces and
 * fetches over one socket, the requests a broker answers on its hot paths. It runs inside the broker
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
