package dev.brook.broker.group;

import dev.brook.broker.group.GroupRecord.GroupMetadataRecord;
import dev.brook.broker.group.GroupRecord.GroupSnapshot;
import dev.brook.broker.group.GroupRecord.MemberSnapshot;
import dev.brook.broker.group.GroupRecord.OffsetRecord;
import dev.brook.broker.group.GroupRecord.TransactionalOffsetRecord;
import dev.brook.broker.group.GroupRecord.TxnMarker;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.TopicPartition;

/**
 * Brook's key/value schema for __consumer_offsets records (Kafka's generated schemas live in its
 * server modules, which Brook does not use). Big-endian; a string is an int16 length (-1 = null)
 * and UTF-8 bytes; bytes are an int32 length and the bytes.
 *
 * <pre>
 * key   := int16 keyType, ...
 *   keyType 1 (offset):  string groupId, string topic, int32 partition
 *   keyType 2 (group):   string groupId
 * value := null (tombstone) | int16 valueVersion (0), ...
 *   offset v0: int64 offset, int32 leaderEpoch, string metadata, int64 commitTimestamp,
 *              int64 expireTimestamp (-1 = none)
 *   group  v0: string protocolType, int32 generationId, string protocolName, string leaderId,
 *              int64 stateTimestamp, int32 memberCount, memberCount × (string memberId,
 *              string groupInstanceId, string clientId, string clientHost,
 *              int32 rebalanceTimeoutMs, int32 sessionTimeoutMs, bytes subscription,
 *              bytes assignment)
 * </pre>
 *
 * The key identifies what compaction keeps the latest of: one offset per (group, partition) and one
 * metadata record per group. A reader rejects unknown key types and value versions with an
 * {@link IllegalArgumentException} (the loader skips such a record and logs it once).
 */
public final class GroupRecordCodec {
  static final short OFFSET_KEY = 1;
  static final short GROUP_KEY = 2;
  static final short VALUE_VERSION = 0;

  private GroupRecordCodec() {}

  public static byte[] key(GroupRecord r) {
    return switch (r) {
      case OffsetRecord o -> {
        Writer w = new Writer();
        w.int16(OFFSET_KEY).string(o.groupId()).string(o.partition().topic()).int32(o.partition().partition());
        yield w.bytes();
      }
      case GroupMetadataRecord g -> new Writer().int16(GROUP_KEY).string(g.groupId()).bytes();
      case TransactionalOffsetRecord t -> key(t.offset());
      case TxnMarker m -> throw new IllegalArgumentException("a transaction marker is a control batch, not a record");
      default -> throw new UnsupportedOperationException("not yet encoded: " + r);
    };
  }

  /** The value bytes, or null for a tombstone. */
  public static byte[] value(GroupRecord r) {
    return switch (r) {
      case OffsetRecord o -> o.offset() == null ? null : offsetValue(o.offset());
      case GroupMetadataRecord g -> g.group() == null ? null : groupValue(g.group());
      case TransactionalOffsetRecord t -> value(t.offset());
      case TxnMarker m -> throw new IllegalArgumentException("a transaction marker is a control batch, not a record");
      default -> throw new UnsupportedOperationException("not yet encoded: " + r);
    };
  }

  private static byte[] offsetValue(CommittedOffset o) {
    return new Writer()
        .int16(VALUE_VERSION)
        .int64(o.offset())
        .int32(o.leaderEpoch())
        .string(o.metadata())
        .int64(o.commitTimestamp())
        .int64(o.expireTimestamp())
        .bytes();
  }

  private static byte[] groupValue(GroupSnapshot g) {
    Writer w = new Writer();
    w.int16(VALUE_VERSION)
        .string(g.protocolType())
        .int32(g.generationId())
        .string(g.protocolName())
        .string(g.leaderId())
        .int64(g.stateTimestamp())
        .int32(g.members().size());
    for (MemberSnapshot m : g.members()) {
      w.string(m.memberId())
          .string(m.groupInstanceId())
          .string(m.clientId())
          .string(m.clientHost())
          .int32(m.rebalanceTimeoutMs())
          .int32(m.sessionTimeoutMs())
          .blob(m.subscription())
          .blob(m.assignment());
    }
    return w.bytes();
  }

  /** Decodes one record; {@code value} null means tombstone. */
  public static GroupRecord decode(ByteBuffer key, ByteBuffer value) {
    Reader k = new Reader(key);
    short type = k.int16();
    switch (type) {
      case OFFSET_KEY -> {
        String group = k.string();
        TopicPartition tp = new TopicPartition(k.string(), k.int32());
        if (value == null) return new OffsetRecord(group, tp, null);
        Reader v = versioned(value);
        return new OffsetRecord(
            group, tp, new CommittedOffset(v.int64(), v.int32(), v.string(), v.int64(), v.int64()));
      }
      case GROUP_KEY -> {
        String group = k.string();
        if (value == null) return new GroupMetadataRecord(group, null);
        Reader v = versioned(value);
        String protocolType = v.string();
        int generation = v.int32();
        String protocolName = v.string();
        String leader = v.string();
        long stateTimestamp = v.int64();
        int n = v.int32();
        if (n < 0) throw new IllegalArgumentException("negative member count " + n);
        List<MemberSnapshot> members = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
          members.add(
              new MemberSnapshot(
                  v.string(), v.string(), v.string(), v.string(), v.int32(), v.int32(), v.blob(), v.blob()));
        }
        return new GroupMetadataRecord(
            group, new GroupSnapshot(protocolType, generation, protocolName, leader, stateTimestamp, members));
      }
      default -> throw new IllegalArgumentException("unknown __consumer_offsets key type " + type);
    }
  }

  private static Reader versioned(ByteBuffer value) {
    Reader v = new Reader(value);
    short version = v.int16();
    if (version != VALUE_VERSION) {
      throw new IllegalArgumentException("unknown __consumer_offsets value version " + version);
    }
    return v;
  }

  private static final class Writer {
    private ByteBuffer buf = ByteBuffer.allocate(64);

    private void ensure(int n) {
      if (buf.remaining() < n) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n));
        buf.flip();
        bigger.put(buf);
        buf = bigger;
      }
    }

    Writer int16(short v) {
      ensure(2);
      buf.putShort(v);
      return this;
    }

    Writer int32(int v) {
      ensure(4);
      buf.putInt(v);
      return this;
    }

    Writer int64(long v) {
      ensure(8);
      buf.putLong(v);
      return this;
    }

    Writer string(String s) {
      if (s == null) return int16((short) -1);
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      if (b.length > Short.MAX_VALUE) throw new IllegalArgumentException("string too long: " + b.length);
      int16((short) b.length);
      ensure(b.length);
      buf.put(b);
      return this;
    }

    Writer blob(byte[] b) {
      byte[] bytes = b == null ? new byte[0] : b;
      int32(bytes.length);
      ensure(bytes.length);
      buf.put(bytes);
      return this;
    }

    byte[] bytes() {
      byte[] out = new byte[buf.position()];
      buf.flip();
      buf.get(out);
      return out;
    }
  }

  private static final class Reader {
    private final ByteBuffer buf;

    Reader(ByteBuffer buf) {
      this.buf = buf.duplicate();
    }

    private void need(int n) {
      if (n < 0 || buf.remaining() < n) throw new IllegalArgumentException("truncated __consumer_offsets record");
    }

    short int16() {
      need(2);
      return buf.getShort();
    }

    int int32() {
      need(4);
      return buf.getInt();
    }

    long int64() {
      need(8);
      return buf.getLong();
    }

    String string() {
      short len = int16();
      if (len == -1) return null;
      need(len);
      byte[] b = new byte[len];
      buf.get(b);
      return new String(b, StandardCharsets.UTF_8);
    }

    byte[] blob() {
      int len = int32();
      need(len);
      byte[] b = new byte[len];
      buf.get(b);
      return b;
    }
  }
}
