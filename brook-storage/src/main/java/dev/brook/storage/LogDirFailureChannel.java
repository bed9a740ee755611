package dev.brook.storage;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where a log directory goes offline (Kafka's {@code LogDirFailureChannel}): any I/O
 * error on a file of a directory — a write, a truncate, an index map, an fsync, a checkpoint — is
 * reported here, and the directory stays offline until the broker restarts. A failed fsync is never
 * retried: after one, the kernel may have dropped the dirty pages, so a retry would "succeed" with
 * the data gone.
 *
 * <p>Invariant: a directory is reported (one ERROR line naming it and the cause) and its listeners
 * told exactly once, the first time it fails; later failures in it are silent here (their callers
 * still get an exception).
 *
 * <p>Threading: any thread (appenders, the flusher, the duty thread). Listeners run on the thread
 * that reported the failure, possibly holding a log's lock: they must only flip flags and hand work
 * elsewhere, never block or take a partition's lock.
 */
public final class LogDirFailureChannel {
  private static final Logger LOG = LoggerFactory.getLogger(LogDirFailureChannel.class);

  private final Set<Path> offline = ConcurrentHashMap.newKeySet();
  private final List<Consumer<Path>> listeners = new CopyOnWriteArrayList<>();

  /**
   * Takes {@code logDir} offline because {@code operation} failed with {@code cause}. Returns true
   * the first time (the caller's failure is the one reported).
   */
  public boolean markOffline(Path logDir, String operation, Throwable cause) {
    Path dir = logDir.toAbsolutePath().normalize();
    if (!offline.add(dir)) {
      return false;
    }
    LOG.error("Log directory {} is offline: {} failed: {}; its partitions answer KAFKA_STORAGE_ERROR until the broker is restarted with the disk repaired",
        dir, operation, cause.toString());
    LOG.debug("Failure that took {} offline", dir, cause);
    for (Consumer<Path> l : listeners) {
      try {
        l.accept(dir);
      } catch (RuntimeException e) {
        LOG.error("A log directory failure listener failed for {}", dir, e);
      }
    }
    return true;
  }

  /** Whether {@code logDir} has gone offline. */
  public boolean isOffline(Path logDir) {
    return offline.contains(logDir.toAbsolutePath().normalize());
  }

  /** The offline directories (absolute, normalized). */
  public Set<Path> offlineDirs() {
    return Set.copyOf(offline);
  }

  /** Tells {@code listener} of every directory that goes offline from now on. */
  public void addListener(Consumer<Path> listener) {
    listeners.add(listener);
  }
}
