package dev.brook.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * The one seam through which storage opens the files it writes: segments ({@code .log}), indexes,
 * transaction indexes, checkpoints and producer snapshots. Production opens them with {@link
 * FileChannel#open}; a test {@linkplain #install installs} an opener that wraps the channels of
 * chosen paths to throw {@link IOException} at a write, a truncate, a map or an fsync, so every
 * failure point of the log can be driven without a broken disk.
 *
 * <p>Process-wide, not per log: the opener is read (one volatile read) at each open, which is never
 * on a per-record path. Tests that install one restore the previous opener when done.
 */
public final class StorageFiles {
  /** Opens a file channel; the seam's one operation. */
  @FunctionalInterface
  public interface Opener {
    FileChannel open(Path file, OpenOption... options) throws IOException;
  }

  /** {@link FileChannel#open(Path, OpenOption...)}: what production uses. */
  public static final Opener DEFAULT = FileChannel::open;

  private static volatile Opener opener = DEFAULT;

  private StorageFiles() {}

  /** Opens {@code file} through the installed opener. */
  static FileChannel open(Path file, OpenOption... options) throws IOException {
    return opener.open(file, options);
  }

  /**
   * Installs {@code o} (for tests); closing the returned handle puts back the opener it replaced.
   */
  public static AutoCloseable install(Opener o) {
    Opener previous = opener;
    opener = o;
    return () -> opener = previous;
  }
}
