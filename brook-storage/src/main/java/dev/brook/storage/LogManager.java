package dev.brook.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Optional;

/**
 * All partition logs of one log directory: opens (and recovers) them at startup, creates and
 * deletes them, runs the background duties (retention, flush, checkpoints, cleaner), and on
 * shutdown flushes, checkpoints and writes the clean-shutdown marker.
 *
 * <p>Files it owns in the log dir: {@code recovery-point-offset-checkpoint}, {@code
 * log-start-offset-checkpoint}, {@code replication-offset-checkpoint} (high watermarks), {@code
 * .kafka_cleanshutdown}. {@code meta.properties} belongs to the broker.
 *
 * <p>Thread-safe.
 */
public final class LogManager implements AutoCloseable {

  /** Opens every partition directory under {@code logDir}, recovering those not cleanly shut down. */
  public static LogManager open(Path logDir, LogConfig defaults, Clock clock) throws IOException {
    throw new UnsupportedOperationException("storage: not built yet");
  }

  public Path logDir() {
    throw new UnsupportedOperationException();
  }

  public Optional<PartitionLog> get(LogId id) {
    throw new UnsupportedOperationException();
  }

  public PartitionLog getOrCreate(LogId id, LogConfig config) throws IOException {
    throw new UnsupportedOperationException();
  }

  public Collection<PartitionLog> all() {
    throw new UnsupportedOperationException();
  }

  /** Closes and removes the partition's directory (renamed first, removed after the delete delay). */
  public void delete(LogId id) throws IOException {
    throw new UnsupportedOperationException();
  }

  /** Starts retention, flush, checkpoint and cleaner duties on background threads. */
  public void startBackgroundDuties(long retentionCheckIntervalMs) {
    throw new UnsupportedOperationException();
  }

  /** Writes the recovery-point, log-start and high-watermark checkpoints now. */
  public void checkpoint() throws IOException {
    throw new UnsupportedOperationException();
  }

  /** Flushes every log, writes the checkpoints and the clean-shutdown marker, closes files. */
  @Override
  public void close() throws IOException {
    throw new UnsupportedOperationException();
  }
}
