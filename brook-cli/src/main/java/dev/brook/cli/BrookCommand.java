package dev.brook.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The picocli command tree of {@code bin/brook} (help, usage errors and every command), and how it
 * turns exceptions into one line each. {@link Main} is the entry point; it keeps picocli out of a
 * plain {@code brook server} start.
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
      MirrorCommand.class,
      CommandLine.HelpCommand.class
    })
final class BrookCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Runs a command line through picocli and returns the exit code. */
  static int execute(String... args) {
    return commandLine().execute(args);
  }

  /** The command tree with Brook's error handling; tests may redirect its out and err. */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new BrookCommand());
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
      return Main.EXIT_USAGE;
    }

    @Override
    public int handleExecutionException(
        Exception e, CommandLine cl, CommandLine.ParseResult parseResult) {
      return UserError.report(e, cl.getErr());
    }
  }
}
