package dev.brook.broker.group;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The production {@link GroupScheduler}: one daemon thread, {@code group-coordinator}. */
public final class ExecutorGroupScheduler implements GroupScheduler, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ExecutorGroupScheduler.class);

  private final ScheduledThreadPoolExecutor executor;

  public ExecutorGroupScheduler() {
    executor =
        new ScheduledThreadPoolExecutor(
            1,
            Thread.ofPlatform().name("group-coordinator").daemon().factory());
    executor.setRemoveOnCancelPolicy(true);
  }

  @Override
  public void execute(Runnable task) {
    executor.execute(guarded(task));
  }

  @Override
  public Cancellable schedule(long delayMs, Runnable task) {
    ScheduledFuture<?> f = executor.schedule(guarded(task), Math.max(0, delayMs), TimeUnit.MILLISECONDS);
    return () -> f.cancel(false);
  }

  private static Runnable guarded(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException | Error e) {
        log.error("Group coordinator task failed", e);
      }
    };
  }

  @Override
  public void close() throws InterruptedException {
    executor.shutdownNow();
    executor.awaitTermination(5, TimeUnit.SECONDS);
  }
}
