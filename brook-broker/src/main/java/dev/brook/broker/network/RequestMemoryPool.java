package dev.brook.broker.network;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory every connection's requests may hold together ({@code queued.max.request.bytes}): a
 * frame reserves its announced size before its bytes are read and returns it when its response is
 * out. A connection that cannot reserve stops reading (its bytes wait in the kernel, the sender is
 * slowed by TCP) until memory is returned, so many large requests at once queue instead of running
 * the broker out of memory. A frame larger than the whole pool takes the whole pool.
 */
public final class RequestMemoryPool {
  private final long capacity;
  private final AtomicLong available;
  private final Queue<Runnable> waiters = new ConcurrentLinkedQueue<>();
  // Every connection's decoder adds to it on each read, on every core: a LongAdder, not one contended
  // cache line.
  private final java.util.concurrent.atomic.LongAdder buffered = new java.util.concurrent.atomic.LongAdder();

  public RequestMemoryPool(long capacity) {
    if (capacity <= 0) throw new IllegalArgumentException("capacity " + capacity);
    this.capacity = capacity;
    this.available = new AtomicLong(capacity);
  }

  /** A pool that never refuses. */
  public static RequestMemoryPool unbounded() {
    return new RequestMemoryPool(Long.MAX_VALUE / 2);
  }

  /** What a frame of {@code size} bytes reserves. */
  long reservationFor(int size) {
    return Math.min(size, capacity);
  }

  /** Reserves {@code bytes} if available now. */
  boolean tryReserve(long bytes) {
    long a;
    do {
      a = available.get();
      if (a < bytes) return false;
    } while (!available.compareAndSet(a, a - bytes));
    return true;
  }

  /** Returns memory and wakes the connections waiting for some (each retries its reservation). */
  void release(long bytes) {
    if (bytes <= 0) return;
    available.addAndGet(bytes);
    Runnable w;
    while ((w = waiters.poll()) != null) w.run();
  }

  /**
   * Runs {@code wake} once memory is returned. Called after a failed reservation; if memory came
   * back in between, wakes at once so that no wake-up is lost.
   */
  void await(long bytes, Runnable wake) {
    waiters.add(wake);
    if (available.get() >= bytes && waiters.remove(wake)) wake.run();
  }

  /** Frame decoders report the bytes of unfinished requests they hold (what the reservations bound). */
  void buffered(long delta) {
    if (delta != 0) buffered.add(delta);
  }

  /** Bytes of requests read from sockets but not yet whole, on every connection. */
  public long bufferedBytes() {
    return buffered.sum();
  }

  public long available() {
    return available.get();
  }

  public long capacity() {
    return capacity;
  }
}
