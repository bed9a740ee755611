package dev.brook.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class BatchCopyTest {
  private static final long PID = 4242L;
  private static final short EPOCH = 7;

  /** A record as a consumer sees it: offset, timestamp, key, value, headers. */
  private record Seen(long offset, long timestamp, String key, String value, List<String> headers) {}

  @Test
  void rewrittenBatchIsAValidTransactionalBatchWithTheSameRecords() {
    for (Compression compression : List.of(Compression.NONE, Compression.lz4().build(), Compression.gzip().build())) {
      ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
      MemoryRecordsBuilder b = MemoryRecords.builder(buf, RecordBatch.MAGIC_VALUE_V2, compression, TimestampType.CREATE_TIME, 100L,
          RecordBatch.NO_TIMESTAMP, 99L, (short) 1, 50, false, 3);
      b.append(1_000L, bytes("k0"), bytes("v0"), new Header[] {new RecordHeader("h", bytes("x"))});
      b.append(1_005L, null, bytes("v1"));
      b.append(999L, bytes("k2"), null, new Header[] {new RecordHeader("a", bytes("1")), new RecordHeader("b", null)});
      b.close();
      buf.flip();
      List<Seen> before = seen(MemoryRecords.readableRecords(buf.duplicate()));

      BatchCopy.Committed c = BatchCopy.committed(partition(MemoryRecords.readableRecords(buf), List.of()), 100L);

      assertThat(c.copies()).hasSize(1);
      BatchCopy.Copy copy = c.copies().get(0);
      assertThat(copy.rebuilt()).as("a whole batch is copied, not rebuilt").isFalse();
      assertThat(copy.sourceBase()).isEqualTo(100L);
      assertThat(c.next()).isEqualTo(103L);
      BatchCopy.rewrite(copy.batch(), PID, EPOCH, 12);
      RecordBatch out = BatchCopy.firstBatch(copy.batch());
      out.ensureValid();
      assertThat(out.isValid()).isTrue();
      assertThat(out.isTransactional()).isTrue();
      assertThat(out.isControlBatch()).isFalse();
      assertThat(out.producerId()).isEqualTo(PID);
      assertThat(out.producerEpoch()).isEqualTo(EPOCH);
      assertThat(out.baseSequence()).isEqualTo(12);
      assertThat(out.baseOffset()).isZero();
      assertThat(out.partitionLeaderEpoch()).isEqualTo(RecordBatch.NO_PARTITION_LEADER_EPOCH);
      assertThat(out.compressionType()).isEqualTo(compression.type());
      assertThat(out.maxTimestamp()).isEqualTo(1_005L);
      List<Seen> after = seen(MemoryRecords.readableRecords(copy.batch()));
      assertThat(after).hasSize(3);
      for (int i = 0; i < 3; i++) {
        Seen x = before.get(i);
        Seen y = after.get(i);
        assertThat(y.offset()).isEqualTo(x.offset() - 100); // relative to the base the target assigns
        assertThat(new Seen(0, y.timestamp(), y.key(), y.value(), y.headers())).isEqualTo(new Seen(0, x.timestamp(), x.key(), x.value(), x.headers()));
      }
    }
  }

  @Test
  void aBatchDamagedAtTheSourceIsRefusedNotGivenANewCrc() {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    batch(buf, 0, -1, false, "a", "b", "c");
    buf.flip();
    buf.put(buf.limit() - 2, (byte) (buf.get(buf.limit() - 2) ^ 0x55)); // a byte of the last record's value

    assertThatThrownBy(() -> BatchCopy.committed(partition(MemoryRecords.readableRecords(buf), List.of()), 0L))
        .isInstanceOf(org.apache.kafka.common.errors.CorruptRecordException.class).hasMessageContaining("CRC");
  }

  @Test
  void abortedTransactionsAndControlBatchesAreDropped() {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    batch(buf, 0, -1, false, "a", "b", "c"); // 0-2 plain
    batch(buf, 3, 10, true, "aborted1", "aborted2"); // 3-4 pid 10, aborted
    marker(buf, 5, 10, ControlRecordType.ABORT); // 5
    batch(buf, 6, 11, true, "t1", "t2"); // 6-7 pid 11, committed
    marker(buf, 8, 11, ControlRecordType.COMMIT); // 8
    batch(buf, 9, 10, true, "later"); // 9 pid 10 again, in a later (committed) transaction
    marker(buf, 10, 10, ControlRecordType.COMMIT); // 10
    buf.flip();
    List<FetchResponseData.AbortedTransaction> aborted = List.of(new FetchResponseData.AbortedTransaction().setProducerId(10).setFirstOffset(3));

    BatchCopy.Committed c = BatchCopy.committed(partition(MemoryRecords.readableRecords(buf), aborted), 0L);

    assertThat(c.copies()).extracting(BatchCopy.Copy::sourceBase).containsExactly(0L, 6L, 9L);
    assertThat(c.records()).isEqualTo(6);
    assertThat(c.next()).isEqualTo(11L);
  }

  @Test
  void compactedBatchWithOffsetGapsIsRebuiltKeepingEachSourceOffset() {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    MemoryRecordsBuilder b = MemoryRecords.builder(buf, RecordBatch.MAGIC_VALUE_V2, Compression.NONE, TimestampType.CREATE_TIME, 10L,
        RecordBatch.NO_TIMESTAMP, RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE, false, 0);
    b.appendWithOffset(10L, 1L, bytes("k10"), bytes("v10"));
    b.appendWithOffset(12L, 2L, bytes("k12"), bytes("v12"));
    b.appendWithOffset(15L, 3L, bytes("k15"), bytes("v15"));
    b.close();
    buf.flip();

    BatchCopy.Committed c = BatchCopy.committed(partition(MemoryRecords.readableRecords(buf), List.of()), 0L);

    BatchCopy.Copy copy = c.copies().get(0);
    assertThat(copy.rebuilt()).isTrue();
    assertThat(copy.sourceOffsets()).containsExactly(10L, 12L, 15L);
    assertThat(c.next()).isEqualTo(16L);
    BatchCopy.rewrite(copy.batch(), PID, EPOCH, 0);
    RecordBatch out = BatchCopy.firstBatch(copy.batch());
    out.ensureValid();
    assertThat(out.isTransactional()).isTrue();
    assertThat(seen(MemoryRecords.readableRecords(copy.batch()))).containsExactly(
        new Seen(0, 1L, "k10", "v10", List.of()), new Seen(1, 2L, "k12", "v12", List.of()), new Seen(2, 3L, "k15", "v15", List.of()));
  }

  @Test
  void batchBeginningBeforeThePositionKeepsOnlyTheRecordsFromIt() {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    batch(buf, 20, -1, false, "r20", "r21", "r22", "r23");
    buf.flip();

    BatchCopy.Committed c = BatchCopy.committed(partition(MemoryRecords.readableRecords(buf), List.of()), 22L);

    assertThat(c.copies()).hasSize(1);
    assertThat(c.copies().get(0).sourceOffsets()).containsExactly(22L, 23L);
    assertThat(c.records()).isEqualTo(2);
    assertThat(c.next()).isEqualTo(24L);
  }

  @Test
  void logAppendTimeBatchIsRebuiltWithTheAppendTimeAsCreateTime() {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    MemoryRecordsBuilder b = MemoryRecords.builder(buf, RecordBatch.MAGIC_VALUE_V2, Compression.NONE, TimestampType.LOG_APPEND_TIME, 0L,
        777L, RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE, false, 0);
    b.append(5L, bytes("k"), bytes("v"));
    b.close();
    buf.flip();

    BatchCopy.Copy copy = BatchCopy.committed(partition(MemoryRecords.readableRecords(buf), List.of()), 0L).copies().get(0);

    assertThat(copy.rebuilt()).isTrue();
    BatchCopy.rewrite(copy.batch(), PID, EPOCH, 0);
    RecordBatch out = BatchCopy.firstBatch(copy.batch());
    out.ensureValid();
    assertThat(out.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
    assertThat(seen(MemoryRecords.readableRecords(copy.batch()))).containsExactly(new Seen(0, 777L, "k", "v", List.of()));
  }

  @Test
  void aBatchCutShortAtTheEndOfTheResponseIsLeftForTheNextFetch() {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    batch(buf, 0, -1, false, "a", "b");
    int firstEnd = buf.position();
    batch(buf, 2, -1, false, "c", "d");
    buf.flip();
    buf.limit(buf.limit() - 5);

    BatchCopy.Committed c = BatchCopy.committed(partition(MemoryRecords.readableRecords(buf), List.of()), 0L);

    assertThat(c.copies()).hasSize(1);
    assertThat(c.copies().get(0).batch().remaining()).isEqualTo(firstEnd);
    assertThat(c.next()).isEqualTo(2L);
  }

  @Test
  void rewriteComputesTheCrcOverEverythingAfterTheCrcField() {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    batch(buf, 0, -1, false, "a");
    buf.flip();
    ByteBuffer copy = buf.slice();
    BatchCopy.rewrite(copy, PID, EPOCH, 5);
    long crc = org.apache.kafka.common.utils.Crc32C.compute(copy, BatchCopy.ATTRIBUTES_OFFSET, copy.limit() - BatchCopy.ATTRIBUTES_OFFSET);
    assertThat(copy.getInt(DefaultRecordBatch.CRC_OFFSET)).isEqualTo((int) crc);
    assertThat(BatchCopy.firstBatch(copy).checksum()).isEqualTo(crc);
  }

  @Test
  void aBatchLargerThanTheTargetLimitIsSplitIntoBatchesThatFitKeepingEachSourceOffset() {
    for (Compression compression : List.of(Compression.NONE, Compression.lz4().build())) {
      ByteBuffer buf = ByteBuffer.allocate(256 * 1024);
      MemoryRecordsBuilder b = MemoryRecords.builder(buf, RecordBatch.MAGIC_VALUE_V2, compression, TimestampType.CREATE_TIME, 100L,
          RecordBatch.NO_TIMESTAMP, RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE, false, 0);
      java.util.Random random = new java.util.Random(i0(compression));
      for (int i = 0; i < 50; i++) {
        byte[] noise = new byte[90];
        random.nextBytes(noise);
        b.append(1_000L + i, bytes("k" + i), bytes(java.util.Base64.getEncoder().encodeToString(noise)), new Header[] {new RecordHeader("h", bytes("x" + i))});
      }
      b.close();
      buf.flip();
      List<Seen> before = seen(MemoryRecords.readableRecords(buf.duplicate()));
      BatchCopy.Copy whole = BatchCopy.committed(partition(MemoryRecords.readableRecords(buf), List.of()), 100L).copies().get(0);
      assertThat(whole.batch().remaining()).as("the source batch is larger than the limit").isGreaterThan(4_000);
      TopicPartition source = new TopicPartition("src", 3);
      TopicPartition target = new TopicPartition("a.src", 3);

      List<BatchCopy.Copy> split = BatchCopy.fit(whole, 2_000, source, target);

      assertThat(split).as(compression.type().name).hasSizeGreaterThanOrEqualTo(4);
      List<Seen> after = new ArrayList<>();
      List<Long> offsets = new ArrayList<>();
      int seq = 0;
      for (BatchCopy.Copy c : split) {
        assertThat(c.batch().remaining()).isLessThanOrEqualTo(2_000);
        assertThat(c.rebuilt()).isTrue();
        for (int i = 0; i < c.count(); i++) offsets.add(c.sourceOffset(i));
        BatchCopy.rewrite(c.batch(), PID, EPOCH, seq);
        seq += c.count();
        RecordBatch out = BatchCopy.firstBatch(c.batch().duplicate());
        out.ensureValid();
        assertThat(out.isTransactional()).isTrue();
        int i = 0;
        for (Seen r : seen(MemoryRecords.readableRecords(c.batch().duplicate()))) {
          after.add(new Seen(c.sourceOffset(i++), r.timestamp(), r.key(), r.value(), r.headers()));
        }
      }
      assertThat(offsets).isEqualTo(before.stream().map(Seen::offset).toList());
      assertThat(after).isEqualTo(before);
      assertThat(seq).isEqualTo(50);
    }
  }

  @Test
  void aRebuiltBatchWithOffsetGapsKeepsItsGapsWhenSplit() {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    MemoryRecordsBuilder b = MemoryRecords.builder(buf, RecordBatch.MAGIC_VALUE_V2, Compression.NONE, TimestampType.CREATE_TIME, 10L);
    for (long o : new long[] {10, 13, 14, 20, 21, 27}) b.appendWithOffset(o, 1_000L, null, bytes("value-" + o + "-".repeat(100)));
    b.close();
    buf.flip();
    BatchCopy.Copy compacted = BatchCopy.committed(partition(MemoryRecords.readableRecords(buf), List.of()), 10L).copies().get(0);
    assertThat(compacted.rebuilt()).isTrue();

    List<BatchCopy.Copy> split = BatchCopy.fit(compacted, 300, new TopicPartition("s", 0), new TopicPartition("t", 0));

    List<Long> offsets = new ArrayList<>();
    for (BatchCopy.Copy c : split) {
      assertThat(c.batch().remaining()).isLessThanOrEqualTo(300);
      for (int i = 0; i < c.count(); i++) offsets.add(c.sourceOffset(i));
    }
    assertThat(split).hasSizeGreaterThan(1);
    assertThat(offsets).containsExactly(10L, 13L, 14L, 20L, 21L, 27L);
  }

  @Test
  void aBatchThatFitsIsLeftAsItIs() {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    batch(buf, 0, -1, false, "a", "b");
    buf.flip();
    BatchCopy.Copy copy = BatchCopy.committed(partition(MemoryRecords.readableRecords(buf), List.of()), 0L).copies().get(0);

    assertThat(BatchCopy.fit(copy, copy.batch().remaining(), new TopicPartition("s", 0), new TopicPartition("t", 0))).containsExactly(copy);
  }

  @Test
  void aRecordLargerThanTheTargetLimitOnItsOwnFailsNamingTopicPartitionOffsetAndLimit() {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    batch(buf, 40, -1, false, "small", "x".repeat(5_000), "small");
    buf.flip();
    BatchCopy.Copy copy = BatchCopy.committed(partition(MemoryRecords.readableRecords(buf), List.of()), 40L).copies().get(0);

    assertThatThrownBy(() -> BatchCopy.fit(copy, 1_000, new TopicPartition("src", 2), new TopicPartition("a.src", 2)))
        .isInstanceOf(BatchCopy.RecordTooLargeForTarget.class)
        .hasMessageContaining("offset 41 of src-2")
        .hasMessageContaining("max.message.bytes 1000 of a.src")
        .hasMessageContaining("partition 2");
  }

  // --- helpers ---

  private static long i0(Compression c) {
    return c.type().id;
  }

  private static void batch(ByteBuffer buf, long base, long pid, boolean transactional, String... values) {
    MemoryRecordsBuilder b = MemoryRecords.builder(buf, RecordBatch.MAGIC_VALUE_V2, Compression.NONE, TimestampType.CREATE_TIME, base,
        RecordBatch.NO_TIMESTAMP, pid, pid < 0 ? RecordBatch.NO_PRODUCER_EPOCH : (short) 0, pid < 0 ? RecordBatch.NO_SEQUENCE : 0, transactional, 0);
    for (String v : values) b.append(1_000L, null, bytes(v));
    b.close();
  }

  private static void marker(ByteBuffer buf, long offset, long pid, ControlRecordType type) {
    MemoryRecords.writeEndTransactionalMarker(buf, offset, 1_000L, 0, pid, (short) 0, new EndTransactionMarker(type, 0));
  }

  private static FetchResponseData.PartitionData partition(MemoryRecords records, List<FetchResponseData.AbortedTransaction> aborted) {
    return new FetchResponseData.PartitionData().setRecords(records).setAbortedTransactions(new ArrayList<>(aborted));
  }

  private static List<Seen> seen(MemoryRecords records) {
    List<Seen> out = new ArrayList<>();
    for (RecordBatch batch : records.batches()) {
      for (Record r : batch) {
        List<String> headers = new ArrayList<>();
        for (Header h : r.headers()) headers.add(h.key() + "=" + (h.value() == null ? "null" : new String(h.value(), StandardCharsets.UTF_8)));
        out.add(new Seen(r.offset(), r.timestamp(), string(r.key()), string(r.value()), headers));
      }
    }
    return out;
  }

  private static String string(ByteBuffer b) {
    if (b == null) return null;
    byte[] a = new byte[b.remaining()];
    b.duplicate().get(a);
    return new String(a, StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
