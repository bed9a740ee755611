package dev.brook.broker.replica;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Where a fetcher thread with nothing to do waits: for a back-off, or until it is given partitions or
 * stopped ({@link #signal}). Shared by the replica and mirror fetchers. Thread-safe.
 */
public final class FetcherWakeup {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();

  /** Ends every current {@link #pause}. */
  public void signal() {
    lock.lock();
    try {
      work.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits up to {@code ms}, or not at all when {@code running} is already false: it is read under the
   * lock, so a stop that clears it and then signals is never missed. An interrupt ends the wait and
   * stays set.
   */
  public void pause(long ms, BooleanSupplier running) {
    lock.lock();
    try {
      if (running.getAsBoolean()) work.await(ms, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      lock.unlock();
    }
  }
}
