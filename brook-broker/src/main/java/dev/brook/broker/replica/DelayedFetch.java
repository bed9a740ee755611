package dev.brook.broker.replica;

import io.netty.util.Timeout;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * A fetch waiting for data (long poll): completed by the first of (a) an append after which the
 * bytes available across its partitions reach {@code fetch.min.bytes} (or a partition has an error
 * to report), (b) its {@code max.wait.ms} timer. Never polled: an append re-measures only the
 * partition it advanced. Completes exactly once; the response is built by a fresh read then.
 *
 * <p>Threading: {@link #onPartitionAdvanced} runs on appending threads, the timeout on the timer
 * thread; checks are serialized on this object.
 *
 * @param <T> the response
 */
public final class DelayedFetch<T> implements PartitionWatcher {
  /** What {@code available} answers for a partition whose state must be reported at once. */
  public static final long ERROR = -1;

  private final List<Partition> watched;
  private final ToLongFunction<Partition> available;
  private final long minBytes;
  private final Supplier<T> respond;
  private final Map<Partition, Long> bytes = new HashMap<>();
  private final CompletableFuture<T> future = new CompletableFuture<>();
  private Timeout timeout;
  private boolean done;

  private DelayedFetch(List<Partition> watched, ToLongFunction<Partition> available, long minBytes, Supplier<T> respond) {
    this.watched = watched;
    this.available = available;
    this.minBytes = minBytes;
    this.respond = respond;
  }

  /**
   * Parks a fetch over {@code partitions}: {@code available} measures the bytes a partition could
   * return now (or {@link #ERROR}); once their sum reaches {@code minBytes}, or after {@code
   * maxWaitMs}, the future completes with {@code respond}.
   */
  public static <T> CompletableFuture<T> park(
      LocalReplicaManager replicas,
      List<Partition> partitions,
      long maxWaitMs,
      ToLongFunction<Partition> available,
      long minBytes,
      Supplier<T> respond) {
    DelayedFetch<T> d = new DelayedFetch<>(partitions, available, minBytes, respond);
    synchronized (d) {
      for (Partition p : partitions) p.addWatcher(d);
      d.timeout = replicas.schedule(d::expire, maxWaitMs);
    }
    // Appends may have landed between the caller's first read and the watchers' registration.
    boolean satisfied;
    synchronized (d) {
      for (Partition p : partitions) d.measure(p);
      satisfied = d.claimIfSatisfied();
    }
    if (satisfied) d.finish();
    return d.future;
  }

  @Override
  public void onPartitionAdvanced(Partition partition) {
    synchronized (this) {
      if (done) return;
      measure(partition);
      if (!claimIfSatisfied()) return;
    }
    finish();
  }

  private void measure(Partition p) {
    bytes.put(p, available.applyAsLong(p));
  }

  private boolean claimIfSatisfied() {
    if (done) return false;
    long sum = 0;
    for (long b : bytes.values()) {
      if (b == ERROR) {
        sum = Long.MAX_VALUE;
        break;
      }
      sum += b;
    }
    if (sum < minBytes) return false;
    done = true;
    return true;
  }

  private void expire() {
    synchronized (this) {
      if (done) return;
      done = true;
    }
    finish();
  }

  private void finish() {
    for (Partition p : watched) p.removeWatcher(this);
    Timeout t;
    synchronized (this) {
      t = timeout;
    }
    if (t != null) t.cancel();
    try {
      future.complete(respond.get());
    } catch (RuntimeException e) {
      future.completeExceptionally(e);
    }
  }
}
