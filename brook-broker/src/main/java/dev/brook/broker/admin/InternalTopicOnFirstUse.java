package dev.brook.broker.admin;

import dev.brook.broker.api.FindCoordinatorHandler;
import java.util.concurrent.Callable;
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
  private static final CompletableFuture<Void> NONE = CompletableFuture.completedFuture(null);

  private static final Logger log = LoggerFactory.getLogger(InternalTopicOnFirstUse.class);

  private final String name;
  private final AtomicBoolean ready;
  // The creation under way, completed (and cleared) when it ends; null when none is.
  private final AtomicReference<CompletableFuture<Void>> creating = new AtomicReference<>();
  private final AtomicBoolean warned = new AtomicBoolean();
  private final Callable<?> create;
  private final Executor executor;

  public InternalTopicOnFirstUse(String name, boolean exists, Callable<?> create, Executor executor) {
    this.name = name;
    this.ready = new AtomicBoolean(exists);
    this.create = create;
    this.executor = executor;
  }

  /** True if the topic exists; otherwise starts creating it (once at a time) and returns false. */
  @Override
  public boolean ensureReady() {
    if (ready.get()) return true;
    CompletableFuture<Void> attempt = new CompletableFuture<>();
    if (creating.compareAndSet(null, attempt)) {
      try {
        executor.execute(() -> create(attempt));
      } catch (RejectedExecutionException e) { // shutting down
        end(attempt);
      }
    }
    return false;
  }

  @Override
  public CompletableFuture<Void> creationEnded() {
    CompletableFuture<Void> attempt = creating.get();
    return attempt == null ? NONE : attempt;
  }

  private void create(CompletableFuture<Void> attempt) {
    long start = System.nanoTime();
    try {
      create.call();
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
  private void end(CompletableFuture<Void> attempt) {
    creating.compareAndSet(attempt, null);
    attempt.complete(null);
  }
}
