package dev.brook.broker.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.broker.recordformat.RecordWriter;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class TxnRecordCodecTest {
  private static final TopicPartition T0 = new TopicPartition("t", 0);
  private static final TopicPartition T1 = new TopicPartition("t", 1);
  private static final TopicPartition U0 = new TopicPartition("u", 0);

  private static TxnRecord roundTrip(TxnRecord r) {
    byte[] value = TxnRecordCodec.value(r);
    TxnRecord back = TxnRecordCodec.decodeValue(r.transactionalId(), ByteBuffer.wrap(value));
    assertThat(TxnRecordCodec.value(back)).isEqualTo(value);
    return back;
  }

  @Test
  void recordsRoundTripExceptTheLastEpochWhichKafkasSchemaLacks() {
    TxnRecord r = new TxnRecord("tx-é", 7, 3, (short) 2, (short) 1, 1234, TxnState.ONGOING,
        new LinkedHashSet<>(List.of(T1, U0, T0)), 10, 20);
    assertThat(TxnRecordCodec.decodeKey(ByteBuffer.wrap(TxnRecordCodec.key("tx-é")))).isEqualTo("tx-é");
    TxnRecord back = roundTrip(r);
    assertThat(back).isEqualTo(new TxnRecord("tx-é", 7, 3, (short) 2, (short) -1, 1234, TxnState.ONGOING,
        Set.of(T0, T1, U0), 10, 20));
    // Partitions grouped by topic in first-seen order.
    assertThat(back.partitions()).containsExactly(T1, T0, U0);
    TxnRecord v2 = new TxnRecord("tx", 7, -1, (short) 2, (short) -1, 1234, TxnState.PREPARE_ABORT, Set.of(T0), 10, 20,
        8, (short) 0, (short) 2);
    assertThat(roundTrip(v2)).isEqualTo(v2);
    TxnRecord empty = new TxnRecord("tx", 7, -1, (short) 2, (short) -1, 1234, TxnState.EMPTY, Set.of(), -1, 20);
    assertThat(roundTrip(empty)).isEqualTo(empty);
  }

  @Test
  void versionZeroIsRead() {
    byte[] v0 = new RecordWriter().int16((short) 0).int64(7).int16((short) 2).int32(1234).int8((byte) 1)
        .arrayLength(1).string("t").arrayLength(2).int32(0).int32(1).int64(20).int64(10).toByteArray();
    assertThat(TxnRecordCodec.decodeValue("tx", ByteBuffer.wrap(v0))).isEqualTo(
        new TxnRecord("tx", 7, -1, (short) 2, (short) -1, 1234, TxnState.ONGOING, Set.of(T0, T1), 10, 20));
    byte[] v0Empty = new RecordWriter().int16((short) 0).int64(7).int16((short) 2).int32(1234).int8((byte) 0)
        .arrayLength(-1).int64(20).int64(-1).toByteArray();
    assertThat(TxnRecordCodec.decodeValue("tx", ByteBuffer.wrap(v0Empty)).partitions()).isEmpty();
  }

  @Test
  void badBytesAreRejected() {
    TxnRecord r = new TxnRecord("tx", 7, 3, (short) 2, (short) -1, 1234, TxnState.ONGOING, Set.of(T0, T1), 10, 20,
        9, (short) 1, (short) 2);
    byte[] value = TxnRecordCodec.value(r);
    for (int cut = 0; cut < value.length; cut++) {
      byte[] truncated = Arrays.copyOf(value, cut);
      assertThatThrownBy(() -> TxnRecordCodec.decodeValue("tx", ByteBuffer.wrap(truncated)))
          .isInstanceOf(IllegalArgumentException.class);
    }
    Random random = new Random(3);
    for (int i = 0; i < 3000; i++) {
      byte[] garbled = value.clone();
      garbled[random.nextInt(garbled.length)] = (byte) random.nextInt();
      try {
        TxnRecordCodec.decodeValue("tx", ByteBuffer.wrap(garbled));
      } catch (IllegalArgumentException expected) {
        // rejected
      }
    }
    byte[] badVersion = value.clone();
    badVersion[1] = 9;
    assertThatThrownBy(() -> TxnRecordCodec.decodeValue("tx", ByteBuffer.wrap(badVersion))).hasMessageContaining("version");
    assertThatThrownBy(() -> TxnRecordCodec.decodeKey(ByteBuffer.wrap(new byte[] {0, 1, 0, 1, 65})))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void legacyRecordWithPendingOffsetsDecodesWithoutThem() {
    // Brook's layout before Kafka's schema: version 0, then its own fields and a group section.
    ByteBuffer legacy = ByteBuffer.wrap(new RecordWriter().int16((short) 0).int64(7).int64(-1).int16((short) 2)
        .int16((short) -1).int32(1234).int8((byte) 2).int64(10).int64(20)
        .int32(1).string("t").int32(0)
        .int32(1).string("g").int32(2)
        .string("t").int32(0).int64(5).int32(2).string(null)
        .string("t").int32(1).int64(6).int32(-1).string("m")
        .toByteArray());
    assertThat(LegacyTxnRecordCodec.decodeValue("tx", legacy)).isEqualTo(
        new TxnRecord("tx", 7, -1, (short) 2, (short) -1, 1234, TxnState.PREPARE_COMMIT, Set.of(T0), 10, 20));
  }
}
