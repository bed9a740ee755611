package dev.brook.broker;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The broker's threads for request work that may take milliseconds: reading cold log data into the
 * page cache before a fetch sends it, claiming a block of producer ids. Event loops run every
 * request to completion except such steps, which they hand here and pick up again when done (see
 * docs/ARCHITECTURE.md, "Threads"). {@code background.threads} of them at most (Kafka's key), made on
 * demand and let go after a minute idle, so an idle broker holds none.
 *
 * <p>Thread-safe; tasks run in no particular order.
 */
public final class BackgroundThreads implements Executor, AutoCloseable {
  /** Prefix of the threads' names. */
  public static final String NAME = "brook-background";

  private final ThreadPoolExecutor pool;

  public BackgroundThreads(int threads) {
    // brook-background-1, -2, ...: numbered from 1, as the names have always been.
    pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        Thread.ofPlatform().name(NAME + "-", 1).daemon().factory());
    pool.allowCoreThreadTimeOut(true);
  }

  @Override
  public void execute(Runnable task) {
    pool.execute(task);
  }

  /** Stops taking tasks; waits up to 5 s for running ones (they are bounded I/O), then interrupts. */
  @Override
  public void close() {
    pool.shutdown();
    try {
      if (!pool.awaitTermination(5, TimeUnit.SECONDS)) pool.shutdownNow();
    } catch (InterruptedException e) {
      pool.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
