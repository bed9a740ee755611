package dev.brook.storage;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background thread that does a directory's file work around segment rolls — makes the next
 * segment's files, trims and fsyncs the rolled segment, writes and fsyncs the producer-state
 * snapshot taken at the roll — so no append waits for a disk flush (Kafka schedules the same work
 * as "flush-log" and "flush-producer-snapshot").
 *
 * <p>Invariant: tasks run one at a time in submission order, so a snapshot submitted after its
 * segment's flush is durable only after the records below it are. A task that fails has already
 * taken its directory offline (the logs report to {@link LogDirFailureChannel}); nothing is retried.
 *
 * <p>Submitting never wakes the thread: {@link #submit} only enqueues, and the thread looks for work
 * on its own timer ({@value #BUSY_POLL_MS} ms after it last found some, backing off to {@value
 * #IDLE_POLL_MS} ms when idle). A wake-up from the appending thread (a futex wake) let the woken
 * flusher preempt the event loop on the spot, and on a loaded core the loop then waited tens of
 * milliseconds for its turn, with every request of its connections (bench/RESULTS.md, "Produce p99
 * with a segment roll"). A timer wake-up meets the loop running only as often as the loop runs.
 * Rolled segments are therefore flushed up to {@value #IDLE_POLL_MS} ms later than they were; what
 * a producer was promised does not change ({@code flush.messages} flushes on the appender's side,
 * and acknowledgements never waited for these flushes).
 *
 * <p>Threading: {@link #submit} from any thread, typically under a log's lock; {@link #drain} and
 * {@link #close} wake the thread (they are not on an appending path). One flusher per log
 * directory, so a slow disk delays only its own directory's flushes.
 */
public final class LogFlusher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LogFlusher.class);
  /** How soon the thread looks again after it found work. */
  static final long BUSY_POLL_MS = 5;
  /** The longest it sleeps when there has been nothing to do for a while. */
  static final long IDLE_POLL_MS = 200;
  private static volatile LogFlusher shared;

  private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
  private final Thread thread;
  private volatile boolean closing;
  /** Set once the thread has ended: tasks then run on the caller's thread. */
  private volatile boolean stopped;

  public LogFlusher(String name) {
    thread = Thread.ofPlatform().name(name).daemon().unstarted(this::work);
    thread.start();
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
    if (stopped) {
      runLeftovers(task); // closing: the log's own close flushes anyway
      return;
    }
    queue.add(task);
    if (stopped) { // close ended between the check and the add: nobody else will run it
      runLeftovers(null);
    }
  }

  /** Waits for every task submitted so far (tests, and before logs close). */
  public void drain() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    submit(() -> done.complete(null));
    LockSupport.unpark(thread);
    done.join();
  }

  /** Runs what is queued, then stops the thread. */
  @Override
  public void close() {
    closing = true;
    LockSupport.unpark(thread);
    try {
      thread.join(TimeUnit.SECONDS.toMillis(60));
      if (thread.isAlive()) {
        LOG.warn("Log flusher did not finish within 60 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    stopped = true;
    runLeftovers(null);
  }

  private void work() {
    long pollNanos = TimeUnit.MILLISECONDS.toNanos(BUSY_POLL_MS);
    while (true) {
      Runnable task = queue.poll();
      if (task != null) {
        runSafely(task);
        pollNanos = TimeUnit.MILLISECONDS.toNanos(BUSY_POLL_MS);
      } else if (closing) {
        return;
      } else {
        LockSupport.parkNanos(this, pollNanos);
        pollNanos = Math.min(pollNanos * 2, TimeUnit.MILLISECONDS.toNanos(IDLE_POLL_MS));
      }
    }
  }

  /** After the thread ended: runs {@code first} (if any), then whatever is still queued, in order. */
  private synchronized void runLeftovers(Runnable first) {
    for (Runnable t; (t = queue.poll()) != null; ) {
      runSafely(t);
    }
    if (first != null) {
      runSafely(first);
    }
  }

  private static void runSafely(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      LOG.error("Background flush failed", e);
    }
  }
}
