package dev.brook.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Walks the batch headers of a {@code .log} file between two positions: reads the file in chunks
 * and parses the 61-byte headers in place. After a large batch only the next header is read, so
 * record bytes are not copied for nothing. The chunk buffer is per thread and reused: direct on
 * platform threads (no copy through the JDK's temporary buffers), on heap for virtual threads
 * (which come and go). Not thread-safe; one per read.
 */
final class BatchCursor {
  private static final int CHUNK = 16 * 1024;
  /** After a batch at least this large the next fill reads just a header. */
  private static final int LARGE_BATCH = 4 * 1024;
  private static final ThreadLocal<ByteBuffer> CHUNKS = ThreadLocal.withInitial(
      () -> Thread.currentThread().isVirtual() ? ByteBuffer.allocate(CHUNK) : ByteBuffer.allocateDirect(CHUNK));

  private final FileChannel channel;
  private final long end;
  private final ByteBuffer chunk;
  private long chunkStart = -1;
  private int chunkLength;
  private long position;
  private long nextPosition;
  private int at;

  BatchCursor(FileChannel channel, long start, long end) {
    this.channel = channel;
    this.end = end;
    this.position = -1;
    this.nextPosition = start;
    this.chunk = CHUNKS.get();
  }

  /**
   * Moves to the next batch; false at the end or when the next header is cut short or has an
   * impossible length (only possible in files not yet recovered).
   */
  boolean next() throws IOException {
    long pos = nextPosition;
    if (pos + RecordBatchHeader.SIZE > end) {
      return false;
    }
    if (chunkStart < 0 || pos < chunkStart || pos + RecordBatchHeader.SIZE > chunkStart + chunkLength) {
      fill(pos);
      if (chunkLength < RecordBatchHeader.SIZE) {
        return false;
      }
    }
    at = (int) (pos - chunkStart);
    int size = RecordBatchHeader.sizeInBytes(chunk, at);
    if (size < RecordBatchHeader.SIZE || pos + size > end) {
      return false;
    }
    position = pos;
    nextPosition = pos + size;
    return true;
  }

  private void fill(long pos) throws IOException {
    chunk.clear();
    int want = (int) Math.min(position >= 0 && nextPosition - position >= LARGE_BATCH ? RecordBatchHeader.SIZE : CHUNK, end - pos);
    chunk.limit(want);
    long p = pos;
    while (chunk.hasRemaining()) {
      int n = channel.read(chunk, p);
      if (n < 0) {
        break;
      }
      p += n;
    }
    chunkStart = pos;
    chunkLength = chunk.position();
  }

  /**
   * Continues at {@code position}, which must be the first byte of a batch (an offset index entry);
   * the batches in between are not visited.
   */
  void skipTo(long position) {
    nextPosition = position;
  }

  long position() {
    return position;
  }

  /** Position just after the current batch. */
  long nextPosition() {
    return nextPosition;
  }

  int size() {
    return (int) (nextPosition - position);
  }

  long baseOffset() {
    return RecordBatchHeader.baseOffset(chunk, at);
  }

  long lastOffset() {
    return RecordBatchHeader.lastOffset(chunk, at);
  }

  long maxTimestamp() {
    return RecordBatchHeader.maxTimestamp(chunk, at);
  }

  int partitionLeaderEpoch() {
    return RecordBatchHeader.partitionLeaderEpoch(chunk, at);
  }

  byte magic() {
    return RecordBatchHeader.magic(chunk, at);
  }
}
