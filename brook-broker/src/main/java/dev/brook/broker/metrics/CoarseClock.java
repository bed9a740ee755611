package dev.brook.broker.metrics;

import com.codahale.metrics.Clock;
import java.util.concurrent.locks.LockSupport;

/**
 * A clock for the meters and histograms on the request path that reads a field instead of calling
 * {@link System#nanoTime()}: a meter marks and a histogram update each read the clock, a dozen reads
 * per produce request, and on virtual machines {@code nanoTime} can cost ~80 ns a call. Their uses
 * need no more than 10 ms precision (meters tick every 5 s; the decaying reservoir weighs samples by
 * the second). One daemon thread advances it; any thread reads it.
 */
final class CoarseClock extends Clock {
  static final CoarseClock INSTANCE = new CoarseClock();
  private static final long PERIOD_NS = 10_000_000L;

  private volatile long tick = System.nanoTime();

  private CoarseClock() {
    Thread.ofPlatform().name("brook-metrics-clock").daemon().start(() -> {
      while (true) {
        LockSupport.parkNanos(PERIOD_NS);
        tick = System.nanoTime();
      }
    });
  }

  @Override
  public long getTick() {
    return tick;
  }
}
