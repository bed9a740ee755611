package dev.brook.broker.group;

/**
 * The coordinator's single thread: every change to group state runs through {@link #execute}, and
 * timers (session, rebalance, initial delay, retention) fire on the same thread. Tests substitute a
 * manual scheduler driven by a fake clock.
 */
public interface GroupScheduler {
  /** Runs {@code task} on the coordinator thread, after tasks submitted before it. */
  void execute(Runnable task);

  /** Runs {@code task} on the coordinator thread after {@code delayMs}, unless cancelled first. */
  Cancellable schedule(long delayMs, Runnable task);

  /** A pending timer. Cancelling is best effort: a task may already be queued, so tasks re-check. */
  @FunctionalInterface
  interface Cancellable {
    void cancel();

    Cancellable NONE = () -> {};
  }
}
