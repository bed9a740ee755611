package dev.brook.broker.group;

import dev.brook.broker.group.GroupRecord.GroupSnapshot;
import dev.brook.broker.group.GroupRecord.MemberSnapshot;
import dev.brook.broker.recordformat.RecordReader;
import dev.brook.broker.recordformat.RecordWriter;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Kafka's GroupMetadataValue (the value of key type 2 of __consumer_offsets: a classic group's
 * generation and members), every version. Fields in order, with the version that added each:
 *
 * <pre>
 * protocolType:string generation:int32 protocol:nullable_string leader:nullable_string
 * currentStateTimestamp:int64 (v2+)
 * members:[ memberId:string groupInstanceId:nullable_string (v3+) clientId:string clientHost:string
 *           rebalanceTimeout:int32 (v1+) sessionTimeout:int32 subscription:bytes assignment:bytes ]
 * </pre>
 *
 * v4 is the flexible form of v3 (compact strings, bytes and arrays; a tagged-field section after
 * each member and at the end). Written as v3, the version Kafka 4.1 writes. A group with no
 * protocol type is stored with "" (the field is not nullable) and read back as null; a member
 * without a rebalance timeout (v0) reads as its session timeout, as Kafka reads it.
 */
final class GroupMetadataValues {
  static final String WHAT = "__consumer_offsets GroupMetadataValue";
  static final short WRITTEN_VERSION = 3;

  private GroupMetadataValues() {}

  static byte[] encode(GroupSnapshot g) {
    RecordWriter w = new RecordWriter()
        .int16(WRITTEN_VERSION)
        .string(g.protocolType() == null ? "" : g.protocolType())
        .int32(g.generationId())
        .string(g.protocolName())
        .string(g.leaderId())
        .int64(g.stateTimestamp())
        .arrayLength(g.members().size());
    for (MemberSnapshot m : g.members()) {
      w.string(m.memberId())
          .string(m.groupInstanceId())
          .string(m.clientId())
          .string(m.clientHost())
          .int32(m.rebalanceTimeoutMs())
          .int32(m.sessionTimeoutMs())
          .bytes(m.subscription())
          .bytes(m.assignment());
    }
    return w.toByteArray();
  }

  static GroupSnapshot decode(ByteBuffer value) {
    RecordReader r = new RecordReader(value, WHAT);
    short v = r.int16();
    if (v < 0 || v > 4) throw new IllegalArgumentException("unknown " + WHAT + " version " + v);
    boolean flexible = v >= 4;
    String protocolType = string(r, flexible, false);
    int generation = r.int32();
    String protocol = string(r, flexible, true);
    String leader = string(r, flexible, true);
    long stateTimestamp = v >= 2 ? r.int64() : -1;
    int n = flexible ? r.compactArrayLength(8, false) : r.arrayLength(18, false);
    List<MemberSnapshot> members = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String memberId = string(r, flexible, false);
      String instanceId = v >= 3 ? string(r, flexible, true) : null;
      String clientId = string(r, flexible, false);
      String clientHost = string(r, flexible, false);
      int rebalanceTimeout = v >= 1 ? r.int32() : -1;
      int sessionTimeout = r.int32();
      byte[] subscription = flexible ? r.compactBytes() : r.bytes();
      byte[] assignment = flexible ? r.compactBytes() : r.bytes();
      if (flexible) r.skipTaggedFields();
      members.add(new MemberSnapshot(memberId, instanceId, clientId, clientHost,
          rebalanceTimeout == -1 ? sessionTimeout : rebalanceTimeout, sessionTimeout, subscription, assignment));
    }
    if (flexible) r.skipTaggedFields();
    return new GroupSnapshot(protocolType.isEmpty() ? null : protocolType, generation, protocol, leader,
        stateTimestamp, List.copyOf(members));
  }

  private static String string(RecordReader r, boolean flexible, boolean nullable) {
    return flexible ? r.compactString(nullable) : r.string(nullable);
  }
}
