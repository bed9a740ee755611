package dev.brook.broker.txn;

import dev.brook.broker.recordformat.RecordReader;
import dev.brook.broker.recordformat.RecordWriter;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * The records of {@code __transaction_state} in Kafka's own schemas (TransactionLogKey and
 * TransactionLogValue), byte for byte as Kafka 4.1 writes them, so Kafka's
 * TransactionLogMessageFormatter and kafka-dump-log's transaction-log decoder read them. One
 * record per transactional id; the topic is compacted, so the last record of an id is its state,
 * and a null value is its tombstone.
 *
 * <pre>
 * key   := type:int16 (= 0) transactionalId:string            (never flexible; int16 length)
 * value v0 := version:int16 producerId:int64 producerEpoch:int16 timeoutMs:int32 state:int8
 *             partitions:nullable [ topic:string partitionIds:[int32] ]
 *             lastUpdateTimestampMs:int64 startTimestampMs:int64
 * value v1 := the same fields, flexible (compact strings and arrays, a tagged-field section after
 *             each topic), then tagged { 0: previousProducerId:int64, 1: nextProducerId:int64,
 *             2: clientTransactionVersion:int16, 3: nextProducerEpoch:int16 }, each written only
 *             when it differs from its default (-1, -1, 0, -1), in tag order
 * </pre>
 *
 * Brook writes v1, which Kafka 4.1 writes whenever the cluster's transaction.version is 1 or more
 * (a new 4.x cluster's default), and reads v0 and v1. The state byte is Kafka's (0 Empty, 1
 * Ongoing, 2 PrepareCommit, 3 PrepareAbort, 4 CompleteCommit, 5 CompleteAbort, 6 Dead). An Empty
 * transaction has a null partition list; partitions are grouped by topic in the order the record
 * holds them. Decoding checks every length against the bytes left and throws {@link
 * IllegalArgumentException} for truncated or garbled bytes and unknown versions (the loader skips
 * such a record and logs it). Records of the layout Brook used before are read by {@link
 * LegacyTxnRecordCodec}. Stateless.
 */
public final class TxnRecordCodec {
  static final short KEY_TYPE = 0;
  static final short VALUE_VERSION = 1;
  private static final String KEY = "__transaction_state key";
  private static final String VALUE = "__transaction_state value";

  private TxnRecordCodec() {}

  public static byte[] key(String transactionalId) {
    return new RecordWriter().int16(KEY_TYPE).string(transactionalId).toByteArray();
  }

  public static String decodeKey(ByteBuffer key) {
    RecordReader r = new RecordReader(key, KEY);
    short type = r.int16();
    if (type != KEY_TYPE) throw new IllegalArgumentException("unknown " + KEY + " type " + type);
    return r.string(false);
  }

  public static byte[] value(TxnRecord r) {
    RecordWriter w = new RecordWriter()
        .int16(VALUE_VERSION)
        .int64(r.producerId())
        .int16(r.producerEpoch())
        .int32(r.timeoutMs())
        .int8(r.state().id);
    if (r.state() == TxnState.EMPTY) {
      w.compactArrayLength(-1);
    } else {
      Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
      for (TopicPartition tp : r.partitions()) byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
      w.compactArrayLength(byTopic.size());
      byTopic.forEach((topic, ids) -> {
        w.compactString(topic).compactArrayLength(ids.size());
        for (int id : ids) w.int32(id);
        w.unsignedVarint(0);
      });
    }
    w.int64(r.lastUpdateTimestamp()).int64(r.startTimestamp());
    int tags = (r.lastProducerId() != -1 ? 1 : 0) + (r.nextProducerId() != -1 ? 1 : 0)
        + (r.clientTransactionVersion() != 0 ? 1 : 0) + (r.nextProducerEpoch() != -1 ? 1 : 0);
    w.unsignedVarint(tags);
    if (r.lastProducerId() != -1) w.taggedField(0, t -> t.int64(r.lastProducerId()));
    if (r.nextProducerId() != -1) w.taggedField(1, t -> t.int64(r.nextProducerId()));
    if (r.clientTransactionVersion() != 0) w.taggedField(2, t -> t.int16(r.clientTransactionVersion()));
    if (r.nextProducerEpoch() != -1) w.taggedField(3, t -> t.int16(r.nextProducerEpoch()));
    return w.toByteArray();
  }

  /** Decodes a value; IllegalArgumentException for an unknown version or malformed bytes. */
  public static TxnRecord decodeValue(String transactionalId, ByteBuffer value) {
    RecordReader r = new RecordReader(value, VALUE);
    short version = r.int16();
    if (version != 0 && version != 1) throw new IllegalArgumentException("unknown " + VALUE + " version " + version);
    boolean flexible = version == 1;
    long producerId = r.int64();
    short epoch = r.int16();
    int timeout = r.int32();
    TxnState state = TxnState.of(r.int8());
    Set<TopicPartition> partitions = new LinkedHashSet<>();
    int topics = flexible ? r.compactArrayLength(3, true) : r.arrayLength(6, true);
    for (int i = 0; i < topics; i++) {
      String topic = flexible ? r.compactString(false) : r.string(false);
      int n = flexible ? r.compactArrayLength(4, false) : r.arrayLength(4, false);
      for (int j = 0; j < n; j++) partitions.add(new TopicPartition(topic, r.int32()));
      if (flexible) r.skipTaggedFields();
    }
    long lastUpdate = r.int64();
    long start = r.int64();
    long[] longs = {-1, -1};
    short[] shorts = {0, -1};
    if (flexible) {
      r.taggedFields((tag, data) -> {
        switch (tag) {
          case 0 -> longs[0] = data.int64();
          case 1 -> longs[1] = data.int64();
          case 2 -> shorts[0] = data.int16();
          case 3 -> shorts[1] = data.int16();
          default -> { } // a tag of a later version
        }
      });
    }
    Set<TopicPartition> held = state == TxnState.EMPTY ? Set.of() : Collections.unmodifiableSet(partitions);
    return new TxnRecord(transactionalId, producerId, longs[0], epoch, (short) -1, timeout, state, held, start,
        lastUpdate, longs[1], shorts[1], shorts[0]);
  }
}
