package dev.brook.broker.replica;

import dev.brook.broker.cluster.BrokerEndpoint;
import dev.brook.broker.cluster.ClusterState;
import dev.brook.broker.cluster.PartitionState;
import dev.brook.broker.cluster.ReplicaStateListener;
import dev.brook.storage.Clock;
import dev.brook.storage.LogConfig;
import dev.brook.storage.LogId;
import dev.brook.storage.LogDirs;
import dev.brook.storage.LogManager;
import dev.brook.storage.PartitionLog;
import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica manager of a broker. The broker always gives it a {@link ClusterState} (ZooKeeper's in
 * a cluster; on a single node {@link dev.brook.broker.cluster.LocalCluster}, a cluster of one) and
 * makes it the cluster's {@link ReplicaStateListener}: partitions become leaders or followers as the
 * controller decides (on a single node: leader, ISR = this broker, so the high watermark follows the
 * log end), followers fetch from their leader ({@code num.replica.fetchers} {@link ReplicaFetcher} threads per
 * leader broker, each with its own connection, partitions spread over them by hash),
 * leaders shrink their ISR on a timer (replica.lag.time.max.ms) and change it through {@link
 * ClusterState#alterIsr}. Without a cluster state (a standalone manager, as unit tests build it)
 * every partition is led from its creation, at leader epoch 0 or its log's latest epoch.
 *
 * <p>Owns the timer wheel for delayed operations (long-poll fetches) and expires idle producers. On
 * close it snapshots every partition's producer state (so a restart replays only newer batches).
 * Does not own the {@link LogManager}: the broker closes that after this. Thread-safe.
 */
public final class LocalReplicaManager implements ReplicaManager, ReplicaStateListener {
  private static final Logger log = LoggerFactory.getLogger(LocalReplicaManager.class);
  private static final long PRODUCER_EXPIRATION_CHECK_MS = 600_000;

  private final LogDirs logs;
  private final RecordPolicy brokerPolicy;
  private final Clock clock;
  private final long producerIdExpirationMs;
  private final ConcurrentHashMap<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Uuid, String> topicNames = new ConcurrentHashMap<>();
  private final HashedWheelTimer timer;
  private volatile boolean closed;
  // --- replication (replication area) ---
  private final int localBrokerId;
  private final ClusterState cluster; // null in single-node mode
  private final ReplicationSettings replication;
  private final Map<FetcherKey, ReplicaFetcher> fetchers = new ConcurrentHashMap<>(); // changed under this
  private final ExecutorService isrAnswers;
  private volatile java.util.function.Function<String, Optional<TopicSettings>> topicSettings = t -> Optional.empty();
  // --- leadership listeners (coordinators): changed and fired under this ---
  private final List<LeadershipListener> leadershipListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** The partitions reported led to the listeners, with the epoch reported. Guarded by this. */
  private final Map<TopicPartition, Integer> reportedLeaders = new java.util.HashMap<>();

  /** One fetcher's place: the leader it fetches from and its id among that leader's fetchers. */
  private record FetcherKey(int leaderId, int fetcherId) {}

  /** A topic's log config and overrides, for partitions the cluster assigns here before the topic admin opened them. */
  public record TopicSettings(LogConfig logConfig, Map<String, String> overrides) {}

  /** Where {@link #onPartitionStates} finds the config of a topic whose partition it must create. */
  public void setTopicSettings(java.util.function.Function<String, Optional<TopicSettings>> source) {
    this.topicSettings = source;
  }

  /**
   * Replication tuning (replica.lag.time.max.ms, replica.fetch.*, num.replica.fetchers) and the log
   * config of partitions the cluster assigns here before their topic's config is known.
   *
   * @param fetchersPerLeader num.replica.fetchers: fetcher threads (and connections) per leader broker
   */
  public record ReplicationSettings(long replicaLagTimeMaxMs, ReplicaFetcher.Settings fetch, LogConfig defaultLogConfig,
      int fetchersPerLeader) {
    public ReplicationSettings {
      if (fetchersPerLeader < 1) throw new IllegalArgumentException("fetchersPerLeader must be at least 1");
    }

    public static ReplicationSettings of(long replicaLagTimeMaxMs, int fetchWaitMaxMs, int fetchMaxBytes,
        int fetchResponseMaxBytes, long fetchBackoffMs, int socketTimeoutMs, LogConfig defaultLogConfig) {
      return new ReplicationSettings(replicaLagTimeMaxMs,
          new ReplicaFetcher.Settings(fetchWaitMaxMs, 1, fetchMaxBytes, fetchResponseMaxBytes, fetchBackoffMs, socketTimeoutMs),
          defaultLogConfig, 1);
    }

    /** The same settings with {@code n} fetchers per leader broker. */
    public ReplicationSettings withFetchersPerLeader(int n) {
      return new ReplicationSettings(replicaLagTimeMaxMs, fetch, defaultLogConfig, n);
    }

    /** The same, connecting to leaders through {@code connector} (the inter-broker listener's security). */
    public ReplicationSettings withConnector(BrokerConnector connector) {
      return new ReplicationSettings(replicaLagTimeMaxMs, fetch.withConnector(connector), defaultLogConfig, fetchersPerLeader);
    }

    /** From replica.lag.time.max.ms, replica.fetch.max.bytes, replica.fetch.wait.max.ms and num.replica.fetchers. */
    public static ReplicationSettings from(dev.brook.broker.config.BrokerConfig config) {
      return of(config.getLong("replica.lag.time.max.ms"), config.getInt("replica.fetch.wait.max.ms"),
          config.getInt("replica.fetch.max.bytes"), 10 * 1024 * 1024, 1000, 30_000,
          dev.brook.broker.config.TopicConfigs.toLogConfig(config, Map.of()))
          .withFetchersPerLeader(config.getInt("num.replica.fetchers"));
    }
  }
  // --- end replication ---

  public LocalReplicaManager(LogManager logs, RecordPolicy brokerPolicy, Clock clock, long producerIdExpirationMs) {
    this(logs, brokerPolicy, clock, producerIdExpirationMs, -1, null, null);
  }

  /**
   * @param localBrokerId this broker's id (broker.id / node.id)
   * @param cluster the cluster's state, or null in single-node mode
   * @param replication replication settings; null only without a cluster
   */
  public LocalReplicaManager(LogManager logs, RecordPolicy brokerPolicy, Clock clock, long producerIdExpirationMs,
      int localBrokerId, ClusterState cluster, ReplicationSettings replication) {
    this(LogDirs.of(logs), brokerPolicy, clock, producerIdExpirationMs, localBrokerId, cluster, replication);
  }

  /**
   * As above over several log directories (JBOD). A directory that fails takes its partitions out
   * of service ({@link #onLogDirFailure}); the others keep serving.
   */
  public LocalReplicaManager(LogDirs logs, RecordPolicy brokerPolicy, Clock clock, long producerIdExpirationMs,
      int localBrokerId, ClusterState cluster, ReplicationSettings replication) {
    this.localBrokerId = localBrokerId;
    this.cluster = cluster;
    this.replication = replication;
    this.isrAnswers = cluster == null ? null
        : Executors.newSingleThreadExecutor(new DefaultThreadFactory("brook-isr-changes-" + localBrokerId, true));
    this.logs = logs;
    this.brokerPolicy = brokerPolicy;
    this.clock = clock;
    this.producerIdExpirationMs = producerIdExpirationMs;
    this.timer = new HashedWheelTimer(new DefaultThreadFactory("brook-delayed-ops", true), 5, TimeUnit.MILLISECONDS, 512);
    this.timer.start();
    schedule(this::expireProducers, PRODUCER_EXPIRATION_CHECK_MS);
    if (cluster != null) schedule(this::shrinkIsrs, Math.max(1, replication.replicaLagTimeMaxMs() / 2));
    // The channel may tell us on an appender's thread, holding a partition's and a log's lock: the
    // partitions are taken down on a thread of their own.
    logs.failures().addListener(dir -> Thread.ofPlatform().daemon().name("brook-log-dir-failure")
        .start(() -> onLogDirFailure(dir)));
  }

  /** The log directories (DescribeLogDirs reports each). */
  public LogDirs logDirs() {
    return logs;
  }

  /**
   * A log directory failed (see {@link dev.brook.storage.LogDirFailureChannel}): its partitions stop
   * serving (KAFKA_STORAGE_ERROR), stop following, and resign their leadership to this broker's
   * coordinators (a group or transaction coordinator on one of them stops). Partitions on the other
   * directories are untouched. In a cluster the replicas are then reported to the controller ({@link
   * ClusterState#reportOfflineReplicas}), which moves their leadership to another in-sync replica and
   * drops this broker from their ISR (as Kafka's controller does on a log-dir event notification);
   * meanwhile, and on a single node, they answer KAFKA_STORAGE_ERROR, which clients retry after a
   * metadata refresh. Runs on a thread of its own (may block on the cluster's store).
   */
  void onLogDirFailure(java.nio.file.Path dir) {
    List<TopicPartition> lost = new java.util.ArrayList<>();
    synchronized (this) {
      for (Partition p : partitions.values()) {
        java.nio.file.Path parent = p.log().dir().toAbsolutePath().normalize().getParent();
        if (!dir.equals(parent)) continue;
        p.markOffline();
        stopFetching(p.topicPartition());
        leadershipChanged(p.topicPartition(), -1);
        lost.add(p.topicPartition());
      }
    }
    if (cluster != null && !lost.isEmpty() && !closed) {
      try {
        cluster.reportOfflineReplicas(lost);
      } catch (RuntimeException e) {
        log.error("cannot report the {} replicas lost with {} to the controller", lost.size(), dir, e);
      }
    }
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
      p.setMarkerListener(markerListeners.get(tp.topic()));
      p.attachToCluster(localBrokerId, this::requestIsrChange, cluster == null ? () -> true : cluster::isRegistered);
      if (cluster != null) p.awaitState();
      // Single node: the ISR is this broker, everything in the log is committed. In a cluster the
      // high watermark comes from the checkpoint until the partition's state is applied.
      if (cluster == null) plog.updateHighWatermark(plog.logEndOffset());
      topicNames.put(topicId, tp.topic());
      partitions.put(tp, p);
      if (cluster == null) leadershipChanged(tp, epoch);
      return p;
    }
  }

  /** The latest leader epoch in the log of {@code tp} (opened or not), or -1 when none is known. */
  public int latestLogEpoch(TopicPartition tp) {
    return logs.get(new LogId(tp.topic(), tp.partition()))
        .map(l -> l.leaderEpochs().latestEpoch().orElse(-1))
        .orElse(-1);
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
    stopFetching(tp);
    leadershipChanged(tp, -1);
    Partition p = partitions.remove(tp);
    if (p == null) return;
    if (partitions.keySet().stream().noneMatch(k -> k.topic().equals(tp.topic()))) {
      topicNames.remove(p.topicId(), tp.topic());
    }
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
    // Replication: followers stop writing before anything else closes.
    synchronized (this) {
      for (TopicPartition tp : List.copyOf(reportedLeaders.keySet())) leadershipChanged(tp, -1);
      for (ReplicaFetcher f : fetchers.values()) f.close();
      fetchers.clear();
    }
    if (isrAnswers != null) isrAnswers.shutdownNow();
    for (Timeout pending : timer.stop()) {
      try {
        pending.task().run(pending);
      } catch (Exception e) {
        log.warn("delayed operation failed while stopping", e);
      }
    }
    for (Partition p : partitions.values()) {
      if (p.isOffline()) continue;
      try {
        p.snapshotProducerState();
      } catch (IOException | RuntimeException e) {
        log.warn("cannot snapshot the producer state of {}; it will be rebuilt from the log", p.topicPartition(), e);
      }
    }
    partitions.clear();
  }

  // --- leadership listeners (coordinators) ---

  /**
   * Registers a listener of this broker's partition leadership; it is told at once (on the calling
   * thread) of every partition led now, then of every change.
   */
  /**
   * Sets (null: removes) the listener of the transaction markers appended as leader to every
   * partition of {@code topic}, present and future (see {@link Partition.MarkerListener}).
   */
  public synchronized void setMarkerListener(String topic, Partition.MarkerListener listener) {
    if (listener == null) markerListeners.remove(topic);
    else markerListeners.put(topic, listener);
    for (Partition p : partitions.values()) {
      if (p.topicPartition().topic().equals(topic)) p.setMarkerListener(listener);
    }
  }

  private final Map<String, Partition.MarkerListener> markerListeners = new java.util.concurrent.ConcurrentHashMap<>();

  public synchronized void addLeadershipListener(LeadershipListener l) {
    leadershipListeners.add(l);
    for (Map.Entry<TopicPartition, Integer> e : reportedLeaders.entrySet()) {
      fire(l, e.getKey(), e.getValue());
    }
  }

  /** Stops telling {@code l} (its owner is closing); it gets no resignations for what it was told. */
  public synchronized void removeLeadershipListener(LeadershipListener l) {
    leadershipListeners.remove(l);
  }

  /**
   * The one place leadership changes are told: {@code epoch >= 0} leads in that epoch, -1 does not
   * lead. Tells the listeners only of a change (a new leader epoch is a change). Caller holds this.
   */
  private void leadershipChanged(TopicPartition tp, int epoch) {
    Integer before = epoch < 0 ? reportedLeaders.remove(tp) : reportedLeaders.put(tp, epoch);
    if (before != null && before == epoch || before == null && epoch < 0) return;
    for (LeadershipListener l : leadershipListeners) fire(l, tp, epoch);
  }

  private static void fire(LeadershipListener l, TopicPartition tp, int epoch) {
    try {
      if (epoch >= 0) {
        l.onBecomeLeader(tp, epoch);
      } else {
        l.onResign(tp);
      }
    } catch (RuntimeException e) {
      log.error("leadership listener {} failed on {} (epoch {})", l, tp, epoch, e);
    }
  }

  // --- replication (replication area): ReplicaStateListener, fetchers, ISR ---

  /** This broker's id. */
  public int localBrokerId() {
    return localBrokerId;
  }

  /**
   * The cluster's state in cluster mode; empty on a single node (whose cluster of one, {@link
   * dev.brook.broker.cluster.LocalCluster}, has no other broker to replicate to or to reach).
   */
  public Optional<ClusterState> cluster() {
    return cluster instanceof dev.brook.broker.cluster.LocalCluster ? Optional.empty() : Optional.ofNullable(cluster);
  }

  /** The endpoint of the broker leading {@code p} as this broker knows it (for KIP-951 answers). */
  public Optional<BrokerEndpoint> leaderEndpoint(Partition p) {
    int leader = p.leaderId();
    return cluster == null || leader < 0 ? Optional.empty() : cluster.broker(leader);
  }

  @Override
  public synchronized void onPartitionStates(java.util.Collection<PartitionState> changed) throws IOException {
    long now = clock.milliseconds();
    // A new topic's partitions all arrive here together: its settings are resolved once, not per partition.
    Map<String, Optional<TopicSettings>> settingsOfTopic = new HashMap<>();
    for (PartitionState s : changed) {
      if (closed) return;
      if (!s.replicas().contains(localBrokerId) && !s.isr().contains(localBrokerId)) continue;
      Partition p = partitions.get(s.tp());
      if (p == null) {
        Optional<TopicSettings> ts = settingsOfTopic.computeIfAbsent(s.tp().topic(), topicSettings);
        LogConfig config = ts.map(TopicSettings::logConfig).orElse(replication == null ? null : replication.defaultLogConfig());
        if (config == null) {
          log.warn("state for {}, which is not created here and has no default config; ignored", s.tp());
          continue;
        }
        p = createPartition(s.tp(), s.topicId(), config, ts.map(TopicSettings::overrides).orElse(Map.of()));
      }
      if (p.isOffline()) {
        // Its log directory failed: it neither leads nor follows until the broker restarts (the
        // controller, told through reportOfflineReplicas, moves leadership and the ISR away).
        stopFetching(s.tp());
        leadershipChanged(s.tp(), -1);
        continue;
      }
      if (s.leader() == localBrokerId) {
        stopFetching(s.tp());
        if (p.makeLeader(s, now)) {
          log.debug("{} leads {} in epoch {}, ISR {}", localBrokerId, s.tp(), s.leaderEpoch(), s.isr());
          leadershipChanged(s.tp(), p.leaderEpoch());
        }
      } else {
        boolean newTerm = p.makeFollower(s);
        if (p.replicationState().map(a -> a.leader() != localBrokerId).orElse(true)) leadershipChanged(s.tp(), -1);
        ReplicaFetcher current = fetcherOf(s.tp());
        if (s.leader() < 0) {
          stopFetching(s.tp());
        } else if (newTerm || current == null || current.leaderId() != s.leader()) {
          stopFetching(s.tp());
          fetcherFor(s.leader(), s.tp()).add(p, s.leaderEpoch(), true);
          log.debug("{} follows {} from {} in epoch {}", localBrokerId, s.tp(), s.leader(), s.leaderEpoch());
        }
      }
    }
  }

  @Override
  public synchronized void onPartitionsRemoved(java.util.Collection<TopicPartition> removed) throws IOException {
    for (TopicPartition tp : removed) {
      deletePartition(tp);
    }
  }

  private ReplicaFetcher fetcherOf(TopicPartition tp) {
    for (ReplicaFetcher f : fetchers.values()) {
      if (f.follows(tp)) return f;
    }
    return null;
  }

  /** The fetcher that follows {@code tp} from {@code leader}, started if none runs. Caller holds this. */
  private ReplicaFetcher fetcherFor(int leader, TopicPartition tp) {
    FetcherKey key = new FetcherKey(leader, ReplicaFetcher.fetcherId(tp, replication.fetchersPerLeader()));
    return fetchers.computeIfAbsent(key, k -> new ReplicaFetcher(k.leaderId(), k.fetcherId(), localBrokerId,
        cluster::broker, replication.fetch(), clock));
  }

  /**
   * The running fetchers that fetch from {@code leader}, by fetcher id, each with the partitions it
   * follows (for tests and tools; a snapshot).
   */
  public synchronized Map<Integer, java.util.Set<TopicPartition>> fetchersFrom(int leader) {
    Map<Integer, java.util.Set<TopicPartition>> out = new java.util.TreeMap<>();
    fetchers.forEach((k, f) -> {
      if (k.leaderId() == leader) out.put(k.fetcherId(), f.followed());
    });
    return out;
  }

  /** Stops replicating {@code tp}; a fetcher left with nothing to fetch ends. Caller holds this. */
  private void stopFetching(TopicPartition tp) {
    var it = fetchers.values().iterator();
    while (it.hasNext()) {
      ReplicaFetcher f = it.next();
      if (!f.follows(tp)) continue;
      f.remove(tp);
      if (f.isEmpty()) {
        it.remove();
        f.close();
      }
    }
  }

  /** Sends an ISR change to the cluster; the answer is applied on the ISR-answers thread. */
  private void requestIsrChange(Partition p, PartitionState expected, List<Integer> newIsr) {
    if (cluster == null) return;
    log.info("{}: ISR change {} -> {} (epoch {}, version {})", p.topicPartition(), expected.isr(), newIsr,
        expected.leaderEpoch(), expected.zkVersion());
    java.util.concurrent.CompletableFuture<PartitionState> f;
    try {
      f = cluster.alterIsr(expected, newIsr);
    } catch (RuntimeException e) {
      f = java.util.concurrent.CompletableFuture.failedFuture(e);
    }
    f.whenCompleteAsync((result, error) -> {
      if (error == null) {
        p.onIsrChanged(result);
      } else {
        log.info("{}: ISR change to {} failed: {}", p.topicPartition(), newIsr, error.toString());
        p.onIsrChangeFailed(cluster.partitionState(p.topicPartition()));
      }
    }, isrAnswers);
  }

  private void shrinkIsrs() {
    if (closed) return;
    try {
      long now = clock.milliseconds();
      for (Partition p : partitions.values()) {
        p.maybeShrinkIsr(now, replication.replicaLagTimeMaxMs());
      }
    } catch (RuntimeException e) {
      log.error("ISR shrink check failed", e);
    }
    schedule(this::shrinkIsrs, Math.max(1, replication.replicaLagTimeMaxMs() / 2));
  }
  // --- end replication ---
}
