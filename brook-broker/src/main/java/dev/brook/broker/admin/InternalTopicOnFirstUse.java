package dev.brook.broker.admin;

import dev.brook.broker.api.FindCoordinatorHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates an internal topic (__consumer_offsets, __transaction_state) on first use, as Kafka does:
 * the first FindCoordinator for a group or transactional id starts the creation off the network
 * thread; that request's answer may wait for it ({@link #creationEnded()}); once created, the topic
 * exists for good. Brokers that never see a group or a transaction never pay for 50 partitions each,
 * at startup or on disk. Thread-safe.
 */
public final class InternalTopicOnFirstUse implements FindCoordinatorHandler.CoordinatorTopic {
  private static final Logger log = LoggerFactory.getLogger(InternalTopicOnFirstUse.class);

  private final String name;
  private final AtomicBoolean ready;
  // The latest creation, completed with whether the topic exists when it ended. Kept after it ends,
  // not cleared: an answer that started a creation which ended before the answer asked for it (the
  // topic another broker created is found at once) must still learn that it ended, and how.
  private final AtomicReference<CompletableFuture<Boolean>> latest;
  private final AtomicBoolean warned = new AtomicBoolean();
  private final Creation create;
  private final Executor executor;

  /** Creates the topic (returns when it exists), making {@code firstPartition} before the others. */
  @FunctionalInterface
  public interface Creation {
    void create(int firstPartition) throws Exception;
  }

  public InternalTopicOnFirstUse(String name, boolean exists, Creation create, Executor executor) {
    this.name = name;
    this.ready = new AtomicBoolean(exists);
    this.latest = new AtomicReference<>(CompletableFuture.completedFuture(exists));
    this.create = create;
    this.executor = executor;
  }

  /** True if the topic exists; otherwise starts creating it (once at a time) and returns false. */
  @Override
  public boolean ensureReady(int firstPartition) {
    if (ready.get()) return true;
    CompletableFuture<Boolean> previous = latest.get();
    if (!previous.isDone()) return false; // under way
    CompletableFuture<Boolean> attempt = new CompletableFuture<>();
    if (latest.compareAndSet(previous, attempt)) {
      try {
        executor.execute(() -> create(attempt, firstPartition));
      } catch (RejectedExecutionException e) { // shutting down
        end(attempt);
      }
    }
    return false;
  }

  @Override
  public CompletableFuture<Boolean> creationEnded() {
    return latest.get();
  }

  private void create(CompletableFuture<Boolean> attempt, int firstPartition) {
    long start = System.nanoTime();
    try {
      create.create(firstPartition);
      ready.set(true);
      log.info("{} created on first use in {} ms", name, (System.nanoTime() - start) / 1_000_000);
    } catch (org.apache.kafka.common.errors.ApiException e) {
      // Expected until the cluster can host it (too few live brokers): retried on next use,
      // which clients make several times a second, so said once.
      if (warned.compareAndSet(false, true)) log.warn("Cannot create {} yet: {}", name, e.getMessage());
      else log.debug("Cannot create {} yet: {}", name, e.getMessage());
    } catch (Exception e) {
      log.error("Could not create {}", name, e);
    } finally {
      end(attempt);
    }
  }

  // Ready is set before the attempt ends, so whoever waited on it finds the topic.
  private void end(CompletableFuture<Boolean> attempt) {
    attempt.complete(ready.get());
  }
}
