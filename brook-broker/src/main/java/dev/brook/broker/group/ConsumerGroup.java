package dev.brook.broker.group;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.kafka.common.TopicPartition;

/**
 * The KIP-848 ("consumer" protocol) state of a group: members with their epochs, the target
 * assignment computed by a server-side assignor, and each member's progress towards it.
 *
 * <p>Invariants: a partition is held (assigned or pending revocation) by at most one member; a
 * member reaches the assignment epoch only once it holds no partition outside its target (it
 * revokes first, incremental cooperative rebalancing); partitions another member still holds are
 * handed over on a later heartbeat, once released. Mutable; owned by the coordinator thread.
 */
final class ConsumerGroup implements Group {
  static final String PROTOCOL_TYPE = "consumer";

  /** One member of a consumer group. */
  static final class Member {
    final String memberId;
    String instanceId;
    String rackId;
    String clientId;
    String clientHost;
    int rebalanceTimeoutMs;
    Set<String> topics = Set.of();
    String regex;
    /**
     * The topics the member's regex may match: those its principal may DESCRIBE (Kafka resolves a
     * regex only to those), as its last heartbeat's gate decides. Null: every topic (no
     * authorizer). A member loaded from the log gets, until its next heartbeat, the regex's
     * resolution the log holds ({@link #resolvedRegexes}; none: no topic), never every topic.
     */
    java.util.function.Predicate<String> mayDescribe;
    String assignor;
    int epoch;
    int previousEpoch;
    final Set<TopicPartition> assigned = new HashSet<>();
    final Set<TopicPartition> pendingRevocation = new HashSet<>();
    /** A static member that left with epoch -2: kept for its instance's return until it times out. */
    boolean leftStatically;
    /** The member has not yet been told its current assignment. */
    boolean assignmentChanged = true;
    long timerEpoch;
    GroupScheduler.Cancellable sessionTimer = GroupScheduler.Cancellable.NONE;
    GroupScheduler.Cancellable revocationTimer = GroupScheduler.Cancellable.NONE;

    Member(String memberId) {
      this.memberId = memberId;
    }
  }

  final String groupId;
  long stateTimestamp;
  /** Deleted, or its partition unloaded: timers of its members do nothing. */
  boolean gone;
  /** What __consumer_offsets holds of this group: the view last committed (or replayed). */
  ConsumerGroupRecords.View persisted = ConsumerGroupRecords.View.NONE;
  int groupEpoch;
  int assignmentEpoch;
  String assignorName;
  final TreeMap<String, Member> members = new TreeMap<>();
  final Map<String, String> staticMembers = new HashMap<>();
  Map<String, Set<TopicPartition>> target = new HashMap<>();
  /**
   * Each subscription regex's resolution as the log holds it (ConsumerGroupRegularExpression
   * records), filled while the group is replayed; read once, when the loaded members get their
   * filters.
   */
  final Map<String, Set<String>> resolvedRegexes = new HashMap<>();
  /** Partition counts of the subscribed topics when the target was last computed. */
  Map<String, Integer> partitionCounts = Map.of();

  ConsumerGroup(String groupId, long now) {
    this.groupId = groupId;
    this.stateTimestamp = now;
  }

  @Override
  public String groupId() {
    return groupId;
  }

  @Override
  public boolean isEmpty() {
    return members.isEmpty();
  }

  @Override
  public String protocolType() {
    return PROTOCOL_TYPE;
  }

  @Override
  public String type() {
    return "consumer";
  }

  @Override
  public long stateTimestamp() {
    return stateTimestamp;
  }

  @Override
  public boolean isGone() {
    return gone;
  }

  /** Empty, Assigning, Reconciling (some member has not reached the target) or Stable. */
  @Override
  public String stateName() {
    if (members.isEmpty()) return GroupState.EMPTY.displayName();
    if (assignmentEpoch < groupEpoch) return "Assigning";
    for (Member m : members.values()) {
      if (m.epoch != assignmentEpoch || !m.pendingRevocation.isEmpty()) return "Reconciling";
    }
    return GroupState.STABLE.displayName();
  }

  /**
   * The topics {@code m} subscribes to: by name, and by regex over the existing topics it may
   * DESCRIBE.
   */
  static Set<String> subscribedTopics(Member m, TopicLookup topics) {
    if (m.regex == null) return m.topics;
    Set<String> out = new HashSet<>(m.topics);
    out.addAll(regexTopics(m, topics));
    return out;
  }

  /** The existing topics {@code m}'s regex matches and it may DESCRIBE (none without a regex). */
  static Set<String> regexTopics(Member m, TopicLookup topics) {
    if (m.regex == null) return Set.of();
    Set<String> out = new HashSet<>();
    Pattern p = Pattern.compile(m.regex);
    for (String t : topics.names()) {
      if (p.matcher(t).matches() && (m.mayDescribe == null || m.mayDescribe.test(t))) out.add(t);
    }
    return out;
  }

  /** The existing subscribed topics and their partition counts, as the assignor would see them now. */
  Map<String, Integer> currentPartitionCounts(TopicLookup topics) {
    Map<String, Integer> counts = new TreeMap<>();
    for (Member m : members.values()) {
      for (String t : subscribedTopics(m, topics)) {
        if (counts.containsKey(t)) continue;
        topics.partitionCount(t).ifPresent(n -> counts.put(t, n));
      }
    }
    return counts;
  }

  /** Computes the target assignment of the current group epoch. */
  void computeTarget(ServerAssignor assignor, TopicLookup topics) {
    Map<String, Integer> counts = currentPartitionCounts(topics);
    Map<String, Set<String>> subscriptions = new TreeMap<>();
    for (Member m : members.values()) subscriptions.put(m.memberId, subscribedTopics(m, topics));
    target = assignor.assign(subscriptions, counts, target);
    partitionCounts = counts;
    assignmentEpoch = groupEpoch;
    assignorName = assignor.name();
  }

  private boolean heldByOther(TopicPartition tp, Member self) {
    for (Member o : members.values()) {
      if (o != self && (o.assigned.contains(tp) || o.pendingRevocation.contains(tp))) return true;
    }
    return false;
  }

  /**
   * Moves {@code m} one step towards its target. {@code owned} is what the member reports owning
   * (null: unchanged since its last report). Returns true if revocations are now pending.
   */
  boolean reconcile(Member m, Set<TopicPartition> owned) {
    if (!m.pendingRevocation.isEmpty()) {
      boolean released = owned != null && owned.stream().noneMatch(m.pendingRevocation::contains);
      if (!released) return true;
      m.pendingRevocation.clear();
      m.revocationTimer.cancel();
    }
    Set<TopicPartition> goal = target.getOrDefault(m.memberId, Set.of());
    Set<TopicPartition> revoke = new HashSet<>(m.assigned);
    revoke.removeAll(goal);
    if (!revoke.isEmpty()) {
      m.assigned.removeAll(revoke);
      m.pendingRevocation.addAll(revoke);
      m.assignmentChanged = true;
      return true;
    }
    for (TopicPartition tp : goal) {
      if (!m.assigned.contains(tp) && !heldByOther(tp, m)) {
        m.assigned.add(tp);
        m.assignmentChanged = true;
      }
    }
    if (m.epoch != assignmentEpoch) {
      m.previousEpoch = m.epoch;
      m.epoch = assignmentEpoch;
    }
    return false;
  }

  void remove(Member m) {
    members.remove(m.memberId);
    if (m.instanceId != null && m.memberId.equals(staticMembers.get(m.instanceId))) staticMembers.remove(m.instanceId);
    m.sessionTimer.cancel();
    m.revocationTimer.cancel();
    m.timerEpoch++;
    target.remove(m.memberId);
  }

  /** The assignor most members ask for, else {@code fallback}. */
  String preferredAssignor(String fallback) {
    Map<String, Integer> votes = new TreeMap<>();
    for (Member m : members.values()) if (m.assignor != null) votes.merge(m.assignor, 1, Integer::sum);
    String best = fallback;
    int most = 0;
    for (Map.Entry<String, Integer> e : votes.entrySet()) {
      if (e.getValue() > most) {
        best = e.getKey();
        most = e.getValue();
      }
    }
    return best;
  }

  static List<String> sortedIds(Map<String, Member> members) {
    return List.copyOf(members.keySet());
  }
}
