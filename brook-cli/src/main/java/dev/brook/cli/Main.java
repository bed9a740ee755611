package dev.brook.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code bin/brook}: {@code server} runs a broker; {@code topics}, {@code produce}
 * and {@code consume} are Kafka-protocol clients. User mistakes end as one line on stderr ({@code
 * brook: ...}) and a non-zero exit code, never a stack trace.
 *
 * <p>Exit codes: 0 success, 1 runtime failure (unreachable broker, Kafka error), 2 bad usage or
 * configuration.
 */
@Command(
    name = "brook",
    mixinStandardHelpOptions = true,
    versionProvider = BrookVersion.Provider.class,
    description = "Brook: a Kafka-protocol message broker and its console clients.",
    subcommands = {
      ServerCommand.class,
      TopicsCommand.class,
      GroupsCommand.class,
      ClusterCommand.class,
      ProduceCommand.class,
      ConsumeCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  /** Runtime failure: the command was well formed but could not be carried out. */
  static final int EXIT_FAILURE = 1;

  /** Bad usage or configuration. */
  static final int EXIT_USAGE = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    // `brook server` with only --config/--override skips picocli: building picocli's command model
    // (reflection, annotation proxies, Java 5 class files that cannot be AOT-linked) was half of the
    // broker's startup. Anything else (help, a typo) goes through picocli as before.
    ServerCommand server = ServerCommand.fromPlainArgs(args);
    System.exit(server != null ? server.callReportingErrors(new PrintWriter(System.err, true)) : run(args));
  }

  /** Runs a command line and returns the exit code (for tests and for {@link #main}). */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /** The command tree with Brook's error handling; tests may redirect its out and err. */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler(new Errors());
    cl.setParameterExceptionHandler(Errors::onUsageError);
    return cl;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getErr());
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }

  /** Turns exceptions into one line each. */
  static final class Errors implements CommandLine.IExecutionExceptionHandler {
    static int onUsageError(CommandLine.ParameterException e, String[] args) {
      CommandLine cl = e.getCommandLine();
      PrintWriter err = cl.getErr();
      err.println("brook: " + e.getMessage() + " (see '" + cl.getCommandSpec().qualifiedName() + " --help')");
      err.flush();
      return EXIT_USAGE;
    }

    @Override
    public int handleExecutionException(
        Exception e, CommandLine cl, CommandLine.ParseResult parseResult) {
      return report(e, cl.getErr());
    }

    /** Writes {@code e} to {@code err} as Brook reports failures and returns the exit code. */
    static int report(Exception e, PrintWriter err) {
      UserError user = UserError.describe(e);
      if (user != null) {
        err.println("brook: " + user.getMessage());
        err.flush();
        return user.exitCode();
      }
      // Not a user mistake: a bug or an unexpected I/O failure. The stack trace is what helps here.
      err.println("brook: unexpected error: " + e);
      e.printStackTrace(err);
      err.flush();
      return EXIT_FAILURE;
    }
  }
}
