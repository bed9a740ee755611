package dev.brook.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a background thread (the {@link LogFlusher}) in a Linux scheduling class that never preempts
 * the thread it wakes beside: {@code SCHED_BATCH} by default — the same fair share of the CPU as any
 * thread, but no wake-up preemption, so a flusher woken by a finished fsync, device flush or timer
 * waits for the running event loop to use up its slice or block instead of taking the core on the
 * spot. Without it, after each roll the flusher's stream of I/O completions preempted the loop on its
 * core, and the appends just after a roll waited tens of milliseconds (bench/RESULTS.md, "What a roll
 * still cost").
 *
 * <p>Java 21 has no call for a thread's scheduling class (the FFM API is a preview there), so the
 * thread runs {@code chrt -p} (util-linux) on its own Linux thread id, once, when it starts.
 * Best-effort: where there is no {@code /proc/thread-self} (not Linux) nothing is done; where {@code
 * chrt} is missing or refuses, one INFO line says so and the thread keeps the default class.
 *
 * <p>{@code -Dbrook.storage.flusherPolicy=batch|idle|normal} chooses the class ({@code idle}: {@code
 * SCHED_IDLE}, which also yields the CPU to every normal thread, so under a busy core the flushes of
 * rolled segments can fall far behind; {@code normal}: leave the thread as it is, the behaviour
 * before this class existed). Threading: call from the thread to move.
 */
final class BackgroundScheduling {
  private static final Logger LOG = LoggerFactory.getLogger(BackgroundScheduling.class);
  static final String POLICY_PROPERTY = "brook.storage.flusherPolicy";
  private static final Path THREAD_SELF = Path.of("/proc/thread-self");
  private static volatile boolean warned;

  private BackgroundScheduling() {}

  /** The policy asked for by {@value #POLICY_PROPERTY}: batch (the default), idle or normal. */
  static String configuredPolicy() {
    String p = System.getProperty(POLICY_PROPERTY, "batch").trim().toLowerCase(Locale.ROOT);
    return switch (p) {
      case "batch", "idle", "normal" -> p;
      default -> {
        warnOnce("-D" + POLICY_PROPERTY + "=" + p + " is not batch, idle or normal; using batch");
        yield "batch";
      }
    };
  }

  /**
   * Moves the calling thread to the configured class. Returns whether it was moved (false on
   * {@code normal}, off Linux, or when {@code chrt} failed).
   */
  static boolean applyToCurrentThread() {
    String policy = configuredPolicy();
    if (policy.equals("normal") || !Files.isSymbolicLink(THREAD_SELF)) {
      return false;
    }
    try {
      String tid = Files.readSymbolicLink(THREAD_SELF).getFileName().toString(); // "<pid>/task/<tid>"
      Process p = new ProcessBuilder("chrt", "--" + policy, "-p", "0", tid)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        warnOnce("chrt did not finish within 10 s; " + Thread.currentThread().getName() + " keeps the default scheduling class");
        return false;
      }
      if (p.exitValue() != 0) {
        warnOnce("chrt --" + policy + " exited with " + p.exitValue() + "; " + Thread.currentThread().getName()
            + " keeps the default scheduling class");
        return false;
      }
      return true;
    } catch (IOException e) {
      warnOnce("cannot run chrt (" + e.getMessage() + "); " + Thread.currentThread().getName()
          + " keeps the default scheduling class");
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * The calling thread's scheduling policy as the kernel numbers it (0 normal, 3 batch, 5 idle), or
   * -1 where {@code /proc/thread-self/stat} cannot be read.
   */
  static int currentPolicy() {
    try {
      String stat = Files.readString(THREAD_SELF.resolve("stat"));
      // Fields after the command name, which ends with the last ')': state is field 3, policy 41.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
      return Integer.parseInt(f[41 - 3]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static void warnOnce(String message) {
    if (!warned) {
      warned = true;
      LOG.info(message);
    }
  }
}
