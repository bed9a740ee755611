package dev.brook.storage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Segments a log has removed and renamed {@code .deleted}, still open until {@code
 * file.delete.delay.ms} has passed, so that a slice already handed to the network stays readable;
 * then their files are closed and removed.
 *
 * <p>Threading: not thread-safe. Its log owns it and calls it only under the log's lock.
 */
final class PendingDeletes {
  private record Pending(LogSegment segment, long dueMs) {}

  private final Clock clock;
  private final List<Pending> pending = new ArrayList<>();

  PendingDeletes(Clock clock) {
    this.clock = clock;
  }

  /** Closes and removes {@code seg} (already renamed) now if {@code delayMs} ≤ 0, else after it. */
  void add(LogSegment seg, long delayMs) throws IOException {
    if (delayMs <= 0) {
      seg.deleteFiles();
    } else {
      pending.add(new Pending(seg, clock.milliseconds() + delayMs));
    }
  }

  /** Closes and removes the segments whose delay has passed, or all of them ({@code all}). */
  void deleteDue(boolean all) throws IOException {
    long now = clock.milliseconds();
    Iterator<Pending> it = pending.iterator();
    while (it.hasNext()) {
      Pending d = it.next();
      if (all || d.dueMs() <= now) {
        d.segment().deleteFiles();
        it.remove();
      }
    }
  }
}
