package dev.brook.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Offset-preserving mirror topics on a Brook target (issue 19 part 4), over the Kafka Admin API of
 * the target broker: cluster links are the {@code cluster.link.<name>.<key>} configs of the
 * cluster-wide broker resource, a mirror topic is a topic created with {@code mirror.link} (its
 * partition count comes from the source), a promote sets {@code mirror.state=promoted}, and the
 * status is the mirror topic's read-only {@code mirror.status} config. See README, "brook mirror".
 */
final class MirrorTopicCommands {
  private MirrorTopicCommands() {}

  static final String LINK_PREFIX = "cluster.link.";
  static final ConfigResource CLUSTER = new ConfigResource(ConfigResource.Type.BROKER, "");

  abstract static class TargetCommand extends AdminClientCommand {
    TargetCommand() {
      super("brook-mirror-admin");
    }
  }

  @Command(name = "link", mixinStandardHelpOptions = true, description = "Create, list and delete cluster links (on the target).",
      subcommands = {LinkCreate.class, LinkList.class, LinkDelete.class})
  static final class Link implements Runnable {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "expected one of: create, list, delete");
    }
  }

  /** The links the target knows: name → settings. */
  static Map<String, Map<String, String>> links(Admin admin) throws Exception {
    Config c = admin.describeConfigs(List.of(CLUSTER)).all().get().get(CLUSTER);
    Map<String, Map<String, String>> out = new TreeMap<>();
    for (ConfigEntry e : c.entries()) {
      if (!e.name().startsWith(LINK_PREFIX)) continue;
      String rest = e.name().substring(LINK_PREFIX.length());
      int dot = rest.indexOf('.');
      if (dot <= 0) continue;
      out.computeIfAbsent(rest.substring(0, dot), n -> new TreeMap<>()).put(rest.substring(dot + 1), e.value());
    }
    return out;
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Create a cluster link: how the target reaches the source cluster (bootstrap.servers, ...).")
  static final class LinkCreate extends TargetCommand {
    @Option(names = "--link", required = true, description = "The link's name (letters, digits, '_', '-').")
    String link;

    @Option(names = "--config-file", paramLabel = "FILE", description = "The link's settings as properties (bootstrap.servers=...).")
    Path configFile;

    @Option(names = "--config", paramLabel = "KEY=VALUE", description = "A link setting; repeatable (after --config-file).")
    List<String> configs = new ArrayList<>();

    @Override
    int run(Admin admin, PrintStream out) throws Exception {
      Map<String, String> settings = new LinkedHashMap<>();
      if (configFile != null) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(configFile)) {
          p.load(r);
        } catch (IOException e) {
          throw new UserError("--config-file: cannot read " + configFile + ": " + e.getMessage(), Main.EXIT_USAGE);
        }
        p.stringPropertyNames().forEach(k -> settings.put(k, p.getProperty(k)));
      }
      settings.putAll(KeyValues.parse("--config", configs));
      if (settings.isEmpty()) throw new UserError("give the link's settings (--config-file or --config bootstrap.servers=...)", Main.EXIT_USAGE);
      if (links(admin).containsKey(link)) throw new UserError("Cluster link " + link + " exists already");
      List<AlterConfigOp> ops = new ArrayList<>();
      settings.forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry(LINK_PREFIX + link + "." + k, v), AlterConfigOp.OpType.SET)));
      admin.incrementalAlterConfigs(Map.of(CLUSTER, ops)).all().get();
      out.println("Created cluster link " + link + ".");
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the cluster links with their settings.")
  static final class LinkList extends TargetCommand {
    @Override
    int run(Admin admin, PrintStream out) throws Exception {
      links(admin).forEach((name, settings) -> out.println(name + " " + settings));
      return 0;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a cluster link no active mirror topic uses.")
  static final class LinkDelete extends TargetCommand {
    @Option(names = "--link", required = true, description = "The link's name.")
    String link;

    @Override
    int run(Admin admin, PrintStream out) throws Exception {
      Map<String, String> settings = links(admin).get(link);
      if (settings == null) throw new UserError("No cluster link " + link);
      List<AlterConfigOp> ops = new ArrayList<>();
      settings.keySet().forEach(k -> ops.add(new AlterConfigOp(new ConfigEntry(LINK_PREFIX + link + "." + k, null), AlterConfigOp.OpType.DELETE)));
      admin.incrementalAlterConfigs(Map.of(CLUSTER, ops)).all().get();
      out.println("Deleted cluster link " + link + ".");
      return 0;
    }
  }

  @Command(name = "topic", mixinStandardHelpOptions = true, description = "Create mirror topics (on the target).",
      subcommands = {TopicCreate.class})
  static final class Topic implements Runnable {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "expected: create");
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Create a read-only mirror topic, fetched by the target from the source over a link at the source's offsets.")
  static final class TopicCreate extends TargetCommand {
    @Option(names = "--link", required = true, description = "The cluster link to the source.")
    String link;

    @Option(names = "--topic", required = true, description = "The mirror topic's name on the target.")
    String topic;

    @Option(names = "--source-topic", description = "The source topic (default: the same name).")
    String sourceTopic;

    @Override
    int run(Admin admin, PrintStream out) throws Exception {
      Map<String, String> configs = new LinkedHashMap<>();
      configs.put("mirror.link", link);
      if (sourceTopic != null) configs.put("mirror.source.topic", sourceTopic);
      admin.createTopics(List.of(new NewTopic(topic, Optional.empty(), Optional.empty()).configs(configs))).all().get();
      out.println("Created mirror topic " + topic + " of " + (sourceTopic == null ? topic : sourceTopic) + " over link " + link + ".");
      return 0;
    }
  }

  @Command(name = "promote", mixinStandardHelpOptions = true,
      description = "Stop mirroring a topic (after catching up with the source) and make it writable.")
  static final class Promote extends TargetCommand {
    @Option(names = "--topic", required = true, description = "The mirror topic.")
    String topic;

    @Override
    int run(Admin admin, PrintStream out) throws Exception {
      ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      admin.incrementalAlterConfigs(Map.of(r, List.of(
          new AlterConfigOp(new ConfigEntry("mirror.state", "promoted"), AlterConfigOp.OpType.SET)))).all().get();
      out.println("Promoted mirror topic " + topic + ": it is writable now.");
      return 0;
    }
  }

  /** One mirror partition's line of {@code brook mirror status}. */
  record PartitionStatus(String topic, int partition, String state, long mirrorEnd, long sourceHighWatermark, long lag) {}

  /** The mirror topics' status (all, or {@code topic}), from their {@code mirror.status} configs. */
  static List<PartitionStatus> status(Admin admin, String topic) throws Exception {
    Collection<String> names = topic != null ? List.of(topic) : new TreeSet<>(admin.listTopics().names().get());
    List<ConfigResource> resources = names.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
    Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get();
    List<PartitionStatus> out = new ArrayList<>();
    for (ConfigResource r : resources) {
      ConfigEntry e = configs.get(r).get("mirror.status");
      if (e == null || e.value() == null || e.value().isEmpty()) continue;
      for (String item : e.value().split(";")) {
        String[] f = item.split(":");
        out.add(new PartitionStatus(r.name(), Integer.parseInt(f[0]), f[1], Long.parseLong(f[2]), Long.parseLong(f[3]),
            Long.parseLong(f[4])));
      }
    }
    return out;
  }

  /** Prints the status table; returns the total lag (partitions of unknown lag count 0). */
  static long printStatus(Admin admin, String topic, PrintStream out) throws Exception {
    List<PartitionStatus> all = status(admin, topic);
    out.printf("%-30s %9s %-10s %12s %12s %10s%n", "TOPIC", "PARTITION", "STATE", "MIRROR-END", "SOURCE-HW", "LAG");
    long total = 0;
    for (PartitionStatus s : all) {
      out.printf("%-30s %9d %-10s %12d %12d %10s%n", s.topic(), s.partition(), s.state(), s.mirrorEnd(), s.sourceHighWatermark(),
          s.lag() < 0 ? "-" : Long.toString(s.lag()));
      total += Math.max(0, s.lag());
    }
    return total;
  }
}
