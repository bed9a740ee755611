package dev.brook.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes SIGTERM and SIGINT a normal exit (status 0) that runs the shutdown hooks. Without this the
 * JVM still runs the hooks but reports 128+signal, which supervisors read as a crash.
 */
final class StopSignals {
  private static final Logger log = LoggerFactory.getLogger(StopSignals.class);

  private StopSignals() {}

  @SuppressWarnings("removal")
  static void install() {
    try {
      sun.misc.SignalHandler exit = sig -> {
        log.info("SIG{} received, shutting down", sig.getName());
        // exit() blocks until the hooks finish; run it off the signal dispatcher thread.
        Thread t = new Thread(() -> System.exit(0), "brook-stop");
        t.start();
      };
      sun.misc.Signal.handle(new sun.misc.Signal("TERM"), exit);
      sun.misc.Signal.handle(new sun.misc.Signal("INT"), exit);
    } catch (RuntimeException | LinkageError e) {
      // Not fatal: the shutdown hook still closes the broker, only the exit status differs.
      log.warn("cannot handle stop signals ({}); SIGTERM will exit with status 143", e.toString());
    }
  }
}
