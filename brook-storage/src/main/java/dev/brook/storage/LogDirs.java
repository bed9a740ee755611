package dev.brook.storage;

import dev.brook.storage.cleaner.CleanerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The broker's log directories ({@code log.dirs}, JBOD): one {@link LogManager} per directory, all
 * reporting to one {@link LogDirFailureChannel}. A partition lives in exactly one directory: the one
 * that holds it at startup, else (a new partition) the online directory with the fewest partitions,
 * the first of them on a tie (Kafka's placement rule). A directory that goes offline takes only its
 * own partitions down; the others keep serving, and new partitions go to the online ones.
 *
 * <p>Threading: thread-safe; placement is serialized on this object (creation is rare and never on
 * an append path), lookups are lock-free.
 */
public final class LogDirs implements AutoCloseable {
  private final List<LogManager> managers;
  private final LogDirFailureChannel failures;

  private LogDirs(List<LogManager> managers, LogDirFailureChannel failures) {
    this.managers = List.copyOf(managers);
    this.failures = failures;
  }

  /** One directory, already open (tools and tests); null gives none (a manager that creates no log). */
  public static LogDirs of(LogManager single) {
    return single == null
        ? new LogDirs(List.of(), new LogDirFailureChannel())
        : new LogDirs(List.of(single), single.failures());
  }

  /**
   * Opens every directory (recovering its logs). A partition found in two directories is a startup
   * error naming both, as in Kafka.
   */
  public static LogDirs open(List<Path> dirs, LogConfig defaults, Clock clock, CleanerConfig cleaner, RecordCodec codec,
      LogDirFailureChannel failures) throws IOException {
    List<LogManager> opened = new ArrayList<>();
    try {
      for (Path dir : dirs) {
        opened.add(LogManager.open(dir, defaults, clock, cleaner, codec, failures));
      }
      java.util.Map<LogId, Path> seen = new java.util.HashMap<>();
      for (LogManager m : opened) {
        for (PartitionLog log : m.all()) {
          Path before = seen.putIfAbsent(log.id(), m.logDir());
          if (before != null) {
            throw new IOException("partition " + log.id() + " is in two log directories: " + before + " and " + m.logDir());
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      for (LogManager m : opened) {
        try {
          m.close();
        } catch (IOException | RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
    return new LogDirs(opened, failures);
  }

  /** The directories' managers, in {@code log.dirs} order. */
  public List<LogManager> managers() {
    return managers;
  }

  public LogDirFailureChannel failures() {
    return failures;
  }

  /** The manager of the directory holding {@code id}, if any. */
  public Optional<LogManager> managerOf(LogId id) {
    for (LogManager m : managers) {
      if (m.get(id).isPresent()) {
        return Optional.of(m);
      }
    }
    return Optional.empty();
  }

  public Optional<PartitionLog> get(LogId id) {
    for (LogManager m : managers) {
      Optional<PartitionLog> log = m.get(id);
      if (log.isPresent()) {
        return log;
      }
    }
    return Optional.empty();
  }

  /**
   * The log of {@code id}: in the directory that holds it, else created in the online directory
   * with the fewest partitions. With every directory offline, a {@link LogDirOfflineException}.
   */
  public PartitionLog getOrCreate(LogId id, LogConfig config) throws IOException {
    Optional<LogManager> holder = managerOf(id);
    if (holder.isPresent()) {
      return holder.get().getOrCreate(id, config);
    }
    synchronized (this) {
      holder = managerOf(id);
      if (holder.isPresent()) {
        return holder.get().getOrCreate(id, config);
      }
      LogManager least = null;
      for (LogManager m : managers) {
        if (!m.isOffline() && (least == null || m.logCount() < least.logCount())) {
          least = m;
        }
      }
      if (least == null) {
        if (managers.isEmpty()) {
          throw new IllegalStateException("no log directory to create " + id + " in");
        }
        throw new LogDirOfflineException(managers.get(0).logDir(), "every log directory is offline; cannot create " + id, null);
      }
      return least.getOrCreate(id, config);
    }
  }

  /** Deletes {@code id} from the directory that holds it (nothing if none does). */
  public void delete(LogId id) throws IOException {
    Optional<LogManager> holder = managerOf(id);
    if (holder.isPresent()) {
      holder.get().delete(id);
    }
  }

  /** Every log of every directory. */
  public Collection<PartitionLog> all() {
    List<PartitionLog> out = new ArrayList<>();
    for (LogManager m : managers) {
      out.addAll(m.all());
    }
    return out;
  }

  /** Closes every directory (each flushes, checkpoints and marks a clean shutdown unless offline). */
  @Override
  public void close() throws IOException {
    IOException failure = null;
    for (LogManager m : managers) {
      try {
        m.close();
      } catch (IOException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
