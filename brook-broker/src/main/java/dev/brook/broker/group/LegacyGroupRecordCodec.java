package dev.brook.broker.group;

import dev.brook.broker.group.GroupRecord.GroupMetadataRecord;
import dev.brook.broker.group.GroupRecord.GroupSnapshot;
import dev.brook.broker.group.GroupRecord.MemberSnapshot;
import dev.brook.broker.group.GroupRecord.OffsetRecord;
import dev.brook.broker.recordformat.RecordReader;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the __consumer_offsets values that Brook wrote before it wrote Kafka's schemas; never
 * writes them. The keys were already Kafka's (type 1 offset, type 2 group); the values were
 * Brook's own under version number 0, which is also a valid Kafka version with another layout,
 * so the bytes cannot tell them apart: {@link dev.brook.broker.recordformat.LegacyRecordBoundary}
 * says which offsets of a partition hold this layout.
 *
 * <pre>
 * offset value v0: offset:int64 leaderEpoch:int32 metadata:nullable_string commitTimestamp:int64
 *                  expireTimestamp:int64 (-1 = none)
 * group value v0:  protocolType:nullable_string generationId:int32 protocolName:nullable_string
 *                  leaderId:nullable_string stateTimestamp:int64 memberCount:int32
 *                  memberCount x (memberId groupInstanceId clientId clientHost (nullable strings)
 *                  rebalanceTimeoutMs:int32 sessionTimeoutMs:int32 subscription:bytes assignment:bytes)
 * </pre>
 */
public final class LegacyGroupRecordCodec {
  private static final String WHAT = "__consumer_offsets value (Brook's legacy layout)";

  private LegacyGroupRecordCodec() {}

  /** Decodes one legacy record; {@code value} null means tombstone. */
  public static GroupRecord decode(ByteBuffer key, ByteBuffer value) {
    GroupRecord keyOnly = GroupRecordCodec.decode(key, null);
    if (value == null) return keyOnly;
    RecordReader v = new RecordReader(value, WHAT);
    short version = v.int16();
    if (version != 0) throw new IllegalArgumentException("unknown " + WHAT + " version " + version);
    return switch (keyOnly) {
      case OffsetRecord o -> new OffsetRecord(o.groupId(), o.partition(),
          new CommittedOffset(v.int64(), v.int32(), v.string(true), v.int64(), v.int64()));
      case GroupMetadataRecord g -> new GroupMetadataRecord(g.groupId(), group(v));
      default -> throw new IllegalArgumentException(WHAT + " under a key of another type: " + keyOnly);
    };
  }

  private static GroupSnapshot group(RecordReader v) {
    String protocolType = v.string(true);
    int generation = v.int32();
    String protocolName = v.string(true);
    String leader = v.string(true);
    long stateTimestamp = v.int64();
    int n = v.arrayLength(24, false);
    List<MemberSnapshot> members = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      members.add(new MemberSnapshot(v.string(true), v.string(true), v.string(true), v.string(true), v.int32(),
          v.int32(), v.bytes(), v.bytes()));
    }
    return new GroupSnapshot(protocolType, generation, protocolName, leader, stateTimestamp, List.copyOf(members));
  }
}
