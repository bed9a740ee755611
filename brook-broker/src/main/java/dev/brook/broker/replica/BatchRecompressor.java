package dev.brook.broker.replica;

import static dev.brook.storage.RecordBatchHeader.ATTRIBUTES;
import static dev.brook.storage.RecordBatchHeader.COMPRESSION_MASK;
import static dev.brook.storage.RecordBatchHeader.LENGTH;
import static dev.brook.storage.RecordBatchHeader.LOG_OVERHEAD;
import static dev.brook.storage.RecordBatchHeader.SIZE;

import dev.brook.broker.replica.BatchValidator.Invalid;
import dev.brook.storage.RecordBatchHeader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.ByteBufferOutputStream;

/**
 * Rewrites one v2 batch into the topic's codec (its {@code compression.type}, at that codec's level)
 * while {@link BatchValidator} checks it: the records section, exactly as the producer wrote it
 * (relative timestamps and offset deltas, keys, values, headers), is fed to the target codec as the
 * validator reads it, so a compressed batch is decompressed once, not twice. The new batch takes the
 * original's 61-byte header (producer id and epoch, base sequence, record count, last offset delta,
 * base timestamp, transactional flag) with only the codec bits and the length changed; the caller
 * then fixes the timestamp fields and writes the CRC. Offsets are assigned later by the log, from
 * the unchanged record count, so the produce response and the log agree.
 *
 * <p>Memory is bounded: the rewritten batch may not exceed {@code max.message.bytes} (Kafka checks
 * the size again after recompressing), and writing stops as soon as it would, so a small batch that
 * decompresses to gigabytes costs at most that much. One instance per batch, on the appending thread.
 */
final class BatchRecompressor {
  private final TopicCompression target;
  private final int maxBatchBytes;
  private final Bounded sink;
  private OutputStream out;
  private final byte[] stage = new byte[512];
  private int staged;
  private boolean closed;
  private Throwable failure;

  /** Thrown by the sink when the batch would grow past {@code max.message.bytes}. */
  private static final class TooLarge extends RuntimeException {
    TooLarge() {
      super(null, null, false, false);
    }
  }

  /** The batch's bytes so far, header space first; refuses to grow past the limit. */
  private static final class Bounded extends ByteBufferOutputStream {
    private final int limit;

    Bounded(int initialCapacity, int limit) {
      super(initialCapacity);
      this.limit = limit;
      position(SIZE); // the header is copied in at the end
    }

    private void check(int more) {
      if ((long) position() + more > limit) throw new TooLarge();
    }

    @Override
    public void write(int b) {
      check(1);
      super.write(b);
    }

    @Override
    public void write(byte[] bytes, int off, int len) {
      check(len);
      super.write(bytes, off, len);
    }

    @Override
    public void write(ByteBuffer source) {
      check(source.remaining());
      super.write(source);
    }
  }

  /**
   * @param sourceSize the batch as sent, to size the first buffer
   * @param maxBatchBytes the topic's {@code max.message.bytes}
   */
  BatchRecompressor(TopicCompression target, int sourceSize, int maxBatchBytes) {
    this.target = target;
    this.maxBatchBytes = maxBatchBytes;
    int limit = Math.max(SIZE, maxBatchBytes);
    this.sink = new Bounded(Math.min(limit, Math.max(SIZE + 256, sourceSize + sourceSize / 2)), limit);
    try {
      this.out = target.compression().wrapForOutput(sink, RecordBatch.MAGIC_VALUE_V2);
    } catch (RuntimeException e) {
      failure = e;
    }
  }

  /**
   * The decompressed records of the batch, copied into the target codec as they are read. Closing
   * it leaves {@code decompressed} open.
   */
  InputStream tee(InputStream decompressed) {
    return new FilterInputStream(decompressed) {
      @Override
      public int read() throws IOException {
        int b = super.read();
        if (b >= 0) copy(b);
        return b;
      }

      @Override
      public int read(byte[] bytes, int off, int len) throws IOException {
        int n = super.read(bytes, off, len);
        if (n > 0) copy(bytes, off, n);
        return n;
      }

      @Override
      public long skip(long n) throws IOException {
        throw new IOException("skip would lose records from the rewritten batch");
      }

      @Override
      public void close() {
        // the decompressing stream is closed by its owner
      }
    };
  }

  private void copy(int b) throws IOException {
    if (failure != null) throw new IOException("recompression stopped");
    if (staged == stage.length) flushStage();
    stage[staged++] = (byte) b;
  }

  private void copy(byte[] bytes, int off, int len) throws IOException {
    if (failure != null) throw new IOException("recompression stopped");
    flushStage();
    try {
      out.write(bytes, off, len);
    } catch (Throwable t) {
      fail(t);
    }
  }

  /** The single bytes read (varints, attributes) go to the codec in one write, not one call each. */
  private void flushStage() throws IOException {
    if (staged == 0) return;
    try {
      out.write(stage, 0, staged);
      staged = 0;
    } catch (Throwable t) {
      fail(t);
    }
  }

  /**
   * Stops the rewrite: the reader sees an I/O error (the validator then reports {@link #failure}
   * rather than a malformed record). Codecs report some faults as an Error (snappy); only the
   * virtual machine's own are rethrown.
   */
  private void fail(Throwable t) throws IOException {
    if (t instanceof VirtualMachineError e) throw e;
    failure = t;
    throw new IOException("recompression stopped", t);
  }

  /** Feeds an uncompressed batch's records section, {@code [from, to)} of {@code b}, to the codec. */
  void writeUncompressed(ByteBuffer b, int from, int to) {
    if (failure != null) return;
    try {
      if (b.hasArray()) {
        out.write(b.array(), b.arrayOffset() + from, to - from);
      } else {
        byte[] chunk = new byte[Math.min(64 * 1024, to - from)];
        for (int p = from; p < to; p += chunk.length) {
          int n = Math.min(chunk.length, to - p);
          b.get(p, chunk, 0, n);
          out.write(chunk, 0, n);
        }
      }
    } catch (Throwable t) {
      if (t instanceof VirtualMachineError e) throw e;
      failure = t;
    }
  }

  /**
   * The error to answer if the rewrite failed (MESSAGE_TOO_LARGE past {@code max.message.bytes}),
   * else null. Call after the records were fed.
   */
  Invalid failure() {
    if (failure == null) return null;
    if (failure instanceof TooLarge || failure.getCause() instanceof TooLarge) return tooLarge();
    return new Invalid(Errors.UNKNOWN_SERVER_ERROR,
        "cannot rewrite the batch as " + target.typeName() + ": " + failure);
  }

  private Invalid tooLarge() {
    return new Invalid(Errors.MESSAGE_TOO_LARGE, "record batch exceeds max.message.bytes " + maxBatchBytes
        + " once rewritten as the topic's compression.type " + target.typeName());
  }

  /**
   * Ends the codec's stream and returns the new batch (position 0, limit its size) with {@code
   * original}'s header at {@code at}, the target codec in its attributes and its new length; the CRC
   * is left for the caller. Returns null and sets {@link #failure} if the rewrite failed.
   */
  ByteBuffer finish(ByteBuffer original, int at) {
    if (failure != null) return null;
    closed = true;
    try {
      if (staged > 0) out.write(stage, 0, staged);
      out.close();
    } catch (Throwable t) {
      if (t instanceof VirtualMachineError e) throw e;
      failure = t;
      return null;
    }
    ByteBuffer batch = sink.buffer();
    int size = sink.position();
    batch.limit(size);
    for (int i = 0; i < SIZE; i++) batch.put(i, original.get(at + i));
    batch.putInt(LENGTH, size - LOG_OVERHEAD);
    short attributes = RecordBatchHeader.attributes(original, at);
    batch.putShort(ATTRIBUTES, (short) ((attributes & ~COMPRESSION_MASK) | target.codec()));
    batch.position(0);
    return batch;
  }

  /**
   * Closes the codec's stream if {@link #finish} did not (a batch found invalid, a failed rewrite):
   * zstd's holds native memory until closed. Idempotent; never throws.
   */
  void release() {
    if (closed || out == null) return;
    closed = true;
    try {
      out.close();
    } catch (Throwable t) {
      if (t instanceof VirtualMachineError e) throw e;
      // the batch is refused anyway; the stream's resources are freed by its close
    }
  }
}
