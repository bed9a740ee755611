package dev.brook.broker.txn;

import dev.brook.storage.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * When each open (ONGOING) transaction times out, on this broker's monotonic clock. The stored
 * start timestamp is a wall-clock reading (Kafka's txnStartTimestamp, written to {@code
 * __transaction_state} and shown by DescribeTransactions), and a wall clock may jump: a transaction
 * started while the clock ran 600 s ahead would, judged by {@code start + timeout <= now}, live 600 s
 * past its timeout after the clock is set right, and a clock stepped forward would abort every open
 * transaction at once. So the wall clock is read once per transaction, when this broker first
 * applies or loads it ONGOING: the time left is {@code start + timeout - now}, clamped to {@code [0,
 * timeout]}, and the deadline is that much later on {@link Clock#nanoseconds()}.
 *
 * <p>Invariants: an open transaction coordinated here is due at most its timeout after this broker
 * first saw it open, whatever the wall clocks of this or the broker that started it did; a wall
 * clock that jumps after that changes nothing; with clocks in agreement the deadline is Kafka's
 * ({@code start + timeout}). A deadline is kept while the same transaction (producer id, epoch,
 * start) is reloaded, also after this broker resigned and leads its partition again, so that
 * leadership moving back and forth does not postpone it.
 *
 * <p>Threading: owned by the coordinator thread (written and read there only).
 */
final class TxnDeadlines {
  /** The transaction a deadline belongs to, and the deadline in {@link Clock#nanoseconds()}. */
  private record Deadline(long producerId, short producerEpoch, long startTimestamp, long atNanos) {
    boolean of(TxnRecord r) {
      return r.producerId() == producerId && r.producerEpoch() == producerEpoch && r.startTimestamp() == startTimestamp;
    }
  }

  private final Clock clock;
  private final Map<String, Deadline> deadlines = new HashMap<>();

  TxnDeadlines(Clock clock) {
    this.clock = clock;
  }

  /**
   * {@code r} (null: a tombstone) is now the state of {@code id} here, applied or loaded: an open
   * transaction keeps its deadline or gets one; any other state has none.
   */
  void update(String id, TxnRecord r) {
    if (r == null || r.state() != TxnState.ONGOING) {
      deadlines.remove(id);
      return;
    }
    deadlineOf(id, r);
  }

  /** Whether ONGOING {@code r} is past its timeout (a record not seen before gets its deadline now). */
  boolean isPast(TxnRecord r) {
    return r.state() == TxnState.ONGOING && deadlineOf(r.transactionalId(), r).atNanos() - clock.nanoseconds() <= 0;
  }

  /**
   * Forgets the deadlines of ids not coordinated here whose deadline has passed: should the id come
   * back still open, it gets a new deadline from the wall clock (at most its timeout away).
   */
  void prune(Predicate<String> coordinatedHere) {
    long now = clock.nanoseconds();
    deadlines.entrySet().removeIf(e -> e.getValue().atNanos() - now <= 0 && !coordinatedHere.test(e.getKey()));
  }

  /** The number of deadlines held (tests). */
  int size() {
    return deadlines.size();
  }

  private Deadline deadlineOf(String id, TxnRecord r) {
    Deadline d = deadlines.get(id);
    if (d != null && d.of(r)) return d;
    long leftMs = Math.clamp(r.startTimestamp() + r.timeoutMs() - clock.milliseconds(), 0L, (long) r.timeoutMs());
    d = new Deadline(r.producerId(), r.producerEpoch(), r.startTimestamp(), clock.nanoseconds() + leftMs * 1_000_000);
    deadlines.put(id, d);
    return d;
  }
}
