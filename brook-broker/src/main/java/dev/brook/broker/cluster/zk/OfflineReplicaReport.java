package dev.brook.broker.cluster.zk;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.kafka.common.TopicPartition;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This broker's report to the controller of the replicas it lost with failed log directories: the
 * ephemeral {@code /brook/offline_replicas/<id>} lists every replica lost so far (it lives as long as
 * this session; a restart, disk repaired, starts without it). The controller then moves their
 * leadership to another in-sync replica and drops this broker from their ISR. Invariant: the list
 * only grows until the broker restarts, and the znode, once written in a session, holds all of it.
 *
 * <p>Threads: {@link #report} from any thread; the writes run on the io thread it is given (or the
 * caller's, for {@link #write} and {@link #dropStale}). The list is guarded by itself.
 */
final class OfflineReplicaReport {
  private static final Logger log = LoggerFactory.getLogger(OfflineReplicaReport.class);

  private final CuratorFramework zk;
  private final int brokerId;
  private final ExecutorService io;
  private final BooleanSupplier closed;
  /** This broker's replicas on failed log directories (until restart). Guarded by itself. */
  private final Set<TopicPartition> offlineReplicas = new HashSet<>();

  /**
   * @param io the thread the writes retry on (shared with the broker's other ZooKeeper writes)
   * @param closed whether the broker closed (stops retrying)
   */
  OfflineReplicaReport(CuratorFramework zk, int brokerId, ExecutorService io, BooleanSupplier closed) {
    this.zk = zk;
    this.brokerId = brokerId;
    this.io = io;
    this.closed = closed;
  }

  /**
   * A previous run's offline-replica list (killed before its session ended) would keep the controller
   * from electing this broker's replicas until that session expires: this run's directories are
   * those it opened, so the list is dropped.
   */
  void dropStale() {
    String path = ZkData.offlineReplicasPath(brokerId);
    try {
      Stat stat = zk.checkExists().forPath(path);
      if (stat != null && stat.getEphemeralOwner() != zk.getZookeeperClient().getZooKeeper().getSessionId()) {
        zk.delete().forPath(path);
      }
    } catch (Exception e) {
      log.warn("Broker {} cannot drop a previous run's {}: {}", brokerId, path, e.toString());
    }
  }

  /**
   * Adds {@code partitions} to the list and writes it on the io thread, retried every second until
   * written. Returns at once; a partition reported before is not written again.
   */
  void report(Collection<TopicPartition> partitions) {
    synchronized (offlineReplicas) {
      if (!offlineReplicas.addAll(partitions)) return;
    }
    log.warn("Broker {} reports {} replicas offline to the controller: {}", brokerId, partitions.size(),
        partitions);
    io.execute(() -> writeUntilDone(1));
  }

  private void writeUntilDone(int attempt) {
    if (closed.getAsBoolean()) return;
    try {
      write();
    } catch (Exception e) {
      if (attempt == 1) log.error("Broker {} cannot write its offline replicas to ZooKeeper yet; retrying every second",
          brokerId, e);
      CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS, io).execute(() -> writeUntilDone(attempt + 1));
    }
  }

  /**
   * Writes the offline replicas' znode (create or replace), if there are any: also after a
   * re-registration, the old session's znode having gone with it. Blocks on ZooKeeper.
   */
  void write() throws Exception {
    byte[] data;
    synchronized (offlineReplicas) {
      if (offlineReplicas.isEmpty()) return;
      data = ZkData.partitions(offlineReplicas.stream().sorted(java.util.Comparator.comparing(TopicPartition::topic)
          .thenComparingInt(TopicPartition::partition)).toList());
    }
    String path = ZkData.offlineReplicasPath(brokerId);
    Stat stat = zk.checkExists().forPath(path);
    if (stat != null && stat.getEphemeralOwner() == zk.getZookeeperClient().getZooKeeper().getSessionId()) {
      zk.setData().withVersion(stat.getVersion()).forPath(path, data);
      return;
    }
    if (stat != null) zk.delete().guaranteed().forPath(path); // a previous session's, about to expire anyway
    zk.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(path, data);
  }
}
