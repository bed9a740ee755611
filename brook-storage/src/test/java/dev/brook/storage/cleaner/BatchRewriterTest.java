package dev.brook.storage.cleaner;

import static dev.brook.storage.cleaner.TestBatches.KV;
import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.storage.RecordBatchHeader;
import dev.brook.storage.RecordCodec;
import dev.brook.storage.cleaner.BatchRewriter.Outcome;
import java.nio.ByteBuffer;
import java.util.Set;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.Test;

class BatchRewriterTest {
  private final BatchRewriter rewriter = new BatchRewriter(RecordCodec.builtIn());

  @Test
  void batchWhoseRecordsAreAllLatestIsKeptAsIs() throws Exception {
    ByteBuffer batch = TestBatches.batch(10, KV.of("a", "1"), KV.of("b", "2"));
    assertThat(rewriter.filter(batch, 0, (buf, r, offset) -> true, 0, 100)).isEqualTo(Outcome.KEEP_AS_IS);
  }

  @Test
  void batchWithNoLatestRecordIsDropped() throws Exception {
    ByteBuffer batch = TestBatches.batch(10, KV.of("a", "1"), KV.of("b", "2"));
    assertThat(rewriter.filter(batch, 0, (buf, r, offset) -> false, 0, 100)).isEqualTo(Outcome.DROPPED);
  }

  @Test
  void partiallyKeptBatchKeepsOffsetsBaseAndLastOffsetAndIsValid() throws Exception {
    ByteBuffer batch = TestBatches.batch(10,
        new KV("a", "1", 500), new KV("b", "2", 900), new KV("c", "3", 700), new KV("d", "4", 600));
    Set<Long> keep = Set.of(10L, 12L);
    Outcome o = rewriter.filter(batch, 0, (buf, r, offset) -> keep.contains(offset), 0, 100);
    assertThat(o).isEqualTo(Outcome.REWRITTEN);
    ByteBuffer out = rewriter.rewritten();
    assertThat(TestBatches.read(out)).containsExactly("10:a=1@500", "12:c=3@700");
    RecordBatch b = MemoryRecords.readableRecords(out.duplicate()).batches().iterator().next();
    assertThat(b.baseOffset()).isEqualTo(10);
    assertThat(b.lastOffset()).isEqualTo(13); // the producer's last offset survives
    assertThat(b.maxTimestamp()).isEqualTo(700);
    assertThat(b.countOrNull()).isEqualTo(2);
    assertThat(out.remaining()).isLessThan(batch.remaining());
  }

  @Test
  void keylessRecordsAreDropped() throws Exception {
    ByteBuffer batch = TestBatches.batch(0, KV.of(null, "orphan"), KV.of("k", "v"));
    assertThat(rewriter.filter(batch, 0, (buf, r, offset) -> true, 0, 100)).isEqualTo(Outcome.REWRITTEN);
    assertThat(TestBatches.read(rewriter.rewritten())).containsExactly("1:k=v@1000");
  }

  @Test
  void tombstoneIsStampedWithAHorizonThenDroppedAfterIt() throws Exception {
    ByteBuffer batch = TestBatches.batch(0, new KV("a", "1", 100), new KV("gone", null, 200));
    long now = 10_000;
    long retention = 5_000;
    assertThat(rewriter.filter(batch, 0, (buf, r, offset) -> true, now, retention)).isEqualTo(Outcome.REWRITTEN);
    ByteBuffer stamped = copy(rewriter.rewritten());
    RecordBatch b = MemoryRecords.readableRecords(stamped.duplicate()).batches().iterator().next();
    assertThat(b.deleteHorizonMs()).hasValue(15_000L);
    assertThat(rewriter.keptTombstoneHorizon()).isEqualTo(15_000L);
    // Record timestamps are unchanged although the base timestamp now holds the horizon.
    assertThat(TestBatches.read(stamped)).containsExactly("0:a=1@100", "1:gone=null@200");

    // Before the horizon nothing changes any more; after it the tombstone goes.
    assertThat(rewriter.filter(stamped, 0, (buf, r, offset) -> true, 14_999, retention)).isEqualTo(Outcome.KEEP_AS_IS);
    assertThat(rewriter.filter(stamped, 0, (buf, r, offset) -> true, 15_000, retention)).isEqualTo(Outcome.REWRITTEN);
    ByteBuffer after = rewriter.rewritten();
    assertThat(TestBatches.read(after)).containsExactly("0:a=1@100");
    assertThat(rewriter.tombstonesDropped()).isEqualTo(1);
    assertThat(rewriter.keptTombstoneHorizon()).isEqualTo(Long.MAX_VALUE);
    // No tombstone left: the horizon goes and the base timestamp is a record's again.
    RecordBatch cleared = MemoryRecords.readableRecords(after.duplicate()).batches().iterator().next();
    assertThat(cleared.deleteHorizonMs()).isEmpty();
    assertThat(RecordBatchHeader.baseTimestamp(after, 0)).isEqualTo(100);
  }

  @Test
  void compressedBatchIsRewrittenWithTheSameCodec() throws Exception {
    ByteBuffer batch = TestBatches.batch(100, Compression.gzip().build(),
        KV.of("a", "1"), KV.of("a", "2"), KV.of("b", "3"));
    Outcome o = rewriter.filter(batch, 0, (buf, r, offset) -> offset != 100, 0, 100);
    assertThat(o).isEqualTo(Outcome.REWRITTEN);
    ByteBuffer out = rewriter.rewritten();
    assertThat(RecordBatchHeader.compressionType(out, 0)).isEqualTo(RecordCodec.GZIP);
    assertThat(TestBatches.read(out)).containsExactly("101:a=2@1000", "102:b=3@1000");
  }

  @Test
  void lastBatchOfAnActiveProducerIsKeptEmptyWithItsProducerState() throws Exception {
    ByteBuffer buf = ByteBuffer.allocate(1024);
    org.apache.kafka.common.record.MemoryRecordsBuilder b = MemoryRecords.builder(buf, RecordBatch.MAGIC_VALUE_V2,
        Compression.gzip().build(), org.apache.kafka.common.record.TimestampType.CREATE_TIME, 40L, 0L, 77L, (short) 3, 12);
    b.append(new org.apache.kafka.common.record.SimpleRecord(500L, "a".getBytes(), "1".getBytes()));
    b.append(new org.apache.kafka.common.record.SimpleRecord(600L, "b".getBytes(), "2".getBytes()));
    ByteBuffer batch = b.build().buffer();

    assertThat(rewriter.filter(batch, 0, (x, r, o) -> false, 0, 100, false)).isEqualTo(Outcome.DROPPED);
    assertThat(rewriter.filter(batch, 0, (x, r, o) -> false, 0, 100, true)).isEqualTo(Outcome.REWRITTEN);
    ByteBuffer empty = rewriter.rewritten();
    assertThat(empty.remaining()).isEqualTo(RecordBatchHeader.SIZE);
    RecordBatch e = MemoryRecords.readableRecords(empty.duplicate()).batches().iterator().next();
    e.ensureValid();
    assertThat(e.countOrNull()).isZero();
    assertThat(e.baseOffset()).isEqualTo(40);
    assertThat(e.lastOffset()).isEqualTo(41);
    assertThat(e.producerId()).isEqualTo(77);
    assertThat(e.producerEpoch()).isEqualTo((short) 3);
    assertThat(e.lastSequence()).isEqualTo(13);
    assertThat(e.maxTimestamp()).isEqualTo(600);
    // Once the producer is gone, the empty batch goes too.
    ByteBuffer copy = ByteBuffer.allocate(empty.remaining()).put(empty.duplicate()).flip();
    assertThat(rewriter.filter(copy, 0, (x, r, o) -> true, 0, 100, true)).isEqualTo(Outcome.KEEP_AS_IS);
    assertThat(rewriter.filter(copy, 0, (x, r, o) -> true, 0, 100, false)).isEqualTo(Outcome.DROPPED);
  }

  @Test
  void unsupportedCompressionIsReported() {
    ByteBuffer batch = TestBatches.batch(0, Compression.zstd().build(), KV.of("a", "1"));
    assertThat(rewriter.canRead(batch, 0)).isFalse();
    assertThat(rewriter.canRead(TestBatches.batch(0, KV.of("a", "1")), 0)).isTrue();
  }

  private static ByteBuffer copy(ByteBuffer b) {
    ByteBuffer c = ByteBuffer.allocate(b.remaining());
    c.put(b.duplicate()).flip();
    return c;
  }
}
