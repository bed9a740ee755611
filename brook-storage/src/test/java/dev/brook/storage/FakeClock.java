package dev.brook.storage;

import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when told to. */
final class FakeClock implements Clock {
  private final AtomicLong ms;

  FakeClock(long startMs) {
    ms = new AtomicLong(startMs);
  }

  FakeClock() {
    this(1_700_000_000_000L);
  }

  void advance(long deltaMs) {
    ms.addAndGet(deltaMs);
  }

  @Override
  public long milliseconds() {
    return ms.get();
  }

  @Override
  public long nanoseconds() {
    return ms.get() * 1_000_000L;
  }
}
