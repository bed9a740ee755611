package dev.brook.broker.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.storage.RecordCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class KafkaRecordCodecTest {
  private static final int HEADER = 61;
  private final RecordCodec codec = KafkaRecordCodec.INSTANCE;

  @ParameterizedTest
  @EnumSource(CompressionType.class)
  void decompressesWhatTheClientCompressesAndBack(CompressionType type) throws IOException {
    ByteBuffer plain = batch(Compression.NONE).position(HEADER);
    ByteBuffer compressed = batch(Compression.of(type).build()).position(HEADER);
    assertThat(codec.supports(type.id)).isTrue();
    assertThat(codec.decompress(type.id, compressed)).isEqualTo(plain);

    ByteBuffer again = codec.compress(type.id, plain);
    assertThat(codec.decompress(type.id, again)).isEqualTo(plain);
  }

  @Test
  void corruptInputIsAnIoErrorAndUnknownTypesAreRefused() {
    assertThatThrownBy(() -> codec.decompress(CompressionType.ZSTD.id, ByteBuffer.wrap(new byte[] {9, 9, 9, 9})))
        .isInstanceOf(IOException.class);
    assertThat(codec.supports(7)).isFalse();
    assertThatThrownBy(() -> codec.compress(7, ByteBuffer.allocate(0))).isInstanceOf(UnsupportedOperationException.class);
  }

  private static ByteBuffer batch(Compression compression) {
    MemoryRecordsBuilder b = MemoryRecords.builder(
        ByteBuffer.allocate(64 * 1024), RecordBatch.MAGIC_VALUE_V2, compression, TimestampType.CREATE_TIME, 0L);
    for (int i = 0; i < 200; i++) {
      b.append(new SimpleRecord(1000 + i, ("key-" + i).getBytes(StandardCharsets.UTF_8),
          ("value value value " + i).getBytes(StandardCharsets.UTF_8)));
    }
    return b.build().buffer();
  }
}
