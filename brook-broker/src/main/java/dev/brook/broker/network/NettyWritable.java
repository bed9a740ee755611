package dev.brook.broker.network;

import dev.brook.storage.FileSlice;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultFileRegion;
import io.netty.util.ReferenceCountUtil;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.protocol.Writable;
import org.apache.kafka.common.record.BaseRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.utils.ByteUtils;

/**
 * A {@link Writable} that turns a serialized response into Netty messages: plain fields go into a
 * pooled {@link ByteBuf}; {@link SliceRecords} become file regions (zero-copy); {@link
 * MemoryRecords} are wrapped, not copied. Used once, on one event loop.
 */
final class NettyWritable implements Writable {
  private final ByteBufAllocator alloc;
  private final List<Object> parts = new ArrayList<>(4);
  private final boolean zeroCopy;
  private ByteBuf current;

  NettyWritable(ByteBufAllocator alloc, int expectedHeapBytes) {
    this(alloc, expectedHeapBytes, true);
  }

  /** @param zeroCopy false: {@link SliceRecords} are read into a buffer (TLS connections) */
  NettyWritable(ByteBufAllocator alloc, int expectedHeapBytes, boolean zeroCopy) {
    this.alloc = alloc;
    this.zeroCopy = zeroCopy;
    this.current = alloc.ioBuffer(Math.max(64, expectedHeapBytes));
  }

  /** The messages to write, in order; ownership passes to the caller. */
  List<Object> finish() {
    if (current.isReadable()) {
      parts.add(current);
    } else {
      current.release();
    }
    current = null;
    return parts;
  }

  void releaseAll() {
    if (current != null) current.release();
    parts.forEach(ReferenceCountUtil::safeRelease);
  }

  @Override
  public void writeByte(byte val) {
    current.writeByte(val);
  }

  @Override
  public void writeShort(short val) {
    current.writeShort(val);
  }

  @Override
  public void writeInt(int val) {
    current.writeInt(val);
  }

  @Override
  public void writeLong(long val) {
    current.writeLong(val);
  }

  @Override
  public void writeDouble(double val) {
    current.writeDouble(val);
  }

  @Override
  public void writeByteArray(byte[] arr) {
    current.writeBytes(arr);
  }

  @Override
  public void writeUnsignedVarint(int i) {
    while ((i & 0xFFFFFF80) != 0L) {
      current.writeByte((i & 0x7F) | 0x80);
      i >>>= 7;
    }
    current.writeByte(i);
  }

  @Override
  public void writeByteBuffer(ByteBuffer buf) {
    current.writeBytes(buf.duplicate());
  }

  @Override
  public void writeVarint(int i) {
    writeUnsignedVarint((i << 1) ^ (i >> 31));
  }

  @Override
  public void writeVarlong(long v) {
    long z = (v << 1) ^ (v >> 63);
    while ((z & 0xFFFFFFFFFFFFFF80L) != 0L) {
      current.writeByte(((int) z & 0x7F) | 0x80);
      z >>>= 7;
    }
    current.writeByte((int) z);
  }

  @Override
  public void writeRecords(BaseRecords records) {
    if (records instanceof SliceRecords s) {
      FileSlice slice = s.slice();
      if (slice.length() > 0 && zeroCopy) {
        cut();
        parts.add(new SharedFileRegion(slice));
      } else if (slice.length() > 0) {
        cut();
        parts.add(read(slice));
      }
    } else if (records instanceof MemoryRecords m) {
      ByteBuffer b = m.buffer();
      if (b.remaining() > 0) {
        cut();
        parts.add(Unpooled.wrappedBuffer(b.duplicate()));
      }
    } else if (records != null) {
      throw new IllegalArgumentException("cannot write records of type " + records.getClass());
    }
  }

  /** The slice's bytes in a buffer of their own (a positional read: the segment's channel is shared). */
  private ByteBuf read(FileSlice slice) {
    ByteBuf buf = alloc.ioBuffer(slice.length());
    try {
      long position = slice.position();
      int left = slice.length();
      while (left > 0) {
        int n = buf.writeBytes(slice.channel(), position, left);
        if (n < 0) throw new java.io.UncheckedIOException(new java.io.EOFException("segment ended at " + position));
        position += n;
        left -= n;
      }
      return buf;
    } catch (java.io.IOException e) {
      buf.release();
      throw new java.io.UncheckedIOException("cannot read records for a TLS fetch response", e);
    } catch (RuntimeException e) {
      buf.release();
      throw e;
    }
  }

  /** Ends the current buffer so that the next part follows it on the wire. */
  private void cut() {
    if (current.isReadable()) {
      parts.add(current);
      current = alloc.ioBuffer(256);
    }
  }

  static int sizeOfUnsignedVarint(int value) {
    return ByteUtils.sizeOfUnsignedVarint(value);
  }

  /**
   * A file region over a segment's channel that does not close the channel when released: the
   * storage layer owns segment channels and keeps deleted ones open for file.delete.delay.ms.
   */
  static final class SharedFileRegion extends DefaultFileRegion {
    SharedFileRegion(FileSlice slice) {
      super(slice.channel(), slice.position(), slice.length());
    }

    @Override
    protected void deallocate() {
      // the channel belongs to the segment; nothing to release here
    }
  }
}
