package dev.brook.bench;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What each consumer of a group owns, as its rebalance callbacks report it, and when the group last
 * became <em>settled</em>: the expected members together own every partition exactly once, each
 * owning ⌊P/N⌋ or ⌈P/N⌉ of them. A rebalance is timed from {@link #expect} (a member joins or
 * leaves) to the callback that settles the group. Callbacks of the eager protocol revoke everything
 * and assign the full set; those of the cooperative and consumer (KIP-848) protocols revoke and add
 * increments: both are the same set arithmetic here. Called from every consumer's thread; all
 * methods are synchronized.
 */
final class AssignmentTracker {
  private final int partitions;
  private final Map<String, Set<Integer>> owned = new HashMap<>();
  private Set<String> expected = Set.of();
  private long startNanos;
  private long settledNanos = -1;

  AssignmentTracker(int partitions) {
    this.partitions = partitions;
  }

  /**
   * From now ({@code startNanos}) on, the group should settle with exactly {@code members}; an
   * earlier settling no longer counts. Called before the change is set off, so that {@link
   * #awaitSettledMillis} cannot return the last change's time.
   */
  synchronized void expect(Set<String> members, long startNanos) {
    this.expected = Set.copyOf(members);
    this.startNanos = startNanos;
    this.settledNanos = -1;
  }

  /**
   * The change starts now: on the thread of the member that joins or leaves, just before it does
   * (it cannot settle the group before then: it still owns its partitions, or owns none yet).
   */
  synchronized void started(long startNanos) {
    this.startNanos = startNanos;
  }

  /** {@code member} got {@code added} (onPartitionsAssigned) at {@code nanos}. */
  synchronized void assigned(String member, Collection<Integer> added, long nanos) {
    owned.computeIfAbsent(member, m -> new HashSet<>()).addAll(added);
    check(nanos);
  }

  /** {@code member} gave up {@code removed} (onPartitionsRevoked or onPartitionsLost) at {@code nanos}. */
  synchronized void revoked(String member, Collection<Integer> removed, long nanos) {
    owned.computeIfAbsent(member, m -> new HashSet<>()).removeAll(removed);
    check(nanos);
  }

  /** Forgets a member that has left (its thread has closed its consumer). */
  synchronized void forget(String member) {
    owned.remove(member);
  }

  private void check(long nanos) {
    if (settledNanos < 0 && !expected.isEmpty() && settled()) {
      settledNanos = nanos;
      notifyAll();
    }
  }

  /** True when the expected members own every partition once, evenly. */
  synchronized boolean settled() {
    int n = expected.size();
    int low = partitions / n;
    int high = (partitions + n - 1) / n;
    Set<Integer> union = new HashSet<>();
    int total = 0;
    for (String m : expected) {
      Set<Integer> mine = owned.getOrDefault(m, Set.of());
      if (mine.size() < low || mine.size() > high) {
        return false;
      }
      union.addAll(mine);
      total += mine.size();
    }
    return total == partitions && union.size() == partitions;
  }

  /**
   * Waits until the group settles and returns the time from {@link #expect} to then, in
   * milliseconds; NaN if it does not settle within {@code timeoutMs}.
   */
  synchronized double awaitSettledMillis(long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000;
    while (settledNanos < 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return Double.NaN;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return (settledNanos - startNanos) / 1e6;
  }

  /** Who owns what, for a message when a rebalance does not settle. */
  synchronized String describe() {
    return "expected " + new TreeSet<>(expected) + ", owned " + new TreeMap<>(owned);
  }
}
