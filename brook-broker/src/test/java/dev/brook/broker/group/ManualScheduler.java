package dev.brook.broker.group;

import dev.brook.storage.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.PriorityQueue;

/**
 * A deterministic {@link GroupScheduler} for tests: tasks run at once on the calling thread (queued
 * behind the task running, never nested), timers fire only when {@link #advance} moves the fake
 * clock past them.
 */
final class ManualScheduler implements GroupScheduler {
  static final class FakeClock implements Clock {
    long now = 1_000_000L;

    @Override
    public long milliseconds() {
      return now;
    }

    @Override
    public long nanoseconds() {
      return now * 1_000_000L;
    }
  }

  private static final class Timer implements Comparable<Timer> {
    final long due;
    final long seq;
    final Runnable task;
    boolean cancelled;

    Timer(long due, long seq, Runnable task) {
      this.due = due;
      this.seq = seq;
      this.task = task;
    }

    @Override
    public int compareTo(Timer o) {
      return due != o.due ? Long.compare(due, o.due) : Long.compare(seq, o.seq);
    }
  }

  final FakeClock clock = new FakeClock();
  private final PriorityQueue<Timer> timers = new PriorityQueue<>();
  private final Deque<Runnable> queue = new ArrayDeque<>();
  private boolean running;
  private long seq;

  @Override
  public void execute(Runnable task) {
    queue.add(task);
    if (running) return;
    running = true;
    try {
      Runnable r;
      while ((r = queue.poll()) != null) r.run();
    } finally {
      running = false;
    }
  }

  @Override
  public Cancellable schedule(long delayMs, Runnable task) {
    Timer t = new Timer(clock.now + Math.max(0, delayMs), seq++, task);
    timers.add(t);
    return () -> t.cancelled = true;
  }

  /** Moves time forward by {@code ms}, firing every timer that falls due, in order. */
  void advance(long ms) {
    long target = clock.now + ms;
    while (!timers.isEmpty() && timers.peek().due <= target) {
      Timer t = timers.poll();
      if (t.cancelled) continue;
      clock.now = Math.max(clock.now, t.due);
      execute(t.task);
    }
    clock.now = target;
  }
}
