package dev.brook.broker.txn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.storage.Clock;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Deadlines of open transactions on a monotonic clock, with a wall clock that jumps on its own. */
class TxnDeadlinesTest {
  static final TopicPartition T0 = new TopicPartition("t", 0);

  final AtomicLong monotonicMs = new AtomicLong(5_000);
  final AtomicLong wallMs = new AtomicLong(1_000_000);
  final TxnDeadlines deadlines = new TxnDeadlines(new Clock() {
    @Override
    public long milliseconds() {
      return wallMs.get();
    }

    @Override
    public long nanoseconds() {
      return monotonicMs.get() * 1_000_000;
    }
  });

  private static TxnRecord ongoing(String id, long start, int timeoutMs) {
    return TxnRecords.ongoing(TxnRecords.fresh(id, 7, timeoutMs, start), Set.of(T0), start, start);
  }

  private void advance(long ms) {
    monotonicMs.addAndGet(ms);
    wallMs.addAndGet(ms);
  }

  @Test
  void deadlineIsTheStoredStartPlusTimeoutWhenTheWallClockAgrees() {
    TxnRecord r = ongoing("a", wallMs.get() - 300, 1000);
    deadlines.update("a", r);
    advance(699);
    assertThat(deadlines.isPast(r)).isFalse();
    advance(1);
    assertThat(deadlines.isPast(r)).isTrue();
  }

  @Test
  void startInTheFutureOrFarPastIsClampedToBetweenNowAndOneTimeoutAway() {
    TxnRecord future = ongoing("f", wallMs.get() + 600_000, 1000);
    TxnRecord past = ongoing("p", wallMs.get() - 600_000, 1000);
    deadlines.update("f", future);
    deadlines.update("p", past);
    assertThat(deadlines.isPast(past)).isTrue();
    advance(999);
    assertThat(deadlines.isPast(future)).isFalse();
    advance(1);
    assertThat(deadlines.isPast(future)).isTrue();
  }

  @Test
  void wallClockJumpsAfterTheFirstReadingChangeNothing() {
    TxnRecord r = ongoing("a", wallMs.get(), 1000);
    deadlines.update("a", r);
    wallMs.addAndGet(600_000);
    deadlines.update("a", r); // applied again (a partition added): same transaction, same deadline
    assertThat(deadlines.isPast(r)).isFalse();
    wallMs.addAndGet(-1_200_000);
    monotonicMs.addAndGet(1000);
    assertThat(deadlines.isPast(r)).isTrue();
  }

  @Test
  void endedTransactionHasNoDeadlineAndANewOneGetsItsOwn() {
    TxnRecord first = ongoing("a", wallMs.get(), 1000);
    deadlines.update("a", first);
    advance(1000);
    deadlines.update("a", TxnRecords.withState(first, TxnState.PREPARE_COMMIT, wallMs.get()));
    assertThat(deadlines.size()).isZero();
    TxnRecord second = ongoing("a", wallMs.get(), 1000);
    deadlines.update("a", second);
    assertThat(deadlines.isPast(second)).isFalse();
    deadlines.update("a", null); // a tombstone
    assertThat(deadlines.size()).isZero();
  }

  @Test
  void pruneForgetsOnlyPassedDeadlinesOfIdsCoordinatedElsewhere() {
    deadlines.update("here", ongoing("here", wallMs.get(), 1000));
    deadlines.update("gone", ongoing("gone", wallMs.get(), 1000));
    deadlines.update("gone-later", ongoing("gone-later", wallMs.get(), 5000));
    advance(1000);
    deadlines.prune(id -> id.equals("here"));
    assertThat(deadlines.size()).isEqualTo(2);
    deadlines.prune(id -> false);
    assertThat(deadlines.size()).isEqualTo(1);
  }
}
