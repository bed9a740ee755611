package dev.brook.broker.metrics;

import com.codahale.metrics.CachedGauge;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.SlidingTimeWindowArrayReservoir;
import dev.brook.broker.group.GroupCoordinator;
import dev.brook.broker.group.GroupSensors;
import dev.brook.broker.group.GroupState;
import dev.brook.broker.txn.TransactionCoordinator;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group and transaction coordinators' metrics under Kafka 4.1's names:
 *
 * <ul>
 *   <li>{@code kafka.server:type=group-coordinator-metrics} (attributes, as Kafka's metrics library
 *       publishes them): {@code partition-load-time-max|avg} (last 30 s), {@code offset-commit-rate|count},
 *       {@code group-completed-rebalance-rate|count} (classic), {@code consumer-group-rebalance-rate|count};
 *       with {@code protocol=classic|consumer}: {@code group-count}; with {@code state=loading|active}:
 *       {@code num-partitions};
 *   <li>{@code kafka.coordinator.group:type=GroupMetadataManager,name=NumGroups|NumOffsets|
 *       NumGroupsPreparingRebalance|NumGroupsCompletingRebalance|NumGroupsStable|NumGroupsDead|NumGroupsEmpty}
 *       (Yammer-style gauges; NumGroups counts classic groups, as in Kafka 4);
 *   <li>{@code kafka.server:type=transaction-coordinator-metrics}: {@code partition-load-time-max|avg}.
 * </ul>
 *
 * Rates are Dropwizard meters' one-minute rates, the load-time max and average a Dropwizard
 * histogram over a 30 s sliding window. The coordinators report events through {@link GroupSensors}
 * and load-time listeners on their own threads (a meter's mark: no allocation, no lock); the counts
 * are asked of the group coordinator on its thread, at most once a second, with a 1 s bound.
 */
public final class CoordinatorMetrics {
  private static final Logger log = LoggerFactory.getLogger(CoordinatorMetrics.class);
  public static final String GROUP = "kafka.server:type=group-coordinator-metrics";
  public static final String TXN = "kafka.server:type=transaction-coordinator-metrics";
  private static final String GROUP_MANAGER = "kafka.coordinator.group:type=GroupMetadataManager,name=";

  private CoordinatorMetrics() {}

  /** Registers the group coordinator's metrics and attaches its sensors. */
  public static void group(BrokerMetrics metrics, GroupCoordinator coordinator) {
    Meter commits = new Meter();
    Meter classicRebalances = new Meter();
    Meter consumerRebalances = new Meter();
    Histogram loads = loadTimes();
    coordinator.instrument(new GroupSensors() {
      @Override
      public void offsetsCommitted(int count) {
        commits.mark(count);
      }

      @Override
      public void classicRebalanceCompleted() {
        classicRebalances.mark();
      }

      @Override
      public void consumerRebalanced() {
        consumerRebalances.mark();
      }
    }, loads::update);
    loadTimeAttributes(metrics.attributes(GROUP), loads)
        .add("offset-commit-rate", commits::getOneMinuteRate)
        .add("offset-commit-count", commits::getCount)
        .add("group-completed-rebalance-rate", classicRebalances::getOneMinuteRate)
        .add("group-completed-rebalance-count", classicRebalances::getCount)
        .add("consumer-group-rebalance-rate", consumerRebalances::getOneMinuteRate)
        .add("consumer-group-rebalance-count", consumerRebalances::getCount);
    metrics.attributes(GROUP + ",state=loading").add("num-partitions", () -> coordinator.partitionCount(false));
    metrics.attributes(GROUP + ",state=active").add("num-partitions", () -> coordinator.partitionCount(true));

    CachedGauge<GroupCoordinator.Stats> stats = new CachedGauge<>(1, TimeUnit.SECONDS) {
      @Override
      protected GroupCoordinator.Stats loadValue() {
        try {
          return coordinator.stats().get(1, TimeUnit.SECONDS);
        } catch (Exception e) {
          log.debug("the group coordinator's counts did not come in 1 s: {}", e.toString());
          return null;
        }
      }
    };
    metrics.attributes(GROUP + ",protocol=classic").add("group-count", count(stats, GroupCoordinator.Stats::classicGroups));
    metrics.attributes(GROUP + ",protocol=consumer").add("group-count", count(stats, GroupCoordinator.Stats::consumerGroups));
    metrics.gauge(GROUP_MANAGER + "NumGroups", gauge(stats, GroupCoordinator.Stats::classicGroups));
    metrics.gauge(GROUP_MANAGER + "NumOffsets", gauge(stats, GroupCoordinator.Stats::offsets));
    metrics.gauge(GROUP_MANAGER + "NumGroupsPreparingRebalance", gauge(stats, s -> s.classicIn(GroupState.PREPARING_REBALANCE)));
    metrics.gauge(GROUP_MANAGER + "NumGroupsCompletingRebalance", gauge(stats, s -> s.classicIn(GroupState.COMPLETING_REBALANCE)));
    metrics.gauge(GROUP_MANAGER + "NumGroupsStable", gauge(stats, s -> s.classicIn(GroupState.STABLE)));
    metrics.gauge(GROUP_MANAGER + "NumGroupsDead", gauge(stats, s -> s.classicIn(GroupState.DEAD)));
    metrics.gauge(GROUP_MANAGER + "NumGroupsEmpty", gauge(stats, s -> s.classicIn(GroupState.EMPTY)));
  }

  /** Registers the transaction coordinator's metrics and attaches its load-time listener. */
  public static void transactions(BrokerMetrics metrics, TransactionCoordinator coordinator) {
    Histogram loads = loadTimes();
    coordinator.onLoadTime(loads::update);
    loadTimeAttributes(metrics.attributes(TXN), loads);
  }

  /** Load times in µs over the last 30 s, as Kafka's partition-load-time sensor keeps them (reported in ms). */
  private static Histogram loadTimes() {
    return new Histogram(new SlidingTimeWindowArrayReservoir(30, TimeUnit.SECONDS));
  }

  private static AttributeGroup loadTimeAttributes(AttributeGroup g, Histogram loads) {
    // Kafka reports NaN for a window without loads; 0 keeps /metrics and JmxTool's output numeric.
    return g.add("partition-load-time-max", () -> loads.getSnapshot().getMax() / 1000.0)
        .add("partition-load-time-avg", () -> loads.getSnapshot().getMean() / 1000.0);
  }

  private static java.util.function.Supplier<Number> count(CachedGauge<GroupCoordinator.Stats> stats,
      Function<GroupCoordinator.Stats, Integer> f) {
    return () -> {
      GroupCoordinator.Stats s = stats.getValue();
      return s == null ? 0 : f.apply(s);
    };
  }

  private static Gauge<Integer> gauge(CachedGauge<GroupCoordinator.Stats> stats, Function<GroupCoordinator.Stats, Integer> f) {
    return () -> {
      GroupCoordinator.Stats s = stats.getValue();
      return s == null ? 0 : f.apply(s);
    };
  }
}
