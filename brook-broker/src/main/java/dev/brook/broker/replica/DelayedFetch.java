package dev.brook.broker.replica;

import io.netty.util.Timeout;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A fetch waiting for data (long poll): completed by the first of (a) an append to one of its
 * partitions after which a fresh read satisfies it ({@code fetch.min.bytes} reached, or an error to
 * report), (b) its {@code max.wait.ms} timer. Never polled. Completes exactly once.
 *
 * <p>Threading: {@link #onPartitionAdvanced} runs on appending threads, the timeout on the timer
 * thread; checks are serialized on this object.
 *
 * @param <R> what a read attempt produces
 * @param <T> the response
 */
public final class DelayedFetch<R, T> implements PartitionWatcher {
  private final List<Partition> watched;
  private final Supplier<R> read;
  private final java.util.function.Predicate<R> satisfied;
  private final Function<R, T> respond;
  private final CompletableFuture<T> future = new CompletableFuture<>();
  private Timeout timeout;
  private boolean done;

  private DelayedFetch(List<Partition> watched, Supplier<R> read, java.util.function.Predicate<R> satisfied, Function<R, T> respond) {
    this.watched = watched;
    this.read = read;
    this.satisfied = satisfied;
    this.respond = respond;
  }

  /**
   * Parks a fetch: watches {@code partitions}, re-reads with {@code read} whenever one advances and
   * answers with {@code respond} once {@code satisfied}, or unconditionally after {@code maxWaitMs}.
   */
  public static <R, T> CompletableFuture<T> park(
      LocalReplicaManager replicas,
      List<Partition> partitions,
      long maxWaitMs,
      Supplier<R> read,
      java.util.function.Predicate<R> satisfied,
      Function<R, T> respond) {
    DelayedFetch<R, T> d = new DelayedFetch<>(partitions, read, satisfied, respond);
    synchronized (d) {
      for (Partition p : partitions) p.addWatcher(d);
      d.timeout = replicas.schedule(d::expire, maxWaitMs);
    }
    // An append may have landed between the caller's first read and the watchers' registration.
    d.onPartitionAdvanced(null);
    return d.future;
  }

  @Override
  public void onPartitionAdvanced(Partition partition) {
    R attempt;
    synchronized (this) {
      if (done) return;
      attempt = read.get();
      if (!satisfied.test(attempt)) return;
      done = true;
    }
    finish(attempt);
  }

  private void expire() {
    synchronized (this) {
      if (done) return;
      done = true;
    }
    finish(read.get());
  }

  private void finish(R attempt) {
    for (Partition p : watched) p.removeWatcher(this);
    Timeout t;
    synchronized (this) {
      t = timeout;
    }
    if (t != null) t.cancel();
    try {
      future.complete(respond.apply(attempt));
    } catch (RuntimeException e) {
      future.completeExceptionally(e);
    }
  }
}
