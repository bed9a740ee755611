package dev.brook.broker.network;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads that serve requests ({@code num.io.threads}, Kafka's request handler pool), apart from
 * the network threads, which only frame, decode headers and write. A request's work (decoding its
 * body, CRC checks, decompression for validation, appends, coordinator hand-offs) runs here, so it
 * can use every core while the event loops keep every connection moving.
 *
 * <p>Each connection gets its own {@linkplain #newConnectionQueue queue}: its requests start one at a
 * time, in arrival order (a pipelining idempotent producer's batches must be appended in sequence
 * order, as Kafka's one-request-at-a-time processors guarantee), while different connections run in
 * parallel. A request that waits (acks=all, a long-poll fetch, a coordinator) returns a future and
 * frees the thread for the connection's next request. Thread-safe.
 */
public final class RequestHandlerPool implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RequestHandlerPool.class);
  /** Requests a connection runs before it lets other connections' queues have the thread. */
  private static final int BATCH = 16;

  private final ThreadPoolExecutor executor;

  public RequestHandlerPool(int threads) {
    AtomicInteger ids = new AtomicInteger();
    this.executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, "brook-io-" + ids.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** A queue that runs one connection's tasks one at a time, in order, on the pool. */
  Executor newConnectionQueue() {
    return new ConnectionQueue(executor);
  }

  @Override
  public void close() throws InterruptedException {
    executor.shutdownNow();
    executor.awaitTermination(5, TimeUnit.SECONDS);
  }

  /**
   * Serial execution over a shared pool: at most one task of the queue runs at any time, in
   * submission order. Throws {@link RejectedExecutionException} once the pool is shut down.
   */
  private static final class ConnectionQueue implements Executor {
    private final Executor pool;
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private boolean scheduled;

    ConnectionQueue(Executor pool) {
      this.pool = pool;
    }

    @Override
    public void execute(Runnable task) {
      synchronized (this) {
        tasks.addLast(task);
        if (scheduled) return;
        scheduled = true;
      }
      try {
        pool.execute(this::drain);
      } catch (RejectedExecutionException e) {
        synchronized (this) {
          tasks.clear();
          scheduled = false;
        }
        throw e;
      }
    }

    private void drain() {
      for (int i = 0; i < BATCH; i++) {
        Runnable next;
        synchronized (this) {
          next = tasks.pollFirst();
          if (next == null) {
            scheduled = false;
            return;
          }
        }
        try {
          next.run();
        } catch (RuntimeException | Error e) {
          log.error("Request task failed", e);
        }
      }
      try {
        pool.execute(this::drain); // other connections' turn; this queue continues after them
      } catch (RejectedExecutionException e) {
        synchronized (this) {
          tasks.clear();
          scheduled = false;
        }
      }
    }
  }
}
