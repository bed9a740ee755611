package dev.brook.broker.metrics;

import com.codahale.metrics.Gauge;
import dev.brook.broker.cluster.PartitionState;
import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.Partition;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.TopicPartition;

/**
 * The gauges read from the partitions this broker holds, under Kafka's names:
 * {@code kafka.server:type=ReplicaManager,name=PartitionCount|LeaderCount|UnderReplicatedPartitions|
 * UnderMinIsrPartitionCount|AtMinIsrPartitionCount|OfflineReplicaCount}, {@code kafka.controller:
 * type=KafkaController,name=ActiveControllerCount|OfflinePartitionsCount}, and per partition
 * {@code kafka.log:type=Log,name=Size|LogEndOffset|LogStartOffset,topic=…,partition=…} and
 * {@code kafka.cluster:type=Partition,name=UnderReplicated|UnderMinIsr|AtMinIsr,topic=…,partition=…}.
 *
 * <p>Values are computed when read (a JMX read or a scrape), never on the request path. The
 * per-partition gauges follow the partitions that exist: {@link #sync} adds and removes them; the
 * broker calls it every few seconds and before each scrape. {@code sync} is synchronized (one
 * caller at a time, off the request path); the gauges may be read from any thread.
 */
public final class PartitionGauges {
  private static final String[] LOG_METRICS = {"Size", "LogEndOffset", "LogStartOffset"};
  private static final String[] PARTITION_METRICS = {"UnderReplicated", "UnderMinIsr", "AtMinIsr"};

  private final BrokerMetrics metrics;
  private final LocalReplicaManager replicas;
  private final BooleanSupplier activeController;
  private final Set<TopicPartition> registered = new HashSet<>();

  public PartitionGauges(BrokerMetrics metrics, LocalReplicaManager replicas, BooleanSupplier activeController) {
    this.metrics = metrics;
    this.replicas = replicas;
    this.activeController = activeController;
    String rm = "ReplicaManager";
    metrics.gauge(KafkaMetricNames.of("kafka.server", rm, "PartitionCount"), (Gauge<Integer>) () -> replicas.partitions().size());
    metrics.gauge(KafkaMetricNames.of("kafka.server", rm, "LeaderCount"), (Gauge<Integer>) () -> count(Partition::isLeader));
    metrics.gauge(KafkaMetricNames.of("kafka.server", rm, "UnderReplicatedPartitions"), (Gauge<Integer>) () -> count(p -> p.isLeader() && underReplicated(p)));
    metrics.gauge(KafkaMetricNames.of("kafka.server", rm, "UnderMinIsrPartitionCount"), (Gauge<Integer>) () -> count(p -> p.isLeader() && underMinIsr(p)));
    metrics.gauge(KafkaMetricNames.of("kafka.server", rm, "AtMinIsrPartitionCount"), (Gauge<Integer>) () -> count(p -> p.isLeader() && atMinIsr(p)));
    metrics.gauge(KafkaMetricNames.of("kafka.server", rm, "OfflineReplicaCount"), (Gauge<Integer>) () -> 0);
    metrics.gauge(KafkaMetricNames.of("kafka.controller", "KafkaController", "ActiveControllerCount"),
        (Gauge<Integer>) () -> activeController.getAsBoolean() ? 1 : 0);
    // As Kafka: reported by the active controller only (0 elsewhere); here, partitions this broker
    // holds whose leader is unknown.
    metrics.gauge(KafkaMetricNames.of("kafka.controller", "KafkaController", "OfflinePartitionsCount"),
        (Gauge<Integer>) () -> activeController.getAsBoolean() ? count(p -> p.leaderId() < 0) : 0);
  }

  private int count(java.util.function.Predicate<Partition> p) {
    int n = 0;
    for (Partition x : replicas.partitions()) if (p.test(x)) n++;
    return n;
  }

  static boolean underReplicated(Partition p) {
    Optional<PartitionState> s = p.replicationState();
    return s.isPresent() && s.get().isr().size() < s.get().replicas().size();
  }

  static boolean underMinIsr(Partition p) {
    return p.inSyncReplicas().size() < p.policy().minInsyncReplicas();
  }

  static boolean atMinIsr(Partition p) {
    return p.inSyncReplicas().size() == p.policy().minInsyncReplicas();
  }

  /** Adds the gauges of partitions that appeared, removes those of partitions that went away. */
  public synchronized void sync() {
    Set<TopicPartition> now = new HashSet<>();
    for (Partition p : replicas.partitions()) now.add(p.topicPartition());
    for (TopicPartition tp : now) {
      if (registered.add(tp)) register(tp);
    }
    registered.removeIf(tp -> {
      if (now.contains(tp)) return false;
      unregister(tp);
      return true;
    });
  }

  private void register(TopicPartition tp) {
    metrics.gauge(logName("Size", tp), (Gauge<Long>) () -> value(tp, p -> p.log().sizeInBytes()));
    metrics.gauge(logName("LogEndOffset", tp), (Gauge<Long>) () -> value(tp, Partition::logEndOffset));
    metrics.gauge(logName("LogStartOffset", tp), (Gauge<Long>) () -> value(tp, Partition::logStartOffset));
    metrics.gauge(partitionName("UnderReplicated", tp), (Gauge<Integer>) () -> flag(tp, p -> p.isLeader() && underReplicated(p)));
    metrics.gauge(partitionName("UnderMinIsr", tp), (Gauge<Integer>) () -> flag(tp, p -> p.isLeader() && underMinIsr(p)));
    metrics.gauge(partitionName("AtMinIsr", tp), (Gauge<Integer>) () -> flag(tp, p -> p.isLeader() && atMinIsr(p)));
  }

  private void unregister(TopicPartition tp) {
    for (String m : LOG_METRICS) metrics.remove(logName(m, tp));
    for (String m : PARTITION_METRICS) metrics.remove(partitionName(m, tp));
  }

  private long value(TopicPartition tp, java.util.function.ToLongFunction<Partition> f) {
    Optional<Partition> p = replicas.partition(tp);
    return p.isPresent() ? f.applyAsLong(p.get()) : 0L;
  }

  private int flag(TopicPartition tp, java.util.function.Predicate<Partition> f) {
    Optional<Partition> p = replicas.partition(tp);
    return p.isPresent() && f.test(p.get()) ? 1 : 0;
  }

  private static String logName(String name, TopicPartition tp) {
    return KafkaMetricNames.of("kafka.log", "Log", name, "topic", tp.topic(), "partition", Integer.toString(tp.partition()));
  }

  private static String partitionName(String name, TopicPartition tp) {
    return KafkaMetricNames.of("kafka.cluster", "Partition", name, "topic", tp.topic(), "partition", Integer.toString(tp.partition()));
  }
}
