package dev.brook.cli;

import java.io.PrintStream;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code brook groups list|describe|reset-offsets|delete}: kafka-consumer-groups.sh's main uses,
 * with its flag names and table layout, over the Kafka Admin API.
 */
@Command(
    name = "groups",
    mixinStandardHelpOptions = true,
    description = "List, describe, reset offsets of and delete consumer groups (like kafka-consumer-groups.sh).",
    subcommands = {
      GroupsCommand.ListGroups.class,
      GroupsCommand.Describe.class,
      GroupsCommand.ResetOffsets.class,
      GroupsCommand.Delete.class
    })
final class GroupsCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "expected one of: list, describe, reset-offsets, delete");
  }

  /** Common to every groups subcommand: the connection and one admin client per run. */
  abstract static class AdminCommand extends AdminClientCommand {
    AdminCommand() {
      super("brook-groups");
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List consumer groups.")
  static final class ListGroups extends AdminCommand {
    @Option(names = "--state", description = "Show each group's state.")
    boolean showState;

    @Override
    int run(Admin admin, PrintStream out) throws Exception {
      List<GroupListing> groups = new ArrayList<>(admin.listGroups().all().get());
      groups.sort(Comparator.comparing(GroupListing::groupId));
      if (!showState) {
        groups.forEach(g -> out.println(g.groupId()));
        return 0;
      }
      out.printf("%-40s %s%n", "GROUP", "STATE");
      for (GroupListing g : groups) {
        out.printf("%-40s %s%n", g.groupId(), g.groupState().map(GroupState::toString).orElse("Unknown"));
      }
      return 0;
    }
  }

  @Command(
      name = "describe",
      mixinStandardHelpOptions = true,
      description = "Committed offsets, log-end offsets, lag and owners of each partition of a group.")
  static final class Describe extends AdminCommand {
    @Option(names = "--group", required = true, description = "Group id; repeatable.")
    List<String> groups;

    @Option(names = "--members", description = "List the members instead of the partitions.")
    boolean members;

    @Override
    int run(Admin admin, PrintStream out) throws Exception {
      var described = admin.describeConsumerGroups(groups).describedGroups();
      for (String group : groups) {
        ConsumerGroupDescription d;
        try {
          d = described.get(group).get();
        } catch (java.util.concurrent.ExecutionException e) {
          if (!(e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException)) throw e;
          d = null;
        }
        if (d == null || d.groupState() == GroupState.DEAD) {
          out.println("Consumer group '" + group + "' does not exist.");
          continue;
        }
        if (members) describeMembers(d, out);
        else describeOffsets(admin, d, out);
      }
      return 0;
    }

    private static void describeMembers(ConsumerGroupDescription d, PrintStream out) {
      if (d.members().isEmpty()) {
        out.println("\nConsumer group '" + d.groupId() + "' has no active members.");
        return;
      }
      out.printf("%n%-20s %-50s %-16s %-30s %s%n", "GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS");
      for (MemberDescription m : d.members()) {
        out.printf("%-20s %-50s %-16s %-30s %d%n", d.groupId(), m.consumerId(), m.host(), m.clientId(),
            m.assignment().topicPartitions().size());
      }
    }

    private static void describeOffsets(Admin admin, ConsumerGroupDescription d, PrintStream out) throws Exception {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets(d.groupId()).partitionsToOffsetAndMetadata().get();
      Map<TopicPartition, MemberDescription> owners = new HashMap<>();
      for (MemberDescription m : d.members()) {
        for (TopicPartition tp : m.assignment().topicPartitions()) owners.put(tp, m);
      }
      Set<TopicPartition> partitions = new java.util.HashSet<>(committed.keySet());
      partitions.addAll(owners.keySet());
      Map<TopicPartition, Long> ends = offsets(admin, partitions, OffsetSpec.latest());
      if (d.members().isEmpty()) out.println("\nConsumer group '" + d.groupId() + "' has no active members.");
      out.printf("%n%-20s %-20s %-10s %-15s %-15s %-10s %-50s %-16s %s%n", "GROUP", "TOPIC", "PARTITION",
          "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID");
      List<TopicPartition> sorted = new ArrayList<>(partitions);
      sorted.sort(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
      for (TopicPartition tp : sorted) {
        OffsetAndMetadata c = committed.get(tp);
        Long end = ends.get(tp);
        MemberDescription m = owners.get(tp);
        String current = c == null ? "-" : Long.toString(c.offset());
        String lag = c == null || end == null ? "-" : Long.toString(Math.max(0, end - c.offset()));
        out.printf("%-20s %-20s %-10d %-15s %-15s %-10s %-50s %-16s %s%n", d.groupId(), tp.topic(), tp.partition(),
            current, end == null ? "-" : end, lag, m == null ? "-" : m.consumerId(), m == null ? "-" : m.host(),
            m == null ? "-" : m.clientId());
      }
    }
  }

  /** Offsets of partitions per spec; partitions the broker cannot answer for are left out. */
  static Map<TopicPartition, Long> offsets(Admin admin, Collection<TopicPartition> partitions, OffsetSpec spec)
      throws Exception {
    if (partitions.isEmpty()) return Map.of();
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (TopicPartition tp : partitions) request.put(tp, spec);
    Map<TopicPartition, Long> out = new HashMap<>();
    var result = admin.listOffsets(request);
    for (TopicPartition tp : partitions) {
      try {
        ListOffsetsResultInfo info = result.partitionResult(tp).get();
        out.put(tp, info.offset());
      } catch (java.util.concurrent.ExecutionException e) {
        // unknown topic or partition: shown as "-"
      }
    }
    return out;
  }

  @Command(
      name = "reset-offsets",
      mixinStandardHelpOptions = true,
      description = "Move a group's committed offsets (the group must have no active members). Prints the plan; "
          + "--execute applies it.")
  static final class ResetOffsets extends AdminCommand {
    @Option(names = "--group", required = true, description = "Group id.")
    String group;

    @Option(names = "--topic", description = "TOPIC or TOPIC:P1,P2; repeatable.")
    List<String> topics = new ArrayList<>();

    @Option(names = "--all-topics", description = "Every topic the group has committed offsets for.")
    boolean allTopics;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
      @Option(names = "--to-earliest", description = "To the log start offset.")
      boolean earliest;

      @Option(names = "--to-latest", description = "To the log end offset.")
      boolean latest;

      @Option(names = "--to-offset", description = "To this offset (clamped to the log).")
      Long offset;

      @Option(names = "--shift-by", description = "Move by N (negative: back), clamped to the log.")
      Long shiftBy;

      @Option(names = "--to-datetime", description = "To the first offset at or after YYYY-MM-DDTHH:mm:SS.sss[+/-hh:mm|Z].")
      String datetime;
    }

    @Option(names = "--execute", description = "Apply the new offsets (default: only print them).")
    boolean execute;

    @Option(names = "--dry-run", description = "Only print the new offsets (the default).")
    boolean dryRun;

    @Override
    int run(Admin admin, PrintStream out) throws Exception {
      if (topics.isEmpty() == !allTopics) throw new UserError("give either --topic or --all-topics", Main.EXIT_USAGE);
      ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
      if (!d.members().isEmpty()) {
        throw new UserError("Assignments can only be reset if the group '" + group + "' is inactive, but the current state is "
            + d.groupState() + ".");
      }
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      List<TopicPartition> partitions = partitions(admin, committed.keySet());
      Map<TopicPartition, Long> earliest = offsets(admin, partitions, OffsetSpec.earliest());
      Map<TopicPartition, Long> latest = offsets(admin, partitions, OffsetSpec.latest());
      Map<TopicPartition, Long> plan = new TreeMap<>(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
      Map<TopicPartition, Long> byTime = target.datetime == null ? Map.of()
          : offsets(admin, partitions, OffsetSpec.forTimestamp(parseTime(target.datetime)));
      for (TopicPartition tp : partitions) {
        long lo = earliest.getOrDefault(tp, 0L);
        long hi = latest.getOrDefault(tp, lo);
        long wanted;
        if (target.earliest) wanted = lo;
        else if (target.latest) wanted = hi;
        else if (target.offset != null) wanted = target.offset;
        else if (target.shiftBy != null) {
          OffsetAndMetadata c = committed.get(tp);
          wanted = (c == null ? lo : c.offset()) + target.shiftBy;
        } else {
          long t = byTime.getOrDefault(tp, -1L);
          wanted = t < 0 ? hi : t;
        }
        plan.put(tp, Math.max(lo, Math.min(hi, wanted)));
      }
      out.printf("%n%-20s %-20s %-10s %s%n", "GROUP", "TOPIC", "PARTITION", "NEW-OFFSET");
      plan.forEach((tp, o) -> out.printf("%-20s %-20s %-10d %d%n", group, tp.topic(), tp.partition(), o));
      if (execute && !dryRun) {
        Map<TopicPartition, OffsetAndMetadata> update = new HashMap<>();
        plan.forEach((tp, o) -> update.put(tp, new OffsetAndMetadata(o)));
        admin.alterConsumerGroupOffsets(group, update).all().get();
      }
      return 0;
    }

    private List<TopicPartition> partitions(Admin admin, Set<TopicPartition> committed) throws Exception {
      if (allTopics) return new ArrayList<>(committed);
      List<TopicPartition> out = new ArrayList<>();
      List<String> whole = new ArrayList<>();
      for (String t : topics) {
        int colon = t.indexOf(':');
        if (colon < 0) {
          whole.add(t);
          continue;
        }
        for (String p : t.substring(colon + 1).split(",")) {
          try {
            out.add(new TopicPartition(t.substring(0, colon), Integer.parseInt(p.trim())));
          } catch (NumberFormatException e) {
            throw new UserError("--topic " + t + ": partition '" + p + "' is not a number", Main.EXIT_USAGE);
          }
        }
      }
      if (!whole.isEmpty()) {
        Map<String, TopicDescription> described = admin.describeTopics(whole).allTopicNames().get();
        for (TopicDescription td : described.values()) {
          td.partitions().forEach(p -> out.add(new TopicPartition(td.name(), p.partition())));
        }
      }
      return out;
    }

    private static long parseTime(String s) {
      try {
        return OffsetDateTime.parse(s).toInstant().toEpochMilli();
      } catch (DateTimeParseException e) {
        try {
          return Instant.parse(s + "Z").toEpochMilli(); // no zone: UTC
        } catch (DateTimeParseException e2) {
          throw new UserError("--to-datetime: cannot parse '" + s + "' (expected YYYY-MM-DDTHH:mm:SS.sss[+hh:mm])",
              Main.EXIT_USAGE);
        }
      }
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete groups without active members.")
  static final class Delete extends AdminCommand {
    @Option(names = "--group", required = true, description = "Group id; repeatable.")
    List<String> groups;

    @Override
    int run(Admin admin, PrintStream out) throws Exception {
      admin.deleteConsumerGroups(groups).all().get();
      out.println("Deletion of requested consumer groups ("
          + groups.stream().map(g -> "'" + g + "'").collect(Collectors.joining(", ")) + ") was successful.");
      return 0;
    }
  }
}
