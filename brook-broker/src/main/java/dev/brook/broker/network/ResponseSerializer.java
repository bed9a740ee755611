package dev.brook.broker.network;

import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.MessageSizeAccumulator;
import org.apache.kafka.common.protocol.ObjectSerializationCache;

/**
 * Turns a response message into the Netty messages of one frame: the 4-byte size, the response
 * header and the body, with record bytes as file regions where the body holds {@link SliceRecords}
 * (read into buffers instead on TLS connections).
 */
final class ResponseSerializer {
  private ResponseSerializer() {}

  static List<Object> serialize(
      ByteBufAllocator alloc, int correlationId, short headerVersion, ApiMessage body, short version) {
    return serialize(alloc, correlationId, headerVersion, body, version, true);
  }

  /**
   * @param zeroCopy false on TLS connections: record bytes are then read into buffers (a file region
   *     would reach the socket unencrypted, bypassing the TLS handler)
   */
  static List<Object> serialize(ByteBufAllocator alloc, int correlationId, short headerVersion, ApiMessage body,
      short version, boolean zeroCopy) {
    ObjectSerializationCache cache = new ObjectSerializationCache();
    ResponseHeaderData header = new ResponseHeaderData().setCorrelationId(correlationId);
    MessageSizeAccumulator size = new MessageSizeAccumulator();
    header.addSize(size, cache, headerVersion);
    body.addSize(size, cache, version);
    NettyWritable out = new NettyWritable(alloc, 4 + size.sizeExcludingZeroCopy(), zeroCopy);
    try {
      out.writeInt(size.totalSize());
      header.write(out, cache, headerVersion);
      body.write(out, cache, version);
      return out.finish();
    } catch (RuntimeException e) {
      out.releaseAll();
      throw e;
    }
  }
}
