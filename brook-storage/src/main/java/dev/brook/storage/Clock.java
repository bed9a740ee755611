package dev.brook.storage;

/**
 * The time source for everything in Brook that decides by time (segment.ms, retention, flush.ms,
 * session timeouts...). Injected so tests can use a fake clock.
 */
public interface Clock {
  long milliseconds();

  long nanoseconds();

  Clock SYSTEM =
      new Clock() {
        @Override
        public long milliseconds() {
          return System.currentTimeMillis();
        }

        @Override
        public long nanoseconds() {
          return System.nanoTime();
        }
      };
}
