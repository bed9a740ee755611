package dev.brook.broker.group;

import dev.brook.broker.group.GroupRecord.ConsumerGroupEpochRecord;
import dev.brook.broker.group.GroupRecord.ConsumerMemberRecord;
import dev.brook.broker.group.GroupRecord.CurrentAssignmentRecord;
import dev.brook.broker.group.GroupRecord.GroupEpoch;
import dev.brook.broker.group.GroupRecord.MemberAssignment;
import dev.brook.broker.group.GroupRecord.MemberSubscription;
import dev.brook.broker.group.GroupRecord.RegexRecord;
import dev.brook.broker.group.GroupRecord.ResolvedRegex;
import dev.brook.broker.group.GroupRecord.TargetAssignmentEpochRecord;
import dev.brook.broker.group.GroupRecord.TargetAssignmentMemberRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * A consumer group (KIP-848) as __consumer_offsets holds it, and the records that take the log from
 * one such view to the next, as Kafka writes them: member subscriptions, then the resolutions of
 * the subscription regexes (ConsumerGroupRegularExpression; a regex no member uses any more gets
 * its tombstone), then the group epoch, then
 * the target assignment (members, then its epoch), then each member's current assignment; a member
 * gone gets tombstones for all three of its keys. The coordinator changes a group in memory, asks
 * for the records between the view last committed and the group now, writes them, and makes the
 * new view the committed one once they are; a failed write leaves the committed view as it was, so
 * the next write carries the difference again. Stateless.
 */
final class ConsumerGroupRecords {
  /**
   * What the log holds of a consumer group. Topic names are resolved to ids when records are made.
   * {@code regexes}: each subscription regex's topics (sorted), those it matches that every member
   * subscribing with it may DESCRIBE, so a member reloaded with them sees no topic its own filter
   * hid.
   */
  record View(
      int groupEpoch,
      int assignmentEpoch,
      Map<String, MemberSubscription> subscriptions,
      Map<String, Map<Uuid, List<Integer>>> targets,
      Map<String, MemberAssignment> current,
      Map<String, List<String>> regexes) {
    static final View NONE = new View(-1, -1, Map.of(), Map.of(), Map.of(), Map.of());

    /** This view with the regex resolutions {@code resolved} (those a replayed log holds). */
    View withRegexes(Map<String, Set<String>> resolved) {
      Map<String, List<String>> r = new TreeMap<>();
      resolved.forEach((regex, topics) -> r.put(regex, List.copyOf(new TreeSet<>(topics))));
      return new View(groupEpoch, assignmentEpoch, subscriptions, targets, current, r);
    }
  }

  private ConsumerGroupRecords() {}

  /** The view of {@code cg} now. */
  static View view(ConsumerGroup cg, TopicLookup topics) {
    Map<String, MemberSubscription> subs = new TreeMap<>();
    Map<String, Map<Uuid, List<Integer>>> targets = new TreeMap<>();
    Map<String, MemberAssignment> current = new TreeMap<>();
    Map<String, Set<String>> regexes = new TreeMap<>();
    for (ConsumerGroup.Member m : cg.members.values()) {
      if (m.regex != null) {
        Set<String> mine = ConsumerGroup.regexTopics(m, topics);
        regexes.merge(m.regex, mine, (a, b) -> {
          Set<String> both = new TreeSet<>(a);
          both.retainAll(b);
          return both;
        });
      }
      subs.put(m.memberId, new MemberSubscription(m.instanceId, m.rackId, m.clientId, m.clientHost,
          List.copyOf(new TreeSet<>(m.topics)), m.regex, m.rebalanceTimeoutMs, m.assignor, null));
      Set<TopicPartition> target = cg.target.getOrDefault(m.memberId, Set.of());
      targets.put(m.memberId, byTopicId(target, topics));
      current.put(m.memberId, new MemberAssignment(m.epoch, m.previousEpoch, state(cg, m, target),
          byTopicId(m.assigned, topics), byTopicId(m.pendingRevocation, topics)));
    }
    return new View(cg.groupEpoch, cg.assignmentEpoch, subs, targets, current, Map.of()).withRegexes(regexes);
  }

  /** Kafka's MemberState: 1 unrevoked partitions, 2 unreleased partitions, 0 stable. */
  private static byte state(ConsumerGroup cg, ConsumerGroup.Member m, Set<TopicPartition> target) {
    if (!m.pendingRevocation.isEmpty()) return 1;
    if (!m.assigned.containsAll(target)) return 2;
    return 0;
  }

  /** The records that take the log from {@code before} to {@code after}; {@code now} in ms. */
  static List<GroupRecord> diff(String groupId, View before, View after, long now) {
    List<GroupRecord> out = new ArrayList<>();
    after.subscriptions().forEach((id, s) -> {
      if (!equal(s, before.subscriptions().get(id))) out.add(new ConsumerMemberRecord(groupId, id, s));
    });
    for (String gone : before.subscriptions().keySet()) {
      if (!after.subscriptions().containsKey(gone)) {
        out.add(new CurrentAssignmentRecord(groupId, gone, null));
        out.add(new TargetAssignmentMemberRecord(groupId, gone, null));
        out.add(new ConsumerMemberRecord(groupId, gone, null));
      }
    }
    after.regexes().forEach((regex, topics) -> {
      if (!topics.equals(before.regexes().get(regex))) {
        out.add(new RegexRecord(groupId, regex, new ResolvedRegex(topics, 0, now)));
      }
    });
    for (String unused : before.regexes().keySet()) {
      if (!after.regexes().containsKey(unused)) out.add(new RegexRecord(groupId, unused, null));
    }
    if (after.groupEpoch() != before.groupEpoch()) {
      out.add(new ConsumerGroupEpochRecord(groupId, new GroupEpoch(after.groupEpoch(), 0)));
    }
    after.targets().forEach((id, t) -> {
      if (!t.equals(before.targets().get(id))) out.add(new TargetAssignmentMemberRecord(groupId, id, t));
    });
    if (after.assignmentEpoch() != before.assignmentEpoch()) {
      out.add(new TargetAssignmentEpochRecord(groupId, after.assignmentEpoch()));
    }
    after.current().forEach((id, a) -> {
      if (!equal(a, before.current().get(id))) out.add(new CurrentAssignmentRecord(groupId, id, a));
    });
    return out;
  }

  /** The tombstones that delete an empty consumer group's own keys (its members are gone already). */
  static List<GroupRecord> deletion(String groupId) {
    return List.of(new TargetAssignmentEpochRecord(groupId, null), new ConsumerGroupEpochRecord(groupId, null));
  }

  private static Map<Uuid, List<Integer>> byTopicId(Set<TopicPartition> partitions, TopicLookup topics) {
    Map<Uuid, List<Integer>> out = new TreeMap<>();
    Map<String, List<Integer>> byName = new TreeMap<>();
    for (TopicPartition tp : partitions) byName.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
    byName.forEach((name, ps) -> topics.id(name).ifPresent(id -> {
      ps.sort(null);
      out.put(id, List.copyOf(ps));
    }));
    return out;
  }

  /** The partitions of {@code byId} whose topic still exists, by name. */
  static Set<TopicPartition> byName(Map<Uuid, List<Integer>> byId, TopicLookup topics) {
    Set<TopicPartition> out = new java.util.HashSet<>();
    byId.forEach((id, ps) -> topics.name(id).ifPresent(name -> ps.forEach(p -> out.add(new TopicPartition(name, p)))));
    return out;
  }

  private static boolean equal(MemberSubscription a, MemberSubscription b) {
    return b != null && Objects.equals(a.instanceId(), b.instanceId()) && Objects.equals(a.rackId(), b.rackId())
        && Objects.equals(a.clientId(), b.clientId()) && Objects.equals(a.clientHost(), b.clientHost())
        && a.subscribedTopicNames().equals(b.subscribedTopicNames())
        && Objects.equals(a.subscribedTopicRegex(), b.subscribedTopicRegex())
        && a.rebalanceTimeoutMs() == b.rebalanceTimeoutMs() && Objects.equals(a.serverAssignor(), b.serverAssignor());
  }

  private static boolean equal(MemberAssignment a, MemberAssignment b) {
    return b != null && a.memberEpoch() == b.memberEpoch() && a.previousMemberEpoch() == b.previousMemberEpoch()
        && a.state() == b.state() && a.assignedPartitions().equals(b.assignedPartitions())
        && a.partitionsPendingRevocation().equals(b.partitionsPendingRevocation());
  }
}
