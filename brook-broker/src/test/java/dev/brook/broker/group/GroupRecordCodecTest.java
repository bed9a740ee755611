package dev.brook.broker.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.broker.group.GroupRecord.ClassicMemberMetadata;
import dev.brook.broker.group.GroupRecord.ClassicProtocol;
import dev.brook.broker.group.GroupRecord.ConsumerGroupEpochRecord;
import dev.brook.broker.group.GroupRecord.ConsumerMemberRecord;
import dev.brook.broker.group.GroupRecord.CurrentAssignmentRecord;
import dev.brook.broker.group.GroupRecord.GroupEpoch;
import dev.brook.broker.group.GroupRecord.GroupMetadataRecord;
import dev.brook.broker.group.GroupRecord.GroupSnapshot;
import dev.brook.broker.group.GroupRecord.IgnoredRecord;
import dev.brook.broker.group.GroupRecord.MemberAssignment;
import dev.brook.broker.group.GroupRecord.MemberSnapshot;
import dev.brook.broker.group.GroupRecord.MemberSubscription;
import dev.brook.broker.group.GroupRecord.OffsetRecord;
import dev.brook.broker.group.GroupRecord.RegexRecord;
import dev.brook.broker.group.GroupRecord.ResolvedRegex;
import dev.brook.broker.group.GroupRecord.TargetAssignmentEpochRecord;
import dev.brook.broker.group.GroupRecord.TargetAssignmentMemberRecord;
import dev.brook.broker.recordformat.RecordWriter;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

class GroupRecordCodecTest {
  private static final Uuid T1 = Uuid.fromString("HD_1D2dcSH-VAvjP-WYpvw");
  private static final Uuid T2 = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAQ");

  private static GroupRecord roundTrip(GroupRecord r) {
    byte[] v = GroupRecordCodec.value(r);
    GroupRecord back = GroupRecordCodec.decode(ByteBuffer.wrap(GroupRecordCodec.key(r)), v == null ? null : ByteBuffer.wrap(v));
    byte[] again = GroupRecordCodec.value(back);
    assertThat(again).isEqualTo(v);
    return back;
  }

  private static GroupRecord decode(String keyHex, String valueHex) {
    HexFormat hex = HexFormat.of();
    return GroupRecordCodec.decode(ByteBuffer.wrap(hex.parseHex(keyHex)),
        valueHex == null ? null : ByteBuffer.wrap(hex.parseHex(valueHex)));
  }

  @Test
  void offsetsAndTombstonesRoundTrip() {
    OffsetRecord o = new OffsetRecord("g", new TopicPartition("t", 3), new CommittedOffset(42, 7, "meta", 1000, -1));
    assertThat(roundTrip(o)).isEqualTo(o);
    OffsetRecord withId = new OffsetRecord("g", new TopicPartition("t", 3), new CommittedOffset(42, 7, "", 1000, -1, T1));
    assertThat(roundTrip(withId)).isEqualTo(withId);
    // Kafka's metadata field is not nullable: a client's null is stored as "".
    OffsetRecord noMeta = new OffsetRecord("g", new TopicPartition("t", 3), new CommittedOffset(1, -1, null, 5, 9));
    assertThat(roundTrip(noMeta)).isEqualTo(new OffsetRecord("g", new TopicPartition("t", 3), new CommittedOffset(1, -1, "", 5, 9)));
    OffsetRecord tomb = new OffsetRecord("g", new TopicPartition("t", 3), null);
    assertThat(roundTrip(tomb)).isEqualTo(tomb);
    // Same key for the same (group, partition): compaction keeps only the latest.
    assertThat(GroupRecordCodec.key(o)).isEqualTo(GroupRecordCodec.key(tomb));
  }

  @Test
  void offsetValueVersionIsFourOrOneWithAnExpiry() {
    OffsetRecord plain = new OffsetRecord("g", new TopicPartition("t", 0), new CommittedOffset(1, 2, "m", 3, -1));
    OffsetRecord expiring = new OffsetRecord("g", new TopicPartition("t", 0), new CommittedOffset(1, -1, "m", 3, 4));
    assertThat(GroupRecordCodec.value(plain)).startsWith(0, 4);
    assertThat(GroupRecordCodec.value(expiring)).startsWith(0, 1);
    assertThat(GroupRecordCodec.key(plain)).startsWith(0, 1);
  }

  @Test
  void everyOffsetValueVersionKafkaWroteIsRead() {
    String key = "0001000167000174" + "00000000";
    RecordWriter v0 = new RecordWriter().int16((short) 0).int64(10).string("a").int64(20);
    RecordWriter v2 = new RecordWriter().int16((short) 2).int64(10).string("a").int64(20);
    RecordWriter v3 = new RecordWriter().int16((short) 3).int64(10).int32(5).string("a").int64(20);
    HexFormat hex = HexFormat.of();
    assertThat(((OffsetRecord) decode(key, hex.formatHex(v0.toByteArray()))).offset())
        .isEqualTo(new CommittedOffset(10, -1, "a", 20, -1));
    assertThat(((OffsetRecord) decode(key, hex.formatHex(v2.toByteArray()))).offset())
        .isEqualTo(new CommittedOffset(10, -1, "a", 20, -1));
    assertThat(((OffsetRecord) decode(key, hex.formatHex(v3.toByteArray()))).offset())
        .isEqualTo(new CommittedOffset(10, 5, "a", 20, -1));
    // Key type 0 (Kafka 0.8.2's offset key) is the same key.
    assertThat(decode("0000" + key.substring(4), hex.formatHex(v0.toByteArray()))).isInstanceOf(OffsetRecord.class);
  }

  @Test
  void groupMetadataRoundTrips() {
    GroupSnapshot s = new GroupSnapshot("consumer", 5, "range", "m1", 123,
        List.of(new MemberSnapshot("m1", "i1", "c", "/h", 300, 45, new byte[] {1, 2}, new byte[] {3}),
            new MemberSnapshot("m2", null, "c", "/h", 300, 45, new byte[0], new byte[0])));
    GroupMetadataRecord back = (GroupMetadataRecord) roundTrip(new GroupMetadataRecord("g", s));
    assertThat(back.group().generationId()).isEqualTo(5);
    assertThat(back.group().members()).hasSize(2);
    assertThat(back.group().members().get(0).subscription()).containsExactly(1, 2);
    assertThat(back.group().members().get(1).groupInstanceId()).isNull();
    assertThat(roundTrip(new GroupMetadataRecord("g", null))).isEqualTo(new GroupMetadataRecord("g", null));
    GroupSnapshot empty = new GroupSnapshot(null, 0, null, null, 9, List.of());
    assertThat(roundTrip(new GroupMetadataRecord("g", empty))).isEqualTo(new GroupMetadataRecord("g", empty));
  }

  @Test
  void groupMetadataVersionsZeroToTwoAreRead() {
    HexFormat hex = HexFormat.of();
    // v0: no rebalance timeout, no state timestamp, no instance id.
    byte[] v0 = new RecordWriter().int16((short) 0).string("consumer").int32(3).string("range").string("m")
        .arrayLength(1).string("m").string("c").string("/h").int32(45).bytes(new byte[] {1}).bytes(new byte[] {2})
        .toByteArray();
    GroupSnapshot g0 = ((GroupMetadataRecord) decode("0002000167", hex.formatHex(v0))).group();
    assertThat(g0.stateTimestamp()).isEqualTo(-1);
    assertThat(g0.members().get(0).rebalanceTimeoutMs()).isEqualTo(45);
    assertThat(g0.members().get(0).groupInstanceId()).isNull();
    // v1 adds the rebalance timeout, v2 the state timestamp.
    byte[] v2 = new RecordWriter().int16((short) 2).string("consumer").int32(3).string(null).string(null).int64(99)
        .arrayLength(1).string("m").string("c").string("/h").int32(300).int32(45).bytes(null).bytes(null)
        .toByteArray();
    GroupSnapshot g2 = ((GroupMetadataRecord) decode("0002000167", hex.formatHex(v2))).group();
    assertThat(g2.stateTimestamp()).isEqualTo(99);
    assertThat(g2.protocolName()).isNull();
    assertThat(g2.members().get(0).rebalanceTimeoutMs()).isEqualTo(300);
    byte[] v1 = new RecordWriter().int16((short) 1).string("consumer").int32(3).string("range").string("m")
        .arrayLength(1).string("m").string("c").string("/h").int32(300).int32(45).bytes(null).bytes(null)
        .toByteArray();
    GroupSnapshot g1 = ((GroupMetadataRecord) decode("0002000167", hex.formatHex(v1))).group();
    assertThat(g1.stateTimestamp()).isEqualTo(-1);
    assertThat(g1.members().get(0).rebalanceTimeoutMs()).isEqualTo(300);
    assertThat(g1.members().get(0).sessionTimeoutMs()).isEqualTo(45);
  }

  @Test
  void groupMetadataFlexibleVersionFourIsRead() {
    RecordWriter v4 = new RecordWriter().int16((short) 4).compactString("consumer").int32(2).compactString("range")
        .compactString("m").int64(77).compactArrayLength(1)
        .compactString("m").compactString(null).compactString("c").compactString("/h").int32(-1).int32(45)
        .compactBytes(new byte[] {1}).compactBytes(new byte[] {2})
        .unsignedVarint(1).taggedField(9, t -> t.int32(1)) // an unknown tag, skipped
        .unsignedVarint(0);
    GroupMetadataRecord r = (GroupMetadataRecord) decode("0002000167", HexFormat.of().formatHex(v4.toByteArray()));
    assertThat(r.group().leaderId()).isEqualTo("m");
    assertThat(r.group().members().get(0).rebalanceTimeoutMs()).isEqualTo(45); // -1: the session timeout
  }

  @Test
  void consumerGroupRecordsRoundTrip() {
    Map<Uuid, List<Integer>> parts = new LinkedHashMap<>();
    parts.put(T2, List.of(3, 1));
    parts.put(T1, List.of(0));
    List<GroupRecord> records = List.of(
        new ConsumerGroupEpochRecord("g", new GroupEpoch(4, 0)),
        new ConsumerGroupEpochRecord("g", new GroupEpoch(4, -77)),
        new ConsumerGroupEpochRecord("g", null),
        new ConsumerMemberRecord("g", "m", new MemberSubscription("i", "r", "c", "/h", List.of("a", "b"), null, 300,
            "uniform", null)),
        new ConsumerMemberRecord("g", "m", new MemberSubscription(null, null, "c", "/h", List.of(), "t.*", 300, null,
            new ClassicMemberMetadata(45, List.of(new ClassicProtocol("range", new byte[] {1, 2}))))),
        new ConsumerMemberRecord("g", "m", new MemberSubscription(null, null, "c", "/h", List.of(), "", -1, null,
            new ClassicMemberMetadata(0, List.of()))),
        new ConsumerMemberRecord("g", "m", null),
        new TargetAssignmentEpochRecord("g", 7),
        new TargetAssignmentEpochRecord("g", null),
        new TargetAssignmentMemberRecord("g", "m", parts),
        new TargetAssignmentMemberRecord("g", "m", null),
        new CurrentAssignmentRecord("g", "m", new MemberAssignment(3, 2, (byte) 1, parts, Map.of(T1, List.of(9)))),
        new CurrentAssignmentRecord("g", "m", null));
    for (GroupRecord r : records) {
      GroupRecord back = roundTrip(r);
      if (r instanceof ConsumerMemberRecord m && m.value() != null && m.value().classic() != null) {
        assertThat(back).usingRecursiveComparison().isEqualTo(r);
      } else {
        assertThat(back).isEqualTo(r);
      }
    }
    // Maps keep their order, so the bytes do too.
    TargetAssignmentMemberRecord back = (TargetAssignmentMemberRecord) roundTrip(new TargetAssignmentMemberRecord("g", "m", parts));
    assertThat(back.partitions().keySet()).containsExactly(T2, T1);
  }

  @Test
  void aRegexResolutionIsKafkasConsumerGroupRegularExpressionRecord() {
    RegexRecord r = new RegexRecord("g", "t.*", new ResolvedRegex(List.of("t1", "t2"), 0, 5));
    // key: type 16, group "g", regex "t.*"; value v0 (flexible): [topics] version timestamp, no tags
    assertThat(HexFormat.of().formatHex(GroupRecordCodec.key(r))).isEqualTo("0010" + "000167" + "0003742e2a");
    assertThat(HexFormat.of().formatHex(GroupRecordCodec.value(r)))
        .isEqualTo("0000" + "03" + "037431" + "037432" + "0000000000000000" + "0000000000000005" + "00");
    assertThat(roundTrip(r)).isEqualTo(r);
    RegexRecord tomb = new RegexRecord("g", "t.*", null);
    assertThat(roundTrip(tomb)).isEqualTo(tomb);
  }

  @Test
  void unknownKeyTypesAreIgnoredNotErrors() {
    assertThat(decode("0004000167", "0000")).isEqualTo(new IgnoredRecord("g", (short) 4));
    assertThat(decode("0011000167", null)).isEqualTo(new IgnoredRecord("g", (short) 17));
    assertThat(decode("00ff", null)).isEqualTo(new IgnoredRecord(null, (short) 255));
    assertThatThrownBy(() -> GroupRecordCodec.value(new IgnoredRecord("g", (short) 4)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void garbageIsRejectedNotMisread() {
    Random random = new Random(7);
    List<GroupRecord> samples = List.of(
        new OffsetRecord("group", new TopicPartition("topic", 1), new CommittedOffset(42, 7, "m", 1, -1, T1)),
        new GroupMetadataRecord("g", new GroupSnapshot("consumer", 5, "range", "m1", 123,
            List.of(new MemberSnapshot("m1", "i1", "c", "/h", 300, 45, new byte[] {1, 2}, new byte[] {3})))),
        new CurrentAssignmentRecord("g", "m", new MemberAssignment(3, 2, (byte) 1, Map.of(T1, List.of(1)), Map.of())),
        new ConsumerMemberRecord("g", "m", new MemberSubscription("i", "r", "c", "/h", List.of("a"), null, 300,
            "uniform", new ClassicMemberMetadata(45, List.of(new ClassicProtocol("range", new byte[] {1, 2}))))));
    for (GroupRecord o : samples) {
      byte[] key = GroupRecordCodec.key(o);
      byte[] value = GroupRecordCodec.value(o);
      for (int cut = 0; cut < value.length; cut++) {
        byte[] truncated = Arrays.copyOf(value, cut);
        assertThatThrownBy(() -> GroupRecordCodec.decode(ByteBuffer.wrap(key), ByteBuffer.wrap(truncated)))
            .as("%s cut at %d", o, cut)
            .isInstanceOf(IllegalArgumentException.class);
      }
      for (int i = 0; i < 2000; i++) {
        byte[] garbled = value.clone();
        garbled[2 + random.nextInt(garbled.length - 2)] = (byte) random.nextInt();
        try {
          GroupRecordCodec.decode(ByteBuffer.wrap(key), ByteBuffer.wrap(garbled));
        } catch (IllegalArgumentException expected) {
          // rejected
        }
      }
      byte[] badVersion = value.clone();
      badVersion[1] = 9;
      assertThatThrownBy(() -> GroupRecordCodec.decode(ByteBuffer.wrap(key), ByteBuffer.wrap(badVersion)))
          .hasMessageContaining("version");
    }
    for (int i = 0; i < 1000; i++) {
      byte[] k = new byte[random.nextInt(40)];
      random.nextBytes(k);
      try {
        GroupRecordCodec.decode(ByteBuffer.wrap(k), null);
      } catch (IllegalArgumentException expected) {
        // rejected
      }
    }
  }

  @Test
  void hugeLengthsAreRejectedBeforeAllocating() {
    // A member count of 2^31-1 with nothing behind it.
    byte[] value = new RecordWriter().int16((short) 3).string("consumer").int32(1).string(null).string(null)
        .int64(1).int32(Integer.MAX_VALUE).toByteArray();
    assertThatThrownBy(() -> decode("0002000167", HexFormat.of().formatHex(value)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
  }
}
