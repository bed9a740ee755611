package dev.brook.mirror;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer-group side of a flow: reads the source groups' committed offsets, translates them
 * exactly ({@link OffsetTranslation}) into checkpoints, and, with {@code sync.group.offsets.enabled},
 * commits the translations to the same groups on the target while they have no active members there
 * (never moving a target group backwards, as MM2). Called on the flow's thread.
 */
final class GroupCheckpoints {
  private static final Logger log = LoggerFactory.getLogger(GroupCheckpoints.class);

  private final MirrorConfig.Flow flow;
  private final Admin source;
  private final Admin target;
  /** The last checkpoint written per group and target partition (upstream, downstream). */
  private final Map<String, Map<TopicPartition, Mm2Formats.Checkpoint>> emitted = new HashMap<>();

  GroupCheckpoints(MirrorConfig.Flow flow, Admin source, Admin target) {
    this.flow = flow;
    this.source = source;
    this.target = target;
  }

  /**
   * What a transaction writes for the groups: new checkpoints and the exact syncs behind them; and,
   * per mirrored source partition, the lowest offset any mirrored group has committed (null when the
   * groups were not read this round): offset syncs below it are needed no more.
   */
  record Due(List<Mm2Formats.Checkpoint> checkpoints, List<Mm2Formats.OffsetSync> syncs, Map<TopicPartition, Long> lowest) {
    static final Due NONE = new Due(List.of(), List.of(), null);

    boolean isEmpty() {
      return checkpoints.isEmpty();
    }
  }

  /**
   * The checkpoints that changed since the last call, for the partitions in {@code mirrored}
   * (source to target) whose offsets {@code translation} can translate given the committed source
   * {@code positions}.
   */
  Due due(Map<TopicPartition, TopicPartition> mirrored, OffsetTranslation translation, Map<TopicPartition, Long> positions)
      throws ExecutionException, InterruptedException {
    List<Mm2Formats.Checkpoint> checkpoints = new ArrayList<>();
    List<Mm2Formats.OffsetSync> syncs = new ArrayList<>();
    Map<TopicPartition, Long> lowest = new HashMap<>();
    for (GroupListing g : source.listGroups().all().get()) {
      GroupType type = g.type().orElse(GroupType.CLASSIC);
      if (type != GroupType.CLASSIC && type != GroupType.CONSUMER) continue;
      if (!flow.mirrorsGroup(g.groupId())) continue;
      Map<TopicPartition, OffsetAndMetadata> offsets =
          source.listConsumerGroupOffsets(g.groupId()).partitionsToOffsetAndMetadata().get();
      Map<TopicPartition, Mm2Formats.Checkpoint> last = emitted.getOrDefault(g.groupId(), Map.of());
      for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
        TopicPartition tp = e.getKey();
        TopicPartition targetTp = mirrored.get(tp);
        if (targetTp == null || e.getValue() == null) continue;
        long upstream = e.getValue().offset();
        lowest.merge(tp, upstream, Math::min);
        OptionalLong downstream = translation.translate(tp, upstream, positions.getOrDefault(tp, -1L));
        if (downstream.isEmpty()) continue;
        Mm2Formats.Checkpoint c = new Mm2Formats.Checkpoint(g.groupId(), targetTp, upstream, downstream.getAsLong(), e.getValue().metadata());
        Mm2Formats.Checkpoint prev = last.get(targetTp);
        if (prev != null && prev.upstream() == c.upstream() && prev.downstream() == c.downstream()) continue;
        checkpoints.add(c);
        // MM2's readers see an exact sync for every translated offset; one past the last mirrored
        // record needs none (and must not get one: OffsetTranslation reads its last sync as a record).
        if (upstream <= translation.lastSynced(tp)) syncs.add(new Mm2Formats.OffsetSync(tp, upstream, c.downstream()));
      }
    }
    return new Due(checkpoints, syncs, lowest);
  }

  /** Remembers checkpoints whose transaction committed. */
  void committed(Due due) {
    for (Mm2Formats.Checkpoint c : due.checkpoints()) {
      emitted.computeIfAbsent(c.group(), g -> new HashMap<>()).put(c.targetPartition(), c);
    }
  }

  /** Commits the latest checkpoints to the target groups that have no active members there. */
  void syncGroupOffsets() throws InterruptedException {
    for (Map.Entry<String, Map<TopicPartition, Mm2Formats.Checkpoint>> g : emitted.entrySet()) {
      String group = g.getKey();
      try {
        if (!idleOnTarget(group)) continue;
        Map<TopicPartition, OffsetAndMetadata> current = target.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        Map<TopicPartition, OffsetAndMetadata> advance = new HashMap<>();
        for (Mm2Formats.Checkpoint c : g.getValue().values()) {
          OffsetAndMetadata have = current.get(c.targetPartition());
          if (have == null || have.offset() < c.downstream()) {
            advance.put(c.targetPartition(), new OffsetAndMetadata(c.downstream(), c.metadata()));
          }
        }
        if (advance.isEmpty()) continue;
        target.alterConsumerGroupOffsets(group, advance).all().get();
        log.debug("{}: committed {} translated offsets for group {} on {}", flow.name(), advance.size(), group, flow.target().alias());
      } catch (ExecutionException e) {
        // The group became active between the check and the commit, or the target is away: next round.
        log.info("{}: could not sync offsets of group {} to {}: {}", flow.name(), group, flow.target().alias(), e.getCause().toString());
      }
    }
  }

  private boolean idleOnTarget(String group) throws InterruptedException, ExecutionException {
    try {
      ConsumerGroupDescription d = target.describeConsumerGroups(List.of(group)).describedGroups().get(group).get();
      return d.members().isEmpty() && (d.groupState() == GroupState.EMPTY || d.groupState() == GroupState.DEAD || d.groupState() == GroupState.UNKNOWN);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof GroupIdNotFoundException) return true;
      throw e;
    }
  }
}
