package dev.brook.broker.mirror;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies one link's source groups' committed offsets of the mirrored partitions led here to the
 * same groups in this cluster, unchanged (the offsets are the same on both sides), at each group's
 * coordinator wherever it is ({@link Coordinators}), every {@code consumer.offset.sync.ms}.
 *
 * <p>Invariant: an offset is copied only when the mirror already holds it (at or below its log end:
 * an offset past it would send a failed-over group out of range) and when it changed on the source
 * since the last copy that was taken, and only as a memberless commit, which the group coordinator
 * refuses while the group has members here: a group that failed over keeps what it commits here.
 *
 * <p>One per live link, made and used on the manager's thread only; what it copied is forgotten
 * with the link (a link changed or removed starts over).
 */
final class GroupOffsetCopier {
  // Logs as the manager did before this class was split from it: the log line's name stays the same.
  private static final Logger log = LoggerFactory.getLogger(MirrorManager.class);

  /** The source's committed offsets of the groups whose id matches, by group ({@link SourceCluster#groupOffsets}). */
  @FunctionalInterface
  interface SourceOffsets {
    Map<String, Map<TopicPartition, OffsetAndMetadata>> groupOffsets(Pattern groups)
        throws InterruptedException, ExecutionException, TimeoutException;
  }

  /** Where a copied commit goes: the group's coordinator, on this broker or another. Manager thread. */
  interface Coordinators {
    /**
     * Whether {@code group} can take a copied commit now: {@code NONE} when it is coordinated here,
     * {@code NOT_COORDINATOR} when by another broker of this cluster; anything else: not now.
     */
    Errors availability(String group);

    /** Commits {@code req} at this broker's coordinator of its group. */
    OffsetCommitResponseData commitHere(OffsetCommitRequestData req) throws InterruptedException, ExecutionException, TimeoutException;

    /** Sends {@code req} to its group's coordinator on another broker; null when the group has none live now. */
    OffsetCommitResponseData commitElsewhere(String group, OffsetCommitRequestData req) throws IOException;
  }

  private final MirrorLink link;
  private final SourceOffsets source;
  private final Function<TopicPartition, OptionalLong> logEndOf;
  private final Coordinators coordinators;
  private final ThrottledWarnings warnings;
  private final LongSupplier nanoClock;
  private long copiedAtNanos;
  /** What was last taken per group and target partition, so a target group's own newer commits stay. */
  private final Map<String, Map<TopicPartition, Long>> copied = new HashMap<>();

  /**
   * @param logEndOf a mirror partition's log end here (empty: no replica here)
   * @param warnings the manager thread's warnings (a source that does not answer)
   */
  GroupOffsetCopier(MirrorLink link, SourceOffsets source, Function<TopicPartition, OptionalLong> logEndOf, Coordinators coordinators,
      ThrottledWarnings warnings, LongSupplier nanoClock) {
    this.link = link;
    this.source = source;
    this.logEndOf = logEndOf;
    this.coordinators = coordinators;
    this.warnings = warnings;
    this.nanoClock = nanoClock;
  }

  /**
   * Copies the offsets of those of {@code wanted} (the mirror partitions filled here, with their
   * mirror topics) that this link fills, when offset sync is on and {@code consumer.offset.sync.ms}
   * passed since the last round. A source that does not answer is warned of; the next round retries.
   */
  void copyIfDue(Map<TopicPartition, MirrorTopic> wanted) {
    if (!link.offsetSyncEnabled()) return;
    long now = nanoClock.getAsLong();
    if (copiedAtNanos != 0 && now - copiedAtNanos < TimeUnit.MILLISECONDS.toNanos(link.offsetSyncMs())) return;
    copiedAtNanos = now;
    Map<TopicPartition, TopicPartition> targetOf = new HashMap<>(); // source partition -> mirror partition
    wanted.forEach((tp, mt) -> {
      if (mt.link().equals(link.name())) targetOf.put(new TopicPartition(mt.sourceTopic(), tp.partition()), tp);
    });
    if (targetOf.isEmpty()) return;
    try {
      for (Map.Entry<String, Map<TopicPartition, OffsetAndMetadata>> g : source.groupOffsets(link.groups()).entrySet()) {
        copyGroup(g.getKey(), g.getValue(), targetOf);
      }
    } catch (ExecutionException | TimeoutException e) {
      warnings.warn("offsets:" + link.name(), "link {}: cannot read the source's group offsets: {}", link.name(), e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void copyGroup(String group, Map<TopicPartition, OffsetAndMetadata> offsets, Map<TopicPartition, TopicPartition> targetOf)
      throws InterruptedException {
    Errors where = coordinators.availability(group);
    // Coordinated elsewhere in the cluster: sent there below. Anything else (loading, invalid): next round.
    if (where != Errors.NONE && where != Errors.NOT_COORDINATOR) return;
    Map<TopicPartition, Long> done = copied.computeIfAbsent(group, g -> new HashMap<>());
    Map<TopicPartition, Long> sent = new HashMap<>();
    OffsetCommitRequestData req = commitOf(group, offsets, targetOf, done, sent);
    if (sent.isEmpty()) return;
    try {
      OffsetCommitResponseData resp = where == Errors.NONE ? coordinators.commitHere(req) : coordinators.commitElsewhere(group, req);
      if (resp == null) return; // no coordinator now: next round
      for (OffsetCommitResponseData.OffsetCommitResponseTopic t : resp.topics()) {
        for (OffsetCommitResponseData.OffsetCommitResponsePartition r : t.partitions()) {
          TopicPartition tp = new TopicPartition(t.name(), r.partitionIndex());
          if (r.errorCode() == Errors.NONE.code()) {
            done.put(tp, sent.get(tp));
          } else {
            log.debug("link {}: group {} offset of {} not copied: {}", link.name(), group, tp, Errors.forCode(r.errorCode()));
          }
        }
      }
    } catch (ExecutionException | TimeoutException | IOException e) {
      log.debug("link {}: copying group {}'s offsets failed", link.name(), group, e);
    }
  }

  /**
   * The memberless commit of {@code group}'s source offsets that the mirror holds and that differ
   * from {@code done}; each offset put in it is put in {@code sent} by mirror partition.
   */
  private OffsetCommitRequestData commitOf(String group, Map<TopicPartition, OffsetAndMetadata> offsets,
      Map<TopicPartition, TopicPartition> targetOf, Map<TopicPartition, Long> done, Map<TopicPartition, Long> sent) {
    Map<String, OffsetCommitRequestData.OffsetCommitRequestTopic> byTopic = new LinkedHashMap<>();
    offsets.forEach((src, om) -> {
      TopicPartition target = targetOf.get(src);
      if (target == null || om == null) return;
      OptionalLong end = logEndOf.apply(target);
      if (end.isEmpty() || om.offset() > end.getAsLong() || Long.valueOf(om.offset()).equals(done.get(target))) return;
      byTopic.computeIfAbsent(target.topic(), t -> new OffsetCommitRequestData.OffsetCommitRequestTopic().setName(t))
          .partitions().add(new OffsetCommitRequestData.OffsetCommitRequestPartition()
              .setPartitionIndex(target.partition())
              .setCommittedOffset(om.offset())
              .setCommittedLeaderEpoch(om.leaderEpoch().orElse(-1))
              .setCommittedMetadata(om.metadata()));
      sent.put(target, om.offset());
    });
    return new OffsetCommitRequestData().setGroupId(group).setGenerationIdOrMemberEpoch(-1)
        .setMemberId("").setTopics(new ArrayList<>(byTopic.values()));
  }
}
