package dev.brook.broker.cluster.zk;

import dev.brook.broker.cluster.PartitionState;
import dev.brook.broker.cluster.ReplicaStateListener;
import dev.brook.broker.cluster.TopicMetadata;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells this broker's replica side what changed in the cluster for it: diffs this broker's partitions
 * in the latest {@link ClusterSnapshot} against what the {@link ReplicaStateListener} was last told,
 * and hands it the changed and the removed ones; tells the topic config listener about topics whose
 * configs changed. Invariant: the listener has heard every partition state in {@link #ledHere()}.
 *
 * <p>Threads: {@link #schedule()} from any thread; the diffing runs on the one events thread it is
 * given (so the listener hears changes in order), which alone touches what was delivered. Changes
 * scheduled while a dispatch is pending are folded into it: it reads the snapshot when it runs.
 */
final class ReplicaStateDispatcher {
  private static final Logger log = LoggerFactory.getLogger(ReplicaStateDispatcher.class);

  private final int brokerId;
  private final Supplier<ClusterSnapshot> snapshot;
  private final BooleanSupplier active;
  private final ExecutorService events;
  private final AtomicBoolean dispatchPending = new AtomicBoolean();
  private volatile ReplicaStateListener listener;
  private volatile Consumer<TopicMetadata> configListener = t -> {};
  /** The partitions this broker was last told it leads (published by the events thread after the listener heard it). */
  private volatile Map<TopicPartition, PartitionState> ledHere = Map.of();
  /** Events thread only: what the listener was last told about this broker's partitions. */
  private final Map<TopicPartition, PartitionState> delivered = new HashMap<>();
  /** Events thread only: the topic configs last applied. */
  private final Map<String, Map<String, String>> deliveredConfigs = new HashMap<>();

  /**
   * @param snapshot the latest snapshot (read when a dispatch runs)
   * @param active whether to dispatch at all (false before this broker registered and once closed)
   * @param events the single thread dispatches run on
   */
  ReplicaStateDispatcher(int brokerId, Supplier<ClusterSnapshot> snapshot, BooleanSupplier active,
      ExecutorService events) {
    this.brokerId = brokerId;
    this.snapshot = snapshot;
    this.active = active;
    this.events = events;
  }

  void setListener(ReplicaStateListener listener) {
    this.listener = listener;
  }

  void setConfigListener(Consumer<TopicMetadata> listener) {
    this.configListener = listener;
  }

  /** The partitions this broker was last told it leads. Any thread. */
  Map<TopicPartition, PartitionState> ledHere() {
    return ledHere;
  }

  /** Stops the events thread (a dispatch running is interrupted). */
  void close() {
    events.shutdownNow();
  }

  /** Runs a dispatch on the events thread soon, unless one is pending already. Any thread. */
  void schedule() {
    if (!active.getAsBoolean() || !dispatchPending.compareAndSet(false, true)) return;
    events.execute(() -> {
      dispatchPending.set(false);
      dispatch();
    });
  }

  /** Events thread: diffs this broker's partitions against what the listener last heard. */
  private void dispatch() {
    ReplicaStateListener l = listener;
    if (l == null || !active.getAsBoolean()) return;
    ClusterSnapshot s = snapshot.get();
    int me = brokerId;
    applyConfigChanges(s);
    List<PartitionState> changed = new ArrayList<>();
    for (PartitionState st : s.states().values()) {
      if (!st.replicas().contains(me)) continue;
      if (!st.equals(delivered.get(st.tp()))) changed.add(st);
    }
    List<TopicPartition> removed = new ArrayList<>();
    for (TopicPartition tp : delivered.keySet()) {
      PartitionState now = s.states().get(tp);
      if (now == null && s.topics().containsKey(tp.topic()) && !s.topicsBeingDeleted().contains(tp.topic())) {
        continue; // state not yet written (new partition): nothing to do yet
      }
      if (now == null || !now.replicas().contains(me)) removed.add(tp);
    }
    try {
      if (!removed.isEmpty()) {
        l.onPartitionsRemoved(removed);
        removed.forEach(delivered::remove);
      }
      if (!changed.isEmpty()) {
        l.onPartitionStates(changed);
        changed.forEach(st -> delivered.put(st.tp(), st));
      }
      Map<TopicPartition, PartitionState> led = new HashMap<>();
      delivered.forEach((tp, st) -> {
        if (st.leader() == me) led.put(tp, st);
      });
      ledHere = Map.copyOf(led);
    } catch (Exception e) {
      log.error("The replica side failed to apply {} changed and {} removed partitions; retrying", changed.size(),
          removed.size(), e);
      CompletableFuture.delayedExecutor(500, TimeUnit.MILLISECONDS).execute(this::schedule);
    }
  }

  private void applyConfigChanges(ClusterSnapshot s) {
    deliveredConfigs.keySet().retainAll(s.topics().keySet());
    for (TopicMetadata t : s.topics().values()) {
      Map<String, String> before = deliveredConfigs.put(t.name(), t.configs());
      if (before != null && !before.equals(t.configs())) {
        try {
          configListener.accept(t);
        } catch (RuntimeException e) {
          log.error("Cannot apply the new configs of topic {}", t.name(), e);
        }
      }
    }
  }
}
