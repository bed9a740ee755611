package dev.brook.broker.admin;

import dev.brook.broker.cluster.BrokerEndpoint;
import dev.brook.broker.cluster.ClusterState;
import dev.brook.broker.cluster.LocalCluster;
import dev.brook.broker.cluster.MetadataStore;
import dev.brook.broker.cluster.ReplicaPlacement;
import dev.brook.broker.cluster.TopicMetadata;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.config.ConfigException;
import dev.brook.broker.config.TopicConfigs;
import dev.brook.broker.replica.ReplicaManager;
import dev.brook.storage.LogConfig;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topic admin: creates, deletes, grows and reconfigures topics, keeping the {@link
 * MetadataStore} (what exists) and the {@link ReplicaManager} (the partitions and their logs) in
 * step. Every rule a client can break is answered with Kafka's error code and wording, as an
 * {@link Outcome}; exceptions are for I/O failures.
 *
 * <p>Ordering, so that a crash never resurrects deleted data: a topic is made durable in the store
 * before its partitions are created, and its partitions are deleted before it leaves the store.
 *
 * <p>Threading: changes serialize on this object and do disk I/O, so request handlers run them on
 * {@link #executor()} (one thread), never on an event loop. Reads go to the store's snapshot.
 */
public final class TopicManager implements TopicAdmin, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TopicManager.class);

  /** KRaft's limit on the partitions one request may create. */
  public static final int MAX_PARTITIONS_PER_REQUEST = 10_000;

  /** The result of one change: NONE with the topic as it is (or would be), or an error. */
  public record Outcome(Errors error, String message, TopicMetadata topic) {
    static Outcome ok(TopicMetadata topic) {
      return new Outcome(Errors.NONE, null, topic);
    }

    static Outcome fail(Errors error, String message) {
      return new Outcome(error, message, null);
    }

    public boolean isOk() {
      return error == Errors.NONE;
    }
  }

  /**
   * A topic to create.
   *
   * @param partitions -1 for num.partitions (when no assignment is given)
   * @param replicationFactor -1 for default.replication.factor (when no assignment is given)
   * @param assignments partition index to replica broker ids; empty for automatic placement
   */
  public record NewTopic(
      String name, int partitions, int replicationFactor, Map<Integer, List<Integer>> assignments,
      Map<String, String> configs) {}

  private final BrokerConfig config;
  private final MetadataStore store;
  private final ReplicaManager replicas;
  private final Supplier<Uuid> newIds;
  private final ExecutorService executor;
  /** Cluster mode: the brokers and partition states; null on a single node. */
  private final ClusterState cluster;
  /**
   * Single node: the cluster of one, through whose controller topics are created, grown and deleted
   * (it starts their partitions); null in cluster mode and for a standalone admin (tests), which
   * opens partitions directly.
   */
  private final LocalCluster local;

  public TopicManager(BrokerConfig config, MetadataStore store, ReplicaManager replicas, Supplier<Uuid> newIds) {
    this(config, store, replicas, newIds, null);
  }

  /**
   * Cluster mode ({@code cluster} non-null): replicas are placed on the live brokers and the
   * partitions are opened by each broker when the controller starts them, not here.
   */
  public TopicManager(BrokerConfig config, MetadataStore store, ReplicaManager replicas, Supplier<Uuid> newIds,
      ClusterState cluster) {
    this(config, store, replicas, newIds, cluster, null);
  }

  /**
   * As above; on a single node {@code local} (whose store must be {@code store}) starts and stops
   * the partitions of the topics changed here.
   */
  public TopicManager(BrokerConfig config, MetadataStore store, ReplicaManager replicas, Supplier<Uuid> newIds,
      ClusterState cluster, LocalCluster local) {
    if (local != null && local.store() != store) throw new IllegalArgumentException("the local cluster keeps another store");
    this.local = local;
    this.cluster = cluster;
    this.config = config;
    this.store = store;
    this.replicas = replicas;
    this.newIds = newIds;
    this.executor = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("brook-topic-admin").daemon().factory());
  }

  /**
   * Opens every partition of every known topic (at startup) — a standalone admin only: with a
   * cluster (ZooKeeper's, or the single node's {@link LocalCluster}) they open as the controller's
   * partition states arrive.
   */
  public void openAll() throws IOException {
    if (cluster != null || local != null) return;
    for (TopicMetadata t : store.topics()) {
      LogConfig lc = logConfig(t);
      for (int p = 0; p < t.partitions(); p++) {
        replicas.createPartition(new TopicPartition(t.name(), p), t.id(), lc, t.configs());
      }
    }
  }

  private volatile MirrorTopicRules mirrorRules;

  /** Wires the mirror area in (mirror topics and cluster links); without it mirror configs are refused. */
  public void setMirrorRules(MirrorTopicRules rules) {
    this.mirrorRules = rules;
  }

  /** The mirror area, if this broker has one. */
  public Optional<MirrorTopicRules> mirrorRules() {
    return Optional.ofNullable(mirrorRules);
  }

  private static final List<String> MIRROR_KEYS = List.of("mirror.link", "mirror.source.topic", "mirror.source.topic.id", "mirror.state");

  private static boolean mirrorConfigsDiffer(Map<String, String> a, Map<String, String> b) {
    for (String k : MIRROR_KEYS) {
      if (!a.getOrDefault(k, "").equals(b.getOrDefault(k, ""))) return true;
    }
    return false;
  }

  /** A new topic with mirror configs, completed by the mirror area (the source's partition count), or a failure. */
  private Object prepareMirror(NewTopic req) {
    if (!mirrorConfigsDiffer(req.configs(), Map.of())) return req;
    if (req.configs().getOrDefault("mirror.link", "").isBlank()) {
      return Outcome.fail(Errors.INVALID_CONFIG, "mirror.source.topic and mirror.state need mirror.link (a mirror topic's cluster link).");
    }
    MirrorTopicRules rules = mirrorRules;
    if (rules == null) return Outcome.fail(Errors.INVALID_CONFIG, "This broker does not support mirror topics.");
    if (!req.assignments().isEmpty()) {
      return Outcome.fail(Errors.INVALID_REQUEST, "A mirror topic has its source topic's partitions; give no replica assignment.");
    }
    MirrorTopicRules.Prepared p = rules.prepareCreate(req.name(), req.partitions(), req.configs());
    if (p.error() != Errors.NONE) return Outcome.fail(p.error(), p.message());
    return new NewTopic(req.name(), p.partitions(), req.replicationFactor(), Map.of(), p.configs());
  }

  /** Where handlers run changes (one thread, so changes never wait on each other's locks long). */
  public ExecutorService executor() {
    return executor;
  }

  public BrokerConfig config() {
    return config;
  }

  public MetadataStore store() {
    return store;
  }

  public ReplicaManager replicas() {
    return replicas;
  }

  public int nodeId() {
    return config.nodeId();
  }

  /** The cluster (brokers, controller, partition states) in cluster mode; null on a single node. */
  public ClusterState cluster() {
    return cluster;
  }

  /** The broker ids that may hold replicas: in single-node mode, this one. */
  public Set<Integer> liveBrokers() {
    if (cluster != null) {
      Set<Integer> ids = new java.util.TreeSet<>();
      for (BrokerEndpoint b : cluster.liveBrokers()) ids.add(b.id());
      return ids;
    }
    return Set.of(config.nodeId());
  }

  public Optional<TopicMetadata> topic(String name) {
    return store.topic(name);
  }

  public Optional<TopicMetadata> topic(Uuid id) {
    return store.topic(id);
  }

  public LogConfig logConfig(TopicMetadata t) {
    return TopicConfigs.toLogConfig(config, t.configs());
  }

  // ---- TopicAdmin

  @Override
  public Uuid ensureTopic(String name, int partitions, Map<String, String> configs) throws Exception {
    return ensureTopic(name, partitions, -1, configs);
  }

  /** {@code replicationFactor} -1: offsets.topic.replication.factor capped at the live brokers. */
  @Override
  public Uuid ensureTopic(String name, int partitions, int replicationFactor, Map<String, String> configs)
      throws Exception {
    return ensureTopic(name, partitions, replicationFactor, configs, 0);
  }

  /** A single node makes {@code firstPartition} first; in a cluster each broker makes its replicas as told. */
  @Override
  public Uuid ensureTopic(String name, int partitions, int replicationFactor, Map<String, String> configs,
      int firstPartition) throws Exception {
    Optional<TopicMetadata> existing = store.topic(name);
    if (existing.isPresent()) return existing.get().id();
    synchronized (this) {
      existing = store.topic(name);
      if (existing.isPresent()) return existing.get().id();
      int rf = cluster == null ? -1 : replicationFactor;
      Outcome o = createTopic(new NewTopic(name, partitions, rf, Map.of(), configs), false, true, firstPartition);
      if (o.error() == Errors.TOPIC_ALREADY_EXISTS && cluster != null) {
        // Cluster mode: another broker created it meanwhile; this broker's cache shows it shortly.
        for (int i = 0; i < 150 && store.topic(name).isEmpty(); i++) {
          try {
            Thread.sleep(100);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          }
        }
        if (store.topic(name).isPresent()) return store.topic(name).get().id();
      }
      if (!o.isOk()) throw o.error().exception("cannot create " + name + ": " + o.message());
      return o.topic().id();
    }
  }

  @Override
  public Optional<Integer> partitionCount(String topic) {
    return store.topic(topic).map(TopicMetadata::partitions);
  }

  @Override
  public Optional<Uuid> topicId(String topic) {
    return store.topic(topic).map(TopicMetadata::id);
  }

  // ---- changes

  /** CreateTopics (and auto-creation): Kafka's checks in Kafka's order, then create. */
  public synchronized Outcome createTopic(NewTopic req, boolean validateOnly) throws IOException {
    return createTopic(req, validateOnly, false, 0);
  }

  private synchronized Outcome createTopic(NewTopic requested, boolean validateOnly, boolean internalCaller,
      int firstPartition) throws IOException {
    String name = requested.name();
    Optional<String> bad = TopicNames.invalidReason(name);
    if (bad.isPresent()) return Outcome.fail(Errors.INVALID_TOPIC_EXCEPTION, bad.get());
    if (store.topic(name).isPresent()) {
      return Outcome.fail(Errors.TOPIC_ALREADY_EXISTS, "Topic '" + name + "' already exists.");
    }
    Object mirror = prepareMirror(requested);
    if (mirror instanceof Outcome failed) return failed;
    NewTopic req = (NewTopic) mirror;
    if (TopicNames.hasCollisionChars(name)) {
      String key = TopicNames.collisionKey(name);
      for (TopicMetadata t : store.topics()) {
        if (TopicNames.collisionKey(t.name()).equals(key)) {
          return Outcome.fail(Errors.INVALID_TOPIC_EXCEPTION,
              "Topic '" + name + "' collides with existing topic: " + t.name());
        }
      }
    }
    int partitions;
    int rf = -1;
    if (!req.assignments().isEmpty()) {
      if (req.partitions() != -1) {
        return Outcome.fail(Errors.INVALID_REQUEST,
            "A manual partition assignment was specified, but numPartitions was not set to -1.");
      }
      if (req.replicationFactor() != -1) {
        return Outcome.fail(Errors.INVALID_REQUEST,
            "A manual partition assignment was specified, but replicationFactor was not set to -1.");
      }
      Outcome a = checkAssignments(req.assignments(), 0);
      if (a != null) return a;
      partitions = req.assignments().size();
    } else {
      partitions = req.partitions() == -1 ? config.getInt("num.partitions") : req.partitions();
      rf = req.replicationFactor() == -1
          ? (internalCaller ? internalReplicationFactor() : config.getInt("default.replication.factor"))
          : req.replicationFactor();
      if (partitions <= 0) {
        return Outcome.fail(Errors.INVALID_PARTITIONS, "Number of partitions was set to an invalid non-positive value.");
      }
      if (rf <= 0) {
        return Outcome.fail(Errors.INVALID_REPLICATION_FACTOR,
            "Replication factor must be larger than 0, or -1 to use the default value.");
      }
      if (rf > liveBrokers().size()) {
        return Outcome.fail(Errors.INVALID_REPLICATION_FACTOR, "Unable to replicate the partition " + rf
            + " time(s): The target replication factor of " + rf + " cannot be reached because only "
            + liveBrokers().size() + " broker(s) are registered.");
      }
    }
    if (partitions > MAX_PARTITIONS_PER_REQUEST) {
      return Outcome.fail(Errors.POLICY_VIOLATION, "Excessively large number of partitions per request.");
    }
    try {
      TopicConfigs.validate(req.configs());
    } catch (ConfigException e) {
      return Outcome.fail(Errors.INVALID_CONFIG, invalidConfigMessage(e));
    }
    TopicMetadata topic = new TopicMetadata(name, validateOnly ? Uuid.ZERO_UUID : newTopicId(), partitions,
        req.configs());
    if (validateOnly) return Outcome.ok(topic);
    if (cluster != null) {
      Map<Integer, List<Integer>> assignment = req.assignments().isEmpty()
          ? ReplicaPlacement.assign(cluster.liveBrokers(), 0, partitions, rf, placementStart())
          : req.assignments();
      try {
        store.createTopic(topic, assignment);
      } catch (IllegalStateException e) { // created meanwhile through another broker
        return Outcome.fail(Errors.TOPIC_ALREADY_EXISTS, "Topic '" + name + "' already exists.");
      }
    } else if (local != null) {
      local.createTopic(topic, firstPartition); // stored with its partitions' states, then they lead
    } else {
      store.createTopic(topic);
      openPartitions(topic, 0);
    }
    log.info("Created topic {} ({}) with {} partition(s) and configs {}", name, topic.id(), partitions,
        topic.configs());
    return Outcome.ok(topic);
  }

  /** Internal topics: 1 on a single node; offsets.topic.replication.factor capped at the live brokers. */
  private int internalReplicationFactor() {
    if (cluster == null) return 1;
    return Math.max(1, Math.min(config.getInt("offsets.topic.replication.factor"), liveBrokers().size()));
  }

  /** Where on the broker ring a topic's placement starts, so leaders of many topics spread. */
  private static int placementStart() {
    return java.util.concurrent.ThreadLocalRandom.current().nextInt(1 << 16);
  }

  private Uuid newTopicId() {
    while (true) {
      Uuid id = newIds.get();
      // Kafka reserves ids whose text starts with '-' (and the zero/metadata ids) for itself.
      if (!id.equals(Uuid.ZERO_UUID) && !id.equals(Uuid.METADATA_TOPIC_ID) && !id.toString().startsWith("-")
          && store.topic(id).isEmpty()) {
        return id;
      }
    }
  }

  private Outcome checkAssignments(Map<Integer, List<Integer>> assignments, int firstPartition) {
    int replicationFactor = -1;
    for (int p = firstPartition; p < firstPartition + assignments.size(); p++) {
      if (!assignments.containsKey(p)) {
        return Outcome.fail(Errors.INVALID_REPLICA_ASSIGNMENT,
            "Partitions should be a consecutive 0-based integer sequence, but partition " + p + " is missing.");
      }
    }
    for (Map.Entry<Integer, List<Integer>> e : assignments.entrySet()) {
      List<Integer> brokers = e.getValue();
      if (brokers.isEmpty()) {
        return Outcome.fail(Errors.INVALID_REPLICA_ASSIGNMENT, "The manual partition assignment includes an empty "
            + "replica list.");
      }
      if (new HashSet<>(brokers).size() != brokers.size()) {
        return Outcome.fail(Errors.INVALID_REPLICA_ASSIGNMENT, "The manual partition assignment includes the "
            + "broker " + brokers + " more than once.");
      }
      for (int b : brokers) {
        if (!liveBrokers().contains(b)) {
          return Outcome.fail(Errors.INVALID_REPLICA_ASSIGNMENT, "The manual partition assignment includes broker "
              + b + ", but no broker with that ID is registered.");
        }
      }
      if (replicationFactor != -1 && replicationFactor != brokers.size()) {
        return Outcome.fail(Errors.INVALID_REPLICA_ASSIGNMENT, "The manual partition assignment includes a "
            + "partition with " + brokers.size() + " replica(s), but this is not consistent with previous "
            + "partitions, which have " + replicationFactor + " replica(s).");
      }
      replicationFactor = brokers.size();
    }
    return null;
  }

  private void openPartitions(TopicMetadata topic, int from) throws IOException {
    LogConfig lc = logConfig(topic);
    for (int p = from; p < topic.partitions(); p++) {
      replicas.createPartition(new TopicPartition(topic.name(), p), topic.id(), lc, topic.configs());
    }
  }

  /** DeleteTopics: removes the partitions (and their logs), then the topic. */
  public synchronized Outcome deleteTopic(String name) throws IOException {
    Optional<TopicMetadata> t = store.topic(name);
    if (t.isEmpty()) {
      return Outcome.fail(Errors.UNKNOWN_TOPIC_OR_PARTITION, "This server does not host this topic-partition.");
    }
    if (!config.getBoolean("delete.topic.enable")) {
      return Outcome.fail(Errors.TOPIC_DELETION_DISABLED, "Topic deletion is disabled.");
    }
    if (local != null) {
      local.deleteTopic(name); // its partitions go, then the topic and their states
    } else {
      if (cluster == null) {
        for (int p = 0; p < t.get().partitions(); p++) {
          replicas.deletePartition(new TopicPartition(name, p));
        }
      }
      store.deleteTopic(name); // cluster mode: the controller deletes it; every broker drops its replicas
    }

    log.info("Deleted topic {} ({})", name, t.get().id());
    return Outcome.ok(t.get());
  }

  /** CreatePartitions: grows a topic to {@code count} partitions. */
  public synchronized Outcome createPartitions(
      String name, int count, List<List<Integer>> assignments, boolean validateOnly) throws IOException {
    Optional<TopicMetadata> found = store.topic(name);
    if (found.isEmpty()) {
      return Outcome.fail(Errors.UNKNOWN_TOPIC_OR_PARTITION, "This server does not host this topic-partition.");
    }
    TopicMetadata t = found.get();
    if (count < t.partitions()) {
      return Outcome.fail(Errors.INVALID_PARTITIONS, "The topic " + name + " currently has " + t.partitions()
          + " partition(s); " + count + " would not be an increase.");
    }
    if (count == t.partitions()) {
      return Outcome.fail(Errors.INVALID_PARTITIONS, "Topic already has " + t.partitions() + " partition(s).");
    }
    if (count - t.partitions() > MAX_PARTITIONS_PER_REQUEST) {
      return Outcome.fail(Errors.POLICY_VIOLATION, "Excessively large number of partitions per request.");
    }
    if (assignments != null) {
      if (assignments.size() != count - t.partitions()) {
        return Outcome.fail(Errors.INVALID_REPLICA_ASSIGNMENT, "Attempted to add " + (count - t.partitions())
            + " additional partition(s), but only " + assignments.size() + " assignment(s) were specified.");
      }
      Map<Integer, List<Integer>> byPartition = new java.util.TreeMap<>();
      for (int i = 0; i < assignments.size(); i++) byPartition.put(t.partitions() + i, assignments.get(i));
      Outcome a = checkAssignments(byPartition, t.partitions());
      if (a != null) return a;
    }
    TopicMetadata grown = t.withPartitions(count);
    if (validateOnly) return Outcome.ok(grown);
    if (cluster != null) {
      Map<Integer, List<Integer>> added = new java.util.TreeMap<>();
      if (assignments != null) {
        for (int i = 0; i < assignments.size(); i++) added.put(t.partitions() + i, assignments.get(i));
      } else {
        int rf = cluster.partitionState(new TopicPartition(name, 0)).map(s -> s.replicas().size()).orElse(1);
        if (rf > liveBrokers().size()) {
          return Outcome.fail(Errors.INVALID_REPLICATION_FACTOR, "Unable to replicate the partition " + rf
              + " time(s): only " + liveBrokers().size() + " broker(s) are registered.");
        }
        added = ReplicaPlacement.assign(cluster.liveBrokers(), t.partitions(), count - t.partitions(), rf,
            placementStart());
      }
      store.addPartitions(grown, added);
    } else if (local != null) {
      local.addPartitions(grown);
    } else {
      store.updateTopic(grown);
      openPartitions(grown, t.partitions());
    }
    log.info("Topic {} grew from {} to {} partitions", name, t.partitions(), count);
    return Outcome.ok(grown);
  }

  /**
   * AlterConfigs / IncrementalAlterConfigs: replaces the topic's overrides with {@code overrides},
   * validated, persisted and applied to the live logs.
   */
  public synchronized Outcome replaceConfigs(String name, Map<String, String> overrides, boolean validateOnly)
      throws IOException {
    Optional<TopicMetadata> found = store.topic(name);
    if (found.isEmpty()) {
      return Outcome.fail(Errors.UNKNOWN_TOPIC_OR_PARTITION, "This server does not host this topic-partition.");
    }
    try {
      TopicConfigs.validate(overrides);
    } catch (ConfigException e) {
      return Outcome.fail(Errors.INVALID_CONFIG, invalidConfigMessage(e));
    }
    if (mirrorConfigsDiffer(found.get().configs(), overrides)) {
      MirrorTopicRules rules = mirrorRules;
      if (rules == null) return Outcome.fail(Errors.INVALID_CONFIG, "This broker does not support mirror topics.");
      Optional<MirrorTopicRules.Refusal> refused = rules.change(found.get(), overrides, validateOnly);
      if (refused.isPresent()) return Outcome.fail(refused.get().error(), refused.get().message());
    }
    TopicMetadata changed = found.get().withConfigs(overrides);
    if (validateOnly || changed.equals(found.get())) return Outcome.ok(changed);
    store.updateTopic(changed);
    applyConfigs(changed);
    log.info("Topic {} configs are now {}", name, changed.configs());
    return Outcome.ok(changed);
  }

  /**
   * Applies a topic's configs to the partitions this broker hosts (in cluster mode also called when
   * another broker changed them).
   */
  public void applyConfigs(TopicMetadata topic) {
    LogConfig lc = logConfig(topic);
    for (int p = 0; p < topic.partitions(); p++) {
      replicas.updateConfig(new TopicPartition(topic.name(), p), lc, topic.configs());
    }
  }

  static String invalidConfigMessage(ConfigException e) {
    if (e.getMessage().endsWith("unknown topic config")) return "Unknown topic config name: " + e.key();
    return "Invalid value for configuration " + e.getMessage();
  }

  @Override
  public void close() throws IOException {
    executor.shutdown();
    try {
      if (!executor.awaitTermination(10, TimeUnit.SECONDS)) executor.shutdownNow();
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
    store.close();
  }
}
