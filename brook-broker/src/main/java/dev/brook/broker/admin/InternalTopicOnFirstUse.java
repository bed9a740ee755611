package dev.brook.broker.admin;

import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates an internal topic (__consumer_offsets, __transaction_state) on first use, as Kafka does:
 * the first FindCoordinator for a group or transactional id starts the creation off the network
 * thread and is answered COORDINATOR_NOT_AVAILABLE (clients retry); once created, the topic exists
 * for good. Brokers that never see a group or a transaction never pay for 50 partitions each, at
 * startup or on disk. Thread-safe.
 */
public final class InternalTopicOnFirstUse {
  private static final Logger log = LoggerFactory.getLogger(InternalTopicOnFirstUse.class);

  private final String name;
  private final AtomicBoolean ready;
  private final AtomicBoolean creating = new AtomicBoolean();
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
  public boolean ensureReady() {
    if (ready.get()) return true;
    if (creating.compareAndSet(false, true)) {
      executor.execute(
          () -> {
            try {
              create.call();
              ready.set(true);
            } catch (org.apache.kafka.common.errors.ApiException e) {
              // Expected until the cluster can host it (too few live brokers): retried on next use,
              // which clients make several times a second, so said once.
              if (warned.compareAndSet(false, true)) log.warn("Cannot create {} yet: {}", name, e.getMessage());
              else log.debug("Cannot create {} yet: {}", name, e.getMessage());
            } catch (Exception e) {
              log.error("Could not create {}", name, e);
            } finally {
              creating.set(false);
            }
          });
    }
    return false;
  }
}
