package dev.brook.broker.replica;

import dev.brook.storage.Clock;
import dev.brook.storage.LogConfig;
import dev.brook.storage.LogId;
import dev.brook.storage.LogManager;
import dev.brook.storage.PartitionLog;
import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica manager of a broker that leads every partition it hosts (single-node mode: a cluster
 * of one). Partitions are born at leader epoch 0 (or the log's latest epoch when reopened); the
 * in-sync replica set is this broker, so the high watermark follows the log end.
 *
 * <p>Owns the timer wheel for delayed operations (long-poll fetches) and expires idle producers. On
 * close it snapshots every partition's producer state (so a restart replays only newer batches).
 * Does not own the {@link LogManager}: the broker closes that after this. Thread-safe.
 */
public final class LocalReplicaManager implements ReplicaManager {
  private static final Logger log = LoggerFactory.getLogger(LocalReplicaManager.class);
  private static final long PRODUCER_EXPIRATION_CHECK_MS = 600_000;

  private final LogManager logs;
  private final RecordPolicy brokerPolicy;
  private final Clock clock;
  private final long producerIdExpirationMs;
  private final ConcurrentHashMap<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Uuid, String> topicNames = new ConcurrentHashMap<>();
  private final HashedWheelTimer timer;
  private volatile boolean closed;

  public LocalReplicaManager(LogManager logs, RecordPolicy brokerPolicy, Clock clock, long producerIdExpirationMs) {
    this.logs = logs;
    this.brokerPolicy = brokerPolicy;
    this.clock = clock;
    this.producerIdExpirationMs = producerIdExpirationMs;
    this.timer = new HashedWheelTimer(new DefaultThreadFactory("brook-delayed-ops", true), 5, TimeUnit.MILLISECONDS, 512);
    this.timer.start();
    schedule(this::expireProducers, PRODUCER_EXPIRATION_CHECK_MS);
  }

  public Clock clock() {
    return clock;
  }

  /** Runs {@code task} on the timer thread after {@code delayMs}; the task must not block. */
  public Timeout schedule(Runnable task, long delayMs) {
    return timer.newTimeout(t -> task.run(), Math.max(0, delayMs), TimeUnit.MILLISECONDS);
  }

  @Override
  public Partition createPartition(TopicPartition tp, Uuid topicId, LogConfig config, Map<String, String> topicOverrides)
      throws IOException {
    Partition existing = partitions.get(tp);
    if (existing != null) return existing;
    synchronized (this) {
      existing = partitions.get(tp);
      if (existing != null) return existing;
      PartitionLog plog = logs.getOrCreate(new LogId(tp.topic(), tp.partition()), config);
      int epoch = Math.max(0, plog.leaderEpochs().latestEpoch().orElse(0));
      Partition p = new Partition(tp, topicId, plog, epoch, brokerPolicy.with(topicOverrides));
      // Single node: the ISR is this broker, everything in the log is committed.
      plog.updateHighWatermark(plog.logEndOffset());
      topicNames.put(topicId, tp.topic());
      partitions.put(tp, p);
      return p;
    }
  }

  @Override
  public Optional<Partition> partition(TopicPartition tp) {
    return Optional.ofNullable(partitions.get(tp));
  }

  /** The partition of a topic known by id. */
  public Optional<Partition> partition(Uuid topicId, int partition) {
    String name = topicNames.get(topicId);
    return name == null ? Optional.empty() : partition(new TopicPartition(name, partition));
  }

  @Override
  public Collection<Partition> partitions() {
    return List.copyOf(partitions.values());
  }

  @Override
  public Optional<String> topicName(Uuid topicId) {
    return Optional.ofNullable(topicNames.get(topicId));
  }

  @Override
  public synchronized void deletePartition(TopicPartition tp) throws IOException {
    Partition p = partitions.remove(tp);
    if (p == null) return;
    if (partitions.keySet().stream().noneMatch(k -> k.topic().equals(tp.topic()))) {
      topicNames.remove(p.topicId(), tp.topic());
    }
    p.closeTxnIndex();
    logs.delete(new LogId(tp.topic(), tp.partition()));
  }

  @Override
  public void updateConfig(TopicPartition tp, LogConfig config, Map<String, String> topicOverrides) {
    Partition p = partitions.get(tp);
    if (p != null) p.updateConfig(config, brokerPolicy.with(topicOverrides));
  }

  private void expireProducers() {
    if (closed) return;
    long now = clock.milliseconds();
    for (Partition p : partitions.values()) {
      p.expireProducers(now, producerIdExpirationMs);
    }
    schedule(this::expireProducers, PRODUCER_EXPIRATION_CHECK_MS);
  }

  @Override
  public void close() {
    closed = true;
    for (Timeout pending : timer.stop()) {
      try {
        pending.task().run(pending);
      } catch (Exception e) {
        log.warn("delayed operation failed while stopping", e);
      }
    }
    for (Partition p : partitions.values()) {
      try {
        p.snapshotProducerState();
      } catch (IOException | RuntimeException e) {
        log.warn("cannot snapshot the producer state of {}; it will be rebuilt from the log", p.topicPartition(), e);
      }
      p.closeTxnIndex();
    }
    partitions.clear();
  }
}
