package dev.brook.cli;

import dev.brook.mirror.Mirror;
import dev.brook.mirror.MirrorConfig;
import dev.brook.mirror.MirrorConfigException;
import dev.brook.mirror.MirrorStatus;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code brook mirror --config mirror.properties} mirrors between Kafka-protocol clusters (MirrorMaker
 * 2's configuration keys, exactly once); {@code brook mirror status --config ...} prints each mirrored
 * partition's lag. See the brook-mirror module. {@code brook mirror link|topic|promote} and {@code
 * brook mirror status} without {@code --config} manage offset-preserving mirror topics on a Brook
 * target ({@link MirrorTopicCommands}).
 *
 * <p>Prints one line to stdout when every flow's clients are built, {@code brook mirror running
 * flows A->B[, ...]}, and runs until SIGTERM/SIGINT (exit 0).
 */
@Command(
    name = "mirror",
    mixinStandardHelpOptions = true,
    description = "Mirror topics and consumer-group offsets between clusters, exactly once (MirrorMaker 2's config keys).",
    subcommands = {MirrorCommand.Status.class, MirrorTopicCommands.Link.class, MirrorTopicCommands.Topic.class,
        MirrorTopicCommands.Promote.class})
final class MirrorCommand implements Callable<Integer> {
  // Not required=true: picocli would then demand it before `status` too.
  @Option(names = "--config", paramLabel = "FILE", description = "mirror.properties (clusters, A.bootstrap.servers, A->B.enabled, ...).")
  Path config;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (config == null) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Missing required option: '--config=FILE'");
    MirrorConfig parsed = load(config);
    StopSignals.install();
    Mirror mirror = Mirror.start(parsed);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      mirror.close();
      stopped.countDown();
    }, "brook-mirror-stop"));
    System.out.println("brook mirror running flows " + String.join(", ", parsed.flows().stream().map(MirrorConfig.Flow::name).toList()));
    System.out.flush();
    while (mirror.isAlive()) {
      Thread.sleep(500);
    }
    if (stopped.getCount() > 0) {
      throw new UserError("every flow stopped (see the log above: another mirror fenced this one?)");
    }
    return 0;
  }

  static MirrorConfig load(Path file) throws Exception {
    try {
      return MirrorConfig.parse(Mirror.readProperties(file));
    } catch (MirrorConfigException e) {
      throw new UserError(file + ": " + e.getMessage(), Main.EXIT_USAGE);
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Per mirrored partition: source end, mirrored-to position, lag. With --config: the mirror process's flows; "
          + "without: the mirror topics of the Brook broker at --bootstrap-server.")
  static final class Status implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "The mirror process's mirror.properties.")
    Path config;

    @Option(names = "--topic", description = "Mirror topics only: the one topic to show (default: every mirror topic).")
    String topic;

    @picocli.CommandLine.Mixin ClientOptions client;

    @Override
    public Integer call() throws Exception {
      long lag;
      if (config != null) {
        lag = MirrorStatus.print(load(config), System.out);
      } else {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(client.clientProperties(
            java.util.Map.of("client.id", "brook-mirror-status", "default.api.timeout.ms", 30_000), java.util.List.of()))) {
          lag = MirrorTopicCommands.printStatus(admin, topic, System.out);
        }
      }
      System.out.println("total lag: " + lag + " records");
      return 0;
    }
  }
}
