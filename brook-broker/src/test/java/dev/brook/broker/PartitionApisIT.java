package dev.brook.broker;

import static dev.brook.broker.PartitionTestSupport.createPartition;
import static dev.brook.broker.PartitionTestSupport.fetch;
import static dev.brook.broker.PartitionTestSupport.fetchData;
import static dev.brook.broker.PartitionTestSupport.offsets;
import static dev.brook.broker.PartitionTestSupport.onlyPartition;
import static dev.brook.broker.PartitionTestSupport.produce;
import static dev.brook.broker.PartitionTestSupport.produceData;
import static dev.brook.broker.PartitionTestSupport.records;
import static dev.brook.broker.PartitionTestSupport.values;
import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.network.RawClient;
import dev.brook.broker.replica.Partition;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.DeleteRecordsRequest;
import org.apache.kafka.common.requests.DeleteRecordsResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Produce, Fetch, ListOffsets, OffsetForLeaderEpoch and DeleteRecords over raw requests. */
class PartitionApisIT {
  @TempDir Path dir;
  Broker broker;
  RawClient client;
  final Uuid topicId = Uuid.randomUuid();
  Partition partition;

  @BeforeEach
  void start() throws Exception {
    broker = PartitionTestSupport.start(dir, Map.of());
    partition = createPartition(broker, "t", 0, topicId, Map.of("max.message.bytes", "2000"));
    client = new RawClient("127.0.0.1", broker.port());
  }

  @AfterEach
  void stop() throws Exception {
    if (client != null) client.close();
    if (broker != null) broker.close();
  }

  @Test
  void produceThenFetchReturnsRecordsWithAssignedOffsets() throws Exception {
    for (int v = 3; v <= 12; v++) {
      ProduceResponseData.PartitionProduceResponse r = produce(client, "t", 0, records("a" + v, "b" + v), (short) -1, v);
      assertThat(Errors.forCode(r.errorCode())).isEqualTo(Errors.NONE);
      assertThat(r.baseOffset()).isEqualTo((v - 3) * 2L);
    }
    for (int v = 4; v <= 12; v++) {
      FetchResponseData.PartitionData p = onlyPartition(fetch(client, fetchData("t", 0, 0, 0, 0), v));
      assertThat(Errors.forCode(p.errorCode())).isEqualTo(Errors.NONE);
      assertThat(p.highWatermark()).isEqualTo(20);
      assertThat(offsets(p)).containsExactlyElementsOf(java.util.stream.LongStream.range(0, 20).boxed().toList());
      assertThat(values(p)).startsWith("a3", "b3", "a4");
    }
  }

  @Test
  void compressedBatchesAreStoredAndFetchedAsSent() throws Exception {
    long offset = 0;
    for (CompressionType c : List.of(CompressionType.GZIP, CompressionType.SNAPPY, CompressionType.LZ4, CompressionType.ZSTD)) {
      ProduceResponseData.PartitionProduceResponse r = produce(client, "t", 0, records(c, -1, (short) -1, -1, "x", "y", "z"));
      assertThat(Errors.forCode(r.errorCode())).isEqualTo(Errors.NONE);
      assertThat(r.baseOffset()).isEqualTo(offset);
      offset += 3;
    }
    FetchResponseData.PartitionData p = onlyPartition(fetch(client, fetchData("t", 0, 0, 0, 0), 12));
    assertThat(values(p)).hasSize(12);
    assertThat(offsets(p)).containsExactlyElementsOf(java.util.stream.LongStream.range(0, 12).boxed().toList());
    List<CompressionType> codecs = new java.util.ArrayList<>();
    ((MemoryRecords) p.records()).batches().forEach(b -> codecs.add(b.compressionType()));
    assertThat(codecs).containsExactly(CompressionType.GZIP, CompressionType.SNAPPY, CompressionType.LZ4, CompressionType.ZSTD);
  }

  @Test
  void produceAndFetchByTopicId() throws Exception {
    short v13 = 13;
    ProduceResponseData r = client.call(
        new ProduceRequest.Builder(v13, v13, produceData(null, topicId, 0, records("id"), (short) 1)).build(v13),
        org.apache.kafka.common.requests.ProduceResponse.class).data();
    assertThat(r.responses().iterator().next().topicId()).isEqualTo(topicId);
    assertThat(r.responses().iterator().next().partitionResponses().get(0).errorCode()).isZero();
    Uuid unknown = Uuid.randomUuid();
    r = client.call(new ProduceRequest.Builder(v13, v13, produceData(null, unknown, 0, records("id"), (short) 1)).build(v13),
        org.apache.kafka.common.requests.ProduceResponse.class).data();
    assertThat(Errors.forCode(r.responses().iterator().next().partitionResponses().get(0).errorCode())).isEqualTo(Errors.UNKNOWN_TOPIC_ID);

    FetchRequestData f = fetchData("t", 0, 0, 0, 0);
    f.topics().get(0).setTopicId(topicId);
    f.topics().add(new FetchRequestData.FetchTopic().setTopicId(unknown).setPartitions(List.of(new FetchRequestData.FetchPartition())));
    FetchResponseData resp = fetch(client, f, 17);
    assertThat(resp.responses().get(0).topicId()).isEqualTo(topicId);
    assertThat(values(resp.responses().get(0).partitions().get(0))).containsExactly("id");
    assertThat(Errors.forCode(resp.responses().get(1).partitions().get(0).errorCode())).isEqualTo(Errors.UNKNOWN_TOPIC_ID);
  }

  @Test
  void unknownPartitionIsUnknownTopicOrPartition() throws Exception {
    assertThat(Errors.forCode(produce(client, "t", 7, records("x")).errorCode())).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
    assertThat(Errors.forCode(produce(client, "nope", 0, records("x")).errorCode())).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
    assertThat(Errors.forCode(onlyPartition(fetch(client, fetchData("nope", 0, 0, 0, 0), 12)).errorCode()))
        .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
  }

  @Test
  void corruptedAndOversizedBatchesAreRejectedAndTheLogHoldsOnlyValidBatches() throws Exception {
    assertThat(produce(client, "t", 0, records("good1")).errorCode()).isZero();

    MemoryRecords corrupt = records("will-be-corrupted");
    ByteBuffer b = corrupt.buffer();
    b.put(b.limit() - 3, (byte) (b.get(b.limit() - 3) ^ 0x7f));
    assertThat(Errors.forCode(produce(client, "t", 0, MemoryRecords.readableRecords(b)).errorCode())).isEqualTo(Errors.CORRUPT_MESSAGE);

    MemoryRecords big = records("x".repeat(2500));
    ProduceResponseData.PartitionProduceResponse tooLarge = produce(client, "t", 0, big);
    assertThat(Errors.forCode(tooLarge.errorCode())).isEqualTo(Errors.MESSAGE_TOO_LARGE);
    assertThat(tooLarge.baseOffset()).isEqualTo(-1);

    ProduceResponseData.PartitionProduceResponse ok = produce(client, "t", 0, records("good2"));
    assertThat(ok.baseOffset()).isEqualTo(1);
    assertThat(partition.logEndOffset()).isEqualTo(2);

    FetchResponseData.PartitionData p = onlyPartition(fetch(client, fetchData("t", 0, 0, 0, 0), 12));
    assertThat(values(p)).containsExactly("good1", "good2"); // values() checks every batch's CRC
    assertThat(offsets(p)).containsExactly(0L, 1L);
  }

  @Test
  void recordErrorsNameTheRecord() throws Exception {
    MemoryRecords future = MemoryRecords.withRecords(org.apache.kafka.common.compress.Compression.NONE,
        new org.apache.kafka.common.record.SimpleRecord(System.currentTimeMillis(), "k".getBytes(), "ok".getBytes()),
        new org.apache.kafka.common.record.SimpleRecord(System.currentTimeMillis() + 86_400_000L, "k".getBytes(), "late".getBytes()));
    ProduceResponseData.PartitionProduceResponse r = produce(client, "t", 0, future);
    assertThat(Errors.forCode(r.errorCode())).isEqualTo(Errors.INVALID_TIMESTAMP);
    assertThat(r.recordErrors()).extracting(ProduceResponseData.BatchIndexAndErrorMessage::batchIndex).containsExactly(1);
    assertThat(partition.logEndOffset()).isZero();
  }

  @Test
  void clientsCannotProduceToInternalTopics() throws Exception {
    createPartition(broker, "__consumer_offsets", 0, Uuid.randomUuid());
    assertThat(Errors.forCode(produce(client, "__consumer_offsets", 0, records("x")).errorCode()))
        .isEqualTo(Errors.INVALID_TOPIC_EXCEPTION);
  }

  @Test
  void invalidAcksIsInvalidRequiredAcks() throws Exception {
    assertThat(Errors.forCode(produce(client, "t", 0, records("x"), (short) 2, 9).errorCode())).isEqualTo(Errors.INVALID_REQUIRED_ACKS);
  }

  @Test
  void acksZeroGetsNoResponseButIsAppended() throws Exception {
    short v = 9;
    client.send(new ProduceRequest.Builder(v, v, produceData("t", null, 0, records("fire-and-forget"), (short) 0)).build(v));
    int id = client.send(new ApiVersionsRequest.Builder().build((short) 3));
    ApiVersionsResponse versions = (ApiVersionsResponse) client.receive(ApiKeys.API_VERSIONS, (short) 3, id);
    ApiVersionsResponseData.ApiVersion produce = versions.data().apiKeys().find(ApiKeys.PRODUCE.id);
    assertThat(produce.minVersion()).isZero();
    assertThat(produce.maxVersion()).isEqualTo(ApiKeys.PRODUCE.latestVersion());
    assertThat(values(onlyPartition(fetch(client, fetchData("t", 0, 0, 0, 0), 12)))).containsExactly("fire-and-forget");
  }

  @Test
  void longPollFetchIsWokenByAnAppend() throws Exception {
    // max wait far beyond the client's 10 s socket timeout: only a wake-up can answer in time
    int id = client.send(new FetchRequest(fetchData("t", 0, 0, 120_000, 1), (short) 12));
    try (RawClient producer = new RawClient("127.0.0.1", broker.port())) {
      assertThat(produce(producer, "t", 0, records("wake")).errorCode()).isZero();
    }
    FetchResponse r = (FetchResponse) client.receive(ApiKeys.FETCH, (short) 12, id);
    assertThat(values(onlyPartition(r.data()))).containsExactly("wake");
  }

  @Test
  void fetchWithoutDataAnswersEmptyAfterMaxWait() throws Exception {
    FetchResponseData.PartitionData p = onlyPartition(fetch(client, fetchData("t", 0, 0, 50, 1), 12));
    assertThat(p.errorCode()).isZero();
    assertThat(p.records().sizeInBytes()).isZero();
    assertThat(p.highWatermark()).isZero();
  }

  @Test
  void fetchFromMiddleOfBatchReturnsWholeBatch() throws Exception {
    produce(client, "t", 0, records("0", "1", "2", "3", "4"));
    FetchResponseData.PartitionData p = onlyPartition(fetch(client, fetchData("t", 0, 2, 0, 0), 12));
    assertThat(offsets(p)).containsExactly(0L, 1L, 2L, 3L, 4L);
  }

  @Test
  void partitionMaxBytesStillReturnsOneWholeBatch() throws Exception {
    for (int i = 0; i < 3; i++) produce(client, "t", 0, records("v" + i + "-" + "p".repeat(500)));
    FetchRequestData f = fetchData("t", 0, 0, 0, 0);
    f.topics().get(0).partitions().get(0).setPartitionMaxBytes(10);
    FetchResponseData.PartitionData one = onlyPartition(fetch(client, f, 12));
    assertThat(offsets(one)).containsExactly(0L);
    int batchSize = one.records().sizeInBytes();
    f.topics().get(0).partitions().get(0).setPartitionMaxBytes(1_000_000);
    f.setMaxBytes(2 * batchSize + batchSize / 2); // room for two batches, not three
    assertThat(offsets(onlyPartition(fetch(client, f, 12)))).containsExactly(0L, 1L);
  }

  @Test
  void responseMaxBytesIsSharedAcrossPartitions() throws Exception {
    createPartition(broker, "t", 1, topicId);
    produce(client, "t", 0, records("a".repeat(800)));
    produce(client, "t", 1, records("b".repeat(800)));
    FetchRequestData f = fetchData("t", 0, 0, 0, 0).setMaxBytes(100);
    f.topics().get(0).partitions().add(new FetchRequestData.FetchPartition().setPartition(1).setPartitionMaxBytes(1_000_000));
    FetchResponseData r = fetch(client, f, 12);
    assertThat(r.responses().get(0).partitions().get(0).records().sizeInBytes()).isPositive();
    assertThat(r.responses().get(0).partitions().get(1).records().sizeInBytes()).isZero();
  }

  @Test
  void offsetsOutsideTheLogAreOffsetOutOfRange() throws Exception {
    produce(client, "t", 0, records("a"));
    assertThat(Errors.forCode(onlyPartition(fetch(client, fetchData("t", 0, 5, 0, 0), 12)).errorCode()))
        .isEqualTo(Errors.OFFSET_OUT_OF_RANGE);
    assertThat(Errors.forCode(onlyPartition(fetch(client, fetchData("t", 0, 1, 0, 0), 12)).errorCode())).isEqualTo(Errors.NONE);
  }

  @Test
  void newerLeaderEpochIsUnknownLeaderEpoch() throws Exception {
    FetchRequestData f = fetchData("t", 0, 0, 0, 0);
    f.topics().get(0).partitions().get(0).setCurrentLeaderEpoch(3);
    assertThat(Errors.forCode(onlyPartition(fetch(client, f, 12)).errorCode())).isEqualTo(Errors.UNKNOWN_LEADER_EPOCH);
    f.topics().get(0).partitions().get(0).setCurrentLeaderEpoch(0);
    assertThat(Errors.forCode(onlyPartition(fetch(client, f, 12)).errorCode())).isEqualTo(Errors.NONE);
  }

  @Test
  void incrementalFetchSessionSendsOnlyChanges() throws Exception {
    produce(client, "t", 0, records("first"));
    FetchRequestData full = fetchData("t", 0, 0, 0, 0).setSessionId(0).setSessionEpoch(0);
    FetchResponseData r = fetch(client, full, 12);
    int session = r.sessionId();
    assertThat(session).isNotZero();
    assertThat(values(onlyPartition(r))).containsExactly("first");

    // the client moves its position to 1 and sends only that change
    FetchRequestData inc = fetchData("t", 0, 1, 0, 0).setSessionId(session).setSessionEpoch(1);
    r = fetch(client, inc, 12);
    assertThat(r.errorCode()).isZero();
    assertThat(r.responses()).isEmpty(); // nothing new

    int id = client.send(new FetchRequest(new FetchRequestData().setSessionId(session).setSessionEpoch(2)
        .setMaxWaitMs(120_000).setMinBytes(1).setMaxBytes(1 << 20).setReplicaId(-1), (short) 12));
    try (RawClient producer = new RawClient("127.0.0.1", broker.port())) {
      produce(producer, "t", 0, records("second"));
    }
    r = ((FetchResponse) client.receive(ApiKeys.FETCH, (short) 12, id)).data();
    assertThat(values(onlyPartition(r))).containsExactly("second");

    assertThat(Errors.forCode(fetch(client, new FetchRequestData().setSessionId(session).setSessionEpoch(7).setReplicaId(-1), 12).errorCode()))
        .isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH);
    assertThat(Errors.forCode(fetch(client, new FetchRequestData().setSessionId(session + 1).setSessionEpoch(1).setReplicaId(-1), 12).errorCode()))
        .isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND);
  }

  private ListOffsetsResponseData.ListOffsetsPartitionResponse listOffsets(long timestamp, IsolationLevel iso) throws Exception {
    ListOffsetsRequestData.ListOffsetsTopic t = new ListOffsetsRequestData.ListOffsetsTopic().setName("t");
    t.partitions().add(new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0).setTimestamp(timestamp));
    ListOffsetsRequest req = ListOffsetsRequest.Builder.forConsumer(true, iso, true, true, true).setTargetTimes(List.of(t)).build((short) 10);
    return client.call(req, ListOffsetsResponse.class).data().topics().get(0).partitions().get(0);
  }

  @Test
  void listOffsetsAnswersEarliestLatestByTimestampAndMaxTimestamp() throws Exception {
    long base = System.currentTimeMillis() - 10_000;
    for (int i = 0; i < 3; i++) {
      MemoryRecords r = MemoryRecords.withRecords(org.apache.kafka.common.compress.Compression.NONE,
          new org.apache.kafka.common.record.SimpleRecord(base + i * 1000L, "k".getBytes(), ("v" + i).getBytes()),
          new org.apache.kafka.common.record.SimpleRecord(base + i * 1000L + 500, "k".getBytes(), ("w" + i).getBytes()));
      produce(client, "t", 0, r);
    }
    assertThat(listOffsets(-2, IsolationLevel.READ_UNCOMMITTED).offset()).isZero();
    assertThat(listOffsets(-1, IsolationLevel.READ_UNCOMMITTED).offset()).isEqualTo(6);
    assertThat(listOffsets(-1, IsolationLevel.READ_COMMITTED).offset()).isEqualTo(6);
    assertThat(listOffsets(-1, IsolationLevel.READ_UNCOMMITTED).leaderEpoch()).isZero();
    assertThat(listOffsets(-4, IsolationLevel.READ_UNCOMMITTED).offset()).isZero();
    ListOffsetsResponseData.ListOffsetsPartitionResponse byTime = listOffsets(base + 1200, IsolationLevel.READ_UNCOMMITTED);
    assertThat(byTime.offset()).isEqualTo(3);
    assertThat(byTime.timestamp()).isEqualTo(base + 1500);
    assertThat(byTime.leaderEpoch()).isZero();
    ListOffsetsResponseData.ListOffsetsPartitionResponse max = listOffsets(-3, IsolationLevel.READ_UNCOMMITTED);
    assertThat(max.offset()).isEqualTo(5);
    assertThat(max.timestamp()).isEqualTo(base + 2500);
    ListOffsetsResponseData.ListOffsetsPartitionResponse none = listOffsets(base + 60_000, IsolationLevel.READ_UNCOMMITTED);
    assertThat(none.errorCode()).isZero();
    assertThat(none.offset()).isEqualTo(-1);
  }

  @Test
  void listOffsetsAndFetchAnswerAtEveryVersion() throws Exception {
    produce(client, "t", 0, records("a", "b"));
    for (short v = ApiKeys.LIST_OFFSETS.oldestVersion(); v <= ApiKeys.LIST_OFFSETS.latestVersion(); v++) {
      ListOffsetsRequestData.ListOffsetsTopic t = new ListOffsetsRequestData.ListOffsetsTopic().setName("t");
      t.partitions().add(new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-1));
      ListOffsetsRequest req = ListOffsetsRequest.Builder.forConsumer(false, IsolationLevel.READ_UNCOMMITTED).setTargetTimes(List.of(t)).build(v);
      assertThat(client.call(req, ListOffsetsResponse.class).data().topics().get(0).partitions().get(0).offset()).as("v%d", v).isEqualTo(2);
    }
    for (short v = ApiKeys.FETCH.oldestVersion(); v <= ApiKeys.FETCH.latestVersion(); v++) {
      FetchRequestData f = fetchData("t", 0, 0, 0, 0);
      f.topics().get(0).setTopicId(topicId);
      f.topics().get(0).partitions().get(0).setCurrentLeaderEpoch(v >= 9 ? 0 : -1);
      assertThat(values(onlyPartition(fetch(client, f, v)))).as("v%d", v).containsExactly("a", "b");
    }
  }

  @Test
  void offsetForLeaderEpochAnswersFromTheEpochCache() throws Exception {
    produce(client, "t", 0, records("a", "b"));
    OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection topics = new OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection();
    OffsetForLeaderEpochRequestData.OffsetForLeaderTopic t = new OffsetForLeaderEpochRequestData.OffsetForLeaderTopic().setTopic("t");
    t.partitions().add(new OffsetForLeaderEpochRequestData.OffsetForLeaderPartition().setPartition(0).setLeaderEpoch(0).setCurrentLeaderEpoch(0));
    topics.add(t);
    OffsetForLeaderEpochResponseData.EpochEndOffset e = client.call(
        OffsetsForLeaderEpochRequest.Builder.forConsumer(topics).build((short) 4), OffsetsForLeaderEpochResponse.class)
        .data().topics().iterator().next().partitions().get(0);
    assertThat(e.errorCode()).isZero();
    assertThat(e.leaderEpoch()).isZero();
    assertThat(e.endOffset()).isEqualTo(2);
  }

  private DeleteRecordsRequestData.DeleteRecordsTopic deleteTopic(long offset) {
    return new DeleteRecordsRequestData.DeleteRecordsTopic().setName("t")
        .setPartitions(List.of(new DeleteRecordsRequestData.DeleteRecordsPartition().setPartitionIndex(0).setOffset(offset)));
  }

  private org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult deleteRecords(long offset) throws Exception {
    DeleteRecordsRequestData d = new DeleteRecordsRequestData().setTimeoutMs(5000).setTopics(List.of(deleteTopic(offset)));
    return client.call(new DeleteRecordsRequest.Builder(d).build((short) 2), DeleteRecordsResponse.class)
        .data().topics().iterator().next().partitions().iterator().next();
  }

  @Test
  void deleteRecordsMovesTheLogStartAndRefusesOffsetsAboveTheHighWatermark() throws Exception {
    produce(client, "t", 0, records("a"));
    produce(client, "t", 0, records("b"));
    produce(client, "t", 0, records("c"));
    assertThat(Errors.forCode(deleteRecords(4).errorCode())).isEqualTo(Errors.OFFSET_OUT_OF_RANGE);
    var r = deleteRecords(2);
    assertThat(r.errorCode()).isZero();
    assertThat(r.lowWatermark()).isEqualTo(2);
    assertThat(listOffsets(-2, IsolationLevel.READ_UNCOMMITTED).offset()).isEqualTo(2);
    assertThat(Errors.forCode(onlyPartition(fetch(client, fetchData("t", 0, 0, 0, 0), 12)).errorCode()))
        .isEqualTo(Errors.OFFSET_OUT_OF_RANGE);
    FetchResponseData.PartitionData p = onlyPartition(fetch(client, fetchData("t", 0, 2, 0, 0), 12));
    assertThat(p.logStartOffset()).isEqualTo(2);
    assertThat(values(p)).containsExactly("c");
    assertThat(deleteRecords(-1).lowWatermark()).isEqualTo(3);
  }
}
