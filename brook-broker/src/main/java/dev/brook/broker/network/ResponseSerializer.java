package dev.brook.broker.network;

import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.MessageSizeAccumulator;
import org.apache.kafka.common.protocol.ObjectSerializationCache;

/**
 * Turns a response message into the Netty messages of one frame: the 4-byte size, the response
 * header and the body, with record bytes as file regions where the body holds {@link SliceRecords}.
 */
final class ResponseSerializer {
  private ResponseSerializer() {}

  static List<Object> serialize(
      ByteBufAllocator alloc, int correlationId, short headerVersion, ApiMessage body, short version) {
    ObjectSerializationCache cache = new ObjectSerializationCache();
    ResponseHeaderData header = new ResponseHeaderData().setCorrelationId(correlationId);
    MessageSizeAccumulator size = new MessageSizeAccumulator();
    header.addSize(size, cache, headerVersion);
    body.addSize(size, cache, version);
    NettyWritable out = new NettyWritable(alloc, 4 + size.sizeExcludingZeroCopy());
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
