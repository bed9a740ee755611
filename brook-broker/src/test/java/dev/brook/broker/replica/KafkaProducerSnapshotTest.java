package dev.brook.broker.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.replica.ProducerStateManager.BatchMetadata;
import dev.brook.broker.replica.ProducerStateManager.ProducerEntry;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Snapshots written by Kafka 4.1.1 (captured from its log directory, see each fixture). */
class KafkaProducerSnapshotTest {
  /**
   * orders-0/00000000000000000010.snapshot: one idempotent producer (id 0, epoch 0) whose last batch
   * held sequences 1..9 at offsets 1..9.
   */
  static final String IDEMPOTENT = "0001093a503b000000010000000000000000000000000009000000000000000900000008"
      + "000001a24ec37521ffffffffffffffffffffffff";

  /**
   * txn-0/00000000000000000005.snapshot: producer 1 after a committed transaction (epoch bumped to 1
   * by the commit, so no batch), and producer 2 with an open transaction starting at offset 3 (its
   * batch: sequences 0..1 at offsets 3..4).
   */
  static final String TRANSACTIONAL = "0001d3563b330000000200000000000000010001ffffffffffffffffffffffff00000000"
      + "000001a24ec37b6800000000ffffffffffffffff0000000000000002000000000001000000000000000400000001000001a24ec37c9b"
      + "ffffffff0000000000000003";

  @Test
  void idempotentProducersLastBatchComesBack() {
    ProducerStateSnapshot.Loaded s = KafkaProducerSnapshot.decode(10, bytes(IDEMPOTENT)).orElseThrow();
    assertThat(s.offset()).isEqualTo(10);
    assertThat(s.entries()).hasSize(1);
    ProducerEntry e = s.entries().get(0);
    assertThat(e.producerId()).isZero();
    assertThat(e.epoch()).isZero();
    assertThat(e.batches()).containsExactly(new BatchMetadata(1, 9, 1, 9, 0x1a24ec37521L));
    assertThat(e.currentTxnFirstOffset()).isEqualTo(-1);
    assertThat(e.coordinatorEpoch()).isEqualTo(-1);
  }

  @Test
  void openTransactionKeepsItsFirstOffsetAndACommittedOneHasNoBatch() {
    ProducerStateSnapshot.Loaded s = KafkaProducerSnapshot.decode(5, bytes(TRANSACTIONAL)).orElseThrow();
    assertThat(s.entries()).hasSize(2);
    ProducerEntry committed = s.entries().get(0);
    assertThat(committed.producerId()).isEqualTo(1);
    assertThat(committed.epoch()).isEqualTo((short) 1);
    assertThat(committed.batches()).isEmpty();
    assertThat(committed.currentTxnFirstOffset()).isEqualTo(-1);
    assertThat(committed.coordinatorEpoch()).isZero();
    ProducerEntry open = s.entries().get(1);
    assertThat(open.producerId()).isEqualTo(2);
    assertThat(open.batches()).containsExactly(new BatchMetadata(0, 1, 3, 4, 0x1a24ec37c9bL));
    assertThat(open.currentTxnFirstOffset()).isEqualTo(3);
  }

  @Test
  void aFlippedBitOrATruncatedFileIsNotASnapshot() {
    byte[] b = HexFormat.of().parseHex(IDEMPOTENT);
    b[20] ^= 1;
    assertThat(KafkaProducerSnapshot.decode(10, ByteBuffer.wrap(b))).isEmpty();
    byte[] whole = HexFormat.of().parseHex(IDEMPOTENT);
    assertThat(KafkaProducerSnapshot.decode(10, ByteBuffer.wrap(whole, 0, whole.length - 1))).isEmpty();
    assertThat(KafkaProducerSnapshot.decode(10, ByteBuffer.allocate(3))).isEmpty();
  }

  @Test
  void brooksOwnFormatIsNotMistakenForKafkas() {
    ProducerEntry e = new ProducerEntry(7);
    e.add((short) 0, new BatchMetadata(0, 0, 0, 0, 1));
    ByteBuffer brook = ProducerStateSnapshot.encode(1, java.util.List.of(e));
    assertThat(KafkaProducerSnapshot.decode(1, brook)).isEmpty();
    assertThat(ProducerStateSnapshot.decode(bytes(IDEMPOTENT))).isEmpty();
  }

  private static ByteBuffer bytes(String hex) {
    return ByteBuffer.wrap(HexFormat.of().parseHex(hex));
  }
}
