package dev.brook.broker.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.replica.ProducerStateManager.Append;
import dev.brook.broker.replica.ProducerStateManager.BatchMetadata;
import dev.brook.broker.replica.ProducerStateManager.Duplicate;
import dev.brook.broker.replica.ProducerStateManager.Reject;
import java.nio.ByteBuffer;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.CompressionType;
import org.junit.jupiter.api.Test;

class ProducerStateManagerTest {
  private final ProducerStateManager state = new ProducerStateManager();
  private long nextOffset = 0;

  /** Checks and, if accepted, records a batch of {@code count} records. */
  private ProducerStateManager.Check append(long pid, int epoch, int firstSeq, int count) {
    int lastSeq = BatchValidator.incrementSequence(firstSeq, count - 1);
    ProducerStateManager.Check c = state.check(pid, (short) epoch, firstSeq, lastSeq);
    if (c instanceof Append) {
      state.update(pid, (short) epoch, new BatchMetadata(firstSeq, lastSeq, nextOffset, nextOffset + count - 1, 0), false);
      nextOffset += count;
    }
    return c;
  }

  private static Errors error(ProducerStateManager.Check c) {
    assertThat(c).isInstanceOf(Reject.class);
    return ((Reject) c).error();
  }

  @Test
  void inOrderBatchesAreAppended() {
    assertThat(append(1, 0, 0, 3)).isInstanceOf(Append.class);
    assertThat(append(1, 0, 3, 2)).isInstanceOf(Append.class);
    assertThat(state.entry(1).batches()).hasSize(2);
  }

  @Test
  void retryOfCachedBatchIsDuplicateWithOriginalOffsets() {
    append(1, 0, 0, 3);
    append(1, 0, 3, 2);
    ProducerStateManager.Check c = append(1, 0, 0, 3);
    assertThat(c).isInstanceOf(Duplicate.class);
    assertThat(((Duplicate) c).original().firstOffset()).isZero();
    assertThat(((Duplicate) ((Object) append(1, 0, 3, 2))).original().firstOffset()).isEqualTo(3);
  }

  @Test
  void onlyTheLastFiveBatchesAreRemembered() {
    for (int i = 0; i < 6; i++) append(1, 0, i, 1);
    assertThat(state.entry(1).batches()).hasSize(ProducerStateManager.CACHED_BATCHES);
    assertThat(error(append(1, 0, 0, 1))).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assertThat(append(1, 0, 1, 1)).isInstanceOf(Duplicate.class);
  }

  @Test
  void gapIsOutOfOrderSequence() {
    append(1, 0, 0, 1);
    assertThat(error(append(1, 0, 5, 1))).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
  }

  @Test
  void unknownProducerMustStartAtZero() {
    assertThat(error(append(9, 0, 4, 1))).isEqualTo(Errors.UNKNOWN_PRODUCER_ID);
  }

  @Test
  void olderEpochIsInvalidProducerEpoch() {
    append(1, 3, 0, 1);
    assertThat(error(append(1, 2, 1, 1))).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
  }

  @Test
  void newEpochMustRestartAtZeroAndResetsState() {
    append(1, 0, 0, 2);
    assertThat(error(append(1, 1, 2, 1))).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assertThat(append(1, 1, 0, 1)).isInstanceOf(Append.class);
    assertThat(state.entry(1).epoch()).isEqualTo((short) 1);
    assertThat(state.entry(1).batches()).hasSize(1);
  }

  @Test
  void sequenceWrapsAfterIntMax() {
    state.update(1, (short) 0, new BatchMetadata(Integer.MAX_VALUE - 1, Integer.MAX_VALUE, 0, 1, 0), false);
    assertThat(append(1, 0, 0, 1)).isInstanceOf(Append.class);
  }

  @Test
  void replayRebuildsStateFromBatches() {
    ByteBuffer b = BatchValidatorTest.batch(CompressionType.NONE, 4, (short) 1, 0,
        BatchValidatorTest.rec("a", "1"), BatchValidatorTest.rec("b", "2"));
    b.putLong(0, 100); // as stored: base offset assigned
    state.replay(b, 0);
    assertThat(state.entry(4).epoch()).isEqualTo((short) 1);
    assertThat(state.check(4, (short) 1, 0, 1)).isInstanceOf(Duplicate.class);
    assertThat(((Duplicate) state.check(4, (short) 1, 0, 1)).original().firstOffset()).isEqualTo(100);
    assertThat(state.check(4, (short) 1, 2, 2)).isInstanceOf(Append.class);
  }

  @Test
  void truncateHeadForgetsProducersBelowLogStart() {
    append(1, 0, 0, 2); // offsets 0-1
    append(2, 0, 0, 2); // offsets 2-3
    state.truncateHead(2);
    assertThat(state.entry(1)).isNull();
    assertThat(state.entry(2)).isNotNull();
  }

  @Test
  void snapshotKeepsTheCoordinatorEpochAndReadsTheOlderVersion() {
    assertThat(append(1, 0, 0, 2)).isInstanceOf(Append.class);
    state.endTransaction(1, (short) 0, 7);
    ProducerStateSnapshot.Loaded loaded = ProducerStateSnapshot.decode(ProducerStateSnapshot.encode(5, state.entries())).orElseThrow();
    ProducerStateManager restored = new ProducerStateManager();
    restored.restore(loaded.entries());
    assertThat(restored.entry(1).coordinatorEpoch()).isEqualTo(7);
    // A marker of an older coordinator is still fenced after a restart from the snapshot.
    assertThat(restored.checkCoordinatorEpoch(1, 6)).isEqualTo(Errors.TRANSACTION_COORDINATOR_FENCED);
    assertThat(restored.checkCoordinatorEpoch(1, 7)).isEqualTo(Errors.NONE);

    ProducerStateSnapshot.Loaded v1 =
        ProducerStateSnapshot.decode(ProducerStateSnapshot.encode(5, state.entries(), (short) 1)).orElseThrow();
    assertThat(v1.offset()).isEqualTo(5);
    assertThat(v1.entries().get(0).coordinatorEpoch()).isEqualTo(-1);
    assertThat(v1.entries().get(0).batches()).isEqualTo(state.entry(1).batches());
    assertThat(ProducerStateSnapshot.decode(ProducerStateSnapshot.encode(5, state.entries(), (short) 3))).isEmpty();
  }

  @Test
  void aCoordinatorWriteIsCheckedByEpochOnly() {
    assertThat(append(1, 2, 0, 3)).isInstanceOf(Append.class);
    assertThat(state.checkEpoch(1, (short) 2)).isInstanceOf(Append.class);
    assertThat(state.checkEpoch(1, (short) 3)).isInstanceOf(Append.class);
    assertThat(state.checkEpoch(99, (short) 0)).isInstanceOf(Append.class);
    assertThat(error(state.checkEpoch(1, (short) 1))).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
  }
}
