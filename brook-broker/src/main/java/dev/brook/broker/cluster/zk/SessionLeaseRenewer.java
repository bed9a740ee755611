package dev.brook.broker.cluster.zk;

import dev.brook.broker.cluster.PartitionState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.kafka.common.TopicPartition;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this broker's {@link SessionLease} renewed: every sixth of the session asks ZooKeeper whether
 * this broker's registration {@code /brokers/ids/<id>} is its current session's, and if so extends
 * the lease from the moment the question was sent. Invariant: after a lapse the lease is granted
 * again only once ZooKeeper confirms the session and every partition this broker was last told it
 * leads is, in ZooKeeper, led by it in the same leader epoch and znode version.
 *
 * <p>Threads: everything here runs on the one scheduled "brook-cluster-lease" thread it is given,
 * which alone touches its fields (but {@link #lapses()}, any thread).
 */
final class SessionLeaseRenewer {
  private static final Logger log = LoggerFactory.getLogger(SessionLeaseRenewer.class);

  /** Reads of partition states per ZooKeeper multi when the lease is taken back (bounded by jute.maxbuffer). */
  private static final int STATE_READS_PER_REQUEST = 500;

  private final CuratorFramework zk;
  private final SessionLease lease;
  private final int brokerId;
  private final int sessionTimeoutMs;
  private final BooleanSupplier registered;
  private final BooleanSupplier closed;
  private final Supplier<Map<TopicPartition, PartitionState>> ledHere;
  private final Runnable onRegained;
  private final ScheduledExecutorService leaseKeeper;
  /** Lease thread only: whether the current lapse, and a view found behind ZooKeeper's in it, were logged. */
  private boolean lapseLogged;
  private boolean behindLogged;
  /** Lapses of the lease seen by the lease thread while registered (tests). */
  private final AtomicInteger leaseLapses = new AtomicInteger();

  /**
   * @param registered whether this broker is registered in its current session (renews only then)
   * @param closed whether the broker closed (stops renewing)
   * @param ledHere the partitions this broker was last told it leads
   * @param onRegained run on the lease thread when the lease is granted again after a lapse
   * @param leaseKeeper the single thread renewals run on
   */
  SessionLeaseRenewer(CuratorFramework zk, SessionLease lease, int brokerId, int sessionTimeoutMs,
      BooleanSupplier registered, BooleanSupplier closed, Supplier<Map<TopicPartition, PartitionState>> ledHere,
      Runnable onRegained, ScheduledExecutorService leaseKeeper) {
    this.zk = zk;
    this.lease = lease;
    this.brokerId = brokerId;
    this.sessionTimeoutMs = sessionTimeoutMs;
    this.registered = registered;
    this.closed = closed;
    this.ledHere = ledHere;
    this.onRegained = onRegained;
    this.leaseKeeper = leaseKeeper;
  }

  /** Starts renewing (the first renewal at once). */
  void start() {
    leaseKeeper.execute(this::renewLease);
  }

  /** Stops the lease thread. */
  void close() {
    leaseKeeper.shutdownNow();
  }

  /** How many times the lease thread found the lease lapsed while registered (tests). */
  int lapses() {
    return leaseLapses.get();
  }

  private long renewIntervalMs() {
    return Math.max(10, sessionTimeoutMs / 6);
  }

  /**
   * Lease thread, every {@link #renewIntervalMs} (every 50 ms while lapsed): asks ZooKeeper whether
   * this broker's registration is its session's, and if so extends the lease from the moment the
   * question was sent. After a lapse the lease is granted again only once the state the broker acts
   * on is ZooKeeper's ({@link #leadsAsZooKeeperSays}).
   */
  private void renewLease() {
    if (closed.getAsBoolean()) return;
    try {
      if (registered.getAsBoolean()) {
        if (!lease.holds()) noteLapse();
        long sent = lease.now();
        ZooKeeper z = zk.getZookeeperClient().getZooKeeper();
        long session = z.getSessionId();
        Stat stat = z.exists(ZkData.brokerPath(brokerId), false);
        if (stat != null && stat.getEphemeralOwner() == session) {
          // Asked again after the answer: a lease that lapsed meanwhile (the process was stopped while
          // it waited) is taken back only through the check below, never by this answer alone.
          if (lease.holds()) {
            lease.confirm(sent);
          } else if (leadsAsZooKeeperSays(z)) {
            lease.confirm(sent);
            if (lease.holds()) regained();
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (Exception e) {
      log.debug("Broker {} could not renew its lease with ZooKeeper: {}", brokerId, e.toString());
    }
    try {
      leaseKeeper.schedule(this::renewLease, lease.holds() ? renewIntervalMs() : Math.min(50, renewIntervalMs()),
          TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException closing) {
      // closed meanwhile
    }
  }

  /**
   * Whether every partition this broker was last told it leads is, in ZooKeeper now (after a sync),
   * led by it in the same leader epoch and znode version. If not, ZooKeeper moved it (typically: this
   * broker's session expired while it was stopped, and the controller elected another leader) and
   * the news is on its way through the cache; until it has been applied the broker must not lead.
   */
  private boolean leadsAsZooKeeperSays(ZooKeeper z) throws Exception {
    Map<TopicPartition, PartitionState> led = ledHere.get();
    CompletableFuture<Integer> synced = new CompletableFuture<>();
    z.sync("/", (rc, path, ctx) -> synced.complete(rc), null);
    if (synced.get(sessionTimeoutMs, TimeUnit.MILLISECONDS) != KeeperException.Code.OK.intValue()) return false;
    List<TopicPartition> tps = new ArrayList<>(led.keySet());
    List<TopicPartition> behind = new ArrayList<>();
    for (int from = 0; from < tps.size(); from += STATE_READS_PER_REQUEST) {
      List<TopicPartition> chunk = tps.subList(from, Math.min(tps.size(), from + STATE_READS_PER_REQUEST));
      List<OpResult> results = readStates(z, chunk);
      for (int i = 0; i < chunk.size(); i++) {
        if (!sameTerm(led.get(chunk.get(i)), results.get(i))) behind.add(chunk.get(i));
      }
    }
    if (!behind.isEmpty() && !behindLogged) {
      behindLogged = true;
      log.info("Broker {} waits for its view of the cluster to catch up before leading: ZooKeeper changed {} of the {} "
          + "partitions it led (as {})", brokerId, behind.size(), led.size(), behind.getFirst());
    }
    return behind.isEmpty();
  }

  /**
   * The state znodes of {@code tps}, in one read-only multi (ZooKeeper 3.6+), or one read each from a
   * server that refuses that; a missing znode reads as an error result.
   */
  private static List<OpResult> readStates(ZooKeeper z, List<TopicPartition> tps) throws Exception {
    List<Op> reads = new ArrayList<>();
    for (TopicPartition tp : tps) reads.add(Op.getData(ZkData.statePath(tp)));
    try {
      return z.multi(reads);
    } catch (KeeperException.UnimplementedException | KeeperException.MarshallingErrorException olderServer) {
      List<OpResult> out = new ArrayList<>();
      for (TopicPartition tp : tps) {
        Stat stat = new Stat();
        try {
          byte[] data = z.getData(ZkData.statePath(tp), false, stat);
          out.add(new OpResult.GetDataResult(data, stat));
        } catch (KeeperException.NoNodeException gone) {
          out.add(new OpResult.ErrorResult(gone.code().intValue()));
        }
      }
      return out;
    }
  }

  private static boolean sameTerm(PartitionState known, OpResult read) {
    if (!(read instanceof OpResult.GetDataResult r)) return false; // gone from ZooKeeper: the deletion is on its way
    try {
      PartitionState now = ZkData.state(known.tp(), known.topicId(), known.replicas(), r.getData(), r.getStat().getVersion());
      return now.leader() == known.leader() && now.leaderEpoch() == known.leaderEpoch()
          && now.zkVersion() == known.zkVersion();
    } catch (RuntimeException malformed) {
      return false;
    }
  }

  private void noteLapse() {
    if (lapseLogged) return;
    lapseLogged = true;
    leaseLapses.incrementAndGet();
    log.warn("Broker {} has not heard from ZooKeeper for {} ms, its session is {} ms: not acting as leader or "
        + "coordinator until ZooKeeper confirms its session and its view of the cluster has caught up",
        brokerId, lease.sinceConfirmedMillis(), sessionTimeoutMs);
  }

  private void regained() {
    log.info("Broker {}: ZooKeeper confirmed its session and the {} partitions it leads are as ZooKeeper has them: "
        + "acting as leader again", brokerId, ledHere.get().size());
    lapseLogged = false;
    behindLogged = false;
    onRegained.run(); // the controller: elections skipped while the lease was lapsed
  }
}
