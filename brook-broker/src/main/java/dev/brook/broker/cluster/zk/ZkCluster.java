package dev.brook.broker.cluster.zk;

import dev.brook.broker.cluster.BrokerEndpoint;
import dev.brook.broker.cluster.ClusterState;
import dev.brook.broker.cluster.PartitionState;
import dev.brook.broker.cluster.RandomIds;
import dev.brook.broker.cluster.ReplicaStateListener;
import dev.brook.broker.cluster.TopicMetadata;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.kafka.common.TopicPartition;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This broker's view of, and membership in, a ZooKeeper-coordinated cluster: the Curator session,
 * the ephemeral registration {@code /brokers/ids/<id>}, a watch-fed cache of the whole layout
 * ({@link ZkData}), the {@link ClusterState} read from that cache, and the {@link Controller} that
 * runs here while this broker holds {@code /controller}.
 *
 * <p>Threads: the cache's thread rebuilds the {@link ClusterSnapshot} (published through a volatile
 * field; readers never block); one "brook-cluster-events" thread ({@link ReplicaStateDispatcher})
 * diffs this broker's partitions and calls the {@link ReplicaStateListener} in order; producer id
 * blocks are claimed through {@link ZkProducerIdBlocks}; ZooKeeper writes run on the caller's thread or
 * on "brook-cluster-io". A lost session sets {@link #isRegistered()} false until the registration
 * is re-created on reconnect.
 *
 * <p>Acting on the membership (leading, coordinating, changing an ISR, controlling) also needs a
 * {@link SessionLease}: ZooKeeper must have vouched for this broker's session within the session
 * timeout, measured on the monotonic clock. A "brook-cluster-lease" thread ({@link SessionLeaseRenewer})
 * renews it every sixth of the session. A broker stopped longer than its session (SIGSTOP, a long pause) finds its lease
 * lapsed on its first request after the stop, before its ZooKeeper client has run and noticed, and
 * gets it back only once ZooKeeper confirms its session and the partitions it leads are as ZooKeeper
 * has them: a paused broker never answers as the leader or coordinator it may no longer be.
 */
public final class ZkCluster implements ClusterState, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ZkCluster.class);

  /** Settings, from the broker config. */
  public record Settings(
      String connect,
      int brokerId,
      String rack,
      int sessionTimeoutMs,
      int connectionTimeoutMs,
      boolean uncleanDefault,
      boolean autoLeaderRebalance,
      long leaderImbalanceCheckMs,
      String configuredClusterId) {}

  private final Settings settings;
  private final CuratorFramework zk;
  private final CuratorCache cache;
  private final ReplicaStateDispatcher dispatcher;
  private final ZkProducerIdBlocks producerIds;
  private final ExecutorService io;
  private final OfflineReplicaReport offlineReplicas;
  private final Controller controller;
  private final SessionLease lease;
  private final SessionLeaseRenewer leaseRenewer;
  private final Object snapshotChanged = new Object();
  private volatile ClusterSnapshot snapshot = ClusterSnapshot.EMPTY;
  /** How many times the snapshot was built from the cache (tests). */
  private final java.util.concurrent.atomic.AtomicLong snapshotBuilds = new java.util.concurrent.atomic.AtomicLong();
  private volatile BrokerEndpoint self;
  private volatile boolean registered;
  /** Sessions lost so far (each one unregistered this broker until it re-registered). */
  private final java.util.concurrent.atomic.AtomicInteger sessionsLost = new java.util.concurrent.atomic.AtomicInteger();
  private volatile boolean closed;
  private final String clusterId;

  private ZkCluster(Settings settings, CuratorFramework zk, String clusterId, LongSupplier nanoClock) {
    this.settings = settings;
    this.zk = zk;
    this.clusterId = clusterId;
    this.cache = CuratorCache.build(zk, "/");
    this.dispatcher = new ReplicaStateDispatcher(settings.brokerId(), () -> snapshot, () -> self != null && !closed,
        Executors.newSingleThreadExecutor(Thread.ofPlatform().name("brook-cluster-events").daemon().factory()));
    this.producerIds = new ZkProducerIdBlocks(zk, cache, settings.brokerId());
    this.io = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("brook-cluster-io").daemon().factory());
    this.offlineReplicas = new OfflineReplicaReport(zk, settings.brokerId(), io, () -> closed);
    this.lease = new SessionLease(TimeUnit.MILLISECONDS.toNanos(settings.sessionTimeoutMs()), nanoClock);
    this.controller = new Controller(this, zk, settings);
    this.leaseRenewer = new SessionLeaseRenewer(zk, lease, settings.brokerId(), settings.sessionTimeoutMs(),
        () -> registered, () -> closed, dispatcher::ledHere, controller::maybeElect,
        Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("brook-cluster-lease").daemon().factory()));
  }

  /**
   * Connects (bounded by the connection timeout), creates the base znodes and the cluster id if
   * this is the first broker, and fills the cache. Does not register the broker yet.
   */
  public static ZkCluster connect(Settings settings) throws Exception {
    return connect(settings, System::nanoTime);
  }

  /** As {@link #connect(Settings)}, with the monotonic clock the {@link SessionLease} reads (tests fake it). */
  static ZkCluster connect(Settings settings, LongSupplier nanoClock) throws Exception {
    CuratorFramework zk = CuratorFrameworkFactory.builder().connectString(settings.connect())
        .sessionTimeoutMs(settings.sessionTimeoutMs()).connectionTimeoutMs(settings.connectionTimeoutMs())
        .retryPolicy(new ExponentialBackoffRetry(100, 10, 2_000)).build();
    zk.start();
    try {
      if (!zk.blockUntilConnected(settings.connectionTimeoutMs(), TimeUnit.MILLISECONDS)) {
        throw new TimeoutException("cannot connect to ZooKeeper at " + settings.connect() + " within "
            + settings.connectionTimeoutMs() + " ms");
      }
      // Persistent, as Kafka makes them. Not containers: ZooKeeper deletes an empty container, and
      // /brokers/ids is empty whenever every broker's session expired at once (ZooKeeper cut off
      // from all of them): no broker could register again (PartitionFaultIT, seed 99).
      for (String path : List.of(ZkData.BROKER_IDS, ZkData.TOPICS, ZkData.TOPIC_CONFIGS, ZkData.CONTROLLED_SHUTDOWN,
          Controller.DELETE_TOPICS, ZkData.OFFLINE_REPLICAS)) {
        createPersistent(zk, path);
      }
      String clusterId = ensureClusterId(zk, settings.configuredClusterId());
      ZkCluster cluster = new ZkCluster(settings, zk, clusterId, nanoClock);
      cluster.start();
      return cluster;
    } catch (Exception | Error e) {
      zk.close();
      throw e;
    }
  }

  private static void createPersistent(CuratorFramework zk, String path) throws Exception {
    try {
      zk.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT).forPath(path);
    } catch (KeeperException.NodeExistsException ignored) {
      // there already (a container if an older Brook created it: registrations re-create it if it goes)
    }
  }

  private static String ensureClusterId(CuratorFramework zk, String configured) throws Exception {
    String proposed = configured != null ? configured : RandomIds.uuid().toString();
    try {
      zk.create().creatingParentsIfNeeded().forPath(ZkData.CLUSTER_ID, ZkData.clusterId(proposed));
      log.info("Created cluster id {} in ZooKeeper", proposed);
      return proposed;
    } catch (KeeperException.NodeExistsException e) {
      String existing = ZkData.clusterId(zk.getData().forPath(ZkData.CLUSTER_ID));
      if (configured != null && !configured.equals(existing)) {
        throw new IllegalStateException("cluster.id is " + configured + " but ZooKeeper holds cluster " + existing);
      }
      return existing;
    }
  }

  private void start() throws Exception {
    CompletableFuture<Void> initialized = new CompletableFuture<>();
    cache.listenable().addListener(CuratorCacheListener.builder()
        // While the cache fills, each znode read is an event: building the snapshot (all znodes) for
        // each was quadratic in the cluster's size, and a broker restarting into an existing cluster
        // (~400 znodes) overran its 18 s startup wait under load (PartitionFaultIT, kill -9). The
        // snapshot is built once, when the cache is full.
        .forAll((type, oldData, data) -> {
          if (initialized.isDone()) onCacheChange();
        })
        .forInitialized(() -> {
          initialized.complete(null);
          onCacheChange();
        })
        .build());
    zk.getConnectionStateListenable().addListener((client, state) -> onConnectionState(state));
    cache.start();
    initialized.get(settings.connectionTimeoutMs(), TimeUnit.MILLISECONDS);
  }

  /** Sets who hears about this broker's partitions; before {@link #register}. */
  public void setListener(ReplicaStateListener listener) {
    dispatcher.setListener(listener);
  }

  /** Hears about topic config changes (from any broker), on the events thread. */
  public void setConfigListener(java.util.function.Consumer<TopicMetadata> listener) {
    dispatcher.setConfigListener(listener);
  }

  public String clusterId() {
    return clusterId;
  }

  CuratorFramework zk() {
    return zk;
  }

  ClusterSnapshot snapshot() {
    return snapshot;
  }

  long snapshotBuilds() {
    return snapshotBuilds.get();
  }

  Settings settings() {
    return settings;
  }

  public Controller controller() {
    return controller;
  }

  // ---- registration

  /**
   * Registers this broker (ephemeral {@code /brokers/ids/<id>}) with its advertised endpoint, then
   * joins the controller election. Fails if another live broker holds the id (after waiting up to a
   * session timeout for a previous session of ours to expire).
   */
  public void register(BrokerEndpoint endpoint) throws Exception {
    this.self = endpoint;
    createRegistration(Duration.ofMillis(settings.sessionTimeoutMs() + 2_000L));
    offlineReplicas.dropStale();
    registered = true;
    // The first lease: the registration may have waited for a previous session's node to go, so
    // ZooKeeper is asked once more now. The cache this broker's partitions come from was filled in
    // this session: there is nothing to catch up with.
    long sent = lease.now();
    Stat stat = zk.checkExists().forPath(ZkData.brokerPath(settings.brokerId()));
    if (stat != null && stat.getEphemeralOwner() == zk.getZookeeperClient().getZooKeeper().getSessionId()) {
      lease.confirm(sent);
    }
    log.info("Broker {} registered in ZooKeeper at {}:{} (cluster {})", endpoint.id(), endpoint.host(),
        endpoint.port(), clusterId);
    controller.start();
    dispatcher.schedule();
    leaseRenewer.start();
  }

  private void createRegistration(Duration waitForOld) throws Exception {
    String path = ZkData.brokerPath(settings.brokerId());
    long deadline = System.nanoTime() + waitForOld.toNanos();
    while (true) {
      try {
        // The parent may have gone (a container left by an older Brook, deleted once empty).
        zk.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL)
            .forPath(path, ZkData.broker(self, System.currentTimeMillis()));
        return;
      } catch (KeeperException.NodeExistsException e) {
        Stat stat = zk.checkExists().forPath(path);
        long session = zk.getZookeeperClient().getZooKeeper().getSessionId();
        if (stat != null && stat.getEphemeralOwner() == session) return; // ours already
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("broker id " + settings.brokerId() + " is registered by another live broker");
        }
        Thread.sleep(200); // a previous session's ephemeral node; it goes when that session expires
      }
    }
  }

  private void onConnectionState(ConnectionState state) {
    switch (state) {
      case SUSPENDED -> {
        // No answer from ZooKeeper for two thirds of the session: there the session may already have
        // expired and the controller moved our partitions to other brokers (a SIGSTOP, a cut). Until
        // the connection is back with our registration intact, this broker must not serve as a leader
        // or coordinator: waiting for LOST (a whole session later) left a deposed broker answering
        // OffsetFetch and Fetch from stale state while the new leader served the current one.
        lease.revoke();
        if (registered) log.warn("ZooKeeper connection of broker {} suspended (ZooKeeper last confirmed its session {} ms"
            + " ago): not acting as leader until reconnected", settings.brokerId(), lease.sinceConfirmedMillis());
        registered = false;
      }
      case LOST -> {
        lease.revoke();
        if (registered) log.warn("ZooKeeper session of broker {} lost: not acting as leader until re-registered",
            settings.brokerId());
        registered = false;
        sessionsLost.incrementAndGet();
        controller.resign("session lost");
      }
      case RECONNECTED -> {
        if (self == null || closed) return;
        io.execute(() -> reRegister(1));
      }
      default -> {}
    }
  }

  /**
   * Re-creates this broker's registration after a reconnection; on failure tries again a second later
   * (on the io thread, not blocking it meanwhile) until it holds, the broker closes, or a later
   * attempt registered it. One failed attempt used to be final: Curator can report RECONNECTED while
   * ZooKeeper is still out of reach (PartitionFaultIT, ZooKeeper isolated from every broker), and the
   * broker then stayed unregistered, leading nothing, after the network healed.
   */
  private void reRegister(int attempt) {
    if (closed || (attempt > 1 && registered)) return;
    try {
      createRegistration(Duration.ofMillis(settings.sessionTimeoutMs() + 2_000L));
      if (!registered) log.info("Broker {} re-registered in ZooKeeper", settings.brokerId());
      offlineReplicas.write(); // the old session's list went with it
      registered = true;
      controller.maybeElect(); // runs once the lease is back (the lease thread takes it back once caught up)
    } catch (Exception e) {
      if (attempt == 1) log.error("Broker {} cannot re-register in ZooKeeper yet; retrying every second", settings.brokerId(), e);
      CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS, io).execute(() -> reRegister(attempt + 1));
    }
  }

  // ---- cache

  private void onCacheChange() {
    if (closed) return;
    snapshotBuilds.incrementAndGet();
    ClusterSnapshot next;
    try {
      next = ClusterSnapshot.read(cache.stream().toList());
    } catch (RuntimeException e) {
      log.error("Cannot read the cluster state from ZooKeeper's cache", e);
      return;
    }
    snapshot = next;
    synchronized (snapshotChanged) {
      snapshotChanged.notifyAll();
    }
    if (next.controllerId() < 0 && registered) controller.maybeElect();
    controller.onClusterChange(next);
    dispatcher.schedule();
  }

  /** Waits (bounded) until the cache shows what {@code condition} expects; true if it did. */
  boolean awaitSnapshot(Predicate<ClusterSnapshot> condition, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (snapshotChanged) {
      while (!condition.test(snapshot)) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) return false;
        snapshotChanged.wait(left);
      }
      return true;
    }
  }

  // ---- ClusterState

  @Override
  public int localBrokerId() {
    return settings.brokerId();
  }

  @Override
  public Optional<BrokerEndpoint> broker(int id) {
    return Optional.ofNullable(snapshot.brokers().get(id));
  }

  @Override
  public Collection<BrokerEndpoint> liveBrokers() {
    return snapshot.brokers().values();
  }

  @Override
  public int controllerId() {
    return snapshot.controllerId();
  }

  @Override
  public Optional<PartitionState> partitionState(TopicPartition tp) {
    return Optional.ofNullable(snapshot.states().get(tp));
  }

  @Override
  public CompletableFuture<PartitionState> alterIsr(PartitionState expected, List<Integer> newIsr) {
    return CompletableFuture.supplyAsync(() -> {
      if (!isRegistered()) throw new IllegalStateException("broker " + settings.brokerId() + " is not registered");
      if (expected.leader() != settings.brokerId()) {
        throw new IllegalStateException("broker " + settings.brokerId() + " does not lead " + expected.tp());
      }
      if (!newIsr.contains(expected.leader())) throw new IllegalArgumentException("the ISR must hold the leader");
      try {
        Stat stat = zk.setData().withVersion(expected.zkVersion()).forPath(ZkData.statePath(expected.tp()),
            ZkData.state(expected.leader(), expected.leaderEpoch(), newIsr, expected.controllerEpoch()));
        return new PartitionState(expected.tp(), expected.topicId(), expected.replicas(), expected.leader(),
            expected.leaderEpoch(), newIsr, expected.controllerEpoch(), stat.getVersion());
      } catch (KeeperException.BadVersionException e) {
        throw new IllegalStateException("stale partition state of " + expected.tp() + " (version "
            + expected.zkVersion() + ")", e);
      } catch (Exception e) {
        throw new IllegalStateException("cannot change the ISR of " + expected.tp(), e);
      }
    }, io);
  }

  /**
   * Whether this broker may act as a member now: registered in its current session, and its {@link
   * SessionLease} holds. Any thread; cheap (every leadership check asks it).
   */
  @Override
  public boolean isRegistered() {
    return registered && lease.holds();
  }

  /** How many times the lease thread found the lease lapsed while registered (tests). */
  int leaseLapses() {
    return leaseRenewer.lapses();
  }

  /**
   * Tells the controller that this broker's replicas of {@code partitions} are lost with a failed log
   * directory: the ephemeral {@code /brook/offline_replicas/<id>} lists every replica lost so far (it
   * lives as long as this session; a restart, disk repaired, starts without it). The controller then
   * moves their leadership to another in-sync replica and drops this broker from their ISR. Blocks on
   * ZooKeeper (retried on the io thread until written); never call it on a network thread.
   */
  @Override
  public void reportOfflineReplicas(Collection<TopicPartition> partitions) {
    offlineReplicas.report(partitions);
  }

  /** How many ZooKeeper sessions this broker has lost (each unregistered it until re-registration). */
  public int sessionsLost() {
    return sessionsLost.get();
  }

  // ---- shutdown

  /**
   * Controlled shutdown: asks the controller (ephemeral {@code /admin/controlled_shutdown/<id>}) to
   * move leadership away, then waits, at most {@code timeout}, until this broker leads no partition
   * another in-sync replica could take. True if it got there.
   */
  public boolean controlledShutdown(Duration timeout) throws Exception {
    if (!registered || snapshot.brokers().size() < 2) return true;
    try {
      zk.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL)
          .forPath(ZkData.CONTROLLED_SHUTDOWN + "/" + settings.brokerId());
    } catch (KeeperException.NodeExistsException ignored) {
      // asked already
    }
    int me = settings.brokerId();
    boolean done = awaitSnapshot(s -> s.states().values().stream()
        .noneMatch(st -> st.leader() == me && st.isr().stream().anyMatch(b -> b != me && s.brokers().containsKey(b)
            && !s.shuttingDown().contains(b))), timeout);
    if (!done) log.warn("Controlled shutdown of broker {} did not move every leadership within {}", me, timeout);
    return done;
  }

  /**
   * Starts a new leader epoch of {@code tp}, still led by this broker, of at least {@code atLeast}
   * and above the current one, and returns it. A promoted mirror partition needs it: its own appends
   * must carry an epoch above every batch mirrored from the source. Written as a leader writes an ISR
   * change (compare-and-set of the partition's state znode, leader and ISR kept), so the controller
   * and the followers see a new term as after an election. Blocks on ZooKeeper (bounded).
   */
  public int bumpLeaderEpoch(TopicPartition tp, int atLeast) throws Exception {
    for (int attempt = 0; ; attempt++) {
      if (!isRegistered()) throw new IllegalStateException("broker " + settings.brokerId() + " is not registered");
      PartitionState cur = snapshot.states().get(tp);
      if (cur == null || cur.leader() != settings.brokerId()) {
        throw new IllegalStateException("broker " + settings.brokerId() + " does not lead " + tp);
      }
      int epoch = Math.max(cur.leaderEpoch() + 1, atLeast);
      try {
        zk.setData().withVersion(cur.zkVersion()).forPath(ZkData.statePath(tp),
            ZkData.state(cur.leader(), epoch, cur.isr(), cur.controllerEpoch()));
        awaitSnapshot(sn -> sn.states().containsKey(tp) && sn.states().get(tp).leaderEpoch() >= epoch, Duration.ofSeconds(10));
        return epoch;
      } catch (KeeperException.BadVersionException e) {
        if (attempt >= 10) throw e;
        // an ISR change or an election meanwhile: wait for the cache to show it, then read again
        awaitSnapshot(sn -> !cur.equals(sn.states().get(tp)), Duration.ofSeconds(2));
      }
    }
  }

  /**
   * Makes every producer id up to {@code producerId} taken cluster-wide (a promoted mirror topic holds
   * the source cluster's producer ids; {@link ZkProducerIdBlocks#reserveThrough}). Blocks on ZooKeeper.
   */
  public void reserveProducerIdsThrough(long producerId) throws Exception {
    producerIds.reserveThrough(producerId);
  }

  /** The highest producer id no broker may hand out (-1: none): a lookup in the cache ({@link ZkProducerIdBlocks}). */
  public long producerIdFloor() {
    return producerIds.producerIdFloor();
  }

  /**
   * Claims the next block of {@code size} producer ids for this broker, unique across the cluster and
   * its restarts ({@link ZkProducerIdBlocks#claimBlock}). Returns the block's first id. Blocks on
   * ZooKeeper: never call it on a network thread.
   */
  public long claimProducerIdBlock(long size) throws Exception {
    return producerIds.claimBlock(size);
  }

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    registered = false;
    controller.close();
    leaseRenewer.close();
    dispatcher.close();
    io.shutdownNow();
    cache.close();
    zk.close(); // ends the session: the ephemeral registration (and /controller if ours) go at once
  }
}
