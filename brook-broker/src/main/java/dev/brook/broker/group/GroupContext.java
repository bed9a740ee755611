package dev.brook.broker.group;

import dev.brook.broker.coordinator.CoordinatorThread;
import dev.brook.broker.coordinator.PartitionTerms;
import dev.brook.storage.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntPredicate;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the group coordinator's managers share: configuration, the coordinator thread and its
 * timers, the groups in memory, which partitions are served, and the one way to write records.
 * Mutable state here ({@link #groups}) is owned by the coordinator thread; {@link #availability} may
 * be asked from any thread.
 */
final class GroupContext {
  private static final Logger log = LoggerFactory.getLogger(GroupContext.class);

  final GroupCoordinatorConfig config;
  final GroupScheduler scheduler;
  final CoordinatorThread thread;
  final GroupLog groupLog;
  final Clock clock;
  final PartitionTerms terms = new PartitionTerms(ReplicaGroupLog.TOPIC);
  /** Every group of the partitions served, by id. Coordinator thread only. */
  final Map<String, Group> groups = new HashMap<>();
  /** The topics consumer groups subscribe to (set once, before serving). */
  TopicLookup topics = TopicLookup.NONE;
  /** Where the coordinator's events go for metrics (set once, before serving). */
  volatile GroupSensors sensors = GroupSensors.NONE;
  /** Whether this broker may act as leader of a partition now (false while its cluster session is lost). */
  volatile IntPredicate leadsNow = p -> true;

  GroupContext(GroupCoordinatorConfig config, GroupScheduler scheduler, GroupLog groupLog, Clock clock) {
    this.config = config;
    this.scheduler = scheduler;
    this.thread = new CoordinatorThread("Group coordinator", scheduler::execute);
    this.groupLog = groupLog;
    this.clock = clock;
  }

  /** The __consumer_offsets partition that holds {@code groupId} (Kafka's formula, so tools agree). */
  int partitionFor(String groupId) {
    return Utils.abs(groupId.hashCode()) % config.offsetsTopicPartitions();
  }

  /**
   * NONE, or why a request for this group cannot be served now: invalid id, partition not served
   * here (NOT_COORDINATOR), or still loading. Any thread.
   */
  Errors availability(String groupId) {
    if (groupId == null || groupId.isEmpty()) return Errors.INVALID_GROUP_ID;
    int partition = partitionFor(groupId);
    Errors e = terms.availability(partition);
    if (e == Errors.NONE && !leadsNow.test(partition)) return Errors.NOT_COORDINATOR;
    return e;
  }

  ClassicGroup classic(String groupId) {
    return groups.get(groupId) instanceof ClassicGroup g ? g : null;
  }

  ConsumerGroup consumer(String groupId) {
    return groups.get(groupId) instanceof ConsumerGroup g ? g : null;
  }

  /**
   * Appends {@code records} to the partition of {@code groupId}; the future completes on the
   * coordinator thread once they are committed (or failed), so callers apply and answer there.
   */
  CompletableFuture<Void> write(String groupId, List<GroupRecord> records) {
    CompletableFuture<Void> written;
    try {
      written = groupLog.append(partitionFor(groupId), records);
    } catch (RuntimeException e) {
      written = CompletableFuture.failedFuture(e);
    }
    return written.whenCompleteAsync((v, e) -> {}, scheduler::execute);
  }

  /** Kafka's mapping of a failed __consumer_offsets append to the error a group client expects. */
  static Errors storeError(Throwable e) {
    Throwable cause = CoordinatorThread.unwrap(e);
    Errors error = Errors.forException(cause);
    return switch (error) {
      case UNKNOWN_TOPIC_OR_PARTITION, NOT_ENOUGH_REPLICAS, NOT_ENOUGH_REPLICAS_AFTER_APPEND, REQUEST_TIMED_OUT ->
          Errors.COORDINATOR_NOT_AVAILABLE;
      case NOT_LEADER_OR_FOLLOWER, KAFKA_STORAGE_ERROR, NOT_COORDINATOR -> Errors.NOT_COORDINATOR;
      case MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, INVALID_FETCH_SIZE -> Errors.INVALID_COMMIT_OFFSET_SIZE;
      default -> {
        log.warn("Could not append to __consumer_offsets", cause);
        yield Errors.COORDINATOR_NOT_AVAILABLE;
      }
    };
  }
}
