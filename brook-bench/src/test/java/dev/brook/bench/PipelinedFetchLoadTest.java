package dev.brook.bench;

import static dev.brook.bench.FetchedBatchesTest.batches;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.Test;

class PipelinedFetchLoadTest {
  private static final short V = PipelinedFetchLoad.FETCH_VERSION;

  @Test
  void eachRequestCarriesTheCursorsOffsetAndItsCorrelationId() {
    PipelinedFetchLoad.Cursor c = new PipelinedFetchLoad.Cursor("bench-fetch", 3, 1 << 20);
    c.offset = 12_345;
    FetchRequestData first = decode(c.request(7), 7);
    c.offset = 99_000_000_000L;
    FetchRequestData second = decode(c.request(8), 8);
    for (FetchRequestData d : new FetchRequestData[] {first, second}) {
      assertThat(d.topics()).hasSize(1);
      assertThat(d.topics().getFirst().topic()).isEqualTo("bench-fetch");
      assertThat(d.topics().getFirst().partitions()).hasSize(1);
      FetchRequestData.FetchPartition p = d.topics().getFirst().partitions().getFirst();
      assertThat(p.partition()).isEqualTo(3);
      assertThat(p.partitionMaxBytes()).isEqualTo(1 << 20);
      assertThat(d.sessionEpoch()).isEqualTo(-1); // no fetch session: every fetch names its partition
      assertThat(d.minBytes()).isEqualTo(1);
    }
    assertThat(first.topics().getFirst().partitions().getFirst().fetchOffset()).isEqualTo(12_345);
    assertThat(second.topics().getFirst().partitions().getFirst().fetchOffset()).isEqualTo(99_000_000_000L);
  }

  @Test
  void anAnswerAdvancesPastItsWholeBatchesAndCountsTheirRecords() {
    PipelinedFetchLoad.Cursor c = sent(0, 5);
    ByteBuffer records = batches(0, 10, 5, 7);
    FetchedBatches.Progress p = c.apply(answer(5, 0, 22, 0, records.limit(records.limit() - 3), Errors.NONE));
    assertThat(p.records()).isEqualTo(15); // the cut-off third batch is not counted ...
    assertThat(c.offset).isEqualTo(15); // ... and is fetched next
    assertThat(c.passes).isZero();
  }

  @Test
  void theHighWatermarkStartsANewPassAtTheLogStart() {
    PipelinedFetchLoad.Cursor c = sent(15, 9);
    FetchedBatches.Progress p = c.apply(answer(9, 0, 22, 4, batches(15, 7), Errors.NONE));
    assertThat(p.records()).isEqualTo(7);
    assertThat(c.offset).isEqualTo(4);
    assertThat(c.passes).isEqualTo(1);
  }

  @Test
  void anAnswerToAnotherRequestFails() {
    PipelinedFetchLoad.Cursor c = sent(0, 5);
    assertThatThrownBy(() -> c.apply(answer(4, 0, 22, 0, batches(0, 10), Errors.NONE)))
        .hasMessageContaining("answer 4 to request 5");
  }

  @Test
  void aPartitionErrorFailsNamingIt() {
    PipelinedFetchLoad.Cursor c = sent(50, 1);
    assertThatThrownBy(() -> c.apply(answer(1, 0, 22, 0, ByteBuffer.allocate(0), Errors.OFFSET_OUT_OF_RANGE)))
        .hasMessageContaining("OFFSET_OUT_OF_RANGE").hasMessageContaining("bench-fetch-0 at 50");
  }

  @Test
  void anEmptyPartitionFails() {
    PipelinedFetchLoad.Cursor c = sent(0, 1);
    assertThatThrownBy(() -> c.apply(answer(1, 0, 0, 0, ByteBuffer.allocate(0), Errors.NONE)))
        .hasMessageContaining("is empty");
  }

  @Test
  void noWholeBatchBelowTheHighWatermarkFails() {
    PipelinedFetchLoad.Cursor c = sent(0, 1);
    ByteBuffer partial = batches(0, 10);
    assertThatThrownBy(() -> c.apply(answer(1, 0, 10, 0, partial.limit(partial.limit() - 1), Errors.NONE)))
        .hasMessageContaining("no whole batch");
  }

  @Test
  void aWindowWiderThanAConnectionsPartitionsIsRefused() {
    assertThatThrownBy(() -> new PipelinedFetchLoad.Shape("t", 8, 4, 3, 1 << 20, 0)).hasMessageContaining("window 3");
  }

  /** A cursor of bench-fetch-0 at {@code offset} whose last request had correlation id {@code id}. */
  private static PipelinedFetchLoad.Cursor sent(long offset, int id) {
    PipelinedFetchLoad.Cursor c = new PipelinedFetchLoad.Cursor("bench-fetch", 0, 1 << 20);
    c.offset = offset;
    c.request(id);
    return c;
  }

  private static FetchRequestData decode(ByteBuffer frame, int correlationId) {
    ByteBuffer b = frame.duplicate();
    assertThat(b.getInt()).isEqualTo(b.remaining());
    RequestHeader h = RequestHeader.parse(b);
    assertThat(h.apiKey()).isEqualTo(ApiKeys.FETCH);
    assertThat(h.apiVersion()).isEqualTo(V);
    assertThat(h.correlationId()).isEqualTo(correlationId);
    FetchRequestData d = new FetchRequestData();
    d.read(new ByteBufferAccessor(b), V);
    return d;
  }

  /** A Fetch answer (header and body, the frame after its size) for bench-fetch-{@code partition}. */
  private static ByteBuffer answer(int correlationId, int partition, long hw, long logStart, ByteBuffer records,
      Errors error) {
    FetchResponseData body = new FetchResponseData().setSessionId(0);
    body.responses().add(new FetchResponseData.FetchableTopicResponse().setTopic("bench-fetch").setPartitions(
        java.util.List.of(new FetchResponseData.PartitionData().setPartitionIndex(partition).setErrorCode(error.code())
            .setHighWatermark(hw).setLastStableOffset(hw).setLogStartOffset(logStart)
            .setRecords(MemoryRecords.readableRecords(records.slice())))));
    ResponseHeaderData header = new ResponseHeaderData().setCorrelationId(correlationId);
    short hv = ApiKeys.FETCH.responseHeaderVersion(V);
    ObjectSerializationCache cache = new ObjectSerializationCache();
    ByteBuffer buf = ByteBuffer.allocate(header.size(cache, hv) + body.size(cache, V));
    ByteBufferAccessor acc = new ByteBufferAccessor(buf);
    header.write(acc, cache, hv);
    body.write(acc, cache, V);
    return buf.flip();
  }
}
