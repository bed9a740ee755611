package dev.brook.storage;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background thread that fsyncs what a segment roll leaves behind (the rolled segment with its
 * indexes, then the producer-state snapshot taken at the roll), so no append waits for a disk flush
 * (Kafka schedules the same work as "flush-log" and "flush-producer-snapshot").
 *
 * <p>Invariant: tasks run one at a time in submission order, so a snapshot submitted after its
 * segment's flush is durable only after the records below it are. A task that fails has already
 * taken its directory offline (the logs report to {@link LogDirFailureChannel}); nothing is retried.
 *
 * <p>Threading: {@link #submit} from any thread, typically under a log's lock (it only enqueues).
 * One flusher per log directory, so a slow disk delays only its own directory's flushes.
 */
public final class LogFlusher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LogFlusher.class);
  private static volatile LogFlusher shared;

  private final ExecutorService executor;

  public LogFlusher(String name) {
    executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
  }

  /** A process-wide flusher for logs opened without a {@link LogManager} (tools, tests). */
  static LogFlusher shared() {
    LogFlusher f = shared;
    if (f == null) {
      synchronized (LogFlusher.class) {
        if (shared == null) {
          shared = new LogFlusher("brook-log-flusher");
        }
        f = shared;
      }
    }
    return f;
  }

  /** Runs {@code task} after every task submitted before it. After {@link #close}, runs it inline. */
  public void submit(Runnable task) {
    try {
      executor.execute(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          LOG.error("Background flush failed", e);
        }
      });
    } catch (RejectedExecutionException e) {
      task.run(); // closing: the log's own close flushes anyway
    }
  }

  /** Waits for every task submitted so far (tests, and before logs close). */
  public void drain() {
    java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
    submit(() -> done.complete(null));
    done.join();
  }

  /** Runs what is queued, then stops the thread. */
  @Override
  public void close() {
    executor.shutdown();
    try {
      if (!executor.awaitTermination(60, TimeUnit.SECONDS)) {
        LOG.warn("Log flusher did not finish within 60 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
