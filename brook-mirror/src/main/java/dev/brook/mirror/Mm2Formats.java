package dev.brook.mirror;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.TopicPartition;

/**
 * MirrorMaker 2's record layouts for its offset-syncs and checkpoints topics, so MM2's readers
 * ({@code RemoteClusterUtils.translateOffsets}, {@code MirrorClient}, the checkpoint connector) read
 * what {@code brook mirror} writes. All integers are big-endian; a string is an int16 byte length and
 * that many UTF-8 bytes (Kafka's protocol {@code STRING}).
 *
 * <pre>
 * offset sync   key:   topic STRING, partition INT32                  (the SOURCE topic partition)
 *               value: upstreamOffset INT64, offset INT64             (no version header)
 * checkpoint    key:   group STRING, topic STRING, partition INT32    (the TARGET topic partition)
 *               value: version INT16 (0), upstreamOffset INT64, offset INT64, metadata STRING
 * heartbeat     key:   sourceClusterAlias STRING, targetClusterAlias STRING
 *               value: version INT16 (0), timestamp INT64                  (epoch milliseconds)
 * </pre>
 */
final class Mm2Formats {
  private Mm2Formats() {}

  /** One exact pair: the source record at {@code upstream} is the target record at {@code downstream}. */
  record OffsetSync(TopicPartition sourcePartition, long upstream, long downstream) {
    byte[] key() {
      return partitionKey(null, sourcePartition);
    }

    byte[] value() {
      return ByteBuffer.allocate(16).putLong(upstream).putLong(downstream).array();
    }

    static OffsetSync read(byte[] key, byte[] value) {
      ByteBuffer k = ByteBuffer.wrap(key);
      TopicPartition tp = new TopicPartition(string(k), k.getInt());
      ByteBuffer v = ByteBuffer.wrap(value);
      return new OffsetSync(tp, v.getLong(), v.getLong());
    }
  }

  /** A group's committed source offset and its translation, keyed by group and target partition. */
  record Checkpoint(String group, TopicPartition targetPartition, long upstream, long downstream, String metadata) {
    byte[] key() {
      return partitionKey(group, targetPartition);
    }

    byte[] value() {
      byte[] meta = (metadata == null ? "" : metadata).getBytes(StandardCharsets.UTF_8);
      return ByteBuffer.allocate(2 + 16 + 2 + meta.length)
          .putShort((short) 0)
          .putLong(upstream)
          .putLong(downstream)
          .putShort((short) meta.length)
          .put(meta)
          .array();
    }

    static Checkpoint read(byte[] key, byte[] value) {
      ByteBuffer k = ByteBuffer.wrap(key);
      String group = string(k);
      TopicPartition tp = new TopicPartition(string(k), k.getInt());
      ByteBuffer v = ByteBuffer.wrap(value);
      short version = v.getShort();
      if (version != 0) throw new IllegalArgumentException("checkpoint value version " + version);
      return new Checkpoint(group, tp, v.getLong(), v.getLong(), string(v));
    }
  }

  /** One heartbeat of the flow {@code source->target}, written to the target's {@code heartbeats} topic. */
  record Heartbeat(String source, String target, long timestamp) {
    byte[] key() {
      byte[] s = source.getBytes(StandardCharsets.UTF_8);
      byte[] t = target.getBytes(StandardCharsets.UTF_8);
      return ByteBuffer.allocate(4 + s.length + t.length).putShort((short) s.length).put(s).putShort((short) t.length).put(t).array();
    }

    byte[] value() {
      return ByteBuffer.allocate(10).putShort((short) 0).putLong(timestamp).array();
    }

    static Heartbeat read(byte[] key, byte[] value) {
      ByteBuffer k = ByteBuffer.wrap(key);
      String source = string(k);
      String target = string(k);
      ByteBuffer v = ByteBuffer.wrap(value);
      short version = v.getShort();
      if (version != 0) throw new IllegalArgumentException("heartbeat value version " + version);
      return new Heartbeat(source, target, v.getLong());
    }
  }

  private static byte[] partitionKey(String group, TopicPartition tp) {
    byte[] g = group == null ? null : group.getBytes(StandardCharsets.UTF_8);
    byte[] t = tp.topic().getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate((g == null ? 0 : 2 + g.length) + 2 + t.length + 4);
    if (g != null) b.putShort((short) g.length).put(g);
    return b.putShort((short) t.length).put(t).putInt(tp.partition()).array();
  }

  private static String string(ByteBuffer b) {
    int len = b.getShort();
    if (len < 0) throw new IllegalArgumentException("negative string length " + len);
    byte[] s = new byte[len];
    b.get(s);
    return new String(s, StandardCharsets.UTF_8);
  }
}
