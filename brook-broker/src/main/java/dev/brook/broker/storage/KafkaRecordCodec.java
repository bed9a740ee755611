package dev.brook.broker.storage;

import dev.brook.storage.RecordCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.ByteBufferOutputStream;

/**
 * The storage module's compression seam filled by the Kafka client library's own codecs: none, gzip,
 * snappy, lz4 and zstd, exactly as producers and consumers encode them. The broker hands it to the
 * log manager (storage does not depend on kafka-clients). Stateless and thread-safe; the cleaner's
 * recompression of a batch it rewrites keeps the batch's codec at that codec's default level, as
 * Kafka's cleaner does (a topic's {@code compression.*.level} applies where produced batches are
 * rewritten, in the broker's {@code BatchRecompressor}).
 */
public final class KafkaRecordCodec implements RecordCodec {
  public static final KafkaRecordCodec INSTANCE = new KafkaRecordCodec();

  private KafkaRecordCodec() {}

  @Override
  public boolean supports(int compressionType) {
    return compressionType >= NONE && compressionType <= ZSTD;
  }

  @Override
  public ByteBuffer decompress(int compressionType, ByteBuffer compressed) throws IOException {
    Compression compression = compression(compressionType);
    try (InputStream in =
        compression.wrapForInput(compressed.duplicate(), RecordBatch.MAGIC_VALUE_V2, BufferSupplier.NO_CACHING)) {
      return ByteBuffer.wrap(in.readAllBytes());
    } catch (IOException e) {
      throw e;
    } catch (RuntimeException e) {
      // Kafka's codecs report bad input as KafkaException.
      throw new IOException("cannot decompress " + compression.type() + " records: " + e.getMessage(), e);
    }
  }

  @Override
  public ByteBuffer compress(int compressionType, ByteBuffer records) throws IOException {
    Compression compression = compression(compressionType);
    ByteBufferOutputStream sink = new ByteBufferOutputStream(Math.max(64, records.remaining() / 2));
    try (OutputStream out = compression.wrapForOutput(sink, RecordBatch.MAGIC_VALUE_V2)) {
      ByteBuffer src = records.duplicate();
      if (src.hasArray()) {
        out.write(src.array(), src.arrayOffset() + src.position(), src.remaining());
      } else {
        byte[] bytes = new byte[src.remaining()];
        src.get(bytes);
        out.write(bytes);
      }
    }
    ByteBuffer result = sink.buffer();
    result.flip();
    return result;
  }

  private static Compression compression(int compressionType) {
    if (compressionType < NONE || compressionType > ZSTD) {
      throw new UnsupportedOperationException("unknown compression type " + compressionType);
    }
    return Compression.of(CompressionType.forId(compressionType)).build();
  }
}
