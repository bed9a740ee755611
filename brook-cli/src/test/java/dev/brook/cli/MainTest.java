package dev.brook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.config.ConfigException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cl = BrookCommand.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  @Test
  void noCommandIsAUsageError() {
    assertThat(run()).isEqualTo(2);
    assertThat(err.toString()).contains("brook: a command is required");
  }

  @Test
  void unknownOptionIsOneLineNamingIt() {
    assertThat(run("topics", "list", "--bootstrap", "x")).isEqualTo(2);
    assertThat(err.toString().lines()).singleElement().asString()
        .startsWith("brook: Unknown options: '--bootstrap'").contains("brook topics list --help");
  }

  @Test
  void missingRequiredOptionIsOneLine() {
    assertThat(run("consume")).isEqualTo(2);
    assertThat(err.toString().lines()).singleElement().asString().contains("--topic");
  }

  @Test
  void serverConfigErrorIsExitTwoWithKeyAndProblem() {
    assertThat(run("server", "--override", "listeners=nonsense")).isEqualTo(2);
    assertThat(err.toString().lines()).containsExactly("brook: listeners: expected NAME://host:port, got 'nonsense'");
  }

  @Test
  void serverConfigErrorWithoutPicocliIsTheSameOneLine() {
    ServerCommand server = ServerCommand.fromPlainArgs(new String[] {"server", "--override", "listeners=nonsense"});
    assertThat(server).isNotNull();
    assertThat(server.callReportingErrors(new PrintWriter(err, true))).isEqualTo(2);
    assertThat(err.toString().lines()).containsExactly("brook: listeners: expected NAME://host:port, got 'nonsense'");
  }

  @Test
  void plainServerArgsAreParsedWithoutPicocli() {
    ServerCommand c = ServerCommand.fromPlainArgs(
        new String[] {"server", "--config", "a.properties", "--override", "x=1", "--override=y=2=3", "--config=b"});
    assertThat(c).isNull(); // --config twice: picocli reports it
    c = ServerCommand.fromPlainArgs(new String[] {"server", "--config=a.properties", "--override", "x=1", "--override=y=2"});
    assertThat(c.config).hasToString("a.properties");
    assertThat(c.overrides).containsExactly("x=1", "y=2");
    assertThat(ServerCommand.fromPlainArgs(new String[] {"server"}).overrides).isEmpty();
  }

  @Test
  void anythingElseIsLeftToPicocli() {
    assertThat(ServerCommand.fromPlainArgs(new String[] {})).isNull();
    assertThat(ServerCommand.fromPlainArgs(new String[] {"topics", "list"})).isNull();
    assertThat(ServerCommand.fromPlainArgs(new String[] {"server", "--help"})).isNull();
    assertThat(ServerCommand.fromPlainArgs(new String[] {"server", "--override"})).isNull();
    assertThat(ServerCommand.fromPlainArgs(new String[] {"server", "--overide", "x=1"})).isNull();
  }

  @Test
  void offsetWithoutPartitionIsAUsageError() {
    assertThat(run("consume", "--topic", "t", "--offset", "3")).isEqualTo(2);
    assertThat(err.toString().lines()).containsExactly("brook: --offset needs --partition");
  }

  @Test
  void helpListsTheCommands() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString()).contains("server", "topics", "produce", "consume");
  }

  @Test
  void versionIsFilteredFromTheBuild() {
    assertThat(BrookVersion.get()).matches("\\d+\\.\\d+\\.\\d+.*");
  }

  @Test
  void userErrorsAreRecognisedThroughWrappers() {
    assertThat(UserError.describe(new ExecutionException(new TopicExistsException("Topic 't' already exists."))).getMessage())
        .isEqualTo("Topic 't' already exists.");
    UserError config = UserError.describe(new ConfigException("log.dirs", "bad"));
    assertThat(config.getMessage()).isEqualTo("log.dirs: bad");
    assertThat(config.exitCode()).isEqualTo(2);
    assertThat(UserError.describe(new IllegalStateException("bug"))).isNull();
  }
}
