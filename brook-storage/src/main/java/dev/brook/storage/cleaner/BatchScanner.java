package dev.brook.storage.cleaner;

import dev.brook.storage.RecordBatchHeader;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Reads the whole batches of a region of a segment file through one reusable buffer (grown only for
 * a batch larger than it). The region must hold whole batches — the part of a segment below the log
 * end, which the log's invariant guarantees. Not thread-safe; one per cleaner thread.
 */
public final class BatchScanner {
  private ByteBuffer buf;
  private FileChannel channel;
  private long filePosition;
  private long fileEnd;
  private int batchAt;
  private int batchSize;

  public BatchScanner(int bufferBytes) {
    this.buf = ByteBuffer.allocate(Math.max(bufferBytes, RecordBatchHeader.SIZE));
  }

  /** Scans {@code channel} from {@code position} to {@code end}. */
  public BatchScanner reset(FileChannel channel, long position, long end) {
    this.channel = channel;
    this.filePosition = position;
    this.fileEnd = end;
    buf.clear().limit(0);
    batchAt = 0;
    batchSize = 0;
    return this;
  }

  /** Moves to the next batch; false at the end of the region. */
  public boolean next() throws IOException {
    int at = batchAt + batchSize;
    buf.position(at);
    if (buf.remaining() < RecordBatchHeader.LOG_OVERHEAD && !fill(RecordBatchHeader.LOG_OVERHEAD)) {
      return false;
    }
    at = buf.position();
    int size = RecordBatchHeader.sizeInBytes(buf, at);
    if (size < RecordBatchHeader.SIZE) {
      throw new CorruptRecordException("batch of " + size + " bytes at file position " + (filePosition - buf.remaining()));
    }
    if (buf.remaining() < size && !fill(size)) {
      throw new EOFException("batch of " + size + " bytes runs past the end of the region");
    }
    batchAt = buf.position();
    batchSize = size;
    return true;
  }

  /** The buffer holding the current batch. Valid until the next call to {@link #next}. */
  public ByteBuffer buffer() {
    return buf;
  }

  /** Where the current batch starts in {@link #buffer()}. */
  public int batchPosition() {
    return batchAt;
  }

  public int batchSize() {
    return batchSize;
  }

  /** Compacts the unread bytes to the front and reads until {@code need} bytes are buffered. */
  private boolean fill(int need) throws IOException {
    int unread = buf.remaining();
    if (unread == 0 && filePosition >= fileEnd) {
      return false;
    }
    if (buf.capacity() < need) {
      ByteBuffer bigger = ByteBuffer.allocate(Math.max(need, buf.capacity() * 2));
      bigger.put(buf);
      buf = bigger;
    } else {
      buf.compact();
    }
    // buf is now in write mode with the unread bytes at the front.
    while (buf.position() < need && filePosition < fileEnd) {
      int room = (int) Math.min(buf.remaining(), fileEnd - filePosition);
      int saved = buf.limit();
      buf.limit(buf.position() + room);
      int n = channel.read(buf, filePosition);
      buf.limit(saved);
      if (n < 0) {
        break;
      }
      filePosition += n;
    }
    buf.flip();
    batchAt = 0;
    batchSize = 0;
    if (buf.remaining() == 0) {
      return false;
    }
    if (buf.remaining() < need) {
      throw new EOFException("region ends inside a batch at file position " + filePosition);
    }
    return true;
  }
}
