package dev.brook.broker;

import dev.brook.broker.cluster.zk.ZkCluster;
import dev.brook.broker.metrics.BrokerMetrics;
import dev.brook.broker.metrics.PartitionGauges;
import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.ReplicaManager;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metrics area: Kafka-named metrics over JMX ({@link #start}, first of the areas that meter) and
 * the partition gauges ({@link #startPartitionGauges}, once the partitions exist). Registers nothing
 * on the dispatcher; adds the metrics (closed after the areas they read) and the gauges' sync
 * thread to {@code toClose}.
 */
final class MetricsWiring {
  private static final Logger log = LoggerFactory.getLogger(Broker.class); // log lines keep the name they had

  private MetricsWiring() {}

  /** Kafka-named metrics, published over JMX (issue 18); closed last, after the areas they read. */
  static BrokerMetrics start(Deque<AutoCloseable> toClose) {
    BrokerMetrics metrics = new BrokerMetrics();
    toClose.add(metrics);
    return metrics;
  }

  /**
   * The partition, replica-manager and controller gauges; the per-partition ones follow the
   * partitions through a sync every 5 s on a daemon thread of their own (never a request thread).
   */
  static PartitionGauges startPartitionGauges(BrokerMetrics metrics, ReplicaManager replicas, ZkCluster cluster,
      Deque<AutoCloseable> toClose) {
    LocalReplicaManager local = (LocalReplicaManager) replicas;
    PartitionGauges gauges = new PartitionGauges(metrics, local, () -> cluster == null || cluster.controller().isActive());
    gauges.sync();
    java.util.concurrent.ScheduledExecutorService sync = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().name("brook-metrics-sync").daemon().factory());
    sync.scheduleWithFixedDelay(() -> {
      try {
        gauges.sync();
      } catch (RuntimeException e) {
        log.warn("updating the partition gauges failed", e);
      }
    }, 5, 5, java.util.concurrent.TimeUnit.SECONDS);
    toClose.add(sync::shutdownNow);
    return gauges;
  }
}
