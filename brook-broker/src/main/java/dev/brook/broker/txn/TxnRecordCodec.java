package dev.brook.broker.txn;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * Brook's own record format in {@code __transaction_state}, one record per transactional id (the
 * topic is compacted, so the last record of an id is its state; a null value is a tombstone).
 *
 * <pre>
 * key   := version:int16 (=0) transactionalId:string
 * value := version:int16 (=0) producerId:int64 lastProducerId:int64 epoch:int16 lastEpoch:int16
 *          timeoutMs:int32 state:int8 startTimestamp:int64 lastUpdateTimestamp:int64
 *          partitionCount:int32 { topic:string partition:int32 }
 *          groupCount:int32 { group:string offsetCount:int32
 *                             { topic:string partition:int32 offset:int64 leaderEpoch:int32 metadata:nstring } }
 * string  := length:int16 utf8-bytes      nstring := length:int16 (-1: null) utf8-bytes
 * </pre>
 *
 * The group section is legacy: transactional consumer offsets once waited here for the commit; they
 * now live in __consumer_offsets with their group coordinator. It is written empty (groupCount 0,
 * so older readers still accept the records) and skipped on reading: offsets an older broker left
 * pending in a record are ignored, not applied (a transaction left in PREPARE_COMMIT by it completes
 * without them).
 *
 * Readers refuse versions they do not know (the record is skipped and logged by the loader), so a
 * future version must get a new number. Stateless.
 */
public final class TxnRecordCodec {
  static final short KEY_VERSION = 0;
  static final short VALUE_VERSION = 0;

  private TxnRecordCodec() {}

  public static byte[] key(String transactionalId) {
    byte[] id = utf8(transactionalId);
    ByteBuffer b = ByteBuffer.allocate(2 + 2 + id.length);
    b.putShort(KEY_VERSION).putShort((short) id.length).put(id);
    return b.array();
  }

  public static String decodeKey(ByteBuffer key) {
    ByteBuffer b = key.duplicate();
    short version = b.getShort();
    if (version != KEY_VERSION) throw new IllegalArgumentException("unknown key version " + version);
    return readString(b);
  }

  public static byte[] value(TxnRecord r) {
    List<byte[]> strings = new ArrayList<>();
    int size = 2 + 8 + 8 + 2 + 2 + 4 + 1 + 8 + 8 + 4 + 4;
    for (TopicPartition tp : r.partitions()) size += 2 + utf8Len(tp.topic(), strings) + 4;
    ByteBuffer b = ByteBuffer.allocate(size);
    b.putShort(VALUE_VERSION)
        .putLong(r.producerId())
        .putLong(r.lastProducerId())
        .putShort(r.producerEpoch())
        .putShort(r.lastProducerEpoch())
        .putInt(r.timeoutMs())
        .put(r.state().id)
        .putLong(r.startTimestamp())
        .putLong(r.lastUpdateTimestamp());
    b.putInt(r.partitions().size());
    for (TopicPartition tp : r.partitions()) {
      putString(b, tp.topic());
      b.putInt(tp.partition());
    }
    b.putInt(0); // no legacy group section
    return b.array();
  }

  /** Decodes a value; IllegalArgumentException for an unknown version or malformed bytes. */
  public static TxnRecord decodeValue(String transactionalId, ByteBuffer value) {
    ByteBuffer b = value.duplicate();
    try {
      short version = b.getShort();
      if (version != VALUE_VERSION) throw new IllegalArgumentException("unknown value version " + version);
      long pid = b.getLong();
      long lastPid = b.getLong();
      short epoch = b.getShort();
      short lastEpoch = b.getShort();
      int timeout = b.getInt();
      TxnState state = TxnState.of(b.get());
      long start = b.getLong();
      long update = b.getLong();
      int n = count(b.getInt());
      Set<TopicPartition> partitions = new LinkedHashSet<>();
      for (int i = 0; i < n; i++) partitions.add(new TopicPartition(readString(b), b.getInt()));
      int groups = count(b.getInt());
      for (int i = 0; i < groups; i++) skipLegacyGroupOffsets(b);
      return new TxnRecord(transactionalId, pid, lastPid, epoch, lastEpoch, timeout, state,
          Set.copyOf(partitions), start, update);
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("truncated transaction state value", e);
    }
  }

  /** Reads past one group of the legacy offsets section (its offsets are ignored). */
  private static void skipLegacyGroupOffsets(ByteBuffer b) {
    readString(b);
    int m = count(b.getInt());
    for (int j = 0; j < m; j++) {
      readString(b);
      b.getInt();
      b.getLong();
      b.getInt();
      readNullableString(b);
    }
  }

  private static int count(int n) {
    if (n < 0 || n > 1_000_000) throw new IllegalArgumentException("bad count " + n);
    return n;
  }

  private static byte[] utf8(String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > Short.MAX_VALUE) throw new IllegalArgumentException("string too long: " + bytes.length + " bytes");
    return bytes;
  }

  private static int utf8Len(String s, List<byte[]> ignored) {
    return utf8(s).length;
  }

  private static void putString(ByteBuffer b, String s) {
    byte[] bytes = utf8(s);
    b.putShort((short) bytes.length).put(bytes);
  }

  private static String readString(ByteBuffer b) {
    String s = readNullableString(b);
    if (s == null) throw new IllegalArgumentException("null string where one is required");
    return s;
  }

  private static String readNullableString(ByteBuffer b) {
    short len = b.getShort();
    if (len < 0) return null;
    byte[] bytes = new byte[len];
    b.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
