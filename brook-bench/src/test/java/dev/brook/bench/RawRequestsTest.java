package dev.brook.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponsePartition;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponseTopic;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.Test;

class RawRequestsTest {
  @Test
  void payloadCountsWholeRecordsOnly() {
    // 16 KiB of 100-byte records is 163 records: 16,300 bytes a batch
    assertThat(RawRequests.requestPayloadBytes(4, 16 << 10, 100)).isEqualTo(4L * 163 * 100);
    assertThat(RawRequests.requestPayloadBytes(1, 256 << 10, 1024)).isEqualTo(256L << 10);
  }

  @Test
  void batchHoldsWholeRecordsOfTheAskedSizeWithoutProducerId() {
    MemoryRecords records = RawRequests.batch(16 << 10, 100);
    List<RecordBatch> batches = new ArrayList<>();
    records.batches().forEach(batches::add);
    assertThat(batches).hasSize(1);
    assertThat(batches.get(0).producerId()).isEqualTo(RecordBatch.NO_PRODUCER_ID);
    assertThat(batches.get(0).countOrNull()).isEqualTo(163);
    assertThat(RawRequests.batch(10, 100).batches().iterator().next().countOrNull()).isEqualTo(1); // never empty
  }

  @Test
  void frameCarriesItsSizeAHeaderWithCorrelationIdOneAndTheBody() {
    OffsetCommitRequestData body = RawRequests.commit(3, 5);
    ByteBuffer f = RawRequests.frame(ApiKeys.OFFSET_COMMIT, RawRequests.COMMIT_VERSION, body).duplicate();
    assertThat(f.getInt()).isEqualTo(f.remaining());
    RequestHeader header = RequestHeader.parse(f);
    assertThat(header.apiKey()).isEqualTo(ApiKeys.OFFSET_COMMIT);
    assertThat(header.apiVersion()).isEqualTo(RawRequests.COMMIT_VERSION);
    assertThat(header.correlationId()).isEqualTo(1);
    OffsetCommitRequestData read = new OffsetCommitRequestData(new ByteBufferAccessor(f), RawRequests.COMMIT_VERSION);
    assertThat(read).isEqualTo(body);
    assertThat(read.groupId()).isEqualTo("bench-3");
    assertThat(read.topics().get(0).partitions().get(0).partitionIndex()).isEqualTo(5);
    assertThat(read.topics().get(0).partitions().get(0).committedOffset()).isEqualTo(1005);
  }

  @Test
  void produceRequestsCoverEveryPartitionEvenly() {
    List<List<ByteBuffer>> reqs = RawRequests.produceRequests(4, 8, 2, 1 << 10, 100, 3);
    assertThat(reqs).hasSize(4).allSatisfy(conn -> assertThat(conn).hasSize(3));
    Map<Integer, Integer> perPartition = new TreeMap<>();
    for (List<ByteBuffer> conn : reqs) {
      for (ByteBuffer frame : conn) {
        ProduceRequestData data = new ProduceRequestData(body(frame), RawRequests.PRODUCE_VERSION);
        assertThat(data.acks()).isEqualTo((short) -1);
        assertThat(data.topicData()).singleElement().satisfies(t -> {
          assertThat(t.name()).isEqualTo(RawRequests.TOPIC);
          assertThat(t.partitionData()).hasSize(2);
          t.partitionData().forEach(p -> perPartition.merge(p.index(), 1, Integer::sum));
        });
      }
    }
    // 4 connections x 3 requests x 2 partitions = 24 batches over 8 partitions
    assertThat(perPartition).hasSize(8).allSatisfy((p, n) -> assertThat(n).isEqualTo(3));
  }

  @Test
  void fetchRequestsNeverWaitAndAskFromOffsetZero() {
    List<List<ByteBuffer>> reqs = RawRequests.fetchRequests(2, 64, 4, 64 << 10);
    assertThat(reqs).hasSize(2).allSatisfy(conn -> assertThat(conn).hasSize(8));
    FetchRequestData data = new FetchRequestData(body(reqs.get(1).get(0)), RawRequests.FETCH_VERSION);
    assertThat(data.maxWaitMs()).isZero();
    assertThat(data.maxBytes()).isEqualTo(4 * (64 << 10));
    assertThat(data.topics().get(0).partitions()).extracting(FetchRequestData.FetchPartition::partition)
        .containsExactly(32, 33, 34, 35); // connection 1 starts after connection 0's 8 requests x 4 partitions
    assertThat(data.topics().get(0).partitions()).allSatisfy(p -> assertThat(p.fetchOffset()).isZero());
  }

  @Test
  void commitRequestsUseOneGroupPerConnection() {
    List<List<ByteBuffer>> reqs = RawRequests.commitRequests(2);
    OffsetCommitRequestData data = new OffsetCommitRequestData(body(reqs.get(1).get(7)), RawRequests.COMMIT_VERSION);
    assertThat(data.groupId()).isEqualTo("bench-1");
    assertThat(data.generationIdOrMemberEpoch()).isEqualTo(-1);
    assertThat(RawRequests.metadataRequests(3)).hasSize(3).allSatisfy(conn -> assertThat(conn).hasSize(1));
  }

  @Test
  void checkerPassesAnAnswerWithoutErrorsAndThrowsOnAnyError() {
    var check = RawRequests.checker(ApiKeys.OFFSET_COMMIT, RawRequests.COMMIT_VERSION);
    check.accept(commitResponse(Errors.NONE));
    assertThatThrownBy(() -> check.accept(commitResponse(Errors.NOT_COORDINATOR)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("NOT_COORDINATOR");
  }

  private static ByteBuffer commitResponse(Errors error) {
    OffsetCommitResponseData body = new OffsetCommitResponseData().setTopics(List.of(new OffsetCommitResponseTopic()
        .setName(RawRequests.TOPIC).setPartitions(List.of(new OffsetCommitResponsePartition().setPartitionIndex(0)
            .setErrorCode(error.code())))));
    return response(ApiKeys.OFFSET_COMMIT, RawRequests.COMMIT_VERSION, body);
  }

  /** A response as RawLoad hands it to the checker: header and body, no size prefix. */
  private static ByteBuffer response(ApiKeys key, short version, ApiMessage body) {
    ResponseHeaderData header = new ResponseHeaderData().setCorrelationId(1);
    short headerVersion = key.responseHeaderVersion(version);
    ObjectSerializationCache cache = new ObjectSerializationCache();
    ByteBuffer buf = ByteBuffer.allocate(header.size(cache, headerVersion) + body.size(cache, version));
    ByteBufferAccessor acc = new ByteBufferAccessor(buf);
    header.write(acc, cache, headerVersion);
    body.write(acc, cache, version);
    return buf.flip();
  }

  /** The body of a request frame: after the size prefix and the header. */
  private static ByteBufferAccessor body(ByteBuffer frame) {
    ByteBuffer f = frame.duplicate();
    f.getInt();
    RequestHeader.parse(f);
    return new ByteBufferAccessor(f);
  }
}
