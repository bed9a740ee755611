package dev.brook.broker.network;

import dev.brook.broker.security.Session;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts the byte stream into Kafka frames (int32 size, then that many bytes). The size is checked
 * against {@code socket.request.max.bytes} before anything is allocated for the frame; a negative or
 * oversized size closes the connection (the frame itself is broken, no response can be formed).
 * Before a SASL connection authenticates the limit is sasl.server.max.receive.size.
 *
 * <p>Before a frame's bytes are read its size is reserved from the broker's {@link
 * RequestMemoryPool}; without memory the connection stops reading until some is returned. The
 * reservation goes with the frame and is returned when the connection handler releases it.
 */
final class FrameDecoder extends ByteToMessageDecoder {
  private static final Logger log = LoggerFactory.getLogger(FrameDecoder.class);
  private final int maxFrameBytes;
  private final RequestMemoryPool pool;
  private final ReadGate gate;
  /** The reservation held for the frame being read, or -1. */
  private long reserved = -1;
  /** SASL listeners: the connection until it authenticates (then null); null elsewhere. */
  private Session preAuth;
  private final int preAuthMaxBytes;

  FrameDecoder(int maxFrameBytes, RequestMemoryPool pool, ReadGate gate) {
    this(maxFrameBytes, pool, gate, null, maxFrameBytes);
  }

  /**
   * @param preAuth the session of a SASL connection: until it is authenticated no frame may exceed
   *     {@code preAuthMaxBytes} (sasl.server.max.receive.size, Kafka's fix for CVE-2022-34917), so an
   *     unauthenticated client cannot make the broker reserve or allocate more than that
   */
  FrameDecoder(int maxFrameBytes, RequestMemoryPool pool, ReadGate gate, Session preAuth, int preAuthMaxBytes) {
    this.maxFrameBytes = maxFrameBytes;
    this.pool = pool;
    this.gate = gate;
    this.preAuth = preAuth;
    this.preAuthMaxBytes = preAuthMaxBytes;
  }

  /** Bytes of unfinished frames this decoder holds, as last told to the pool. */
  private long buffered;

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    try {
      cut(ctx, in, out);
    } finally {
      long now = in.readableBytes();
      pool.buffered(now - buffered);
      buffered = now;
    }
  }

  private void cut(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (in.readableBytes() >= 4) {
      int size = in.getInt(in.readerIndex());
      if (preAuth != null) {
        if (preAuth.authenticated()) {
          preAuth = null;
        } else if (size > preAuthMaxBytes) {
          log.warn("closing connection from {}: frame size {} before authentication exceeds {} (sasl.server.max.receive.size)",
              ctx.channel().remoteAddress(), size, preAuthMaxBytes);
          in.skipBytes(in.readableBytes());
          ctx.close();
          return;
        }
      }
      if (size < 0 || size > maxFrameBytes) {
        log.warn("closing connection from {}: frame size {} is outside 0..{} (socket.request.max.bytes)",
            ctx.channel().remoteAddress(), size, maxFrameBytes);
        in.skipBytes(in.readableBytes());
        ctx.close();
        return;
      }
      if (reserved < 0) {
        long want = pool.reservationFor(size);
        if (!pool.tryReserve(want)) {
          waitForMemory(ctx, want);
          return;
        }
        reserved = want;
      }
      if (in.readableBytes() < 4 + size) {
        return;
      }
      in.skipBytes(4);
      reserved = -1; // the frame carries it now
      out.add(in.readRetainedSlice(size));
    }
  }

  private void waitForMemory(ChannelHandlerContext ctx, long want) {
    if (gate.isClosed(ReadGate.MEMORY)) return;
    gate.close(ReadGate.MEMORY);
    pool.await(want, () -> ctx.executor().execute(() -> {
      if (!ctx.channel().isActive()) return;
      gate.open(ReadGate.MEMORY);
      // The frame's first bytes may all be here already, with nothing more to come: decode again.
      try {
        channelRead(ctx, Unpooled.EMPTY_BUFFER);
      } catch (Exception e) {
        ctx.fireExceptionCaught(e);
      }
    }));
  }

  /**
   * Netty's decoder asks for more bytes when a read ended inside a frame and auto-read is off,
   * which would undo the gate: a connection waiting for request memory (or in-flight room, or out
   * its throttle) would go on reading the very bytes it must not. While the gate is closed the read
   * is not requested; opening the gate resumes reading.
   */
  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
    if (gate.isClosed()) {
      ctx.fireChannelReadComplete();
      return;
    }
    super.channelReadComplete(ctx);
  }

  /** Returns the memory a frame reserved; the connection handler calls it when it releases a frame. */
  static void release(RequestMemoryPool pool, ByteBuf frame) {
    pool.release(pool.reservationFor(frame.capacity()));
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) {
    pool.buffered(-buffered);
    buffered = 0;
    if (reserved > 0) pool.release(reserved);
    reserved = -1;
  }
}
