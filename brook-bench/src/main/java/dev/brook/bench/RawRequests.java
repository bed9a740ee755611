package dev.brook.bench;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ResponseHeader;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * The requests {@code bench/scaling} sends, each serialized once into a ready frame (size prefix,
 * header with correlation id 1, body) that {@link RawLoad} writes again and again: produce, fetch,
 * metadata and offset commit, all on the one topic {@link #TOPIC}, and the check that an answer
 * carries no error. Stateless; callable from any thread.
 */
final class RawRequests {
  static final String TOPIC = "scaling";
  static final short PRODUCE_VERSION = 9; // the newest that names topics (v13 uses ids)
  static final short FETCH_VERSION = 12;
  static final short METADATA_VERSION = 12;
  static final short COMMIT_VERSION = 8;

  private RawRequests() {}


  /** Payload bytes of one produce request of {@code partitionsPerRequest} batches. */
  static long requestPayloadBytes(int partitionsPerRequest, int batchBytes, int recordBytes) {
    return (long) partitionsPerRequest * (batchBytes / recordBytes) * recordBytes;
  }

  /**
   * For each connection, {@code distinct} produce requests of {@code partitionsPerRequest} batches
   * (one per partition, ~{@code batchBytes} of {@code recordBytes}-byte records), spread so that all
   * connections together cover every partition evenly. No producer id: nothing is deduplicated.
   */
  static List<List<ByteBuffer>> produceRequests(int conns, int partitions, int partitionsPerRequest, int batchBytes,
      int recordBytes, int distinct) {
    ByteBuffer[] batches = new ByteBuffer[partitions];
    for (int p = 0; p < partitions; p++) batches[p] = batch(batchBytes, recordBytes).buffer();
    List<List<ByteBuffer>> out = new ArrayList<>();
    int slot = 0;
    for (int c = 0; c < conns; c++) {
      List<ByteBuffer> mine = new ArrayList<>();
      for (int d = 0; d < distinct; d++) {
        ProduceRequestData.TopicProduceData t = new ProduceRequestData.TopicProduceData().setName(TOPIC);
        for (int j = 0; j < partitionsPerRequest; j++) {
          int p = (slot++) % partitions;
          t.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(p)
              .setRecords(MemoryRecords.readableRecords(batches[p].duplicate())));
        }
        ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000);
        data.topicData().add(t);
        mine.add(frame(ApiKeys.PRODUCE, PRODUCE_VERSION, data));
      }
      out.add(mine);
    }
    return out;
  }

  /** One uncompressed batch of ~{@code batchBytes} of {@code recordBytes}-byte records (no key, no producer id). */
  static MemoryRecords batch(int batchBytes, int recordBytes) {
    byte[] value = new byte[recordBytes];
    for (int i = 0; i < value.length; i++) value[i] = (byte) ('a' + i % 26);
    MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(batchBytes + 4096), RecordBatch.CURRENT_MAGIC_VALUE,
        Compression.NONE, TimestampType.CREATE_TIME, 0L);
    long now = System.currentTimeMillis();
    for (int i = 0; i < Math.max(1, batchBytes / recordBytes); i++) b.append(now, null, value);
    return b.build();
  }

  /** Fetches from offset 0 of {@code partitionsPerRequest} partitions, {@code maxBytes} each, never waiting. */
  static List<List<ByteBuffer>> fetchRequests(int conns, int partitions, int partitionsPerRequest, int maxBytes) {
    List<List<ByteBuffer>> out = new ArrayList<>();
    int slot = 0;
    for (int c = 0; c < conns; c++) {
      List<ByteBuffer> mine = new ArrayList<>();
      for (int d = 0; d < 8; d++) {
        FetchRequestData.FetchTopic t = new FetchRequestData.FetchTopic().setTopic(TOPIC);
        for (int j = 0; j < partitionsPerRequest; j++) {
          t.partitions().add(new FetchRequestData.FetchPartition().setPartition((slot++) % partitions).setFetchOffset(0)
              .setPartitionMaxBytes(maxBytes).setLogStartOffset(-1));
        }
        FetchRequestData data = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(0)
            .setMaxBytes(partitionsPerRequest * maxBytes).setSessionId(0).setSessionEpoch(-1);
        data.topics().add(t);
        mine.add(frame(ApiKeys.FETCH, FETCH_VERSION, data));
      }
      out.add(mine);
    }
    return out;
  }

  static List<List<ByteBuffer>> metadataRequests(int conns) {
    MetadataRequestData data = new MetadataRequestData().setAllowAutoTopicCreation(false);
    data.topics().add(new MetadataRequestData.MetadataRequestTopic().setName(TOPIC));
    ByteBuffer f = frame(ApiKeys.METADATA, METADATA_VERSION, data);
    List<List<ByteBuffer>> out = new ArrayList<>();
    for (int c = 0; c < conns; c++) out.add(List.of(f));
    return out;
  }

  /** A standalone commit (generation -1) of one partition per request, one group per connection. */
  static List<List<ByteBuffer>> commitRequests(int conns) {
    List<List<ByteBuffer>> out = new ArrayList<>();
    for (int c = 0; c < conns; c++) {
      List<ByteBuffer> mine = new ArrayList<>();
      for (int d = 0; d < 8; d++) {
        mine.add(frame(ApiKeys.OFFSET_COMMIT, COMMIT_VERSION, commit(c, d)));
      }
      out.add(mine);
    }
    return out;
  }

  static OffsetCommitRequestData commit(int conn, int d) {
    return new OffsetCommitRequestData().setGroupId("bench-" + conn).setGenerationIdOrMemberEpoch(-1).setMemberId("")
        .setTopics(List.of(new OffsetCommitRequestTopic().setName(TOPIC).setPartitions(List.of(
            new OffsetCommitRequestPartition().setPartitionIndex(d).setCommittedOffset(1000 + d).setCommittedMetadata("")))));
  }

  /** Size prefix, header (correlation id 1: answers are matched by order) and body, serialized once. */
  static ByteBuffer frame(ApiKeys key, short version, ApiMessage body) {
    return serialize(new RequestHeader(key, version, "brook-bench-scaling", 1), body, ByteBuffer::allocateDirect)
        .asReadOnlyBuffer();
  }

  /** Size prefix, {@code header} and {@code body} (at the header's version) in a buffer from {@code allocate}, flipped. */
  static ByteBuffer serialize(RequestHeader header, ApiMessage body, java.util.function.IntFunction<ByteBuffer> allocate) {
    ObjectSerializationCache cache = new ObjectSerializationCache();
    short version = header.apiVersion();
    int headerSize = header.data().size(cache, header.headerVersion());
    int bodySize = body.size(cache, version);
    ByteBuffer buf = allocate.apply(4 + headerSize + bodySize);
    buf.putInt(headerSize + bodySize);
    ByteBufferAccessor acc = new ByteBufferAccessor(buf);
    header.data().write(acc, cache, header.headerVersion());
    body.write(acc, cache, version);
    return buf.flip();
  }

  /** Throws on any error code in an answer, so a broker that refuses work cannot look fast. */
  static Consumer<ByteBuffer> checker(ApiKeys key, short version) {
    return frame -> {
      ResponseHeader.parse(frame, key.responseHeaderVersion(version));
      AbstractResponse r = AbstractResponse.parseResponse(key, new ByteBufferAccessor(frame), version);
      Map<Errors, Integer> errors = new LinkedHashMap<>(r.errorCounts());
      errors.remove(Errors.NONE);
      if (!errors.isEmpty()) throw new IllegalStateException(key + " answered with errors " + errors);
    };
  }
}
