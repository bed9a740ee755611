package dev.brook.broker.replica;

import io.netty.util.Timeout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.Errors;

/**
 * An acks=all produce waiting for the in-sync replicas: completed by the first of (a) every
 * partition's high watermark passing its appended records (or the partition losing leadership),
 * re-checked only when a partition's high watermark, ISR or role changes; (b) the request timeout,
 * after which the partitions still waiting get REQUEST_TIMED_OUT. When the high watermark passes but
 * the ISR has fallen below min.insync.replicas the partition gets NOT_ENOUGH_REPLICAS_AFTER_APPEND
 * (the records are written, but not as durably as asked). Completes exactly once.
 *
 * <p>Threading: {@link #onPartitionAdvanced} runs on whichever thread advanced a partition, the
 * timeout on the timer thread; the state is guarded by this object.
 */
public final class DelayedProduce implements PartitionWatcher {
  /** One partition's records waiting: done once the high watermark reaches {@code requiredOffset}. */
  public record Pending(Partition partition, long requiredOffset) {}

  private final List<Pending> pending;
  private final Errors[] results;
  private final CompletableFuture<List<Errors>> future = new CompletableFuture<>();
  private Timeout timeout;
  private boolean done;

  private DelayedProduce(List<Pending> pending) {
    this.pending = List.copyOf(pending);
    this.results = new Errors[pending.size()];
  }

  /**
   * Parks the produce; the future completes with one error per pending entry, in order (NONE when
   * replicated to the ISR).
   */
  public static CompletableFuture<List<Errors>> park(LocalReplicaManager replicas, List<Pending> pending, long timeoutMs) {
    DelayedProduce d = new DelayedProduce(pending);
    synchronized (d) {
      for (Pending p : d.pending) p.partition().addWatcher(d);
      d.timeout = replicas.schedule(d::expire, Math.max(0, timeoutMs));
    }
    d.checkAll(); // the HW may have passed before the watchers were registered
    return d.future;
  }

  /** What the partition's wait came to, or null while it still waits. */
  static Errors outcome(Pending e) {
    Partition p = e.partition();
    if (!p.isLeader()) return Errors.NOT_LEADER_OR_FOLLOWER;
    if (p.highWatermark() < e.requiredOffset()) return null;
    return p.inSyncReplicaCount() < p.policy().minInsyncReplicas() ? Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND : Errors.NONE;
  }

  @Override
  public void onPartitionAdvanced(Partition partition) {
    checkAll();
  }

  private void checkAll() {
    synchronized (this) {
      if (done) return;
      for (int i = 0; i < results.length; i++) {
        if (results[i] == null) results[i] = outcome(pending.get(i));
      }
      for (Errors r : results) {
        if (r == null) return;
      }
      done = true;
    }
    finish();
  }

  private void expire() {
    synchronized (this) {
      if (done) return;
      done = true;
      for (int i = 0; i < results.length; i++) {
        if (results[i] == null) results[i] = Errors.REQUEST_TIMED_OUT;
      }
    }
    finish();
  }

  private void finish() {
    for (Pending p : pending) p.partition().removeWatcher(this);
    Timeout t;
    synchronized (this) {
      t = timeout;
    }
    if (t != null) t.cancel();
    future.complete(new ArrayList<>(List.of(results)));
  }
}
