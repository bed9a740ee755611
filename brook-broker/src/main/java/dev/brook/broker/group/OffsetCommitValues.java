package dev.brook.broker.group;

import dev.brook.broker.recordformat.RecordReader;
import dev.brook.broker.recordformat.RecordWriter;
import java.nio.ByteBuffer;
import org.apache.kafka.common.Uuid;

/**
 * Kafka's OffsetCommitValue (the value of key types 0 and 1 of __consumer_offsets), every version:
 *
 * <pre>
 * v0: offset:int64 metadata:string commitTimestamp:int64
 * v1: offset:int64 metadata:string commitTimestamp:int64 expireTimestamp:int64
 * v2: offset:int64 metadata:string commitTimestamp:int64
 * v3: offset:int64 leaderEpoch:int32 metadata:string commitTimestamp:int64
 * v4 (flexible): offset:int64 leaderEpoch:int32 metadata:compact_string commitTimestamp:int64
 *     tagged { 0: topicId:uuid, written when not zero }
 * </pre>
 *
 * Written as Kafka 4.1 writes it: v1 when the commit set an explicit expiry (OffsetCommit v1-4's
 * retention time), else v4. Fields a version lacks read as -1 (leader epoch, expiry).
 */
final class OffsetCommitValues {
  static final String WHAT = "__consumer_offsets OffsetCommitValue";

  private OffsetCommitValues() {}

  static byte[] encode(CommittedOffset o) {
    RecordWriter w = new RecordWriter();
    if (o.expireTimestamp() != -1) {
      return w.int16((short) 1).int64(o.offset()).string(nonNull(o.metadata())).int64(o.commitTimestamp())
          .int64(o.expireTimestamp()).toByteArray();
    }
    w.int16((short) 4).int64(o.offset()).int32(o.leaderEpoch()).compactString(nonNull(o.metadata()))
        .int64(o.commitTimestamp());
    if (o.topicId().equals(Uuid.ZERO_UUID)) {
      w.unsignedVarint(0);
    } else {
      w.unsignedVarint(1).taggedField(0, t -> t.uuid(o.topicId()));
    }
    return w.toByteArray();
  }

  static CommittedOffset decode(ByteBuffer value) {
    RecordReader r = new RecordReader(value, WHAT);
    short version = r.int16();
    return switch (version) {
      case 0, 2 -> new CommittedOffset(r.int64(), -1, r.string(false), r.int64(), -1);
      case 1 -> new CommittedOffset(r.int64(), -1, r.string(false), r.int64(), r.int64());
      case 3 -> new CommittedOffset(r.int64(), r.int32(), r.string(false), r.int64(), -1);
      case 4 -> {
        long offset = r.int64();
        int epoch = r.int32();
        String metadata = r.compactString(false);
        long commit = r.int64();
        Uuid[] topicId = {Uuid.ZERO_UUID};
        r.taggedFields((tag, data) -> {
          if (tag == 0) topicId[0] = data.uuid();
        });
        yield new CommittedOffset(offset, epoch, metadata, commit, -1, topicId[0]);
      }
      default -> throw new IllegalArgumentException("unknown " + WHAT + " version " + version);
    };
  }

  /** The schema's metadata string is not nullable; Kafka stores a client's null as "". */
  private static String nonNull(String s) {
    return s == null ? "" : s;
  }
}
