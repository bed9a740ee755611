package dev.brook.storage;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An operation on a log whose directory is offline (see {@link LogDirFailureChannel}), or the I/O
 * failure that just took it offline. The broker answers it with KAFKA_STORAGE_ERROR.
 */
public final class LogDirOfflineException extends IOException {
  public LogDirOfflineException(Path logDir, String what, Throwable cause) {
    super("log directory " + logDir + " is offline (" + what + ")", cause);
  }
}
