package dev.brook.broker.replica;

import static dev.brook.broker.replica.BatchValidatorTest.NOW;
import static dev.brook.broker.replica.BatchValidatorTest.invalid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.replica.BatchValidator.Valid;
import dev.brook.storage.RecordBatchHeader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.ByteBufferOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A topic's compression.type rewriting produced batches (BatchValidator with BatchRecompressor). */
class BatchRecompressionTest {
  static final List<CompressionType> CODECS =
      List.of(CompressionType.NONE, CompressionType.GZIP, CompressionType.SNAPPY, CompressionType.LZ4, CompressionType.ZSTD);

  static RecordPolicy topic(String type) {
    return RecordPolicy.defaults().with(Map.of("compression.type", type));
  }

  static String typeName(CompressionType t) {
    return t == CompressionType.NONE ? "uncompressed" : t.name;
  }

  static List<SimpleRecord> records() {
    List<SimpleRecord> out = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Header[] headers = i % 3 == 0
          ? new Header[] {new RecordHeader("h" + i, ("hv" + i).getBytes(StandardCharsets.UTF_8)), new RecordHeader("n", null)}
          : new Header[0];
      byte[] key = i % 4 == 0 ? null : ("key-" + i).getBytes(StandardCharsets.UTF_8);
      byte[] value = i == 7 ? null : ("value-" + i + "-" + "x".repeat(i * 10)).getBytes(StandardCharsets.UTF_8);
      out.add(new SimpleRecord(NOW - 1000 + i * 7, key, value, headers));
    }
    return out;
  }

  static ByteBuffer batch(Compression compression, long pid, short epoch, int seq, boolean transactional, List<SimpleRecord> records) {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    MemoryRecordsBuilder b = MemoryRecords.builder(buf, RecordBatch.CURRENT_MAGIC_VALUE, compression,
        TimestampType.CREATE_TIME, 0L, NOW, pid, epoch, seq, transactional, RecordBatch.NO_PARTITION_LEADER_EPOCH);
    for (SimpleRecord r : records) b.append(r);
    return b.build().buffer();
  }

  static ByteBuffer copy(ByteBuffer b) {
    return ByteBuffer.allocate(b.remaining()).put(b.duplicate()).flip();
  }

  static RecordBatch only(ByteBuffer b) {
    RecordBatch batch = MemoryRecords.readableRecords(b.duplicate()).batches().iterator().next();
    batch.ensureValid();
    return batch;
  }

  static List<Record> recordsOf(ByteBuffer b) {
    List<Record> out = new ArrayList<>();
    for (Record r : only(b)) out.add(r);
    return out;
  }

  static void assertSameRecords(ByteBuffer actual, List<SimpleRecord> expected) {
    List<Record> got = recordsOf(actual);
    assertThat(got).hasSize(expected.size());
    for (int i = 0; i < expected.size(); i++) {
      Record r = got.get(i);
      SimpleRecord e = expected.get(i);
      assertThat(r.offset()).isEqualTo(i);
      assertThat(r.timestamp()).isEqualTo(e.timestamp());
      assertThat(r.key()).isEqualTo(e.key());
      assertThat(r.value()).isEqualTo(e.value());
      assertThat(r.headers()).containsExactly(e.headers());
    }
  }

  static Stream<Arguments> codecPairs() {
    List<Arguments> out = new ArrayList<>();
    for (CompressionType from : CODECS) {
      for (CompressionType to : CODECS) {
        if (from != to) out.add(Arguments.of(from, to));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("codecPairs")
  void batchInAnotherCodecIsRewrittenKeepingEveryRecordAndProducerField(CompressionType from, CompressionType to) {
    List<SimpleRecord> records = records();
    ByteBuffer sent = batch(Compression.of(from).build(), 42L, (short) 3, 1000, true, records);
    ByteBuffer original = copy(sent);

    Valid v = (Valid) BatchValidator.validate(sent, topic(typeName(to)), NOW, true);

    ByteBuffer stored = v.records();
    assertThat(stored).isNotSameAs(sent);
    assertThat(sent).as("the request's bytes are left alone").isEqualTo(original);
    RecordBatch b = only(stored);
    assertThat(b.compressionType()).isEqualTo(to);
    assertThat(v.sizeInBytes()).isEqualTo(stored.remaining()).isEqualTo(b.sizeInBytes());
    assertThat(b.producerId()).isEqualTo(42L);
    assertThat(b.producerEpoch()).isEqualTo((short) 3);
    assertThat(b.baseSequence()).isEqualTo(1000);
    assertThat(b.lastSequence()).isEqualTo(1019);
    assertThat(b.isTransactional()).isTrue();
    assertThat(b.isControlBatch()).isFalse();
    assertThat(b.countOrNull()).isEqualTo(20);
    assertThat(RecordBatchHeader.lastOffsetDelta(stored, 0)).isEqualTo(19);
    assertThat(b.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
    assertThat(b.maxTimestamp()).isEqualTo(NOW - 1000 + 19 * 7);
    assertThat(RecordBatchHeader.baseTimestamp(stored, 0)).isEqualTo(RecordBatchHeader.baseTimestamp(original, 0));
    assertThat(v.baseSequence()).isEqualTo(1000);
    assertThat(v.lastSequence()).isEqualTo(1019);
    assertThat(v.recordCount()).isEqualTo(20);
    assertSameRecords(stored, records);
  }

  @Test
  void producerTypeKeepsEveryCodecByteForByte() {
    for (CompressionType t : CODECS) {
      ByteBuffer sent = batch(Compression.of(t).build(), -1, (short) -1, -1, false, records());
      ByteBuffer original = copy(sent);
      Valid v = (Valid) BatchValidator.validate(sent, topic("producer"), NOW, true);
      assertThat(v.records()).isSameAs(sent);
      assertThat(sent).isEqualTo(original);
    }
  }

  @Test
  void batchAlreadyInTheTopicsCodecIsKeptWhateverItsLevel() {
    ByteBuffer sent = batch(Compression.gzip().level(1).build(), -1, (short) -1, -1, false, records());
    ByteBuffer original = copy(sent);
    RecordPolicy gzip9 = RecordPolicy.defaults().with(Map.of("compression.type", "gzip", "compression.gzip.level", "9"));
    Valid v = (Valid) BatchValidator.validate(sent, gzip9, NOW, true);
    assertThat(v.records()).isSameAs(sent);
    assertThat(sent).isEqualTo(original);
  }

  @Test
  void rewriteUsesTheTopicsLevel() throws Exception {
    List<SimpleRecord> records = records();
    ByteBuffer plain = batch(Compression.NONE, -1, (short) -1, -1, false, records);
    for (int level : new int[] {1, 19}) {
      RecordPolicy p = RecordPolicy.defaults().with(Map.of("compression.type", "zstd", "compression.zstd.level", Integer.toString(level)));
      ByteBuffer stored = ((Valid) BatchValidator.validate(copy(plain), p, NOW, true)).records();
      // The body is exactly what the client library's zstd writes at that level from the same records.
      ByteBuffer expected = compressSection(plain, Compression.zstd().level(level).build());
      assertThat(stored.slice(RecordBatchHeader.SIZE, stored.remaining() - RecordBatchHeader.SIZE)).isEqualTo(expected);
      assertSameRecords(stored, records);
    }
    RecordPolicy gzip1 = RecordPolicy.defaults().with(Map.of("compression.type", "gzip", "compression.gzip.level", "1"));
    ByteBuffer stored = ((Valid) BatchValidator.validate(copy(plain), gzip1, NOW, true)).records();
    assertThat(stored.slice(RecordBatchHeader.SIZE, stored.remaining() - RecordBatchHeader.SIZE))
        .isEqualTo(compressSection(plain, Compression.gzip().level(1).build()));
  }

  static ByteBuffer compressSection(ByteBuffer uncompressedBatch, Compression c) throws Exception {
    ByteBufferOutputStream sink = new ByteBufferOutputStream(1024);
    try (var out = c.wrapForOutput(sink, RecordBatch.MAGIC_VALUE_V2)) {
      ByteBuffer section = uncompressedBatch.slice(RecordBatchHeader.SIZE, uncompressedBatch.remaining() - RecordBatchHeader.SIZE);
      byte[] bytes = new byte[section.remaining()];
      section.get(bytes);
      out.write(bytes);
    }
    return sink.buffer().flip();
  }

  @Test
  void logAppendTimeTopicGetsTheBrokersTimeOnTheRewrittenBatch() {
    List<SimpleRecord> records = records();
    RecordPolicy p = RecordPolicy.defaults().with(Map.of("compression.type", "lz4", "message.timestamp.type", "LogAppendTime"));
    Valid v = (Valid) BatchValidator.validate(batch(Compression.gzip().build(), -1, (short) -1, -1, false, records), p, NOW, true);
    RecordBatch b = only(v.records());
    assertThat(b.compressionType()).isEqualTo(CompressionType.LZ4);
    assertThat(b.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
    assertThat(b.maxTimestamp()).isEqualTo(NOW);
    assertThat(v.logAppendTime()).isEqualTo(NOW);
    for (Record r : b) assertThat(r.timestamp()).isEqualTo(NOW); // as a consumer sees them
  }

  @Test
  void controlBatchesAreNeverRewritten() {
    ByteBuffer marker = MemoryRecords.withEndTransactionMarker(0L, NOW, RecordBatch.NO_PARTITION_LEADER_EPOCH, 9L, (short) 1,
        new EndTransactionMarker(ControlRecordType.COMMIT, 5)).buffer();
    ByteBuffer original = copy(marker);
    Valid v = (Valid) BatchValidator.validate(marker, topic("zstd"), NOW, false);
    assertThat(v.records()).isSameAs(marker);
    assertThat(v.control()).isTrue();
    assertThat(only(marker).compressionType()).isEqualTo(CompressionType.NONE);
    assertThat(marker).isEqualTo(original);
  }

  @Test
  void rewriteLargerThanMaxMessageBytesIsMessageTooLarge() {
    // 20 records of 20 KB zeros: a small gzip batch, 400 KB uncompressed.
    List<SimpleRecord> big = new ArrayList<>();
    for (int i = 0; i < 20; i++) big.add(new SimpleRecord(NOW, ("k" + i).getBytes(), new byte[20_000]));
    ByteBuffer sent = batch(Compression.gzip().build(), -1, (short) -1, -1, false, big);
    assertThat(sent.remaining()).isLessThan(10_000);
    RecordPolicy p = RecordPolicy.defaults().with(Map.of("compression.type", "uncompressed", "max.message.bytes", "100000"));
    invalid(BatchValidator.validate(sent, p, NOW, true), Errors.MESSAGE_TOO_LARGE);
    // Within the limit the same batch is stored uncompressed.
    RecordPolicy roomy = RecordPolicy.defaults().with(Map.of("compression.type", "uncompressed"));
    ByteBuffer stored = ((Valid) BatchValidator.validate(sent, roomy, NOW, true)).records();
    assertThat(only(stored).compressionType()).isEqualTo(CompressionType.NONE);
    assertThat(stored.remaining()).isGreaterThan(400_000);
  }

  @Test
  void damagedBatchIsCorruptMessageAndNothingIsRewritten() {
    ByteBuffer sent = batch(Compression.gzip().build(), -1, (short) -1, -1, false, records());
    sent.put(sent.limit() - 3, (byte) (sent.get(sent.limit() - 3) ^ 0x5a));
    invalid(BatchValidator.validate(sent, topic("zstd"), NOW, true), Errors.CORRUPT_MESSAGE);
  }

  @Test
  void undecompressableRecordsWithAValidCrcAreRefusedNotThrown() {
    for (CompressionType t : List.of(CompressionType.GZIP, CompressionType.SNAPPY, CompressionType.LZ4, CompressionType.ZSTD)) {
      ByteBuffer sent = batch(Compression.of(t).build(), -1, (short) -1, -1, false, records());
      // The second half of the compressed records is garbage (the codec's framing and declared sizes
      // at the start stay sane, so no codec is asked to allocate an absurd buffer).
      Random random = new Random(t.id);
      int from = RecordBatchHeader.SIZE + (sent.limit() - RecordBatchHeader.SIZE) / 2;
      for (int i = from; i < sent.limit(); i++) sent.put(i, (byte) random.nextInt());
      BatchValidatorTest.fixCrc(sent);
      for (String target : List.of("uncompressed", "zstd", "gzip")) {
        if (target.equals(t.name)) continue;
        invalid(BatchValidator.validate(copy(sent), topic(target), NOW, true), Errors.INVALID_RECORD);
      }
    }
  }

  @Test
  void invalidRecordInARewrittenBatchIsStillReportedPerRecord() {
    List<SimpleRecord> records = new ArrayList<>(records());
    records.set(5, new SimpleRecord(NOW + 7_200_000L, "k".getBytes(), "v".getBytes()));
    ByteBuffer sent = batch(Compression.snappy().build(), -1, (short) -1, -1, false, records);
    var bad = invalid(BatchValidator.validate(sent, topic("zstd"), NOW, true), Errors.INVALID_TIMESTAMP);
    assertThat(bad.recordFaults()).extracting(BatchValidator.RecordFault::batchIndex).containsExactly(5);
  }
}
