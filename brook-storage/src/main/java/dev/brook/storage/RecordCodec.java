package dev.brook.storage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The compression seam of the storage module: (de)compresses the records section of a v2 record
 * batch, by the batch's compression type id (attributes & 0x07: 0 none, 1 gzip, 2 snappy, 3 lz4, 4
 * zstd). The storage module needs it only where it must look inside records (the cleaner, and
 * timestamp lookups for ListOffsets); appends and fetch reads never decompress.
 *
 * <p>{@link #builtIn()} knows none and gzip (java.util.zip). The broker injects a codec backed by the
 * Kafka client library's compression classes that knows them all, so that storage itself does not
 * depend on kafka-clients. Implementations must be thread-safe.
 */
public interface RecordCodec {
  int NONE = 0;
  int GZIP = 1;
  int SNAPPY = 2;
  int LZ4 = 3;
  int ZSTD = 4;

  /** True if this codec can both decompress and compress {@code compressionType}. */
  boolean supports(int compressionType);

  /**
   * Decompresses {@code compressed} (position..limit, position not moved) and returns the records
   * bytes in a new buffer, position 0, limit = length.
   *
   * @throws IOException if the bytes do not decompress
   * @throws UnsupportedOperationException if {@link #supports} is false for the type
   */
  ByteBuffer decompress(int compressionType, ByteBuffer compressed) throws IOException;

  /** Compresses {@code records} (position..limit, position not moved) into a new buffer. */
  ByteBuffer compress(int compressionType, ByteBuffer records) throws IOException;

  /** A codec for uncompressed and gzip batches, with nothing but the JDK. */
  static RecordCodec builtIn() {
    return BuiltIn.INSTANCE;
  }

  /** none + gzip over java.util.zip. */
  final class BuiltIn implements RecordCodec {
    static final BuiltIn INSTANCE = new BuiltIn();

    private BuiltIn() {}

    @Override
    public boolean supports(int compressionType) {
      return compressionType == NONE || compressionType == GZIP;
    }

    @Override
    public ByteBuffer decompress(int compressionType, ByteBuffer compressed) throws IOException {
      return switch (compressionType) {
        case NONE -> copy(compressed);
        case GZIP -> {
          try (InputStream in = new GZIPInputStream(new ByteBufferInputStream(compressed.duplicate()), 8192)) {
            yield ByteBuffer.wrap(in.readAllBytes());
          }
        }
        default -> throw new UnsupportedOperationException("compression type " + compressionType + " needs the broker's codec");
      };
    }

    @Override
    public ByteBuffer compress(int compressionType, ByteBuffer records) throws IOException {
      return switch (compressionType) {
        case NONE -> copy(records);
        case GZIP -> {
          ByteArrayOutputStream bytes = new ByteArrayOutputStream(Math.max(64, records.remaining() / 2));
          try (GZIPOutputStream out = new GZIPOutputStream(bytes, 8192)) {
            ByteBuffer src = records.duplicate();
            byte[] chunk = new byte[Math.min(8192, Math.max(1, src.remaining()))];
            while (src.hasRemaining()) {
              int n = Math.min(chunk.length, src.remaining());
              src.get(chunk, 0, n);
              out.write(chunk, 0, n);
            }
          }
          yield ByteBuffer.wrap(bytes.toByteArray());
        }
        default -> throw new UnsupportedOperationException("compression type " + compressionType + " needs the broker's codec");
      };
    }

    private static ByteBuffer copy(ByteBuffer src) {
      ByteBuffer out = ByteBuffer.allocate(src.remaining());
      out.put(src.duplicate()).flip();
      return out;
    }
  }

  /** Reads a buffer's position..limit as a stream (moves the given buffer's position). */
  final class ByteBufferInputStream extends InputStream {
    private final ByteBuffer buf;

    public ByteBufferInputStream(ByteBuffer buf) {
      this.buf = buf;
    }

    @Override
    public int read() {
      return buf.hasRemaining() ? buf.get() & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) {
        return 0;
      }
      if (!buf.hasRemaining()) {
        return -1;
      }
      int n = Math.min(len, buf.remaining());
      buf.get(b, off, n);
      return n;
    }

    @Override
    public int available() {
      return buf.remaining();
    }
  }
}
