package dev.brook.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The lines {@code bench/scaling} prints: each goes to stdout at once (flushed, so a long run shows
 * its progress) and is kept, so that {@link #writeTo} can save them all as the run's summary.txt.
 * Used from one thread.
 */
final class ScalingSummary {
  private final StringBuilder lines = new StringBuilder();

  /** Prints {@code s} and keeps it. */
  void line(String s) {
    System.out.println(s);
    System.out.flush();
    lines.append(s).append('\n');
  }

  /** Every line kept so far, each ended by a newline. */
  String text() {
    return lines.toString();
  }

  void writeTo(Path file) throws IOException {
    Files.writeString(file, lines);
  }
}
