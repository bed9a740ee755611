package dev.brook.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class RecordCodecTest {
  private final RecordCodec codec = RecordCodec.builtIn();

  @Test
  void gzipRoundTrips() throws IOException {
    byte[] data = "hello hello hello hello".repeat(1000).getBytes(StandardCharsets.UTF_8);
    ByteBuffer compressed = codec.compress(RecordCodec.GZIP, ByteBuffer.wrap(data));
    assertThat(compressed.remaining()).isLessThan(data.length / 10);
    ByteBuffer back = codec.decompress(RecordCodec.GZIP, compressed);
    assertThat(back).isEqualTo(ByteBuffer.wrap(data));
    assertThat(compressed.position()).isZero();
  }

  @Test
  void decompressesTheRecordsOfAGzipBatchWrittenByTheKafkaClient() throws IOException {
    ByteBuffer plain = batch(Compression.NONE);
    ByteBuffer gzip = batch(Compression.gzip().build());
    ByteBuffer section = gzip.duplicate().position(RecordBatchHeader.SIZE);
    ByteBuffer records = codec.decompress(RecordCodec.GZIP, section);
    assertThat(records).isEqualTo(plain.duplicate().position(RecordBatchHeader.SIZE));
  }

  @Test
  void corruptGzipIsAnIoError() {
    ByteBuffer junk = ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5});
    assertThatThrownBy(() -> codec.decompress(RecordCodec.GZIP, junk)).isInstanceOf(IOException.class);
  }

  @Test
  void knowsOnlyNoneAndGzip() {
    assertThat(codec.supports(RecordCodec.NONE)).isTrue();
    assertThat(codec.supports(RecordCodec.GZIP)).isTrue();
    assertThat(codec.supports(RecordCodec.SNAPPY)).isFalse();
    assertThat(codec.supports(RecordCodec.LZ4)).isFalse();
    assertThat(codec.supports(RecordCodec.ZSTD)).isFalse();
    assertThatThrownBy(() -> codec.decompress(RecordCodec.ZSTD, ByteBuffer.allocate(1)))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  private static ByteBuffer batch(Compression compression) {
    MemoryRecordsBuilder b = MemoryRecords.builder(
        ByteBuffer.allocate(4096), RecordBatch.MAGIC_VALUE_V2, compression, TimestampType.CREATE_TIME, 0L);
    for (int i = 0; i < 10; i++) {
      b.append(new SimpleRecord(1000 + i, ("k" + i).getBytes(StandardCharsets.UTF_8), ("v" + i).getBytes(StandardCharsets.UTF_8)));
    }
    return b.build().buffer();
  }
}
