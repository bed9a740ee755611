package dev.brook.broker.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.broker.group.GroupRecord.GroupMetadataRecord;
import dev.brook.broker.group.GroupRecord.GroupSnapshot;
import dev.brook.broker.group.GroupRecord.MemberSnapshot;
import dev.brook.broker.group.GroupRecord.OffsetRecord;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class GroupRecordCodecTest {
  private static GroupRecord roundTrip(GroupRecord r) {
    byte[] v = GroupRecordCodec.value(r);
    return GroupRecordCodec.decode(ByteBuffer.wrap(GroupRecordCodec.key(r)), v == null ? null : ByteBuffer.wrap(v));
  }

  @Test
  void offsetsAndTombstonesRoundTrip() {
    OffsetRecord o = new OffsetRecord("g", new TopicPartition("t", 3), new CommittedOffset(42, 7, "meta", 1000, -1));
    assertThat(roundTrip(o)).isEqualTo(o);
    OffsetRecord noMeta = new OffsetRecord("g", new TopicPartition("t", 3), new CommittedOffset(1, -1, null, 5, 9));
    assertThat(roundTrip(noMeta)).isEqualTo(noMeta);
    OffsetRecord tomb = new OffsetRecord("g", new TopicPartition("t", 3), null);
    assertThat(roundTrip(tomb)).isEqualTo(tomb);
    // Same key for the same (group, partition): compaction keeps only the latest.
    assertThat(GroupRecordCodec.key(o)).isEqualTo(GroupRecordCodec.key(tomb));
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
  }

  @Test
  void garbageIsRejectedNotMisread() {
    Random random = new Random(7);
    OffsetRecord o = new OffsetRecord("group", new TopicPartition("topic", 1), new CommittedOffset(42, 7, "m", 1, -1));
    byte[] key = GroupRecordCodec.key(o);
    byte[] value = GroupRecordCodec.value(o);
    for (int cut = 0; cut < value.length; cut++) {
      byte[] truncated = Arrays.copyOf(value, cut);
      assertThatThrownBy(() -> GroupRecordCodec.decode(ByteBuffer.wrap(key), ByteBuffer.wrap(truncated)))
          .isInstanceOf(IllegalArgumentException.class);
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
    byte[] badVersion = value.clone();
    badVersion[1] = 9;
    assertThatThrownBy(() -> GroupRecordCodec.decode(ByteBuffer.wrap(key), ByteBuffer.wrap(badVersion)))
        .hasMessageContaining("version");
  }
}
