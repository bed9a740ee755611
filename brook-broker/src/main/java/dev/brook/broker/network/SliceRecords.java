package dev.brook.broker.network;

import dev.brook.storage.FileSlice;
import org.apache.kafka.common.record.BaseRecords;
import org.apache.kafka.common.record.RecordsSend;

/**
 * Record bytes that stay in a segment file: put into a Fetch response's {@code records} field, they
 * are written to the socket as a {@link io.netty.channel.FileRegion} (sendfile) by {@link
 * NettyWritable}, never through the Java heap.
 */
public final class SliceRecords implements BaseRecords {
  private final FileSlice slice;

  public SliceRecords(FileSlice slice) {
    this.slice = slice;
  }

  public FileSlice slice() {
    return slice;
  }

  @Override
  public int sizeInBytes() {
    return slice.length();
  }

  @Override
  public RecordsSend<? extends BaseRecords> toSend() {
    // Kafka's own Send path is not used under Netty; reaching here is a bug.
    throw new UnsupportedOperationException("SliceRecords are written by NettyWritable");
  }
}
