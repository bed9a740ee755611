package dev.brook.broker.coordinator;

import dev.brook.broker.replica.AppendOrigin;
import dev.brook.broker.replica.AppendOutcome;
import dev.brook.broker.replica.DelayedProduce;
import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.Partition;
import dev.brook.storage.Clock;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * A coordinator's write: a batch appended as the partition's leader (validated like any batch, as
 * {@link AppendOrigin#COORDINATOR}), acknowledged once the partition's high watermark passes it,
 * that is once every in-sync replica has it (at once on a single node). A coordinator answers its
 * client only then, so what it answered survives the loss of its broker; the wait is a delayed
 * produce, never a blocked thread. Used for the records of {@code __consumer_offsets} and {@code
 * __transaction_state} and for transaction markers.
 *
 * <p>Thread-safe; the append itself runs on the caller's thread (short: a local write).
 */
public final class CommittedAppender {
  private final LocalReplicaManager replicas;
  private final Clock clock;
  private final long timeoutMs;

  /**
   * @param timeoutMs how long a write waits for the in-sync replicas before it fails with
   *     REQUEST_TIMED_OUT
   */
  public CommittedAppender(LocalReplicaManager replicas, Clock clock, long timeoutMs) {
    this.replicas = replicas;
    this.clock = clock;
    this.timeoutMs = timeoutMs;
  }

  public Clock clock() {
    return clock;
  }

  /**
   * Appends {@code batch} to {@code tp}; completes once committed, or exceptionally with the Kafka
   * error's exception (NOT_COORDINATOR when the partition is not hosted here, the append's error,
   * or what the wait came to: NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT, ...).
   */
  public CompletableFuture<Void> append(TopicPartition tp, ByteBuffer batch) {
    Optional<Partition> p = replicas.partition(tp);
    if (p.isEmpty()) return CompletableFuture.failedFuture(Errors.NOT_COORDINATOR.exception(tp + " is not hosted here"));
    AppendOutcome outcome = p.get().appendRecordsAsLeader(batch, AppendOrigin.COORDINATOR, -1, clock.milliseconds());
    if (outcome.error() != Errors.NONE) {
      return CompletableFuture.failedFuture(outcome.error().exception(
          "append to " + tp + " failed: " + outcome.error() + " " + outcome.message()));
    }
    return DelayedProduce.park(replicas, List.of(new DelayedProduce.Pending(p.get(), outcome.lastOffset() + 1)), timeoutMs)
        .thenApply(errors -> {
          Errors e = errors.get(0);
          if (e != Errors.NONE) throw e.exception(tp + " did not commit the coordinator's write: " + e);
          return null;
        });
  }

  /**
   * Appends one batch to each partition and waits for all of them; completes with each
   * partition's outcome, in the map's order: NONE once committed, UNKNOWN_TOPIC_OR_PARTITION when
   * not hosted here, else the append's or the wait's error. Never completes exceptionally.
   */
  public CompletableFuture<Map<TopicPartition, Errors>> appendAll(Map<TopicPartition, ByteBuffer> batches) {
    Map<TopicPartition, Errors> out = new LinkedHashMap<>();
    List<TopicPartition> waiting = new ArrayList<>();
    List<DelayedProduce.Pending> pending = new ArrayList<>();
    long now = clock.milliseconds();
    batches.forEach((tp, batch) -> {
      Optional<Partition> p = replicas.partition(tp);
      if (p.isEmpty()) {
        out.put(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION);
        return;
      }
      AppendOutcome o = p.get().appendRecordsAsLeader(batch, AppendOrigin.COORDINATOR, -1, now);
      out.put(tp, o.error());
      if (o.error() == Errors.NONE) {
        waiting.add(tp);
        pending.add(new DelayedProduce.Pending(p.get(), o.lastOffset() + 1));
      }
    });
    if (pending.isEmpty()) return CompletableFuture.completedFuture(out);
    return DelayedProduce.park(replicas, pending, timeoutMs).thenApply(errors -> {
      for (int i = 0; i < waiting.size(); i++) out.put(waiting.get(i), errors.get(i));
      return out;
    });
  }
}
