package dev.brook.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code brook topics create|list|describe|alter|delete}: kafka-topics.sh with its flag names and
 * its output, over the Kafka Admin API.
 */
@Command(
    name = "topics",
    mixinStandardHelpOptions = true,
    description = "Create, list, describe, alter and delete topics (like kafka-topics.sh).",
    subcommands = {
      TopicsCommand.Create.class,
      TopicsCommand.ListTopics.class,
      TopicsCommand.Describe.class,
      TopicsCommand.Alter.class,
      TopicsCommand.Delete.class
    })
final class TopicsCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "expected one of: create, list, describe, alter, delete");
  }

  /** Common to every topics subcommand: the connection and one admin client per run. */
  abstract static class AdminCommand extends AdminClientCommand {
    AdminCommand() {
      super("brook-topics");
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a topic.")
  static final class Create extends AdminCommand {
    @Option(names = "--topic", required = true, description = "Topic name.")
    String topic;

    @Option(names = "--partitions", description = "Partition count (default: the broker's num.partitions).")
    Integer partitions;

    @Option(names = "--replication-factor", description = "Replicas per partition (default: the broker's default.replication.factor).")
    Short replicationFactor;

    @Option(names = "--config", paramLabel = "KEY=VALUE", description = "A topic config; repeatable.")
    List<String> configs = new ArrayList<>();

    @Option(names = "--if-not-exists", description = "Succeed quietly if the topic exists.")
    boolean ifNotExists;

    @Override
    int run(Admin admin, PrintStream out) throws Exception {
      NewTopic nt =
          new NewTopic(topic, Optional.ofNullable(partitions), Optional.ofNullable(replicationFactor))
              .configs(KeyValues.parse("--config", configs));
      try {
        admin.createTopics(List.of(nt)).all().get();
      } catch (ExecutionException e) {
        if (e.getCause() instanceof TopicExistsException && ifNotExists) return 0;
        throw e;
      }
      out.println("Created topic " + topic + ".");
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List topic names.")
  static final class ListTopics extends AdminCommand {
    @Option(names = "--exclude-internal", description = "Leave out internal topics (__consumer_offsets, ...).")
    boolean excludeInternal;

    @Override
    int run(Admin admin, PrintStream out) throws Exception {
      Set<String> names = admin.listTopics(new ListTopicsOptions().listInternal(!excludeInternal)).names().get();
      new TreeSet<>(names).forEach(out::println);
      return 0;
    }
  }

  @Command(name = "describe", mixinStandardHelpOptions = true, description = "Describe topics (all when --topic is absent).")
  static final class Describe extends AdminCommand {
    @Option(names = "--topic", description = "Topic to describe.")
    String topic;

    @Option(names = "--exclude-internal", description = "Leave out internal topics.")
    boolean excludeInternal;

    @Option(names = "--if-exists", description = "Succeed quietly if the topic does not exist.")
    boolean ifExists;

    @Override
    int run(Admin admin, PrintStream out) throws Exception {
      Collection<String> names =
          topic != null
              ? List.of(topic)
              : new TreeSet<>(admin.listTopics(new ListTopicsOptions().listInternal(!excludeInternal)).names().get());
      if (names.isEmpty()) return 0;
      Map<String, TopicDescription> descriptions;
      try {
        descriptions = admin.describeTopics(names).allTopicNames().get();
      } catch (ExecutionException e) {
        if (e.getCause() instanceof UnknownTopicOrPartitionException) {
          if (ifExists) return 0;
          throw new UserError("Topic '" + topic + "' does not exist as expected");
        }
        throw e;
      }
      List<ConfigResource> resources =
          names.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
      Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get();
      for (String name : names) {
        TopicDescription d = descriptions.get(name);
        Config c = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, name));
        out.print(TopicDescriptionFormat.format(d, c));
      }
      return 0;
    }
  }

  @Command(name = "alter", mixinStandardHelpOptions = true, description = "Add partitions to a topic, or change its configs.")
  static final class Alter extends AdminCommand {
    @Option(names = "--topic", required = true, description = "Topic to alter.")
    String topic;

    @Option(names = "--partitions", description = "The new, larger partition count.")
    Integer partitions;

    @Option(names = "--config", paramLabel = "KEY=VALUE", description = "Set a topic config; repeatable.")
    List<String> configs = new ArrayList<>();

    @Option(names = "--delete-config", paramLabel = "KEY", description = "Remove a topic config override; repeatable.")
    List<String> deleteConfigs = new ArrayList<>();

    @Option(names = "--if-exists", description = "Succeed quietly if the topic does not exist.")
    boolean ifExists;

    @Override
    int run(Admin admin, PrintStream out) throws Exception {
      if (partitions == null && configs.isEmpty() && deleteConfigs.isEmpty()) {
        throw new UserError("alter: give --partitions, --config or --delete-config", Main.EXIT_USAGE);
      }
      try {
        if (partitions != null) {
          admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(partitions))).all().get();
        }
        if (!configs.isEmpty() || !deleteConfigs.isEmpty()) {
          List<AlterConfigOp> ops = new ArrayList<>();
          KeyValues.parse("--config", configs)
              .forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
          deleteConfigs.forEach(k -> ops.add(new AlterConfigOp(new ConfigEntry(k, ""), AlterConfigOp.OpType.DELETE)));
          ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
          admin.incrementalAlterConfigs(Map.of(r, ops)).all().get();
        }
      } catch (ExecutionException e) {
        if (e.getCause() instanceof UnknownTopicOrPartitionException && ifExists) return 0;
        throw e;
      }
      return 0;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a topic and its data.")
  static final class Delete extends AdminCommand {
    @Option(names = "--topic", required = true, description = "Topic to delete.")
    String topic;

    @Option(names = "--if-exists", description = "Succeed quietly if the topic does not exist.")
    boolean ifExists;

    @Override
    int run(Admin admin, PrintStream out) throws Exception {
      try {
        admin.deleteTopics(List.of(topic)).all().get();
      } catch (ExecutionException e) {
        if (e.getCause() instanceof UnknownTopicOrPartitionException && ifExists) return 0;
        throw e;
      }
      return 0;
    }
  }

  /** kafka-topics.sh --describe's text, line for line. */
  static final class TopicDescriptionFormat {
    private TopicDescriptionFormat() {}

    static String format(TopicDescription d, Config config) {
      List<TopicPartitionInfo> parts = d.partitions();
      int rf = parts.isEmpty() ? 0 : parts.get(0).replicas().size();
      String configs =
          config == null
              ? ""
              : config.entries().stream()
                  .filter(e -> e.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG)
                  .sorted(java.util.Comparator.comparing(ConfigEntry::name))
                  .map(e -> e.name() + "=" + (e.isSensitive() ? "<sensitive>" : e.value()))
                  .collect(Collectors.joining(","));
      StringBuilder sb = new StringBuilder();
      sb.append("Topic: ").append(d.name())
          .append("\tTopicId: ").append(d.topicId())
          .append("\tPartitionCount: ").append(parts.size())
          .append("\tReplicationFactor: ").append(rf)
          .append("\tConfigs: ").append(configs).append('\n');
      for (TopicPartitionInfo p : parts) {
        sb.append("\tTopic: ").append(d.name())
            .append("\tPartition: ").append(p.partition())
            .append("\tLeader: ").append(p.leader() == null || p.leader().isEmpty() ? "none" : p.leader().id())
            .append("\tReplicas: ").append(ids(p.replicas()))
            .append("\tIsr: ").append(ids(p.isr()))
            .append("\tElr: ").append(ids(p.elr()))
            .append("\tLastKnownElr: ").append(ids(p.lastKnownElr()))
            .append('\n');
      }
      return sb.toString();
    }

    private static String ids(List<Node> nodes) {
      if (nodes == null) return "";
      return nodes.stream().map(n -> Integer.toString(n.id())).collect(Collectors.joining(","));
    }
  }
}
