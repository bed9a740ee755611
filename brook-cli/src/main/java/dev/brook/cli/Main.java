package dev.brook.cli;

import java.io.PrintWriter;

/**
 * Entry point of {@code bin/brook}: {@code server} runs a broker; {@code topics}, {@code produce}
 * and {@code consume} are Kafka-protocol clients. User mistakes end as one line on stderr ({@code
 * brook: ...}) and a non-zero exit code, never a stack trace.
 *
 * <p>Exit codes: 0 success, 1 runtime failure (unreachable broker, Kafka error), 2 bad usage or
 * configuration.
 *
 * <p>This class names no picocli type, and must not: a {@code brook server} start would otherwise
 * load picocli to verify it. picocli's classes are Java 5 class files, which the AOT cache cannot
 * hold linked, so they load from their jar, and the class-path search that finds that jar opens
 * every jar before it (~35 ms of the broker's startup). {@link BrookCommand} holds the command tree.
 */
public final class Main {
  /** Runtime failure: the command was well formed but could not be carried out. */
  static final int EXIT_FAILURE = 1;

  /** Bad usage or configuration. */
  static final int EXIT_USAGE = 2;

  private Main() {}

  public static void main(String[] args) {
    // `brook server` with only --config/--override skips picocli: building picocli's command model
    // (reflection, annotation proxies) was half of the broker's startup. Anything else (help, a
    // typo) goes through picocli.
    ServerCommand server = ServerCommand.fromPlainArgs(args);
    System.exit(server != null ? server.callReportingErrors(new PrintWriter(System.err, true)) : run(args));
  }

  /** Runs a command line and returns the exit code (for tests and for {@link #main}). */
  public static int run(String... args) {
    return BrookCommand.execute(args);
  }
}
