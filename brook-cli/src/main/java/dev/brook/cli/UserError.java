package dev.brook.cli;

import dev.brook.broker.config.ConfigException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * A failure the user can act on, told in one line. {@link #describe} recognises the exceptions
 * that mean "your input or your environment", as opposed to bugs.
 */
final class UserError extends RuntimeException {
  private final int exitCode;

  UserError(String message) {
    this(message, Main.EXIT_FAILURE);
  }

  UserError(String message, int exitCode) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }

  /** Writes {@code e} to {@code err} as Brook reports failures and returns the exit code. */
  static int report(Exception e, PrintWriter err) {
    UserError user = describe(e);
    if (user != null) {
      err.println("brook: " + user.getMessage());
      err.flush();
      return user.exitCode();
    }
    // Not a user mistake: a bug or an unexpected I/O failure. The stack trace is what helps here.
    err.println("brook: unexpected error: " + e);
    e.printStackTrace(err);
    err.flush();
    return Main.EXIT_FAILURE;
  }

  /** The one-line form of {@code e}, or null if {@code e} is not a user-facing failure. */
  static UserError describe(Throwable e) {
    Throwable t = unwrap(e);
    if (t instanceof UserError u) return u;
    if (t instanceof ConfigException c) return new UserError(c.getMessage(), Main.EXIT_USAGE);
    if (t instanceof NoSuchFileException f) return new UserError("no such file: " + f.getMessage());
    String kafka = KafkaErrors.describe(t);
    if (kafka != null) return new UserError(kafka);
    return null;
  }

  static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
