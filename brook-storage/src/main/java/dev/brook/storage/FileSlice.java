package dev.brook.storage;

import java.nio.channels.FileChannel;

/**
 * A range of a segment file holding whole record batches, ready to be sent with {@code
 * FileChannel.transferTo} (Netty's {@code DefaultFileRegion}). The channel stays open at least
 * {@code file.delete.delay.ms} after the segment is deleted, so a slice handed to the network stays
 * readable. The receiver must not close the channel.
 */
public record FileSlice(FileChannel channel, long position, int length) {
  public static final FileSlice EMPTY = new FileSlice(null, 0, 0);

  public boolean isEmpty() {
    return length == 0;
  }
}
