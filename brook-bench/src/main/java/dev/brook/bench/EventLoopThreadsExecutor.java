package dev.brook.bench;

import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A JMH executor ({@code -Djmh.executor=CUSTOM -Djmh.executor.class=dev.brook.bench.EventLoopThreadsExecutor})
 * whose workers are Netty {@link FastThreadLocalThread}s, as the broker's event loops are: code that
 * takes a different path on an event loop (the request-time histograms record into a single-writer
 * recorder there) is then measured on the path the broker takes.
 */
public final class EventLoopThreadsExecutor extends ThreadPoolExecutor {
  /** The constructor JMH calls: at most {@code maxThreads} workers named after {@code prefix}. */
  public EventLoopThreadsExecutor(int maxThreads, String prefix) {
    super(maxThreads, maxThreads, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>(), factory(prefix));
  }

  private static java.util.concurrent.ThreadFactory factory(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new FastThreadLocalThread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
