package dev.brook.cli;

import dev.brook.broker.Broker;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.network.NetworkServer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.BindException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code brook server}: runs one broker in this JVM until SIGTERM or SIGINT.
 *
 * <p>Prints exactly one line to stdout, {@code Brook <version> ready on <listener> (data in
 * <dir>)}, once the listener accepts requests; everything else goes to stderr. A stop signal closes
 * the broker (flush, checkpoints, clean-shutdown marker) and exits 0.
 */
@Command(
    name = "server",
    mixinStandardHelpOptions = true,
    description = "Run a Brook broker (single node unless zookeeper.connect is set).")
final class ServerCommand implements Callable<Integer> {
  @Option(names = "--config", paramLabel = "FILE", description = "A server.properties file (Kafka's key names).")
  Path config;

  @Option(names = "--override", paramLabel = "KEY=VALUE", description = "A setting that wins over the file; repeatable.")
  List<String> overrides = new ArrayList<>();

  /**
   * The command for {@code server [--config FILE] [--override K=V]...} (also in their {@code --opt=value}
   * forms), built without picocli; null for any other command line, which picocli then handles (help,
   * usage errors, other commands).
   */
  static ServerCommand fromPlainArgs(String[] args) {
    if (args.length == 0 || !args[0].equals("server")) {
      return null;
    }
    ServerCommand c = new ServerCommand();
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      String name = a.contains("=") && a.startsWith("--") ? a.substring(0, a.indexOf('=')) : a;
      String value;
      if (!name.equals(a)) {
        value = a.substring(name.length() + 1);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        return null;
      }
      switch (name) {
        case "--config" -> {
          if (c.config != null) {
            return null; // picocli reports the repeated option
          }
          c.config = Path.of(value);
        }
        case "--override" -> c.overrides.add(value);
        default -> {
          return null;
        }
      }
    }
    return c;
  }

  /** Runs the command; a failure is reported on {@code err} as picocli's path reports it. */
  int callReportingErrors(PrintWriter err) {
    try {
      return call();
    } catch (Exception e) {
      return UserError.report(e, err);
    }
  }

  @Override
  public Integer call() throws Exception {
    // A helper thread initializes, while this one sets up logging, reads the configuration and opens
    // the log directory: first the codec's API table (the largest step of a start; it logs nothing),
    // then, once logging is ready, Netty's transport and handler checks (Netty logs).
    CountDownLatch loggingReady = new CountDownLatch(1);
    Thread.ofPlatform().name("brook-preload").daemon().start(() -> {
      NetworkServer.preloadCodec();
      try {
        loggingReady.await();
      } catch (InterruptedException e) {
        return;
      }
      NetworkServer.preload();
    });
    // Logging on this thread, before any class here takes a logger: while SLF4J initializes on one
    // thread it hands other threads substitute loggers, queues their events and replays them with a
    // warning, and one taken just as it finishes can stay a no-op logger for good.
    LoggerFactory.getILoggerFactory();
    loggingReady.countDown();
    BrokerConfig cfg = BrokerConfig.load(config, overrides);
    // A stop signal exits 0 (the JVM's own handling would exit 143/130); the hook below then closes
    // the broker. Installed before start so a signal during startup still shuts down cleanly.
    StopSignals.install();
    Broker broker = startOrExplain(cfg);
    Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "brook-shutdown"));
    PrintStream out = System.out;
    out.println(
        "Brook " + BrookVersion.get() + " ready on " + broker.listener()
            + " (data in " + broker.logDir().toAbsolutePath().normalize() + ")");
    out.flush();
    if (AotTraining.requested()) { // bin/brook's one-off training run for the AOT cache: work, then exit.
      // After the ready line, so that its classes and string concatenation are in the cache too.
      AotTraining.run(broker.listener());
      return 0;
    }
    new CountDownLatch(1).await(); // until a signal ends the JVM
    return 0;
  }

  /** Starts the broker; a listener that cannot bind (port taken, no such address) is a user error. */
  private static Broker startOrExplain(BrokerConfig cfg) throws Exception {
    try {
      return Broker.start(cfg);
    } catch (IOException e) {
      String m = String.valueOf(e.getMessage());
      if (e instanceof BindException || m.contains("bind(") || m.contains("Cannot assign requested address")) {
        throw new UserError("listeners: cannot listen on " + String.join(", ", cfg.listeners()) + ": " + m.replace("bind(..) failed: ", ""));
      }
      throw e;
    }
  }
}
