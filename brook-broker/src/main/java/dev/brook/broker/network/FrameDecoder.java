package dev.brook.broker.network;

import dev.brook.broker.security.Session;
import io.netty.buffer.ByteBuf;
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
 */
final class FrameDecoder extends ByteToMessageDecoder {
  private static final Logger log = LoggerFactory.getLogger(FrameDecoder.class);
  private final int maxFrameBytes;
  /** SASL listeners: the connection until it authenticates (then null); null elsewhere. */
  private Session preAuth;
  private final int preAuthMaxBytes;

  FrameDecoder(int maxFrameBytes) {
    this(maxFrameBytes, null, maxFrameBytes);
  }

  /**
   * @param preAuth the session of a SASL connection: until it is authenticated no frame may exceed
   *     {@code preAuthMaxBytes} (sasl.server.max.receive.size, Kafka's fix for CVE-2022-34917), so an
   *     unauthenticated client cannot make the broker allocate more than that
   */
  FrameDecoder(int maxFrameBytes, Session preAuth, int preAuthMaxBytes) {
    this.maxFrameBytes = maxFrameBytes;
    this.preAuth = preAuth;
    this.preAuthMaxBytes = preAuthMaxBytes;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
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
      if (in.readableBytes() < 4 + size) {
        return;
      }
      in.skipBytes(4);
      out.add(in.readRetainedSlice(size));
    }
  }
}
