package dev.brook.broker.txn;

import dev.brook.broker.recordformat.RecordReader;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads the {@code __transaction_state} values Brook wrote before it wrote Kafka's schema; never
 * writes them. The key was already Kafka's; the value was Brook's own under version 0, which is
 * also Kafka's v0 with another layout, so {@link dev.brook.broker.recordformat.LegacyRecordBoundary}
 * says which offsets hold it.
 *
 * <pre>
 * value v0 := producerId:int64 lastProducerId:int64 epoch:int16 lastEpoch:int16 timeoutMs:int32
 *             state:int8 startTimestamp:int64 lastUpdateTimestamp:int64
 *             partitionCount:int32 { topic:string partition:int32 }
 *             groupCount:int32 { group:string offsetCount:int32
 *                 { topic:string partition:int32 offset:int64 leaderEpoch:int32 metadata:nullable_string } }
 * </pre>
 *
 * The group section is older still (offsets once waited here for the commit); its offsets are
 * ignored, not applied: a transaction left in PREPARE_COMMIT completes without them.
 */
public final class LegacyTxnRecordCodec {
  private static final String WHAT = "__transaction_state value (Brook's legacy layout)";

  private LegacyTxnRecordCodec() {}

  public static TxnRecord decodeValue(String transactionalId, ByteBuffer value) {
    RecordReader r = new RecordReader(value, WHAT);
    short version = r.int16();
    if (version != 0) throw new IllegalArgumentException("unknown " + WHAT + " version " + version);
    long pid = r.int64();
    long lastPid = r.int64();
    short epoch = r.int16();
    short lastEpoch = r.int16();
    int timeout = r.int32();
    TxnState state = TxnState.of(r.int8());
    long start = r.int64();
    long update = r.int64();
    int n = r.arrayLength(6, false);
    Set<TopicPartition> partitions = new LinkedHashSet<>();
    for (int i = 0; i < n; i++) partitions.add(new TopicPartition(r.string(false), r.int32()));
    int groups = r.arrayLength(6, false);
    for (int i = 0; i < groups; i++) {
      r.string(false);
      int m = r.arrayLength(20, false);
      for (int j = 0; j < m; j++) {
        r.string(false);
        r.int32();
        r.int64();
        r.int32();
        r.string(true);
      }
    }
    return new TxnRecord(transactionalId, pid, lastPid, epoch, lastEpoch, timeout, state,
        Collections.unmodifiableSet(partitions), start, update);
  }
}
