package dev.brook.broker.network;

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
 */
final class FrameDecoder extends ByteToMessageDecoder {
  private static final Logger log = LoggerFactory.getLogger(FrameDecoder.class);
  private final int maxFrameBytes;

  FrameDecoder(int maxFrameBytes) {
    this.maxFrameBytes = maxFrameBytes;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (in.readableBytes() >= 4) {
      int size = in.getInt(in.readerIndex());
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
