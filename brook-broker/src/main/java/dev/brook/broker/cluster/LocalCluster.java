package dev.brook.broker.cluster;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single node as a cluster of one: one live broker, which is also the controller. Its topics
 * and partition states live in the {@link LocalMetadataStore}; the controller decides with the same
 * {@link ControllerLogic} as the ZooKeeper controller (placement by {@link ReplicaPlacement} on the
 * one broker, a new leader epoch on every change), stores each decision with the topics in one
 * atomic rewrite of the metadata file, and only then hands the new states to the {@link
 * ReplicaStateListener} (the replica manager), which makes the partitions leaders with ISR = [this
 * broker].
 *
 * <p>A restart is a new broker registration: {@link #start} fails the previous registration's
 * leaderships over (nobody leads), then elects this broker again, as the ZooKeeper controller does
 * for a broker that restarted, so every partition starts a new leader epoch (two epochs on, as a
 * one-broker Kafka after a restart: fenced, then unfenced). Only the final states are written, while
 * the partitions open; start returns once they are durable.
 *
 * <p>Threading: changes serialize on this object and do disk I/O (the topic admin's thread, or the
 * startup thread); the listener is called on the changing thread, after the write. Reads ({@link
 * ClusterState}) come from the store's published snapshot and never block.
 */
public final class LocalCluster implements ClusterState, ClusterController {
  private static final Logger log = LoggerFactory.getLogger(LocalCluster.class);

  private final int brokerId;
  private final LocalMetadataStore store;
  private final Supplier<BrokerEndpoint> endpoint;
  private final boolean uncleanDefault;
  private volatile ReplicaStateListener listener;
  private int controllerEpoch; // guarded by this
  private boolean started; // guarded by this
  private final Map<TopicPartition, Reassignment> reassignments = new LinkedHashMap<>(); // guarded by this

  /**
   * @param endpoint this broker's advertised endpoint (asked when a client needs it)
   * @param uncleanDefault unclean.leader.election.enable
   */
  public LocalCluster(int brokerId, LocalMetadataStore store, Supplier<BrokerEndpoint> endpoint, boolean uncleanDefault) {
    this.brokerId = brokerId;
    this.store = store;
    this.endpoint = endpoint;
    this.uncleanDefault = uncleanDefault;
  }

  public LocalMetadataStore store() {
    return store;
  }

  /** Who is told of partition state changes (the replica manager); set before {@link #start}. */
  public void setListener(ReplicaStateListener listener) {
    this.listener = listener;
  }

  /**
   * Registers this broker and takes control (startup): a new controller epoch, then every stored
   * partition's state brought in line, as after a restart. A partition without a stored state
   * (metadata written before states were kept) starts from {@code logEpoch}, the latest leader epoch
   * of its log (-1 when none), as the broker used then. Hands every partition's state to the listener.
   */
  public synchronized void start(ToIntFunction<TopicPartition> logEpoch) throws IOException {
    Map<TopicPartition, PartitionState> states = new HashMap<>(store.partitionStates());
    int lastControllerEpoch = 0;
    for (PartitionState s : states.values()) lastControllerEpoch = Math.max(lastControllerEpoch, s.controllerEpoch());
    controllerEpoch = lastControllerEpoch + 1;
    Map<TopicPartition, PartitionState> changed = new HashMap<>();
    for (TopicMetadata t : store.topics()) {
      for (int p = 0; p < t.partitions(); p++) {
        TopicPartition tp = new TopicPartition(t.name(), p);
        if (states.containsKey(tp)) continue;
        int epoch = Math.max(0, logEpoch.applyAsInt(tp));
        PartitionState seeded = new PartitionState(tp, t.id(), List.of(brokerId), brokerId, epoch, List.of(brokerId), 0, 0);
        states.put(tp, seeded);
        changed.put(tp, seeded);
      }
    }
    // The previous registration's leaderships end (no broker live), then this registration leads.
    for (Set<Integer> live : List.of(Set.<Integer>of(), Set.of(brokerId))) {
      for (ControllerLogic.Transition t : ControllerLogic.reconcile(view(store.topics(), states), live, false)) {
        PartitionState next = stateOf(t, states.get(t.tp()));
        states.put(t.tp(), next);
        changed.put(t.tp(), next);
      }
    }
    // The write (an fsync or two) overlaps the opening of the partitions; start returns only once
    // the states are durable, before anyone outside this broker (or any leadership listener) can
    // see them.
    long writeStart = System.nanoTime();
    java.util.concurrent.FutureTask<Void> write = new java.util.concurrent.FutureTask<>(() -> {
      store.putPartitionStates(changed.values());
      return null;
    });
    if (changed.isEmpty()) {
      write.run();
    } else {
      Thread.ofPlatform().name("brook-local-cluster-start").daemon().start(write);
    }
    try {
      deliver(states.values());
    } finally {
      awaitDurable(write);
    }
    started = true;
    if (!states.isEmpty()) {
      log.info("Broker {} controls the local cluster (controller epoch {}); {} partition(s) started in {} ms",
          brokerId, controllerEpoch, states.size(), (System.nanoTime() - writeStart) / 1_000_000);
    }
  }

  private static void awaitDurable(java.util.concurrent.FutureTask<Void> write) throws IOException {
    try {
      write.get();
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof IOException io) throw io;
      throw new IOException("cannot store the partition states", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while storing the partition states", e);
    }
  }

  /** Creates a topic: places its partitions on this broker, starts them, stores topic and states at once. */
  public void createTopic(TopicMetadata topic) throws IOException {
    createTopic(topic, 0);
  }

  /**
   * As {@link #createTopic(TopicMetadata)}, starting partition {@code first} before the others: a
   * coordinator waiting for one key's partition of a new internal topic serves it after one
   * partition's creation rather than all of them.
   */
  public synchronized void createTopic(TopicMetadata topic, int first) throws IOException {
    requireStarted();
    List<PartitionState> states = startPartitions(topic, 0);
    store.createTopic(topic, states);
    deliver(firstOf(states, first));
  }

  private static List<PartitionState> firstOf(List<PartitionState> states, int first) {
    List<PartitionState> ordered = new ArrayList<>(states.size());
    for (PartitionState s : states) if (s.tp().partition() == first) ordered.add(s);
    for (PartitionState s : states) if (s.tp().partition() != first) ordered.add(s);
    return ordered;
  }

  /** Grows a topic to {@code grown.partitions()}, starting the new partitions. */
  public synchronized void addPartitions(TopicMetadata grown) throws IOException {
    requireStarted();
    int from = store.topic(grown.name()).map(TopicMetadata::partitions)
        .orElseThrow(() -> new IllegalStateException("no topic " + grown.name()));
    List<PartitionState> states = startPartitions(grown, from);
    store.updateTopic(grown, states);
    deliver(states);
  }

  /** Deletes a topic: its partitions (and logs) go first, then the topic and its states. */
  public synchronized boolean deleteTopic(String name) throws IOException {
    requireStarted();
    Optional<TopicMetadata> t = store.topic(name);
    if (t.isEmpty()) return false;
    List<TopicPartition> removed = new ArrayList<>(t.get().partitions());
    for (int p = 0; p < t.get().partitions(); p++) removed.add(new TopicPartition(name, p));
    ReplicaStateListener l = listener;
    if (l != null) {
      try {
        l.onPartitionsRemoved(removed);
      } catch (IOException | RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IOException("cannot remove the partitions of " + name, e);
      }
    }
    reassignments.keySet().removeIf(tp -> tp.topic().equals(name));
    return store.deleteTopic(name);
  }

  /** The states of partitions {@code from}.. of a topic, as the controller starts them (epoch 0). */
  private List<PartitionState> startPartitions(TopicMetadata topic, int from) {
    Map<Integer, List<Integer>> placed =
        ReplicaPlacement.assign(liveBrokers(), from, topic.partitions() - from, 1, 0);
    Map<String, Map<Integer, List<Integer>>> assignment = Map.of(topic.name(), placed);
    ControllerLogic.View v = new ControllerLogic.View(Set.of(brokerId), Set.of(), assignment, Map.of(), Set.of(),
        this::uncleanAllowed);
    List<PartitionState> out = new ArrayList<>(placed.size());
    for (ControllerLogic.Transition t : ControllerLogic.reconcile(v, Set.of(brokerId), false)) {
      out.add(new PartitionState(t.tp(), topic.id(), t.replicas(), t.leader(), t.leaderEpoch(), t.isr(), controllerEpoch, 0));
    }
    return out;
  }

  /** The decision code's view of the given topics and states: each partition on its stored replicas. */
  private ControllerLogic.View view(Collection<TopicMetadata> topics, Map<TopicPartition, PartitionState> states) {
    Map<String, Map<Integer, List<Integer>>> assignments = new LinkedHashMap<>();
    List<Integer> self = List.of(brokerId);
    for (TopicMetadata t : topics) {
      Map<Integer, List<Integer>> replicas = new LinkedHashMap<>();
      for (int p = 0; p < t.partitions(); p++) {
        PartitionState s = states.get(new TopicPartition(t.name(), p));
        replicas.put(p, s == null ? self : s.replicas());
      }
      assignments.put(t.name(), replicas);
    }
    return new ControllerLogic.View(Set.of(brokerId), Set.of(), assignments, states, Set.of(), this::uncleanAllowed);
  }

  private boolean uncleanAllowed(String topic) {
    String v = store.topic(topic).map(t -> t.configs().get("unclean.leader.election.enable")).orElse(null);
    return v == null ? uncleanDefault : Boolean.parseBoolean(v.trim());
  }

  /** The state a transition leads to; the version counts the changes of the partition's state. */
  private PartitionState stateOf(ControllerLogic.Transition t, PartitionState current) {
    int version = current == null ? 0 : current.zkVersion() + 1;
    org.apache.kafka.common.Uuid id = current != null ? current.topicId()
        : store.topic(t.tp().topic()).map(TopicMetadata::id).orElseThrow();
    return new PartitionState(t.tp(), id, t.replicas(), t.leader(), t.leaderEpoch(), t.isr(), controllerEpoch, version);
  }

  /** Stores the transitions' states at once, then tells the listener. */
  private void apply(List<ControllerLogic.Transition> transitions) throws IOException {
    List<PartitionState> next = new ArrayList<>(transitions.size());
    for (ControllerLogic.Transition t : transitions) next.add(stateOf(t, t.current()));
    store.putPartitionStates(next);
    deliver(next);
  }

  private void deliver(Collection<PartitionState> states) throws IOException {
    ReplicaStateListener l = listener;
    if (l == null || states.isEmpty()) return;
    try {
      l.onPartitionStates(states);
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("cannot apply partition states", e);
    }
  }

  private void requireStarted() {
    if (!started) throw new IllegalStateException("the local cluster is not started");
  }

  // ---- ClusterState

  @Override
  public int localBrokerId() {
    return brokerId;
  }

  @Override
  public Optional<BrokerEndpoint> broker(int id) {
    return id == brokerId ? Optional.of(endpoint.get()) : Optional.empty();
  }

  @Override
  public Collection<BrokerEndpoint> liveBrokers() {
    return List.of(endpoint.get());
  }

  @Override
  public int controllerId() {
    return brokerId;
  }

  @Override
  public Optional<PartitionState> partitionState(TopicPartition tp) {
    return store.partitionState(tp);
  }

  /**
   * The leader's ISR change, as the controller would take it: compare-and-set on the state's
   * version. Takes only the store's lock (the caller may hold a partition's, which this object's
   * holders may wait for), so it never deadlocks with a change in progress.
   */
  @Override
  public CompletableFuture<PartitionState> alterIsr(PartitionState expected, List<Integer> newIsr) {
    PartitionState current = store.partitionState(expected.tp()).orElse(null);
    if (current == null || current.leader() != brokerId || newIsr.isEmpty() || !newIsr.contains(brokerId)) {
      return CompletableFuture.failedFuture(new IllegalStateException("invalid ISR change of " + expected.tp() + " to "
          + newIsr + " (state is " + current + ")"));
    }
    PartitionState next = new PartitionState(current.tp(), current.topicId(), current.replicas(), current.leader(),
        current.leaderEpoch(), newIsr, current.controllerEpoch(), current.zkVersion() + 1);
    try {
      if (!store.replacePartitionState(expected, next)) {
        return CompletableFuture.failedFuture(new IllegalStateException("stale ISR change of " + expected.tp()
            + " (state is " + store.partitionState(expected.tp()).orElse(null) + ")"));
      }
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
    return CompletableFuture.completedFuture(next);
  }

  @Override
  public boolean isRegistered() {
    return true;
  }

  /**
   * Starts a new leader epoch of {@code tp}, at least {@code atLeast}, led by this broker as before
   * (a promoted mirror topic: its own appends must carry an epoch above every batch mirrored from
   * the source). Stored, then applied; on the caller's thread (the topic admin's).
   */
  public synchronized void newLeaderEpoch(TopicPartition tp, int atLeast) throws IOException {
    requireStarted();
    PartitionState cur = store.partitionStates().get(tp);
    if (cur == null) throw new IllegalArgumentException("no partition " + tp);
    PartitionState next = new PartitionState(tp, cur.topicId(), cur.replicas(), cur.leader(),
        Math.max(cur.leaderEpoch() + 1, atLeast), cur.isr(), controllerEpoch, cur.zkVersion() + 1);
    store.putPartitionStates(List.of(next));
    deliver(List.of(next));
  }

  // ---- ClusterController

  @Override
  public boolean isActive() {
    return true;
  }

  /** Runs on the caller's thread (the handler hands it the topic admin's thread): it may write. */
  @Override
  public synchronized CompletableFuture<Map<TopicPartition, Errors>> electLeaders(
      Collection<TopicPartition> partitions, boolean unclean) {
    Map<TopicPartition, Errors> out = new LinkedHashMap<>();
    List<ControllerLogic.Transition> elected = new ArrayList<>();
    Map<TopicPartition, PartitionState> states = store.partitionStates();
    ControllerLogic.View v = view(store.topics(), states);
    Collection<TopicPartition> targets = partitions != null ? partitions
        : states.keySet().stream().sorted(java.util.Comparator.comparing(TopicPartition::topic)
            .thenComparingInt(TopicPartition::partition)).toList();
    for (TopicPartition tp : targets) {
      ControllerLogic.Election e = ControllerLogic.elect(v, tp, unclean);
      // As Kafka's controller: electing every partition answers only for those that needed it.
      if (partitions == null && e.error() == Errors.ELECTION_NOT_NEEDED) continue;
      out.put(tp, e.error());
      if (e.error() == Errors.NONE) elected.add(e.transition());
    }
    try {
      apply(elected);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
    return CompletableFuture.completedFuture(out);
  }

  /**
   * Reassignment on one broker: the only valid target is this broker, which every partition already
   * has, so an accepted reassignment completes at once.
   */
  @Override
  public synchronized CompletableFuture<Map<TopicPartition, Result>> alterReassignments(
      Map<TopicPartition, Optional<List<Integer>>> requests) {
    ControllerLogic.View v = view(store.topics(), store.partitionStates());
    ControllerLogic.Altered a = ControllerLogic.alterReassignments(v, reassignments, requests);
    reassignments.clear();
    reassignments.putAll(a.pending());
    for (ControllerLogic.Step step : ControllerLogic.advanceReassignments(v, a.pending())) {
      if (step instanceof ControllerLogic.Finished) {
        reassignments.remove(step.tp());
      } else {
        // Unreachable with one broker (every target is [this broker]); left pending, listed as such.
        log.warn("Reassignment step {} cannot be carried out on a single node", step);
      }
    }
    return CompletableFuture.completedFuture(a.results());
  }

  @Override
  public synchronized Map<TopicPartition, Reassignment> reassignments() {
    return Map.copyOf(reassignments);
  }
}
