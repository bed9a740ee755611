package dev.brook.broker.cluster.zk;

import dev.brook.broker.cluster.ClusterController;
import dev.brook.broker.cluster.LeaderElection;
import dev.brook.broker.cluster.ControllerLogic;
import dev.brook.broker.cluster.Reassignment;
import dev.brook.broker.cluster.PartitionState;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster controller, active on the one broker holding the ephemeral {@code /controller}. On
 * winning the election it increments {@code /controller_epoch} (conditionally) and remembers that
 * znode's version; every write it makes afterwards is a ZooKeeper transaction that first checks that
 * version, so a controller that lost its place (paused, partitioned) fails its writes and resigns
 * instead of overwriting its successor's decisions (fencing).
 *
 * <p>While active it keeps every partition's state right ({@link LeaderElection}) as brokers come and
 * go: starts new partitions, elects leaders from the ISR (unclean only where the topic allows it),
 * drops dead and shutting-down replicas from ISRs, bumping the leader epoch on every change; it
 * deletes topics marked under {@code /admin/delete_topics}; it moves leaders back to preferred
 * replicas when {@code auto.leader.rebalance.enable} is set, and on ElectLeaders; it carries out
 * partition reassignments ({@code /admin/reassign_partitions}): first the new replicas are added to
 * the assignment (they start following), then, once every target replica is in the ISR, the
 * assignment becomes the target, a target replica leads and the others leave (one transaction). A
 * replica its broker lists as offline ({@code /brook/offline_replicas/<id>}: its log directory failed)
 * counts as dead for its partition: leadership moves to another in-sync replica and it leaves the ISR.
 *
 * <p>All of it runs on one "brook-controller" thread; partition-state writes are conditional on the
 * znode version, so they never overwrite a leader's concurrent ISR change (the loser re-reads).
 */
public final class Controller implements ClusterController, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Controller.class);
  static final String DELETE_TOPICS = "/admin/delete_topics";

  /** Raised when the controller epoch moved on: this controller is stale and must stop. */
  static final class FencedException extends Exception {
    FencedException(String message) {
      super(message);
    }
  }

  private final ZkCluster cluster;
  private final CuratorFramework zk;
  private final ZkCluster.Settings settings;
  private final ScheduledExecutorService thread;
  private final AtomicBoolean reconcilePending = new AtomicBoolean();
  private volatile boolean active;
  private volatile boolean started;
  private volatile boolean closed;
  private volatile int epoch = -1;
  private int epochZkVersion = -1;
  /** Controller thread: the broker epochs (registration czxids) this controller has acted on. */
  private final Map<Integer, Long> knownBrokerEpochs = new java.util.HashMap<>();

  Controller(ZkCluster cluster, CuratorFramework zk, ZkCluster.Settings settings) {
    this.cluster = cluster;
    this.zk = zk;
    this.settings = settings;
    this.thread = Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().name("brook-controller-" + settings.brokerId()).daemon().factory());
  }

  /** Joins the election (after the broker registered). */
  void start() {
    started = true;
    if (settings.autoLeaderRebalance()) {
      long every = settings.leaderImbalanceCheckMs();
      thread.scheduleWithFixedDelay(() -> {
        if (active) reconcile(true);
      }, every, every, TimeUnit.MILLISECONDS);
    }
    maybeElect();
  }

  public boolean isActive() {
    return active;
  }

  /** This controller's epoch while active; -1 before it ever won. */
  public int epoch() {
    return epoch;
  }

  void maybeElect() {
    if (!started || closed) return;
    submit(this::elect);
  }

  void onClusterChange(ClusterSnapshot s) {
    if (active) scheduleReconcile();
  }

  private void scheduleReconcile() {
    if (closed || !reconcilePending.compareAndSet(false, true)) return;
    submit(() -> {
      reconcilePending.set(false);
      reconcile(false);
    });
  }

  private void submit(Runnable task) {
    try {
      thread.execute(task);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed
    }
  }

  /** Controller thread. */
  private void elect() {
    if (active || closed || !cluster.isRegistered()) return;
    int me = settings.brokerId();
    try {
      zk.create().withMode(CreateMode.EPHEMERAL).forPath(ZkData.CONTROLLER, ZkData.controller(me, System.currentTimeMillis()));
    } catch (KeeperException.NodeExistsException e) {
      // Another broker leads (its znode's deletion brings us back here), unless the znode is this
      // session's own: the session outlived a connection loss that made us resign. Then lead again.
      try {
        Stat stat = zk.checkExists().forPath(ZkData.CONTROLLER);
        if (stat == null || stat.getEphemeralOwner() != zk.getZookeeperClient().getZooKeeper().getSessionId()) return;
      } catch (Exception ex) {
        return;
      }
    } catch (Exception e) {
      log.warn("Broker {} could not run for controller: {}", me, e.toString());
      return;
    }
    try {
      int newEpoch;
      Stat stat = new Stat();
      try {
        byte[] data = zk.getData().storingStatIn(stat).forPath(ZkData.CONTROLLER_EPOCH);
        newEpoch = ZkData.epoch(data) + 1;
        epochZkVersion = zk.setData().withVersion(stat.getVersion())
            .forPath(ZkData.CONTROLLER_EPOCH, ZkData.epoch(newEpoch)).getVersion();
      } catch (KeeperException.NoNodeException e) {
        newEpoch = 1;
        zk.create().forPath(ZkData.CONTROLLER_EPOCH, ZkData.epoch(newEpoch));
        epochZkVersion = 0;
      }
      epoch = newEpoch;
      knownBrokerEpochs.clear();
      knownBrokerEpochs.putAll(cluster.snapshot().brokerEpochs());
      active = true;
      log.info("Broker {} is the controller (epoch {})", me, newEpoch);
      reconcile(false);
    } catch (Exception e) {
      log.warn("Broker {} won /controller but could not take epoch: {}", me, e.toString());
      resignNow("epoch increment failed");
    }
  }

  /** Stops acting as controller (any thread). */
  void resign(String reason) {
    if (active) log.info("Controller {} resigns: {}", settings.brokerId(), reason);
    active = false;
  }

  /** Controller thread: stops, and gives up /controller if this session still holds it. */
  private void resignNow(String reason) {
    resign(reason);
    try {
      Stat stat = zk.checkExists().forPath(ZkData.CONTROLLER);
      long session = zk.getZookeeperClient().getZooKeeper().getSessionId();
      if (stat != null && stat.getEphemeralOwner() == session) {
        zk.delete().withVersion(stat.getVersion()).forPath(ZkData.CONTROLLER);
      }
    } catch (Exception e) {
      log.debug("Cannot remove /controller after resigning", e);
    }
  }

  /** Runs {@code ops} after the epoch check, atomically. */
  void fencedWrite(List<CuratorOp> ops) throws Exception {
    List<CuratorOp> all = new ArrayList<>(ops.size() + 1);
    all.add(zk.transactionOp().check().withVersion(epochZkVersion).forPath(ZkData.CONTROLLER_EPOCH));
    all.addAll(ops);
    try {
      zk.transaction().forOperations(all);
    } catch (KeeperException e) {
      Stat stat = zk.checkExists().forPath(ZkData.CONTROLLER_EPOCH);
      if (stat == null || stat.getVersion() != epochZkVersion) {
        throw new FencedException("controller epoch " + epoch + " is stale (" + ZkData.CONTROLLER_EPOCH
            + " is at version " + (stat == null ? "none" : stat.getVersion()) + ", expected " + epochZkVersion + ")");
      }
      throw e;
    }
  }

  /** Controller thread: brings every partition's state in line with the live brokers. */
  private void reconcile(boolean preferred) {
    if (!active || closed) return;
    ClusterSnapshot s = cluster.snapshot();
    boolean retry = false;
    // A broker whose registration was re-created since we last acted restarted, even if we never saw
    // it gone: it is treated as failed for this pass (its leaderships and ISR places go), then as new.
    Set<Integer> live = new java.util.HashSet<>(s.brokers().keySet());
    Set<Integer> bounced = new java.util.HashSet<>();
    s.brokerEpochs().forEach((id, czxid) -> {
      Long known = knownBrokerEpochs.get(id);
      if (known != null && !known.equals(czxid)) bounced.add(id);
    });
    live.removeAll(bounced);
    if (!bounced.isEmpty()) log.info("Controller {}: brokers {} restarted", settings.brokerId(), bounced);
    try {
      for (String topic : s.topicsBeingDeleted()) deleteTopic(topic);
      boolean preferredNow = preferred || s.preferredElectionRequested();
      for (ControllerLogic.Transition t : ControllerLogic.reconcile(view(s), live, preferredNow && bounced.isEmpty())) {
        if (!writeState(t)) retry = true;
      }
      if (!s.reassignments().isEmpty() && !advanceReassignments(s)) retry = true;
      if (s.preferredElectionRequested()) fencedWrite(List.of(zk.transactionOp().delete().forPath(ZkData.PREFERRED_ELECTION)));
    } catch (FencedException e) {
      log.warn("Controller {}: {}", settings.brokerId(), e.getMessage());
      resignNow("fenced");
      return;
    } catch (Exception e) {
      if (closed || e instanceof InterruptedException) return;
      log.warn("Controller {} could not apply the cluster state; retrying: {}", settings.brokerId(), e.toString());
      retry = true;
    }
    if (!retry) {
      // Acted on every broker as it is now (bounced ones were just failed over): remember them.
      knownBrokerEpochs.keySet().retainAll(s.brokerEpochs().keySet());
      knownBrokerEpochs.putAll(s.brokerEpochs());
      if (!bounced.isEmpty()) scheduleReconcile(); // a second pass sees them as live again
    }
    if (retry && active) {
      thread.schedule(this::scheduleReconcile, 200, TimeUnit.MILLISECONDS);
    }
  }

  private boolean uncleanAllowed(ClusterSnapshot s, String topic) {
    var t = s.topics().get(topic);
    String v = t == null ? null : t.configs().get("unclean.leader.election.enable");
    return v == null ? settings.uncleanDefault() : Boolean.parseBoolean(v.trim());
  }

  /** The snapshot as the store-agnostic decision code sees it. */
  private ControllerLogic.View view(ClusterSnapshot s) {
    Map<String, Map<Integer, List<Integer>>> assignments = new LinkedHashMap<>();
    s.assignments().forEach((topic, a) -> assignments.put(topic, a.replicas()));
    return new ControllerLogic.View(s.brokers().keySet(), s.shuttingDown(), assignments, s.states(),
        s.topicsBeingDeleted(), topic -> uncleanAllowed(s, topic), s.offlineReplicas());
  }

  /** False when the state moved under us (the cache will bring the news; try again then). */
  private boolean writeState(ControllerLogic.Transition t) throws Exception {
    TopicPartition tp = t.tp();
    PartitionState current = t.current();
    int leaderEpoch = t.leaderEpoch();
    byte[] data = ZkData.state(t.leader(), leaderEpoch, t.isr(), epoch);
    try {
      if (current == null) {
        try {
          zk.create().creatingParentsIfNeeded().forPath(ZkData.partitionPath(tp));
        } catch (KeeperException.NodeExistsException ignored) {
          // made before
        }
        fencedWrite(List.of(zk.transactionOp().create().forPath(ZkData.statePath(tp), data)));
      } else {
        fencedWrite(List.of(zk.transactionOp().setData().withVersion(current.zkVersion())
            .forPath(ZkData.statePath(tp), data)));
      }
    } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException | KeeperException.NoNodeException e) {
      return false;
    }
    log.info("Controller {}: {} leader {} epoch {} isr {} (was {})", settings.brokerId(), tp, t.leader(), leaderEpoch,
        t.isr(), current == null ? "new" : "leader " + current.leader() + " isr " + current.isr());
    return true;
  }

  /** Deletes every znode of a topic marked for deletion, and the mark, in one fenced transaction. */
  private void deleteTopic(String topic) throws Exception {
    List<CuratorOp> ops = new ArrayList<>();
    String topicPath = ZkData.topicPath(topic);
    if (zk.checkExists().forPath(topicPath) != null) {
      String partitions = ZkData.partitionsPath(topic);
      if (zk.checkExists().forPath(partitions) != null) {
        for (String p : zk.getChildren().forPath(partitions)) {
          String pp = partitions + "/" + p;
          for (String child : zk.getChildren().forPath(pp)) ops.add(zk.transactionOp().delete().forPath(pp + "/" + child));
          ops.add(zk.transactionOp().delete().forPath(pp));
        }
        ops.add(zk.transactionOp().delete().forPath(partitions));
      }
      ops.add(zk.transactionOp().delete().forPath(topicPath));
    }
    if (zk.checkExists().forPath(ZkData.configPath(topic)) != null) {
      ops.add(zk.transactionOp().delete().forPath(ZkData.configPath(topic)));
    }
    ops.add(zk.transactionOp().delete().forPath(DELETE_TOPICS + "/" + topic));
    fencedWrite(ops);
    log.info("Controller {}: deleted topic {}", settings.brokerId(), topic);
  }

  /**
   * ElectLeaders on the controller: preferred (move to the first replica when it is eligible and in
   * sync) or unclean (only for partitions without a leader). Completes with each partition's error.
   */
  public CompletableFuture<Map<TopicPartition, Errors>> electLeaders(Collection<TopicPartition> partitions,
      boolean unclean) {
    CompletableFuture<Map<TopicPartition, Errors>> result = new CompletableFuture<>();
    submit(() -> {
      try {
        result.complete(elect(partitions, unclean));
      } catch (Exception e) {
        result.completeExceptionally(e);
      }
    });
    return result;
  }

  private Map<TopicPartition, Errors> elect(Collection<TopicPartition> partitions, boolean unclean) throws Exception {
    Map<TopicPartition, Errors> out = new LinkedHashMap<>();
    ClusterSnapshot s = cluster.snapshot();
    ControllerLogic.View view = view(s);
    Collection<TopicPartition> targets = partitions != null ? partitions : s.states().keySet();
    for (TopicPartition tp : targets) {
      if (!active) {
        out.put(tp, Errors.NOT_CONTROLLER);
        continue;
      }
      ControllerLogic.Election e = ControllerLogic.elect(view, tp, unclean);
      if (e.error() != Errors.NONE) {
        out.put(tp, e.error());
        continue;
      }
      try {
        out.put(tp, writeState(e.transition()) ? Errors.NONE : Errors.REQUEST_TIMED_OUT);
      } catch (FencedException ex) {
        resignNow("fenced");
        out.put(tp, Errors.NOT_CONTROLLER);
      }
    }
    return out;
  }

  // ---- reassignment

  /**
   * AlterPartitionReassignments on the controller: {@code target} empty cancels the partition's
   * reassignment (its replicas go back to where they were).
   */
  public CompletableFuture<Map<TopicPartition, Result>> alterReassignments(
      Map<TopicPartition, Optional<List<Integer>>> requests) {
    CompletableFuture<Map<TopicPartition, Result>> result = new CompletableFuture<>();
    submit(() -> {
      try {
        result.complete(alter(requests));
      } catch (Exception e) {
        result.completeExceptionally(e);
      }
    });
    return result;
  }

  private Map<TopicPartition, Result> alter(Map<TopicPartition, Optional<List<Integer>>> requests) throws Exception {
    ClusterSnapshot s = cluster.snapshot();
    if (!active) {
      Map<TopicPartition, Result> out = new LinkedHashMap<>();
      requests.keySet().forEach(tp -> out.put(tp, new Result(Errors.NOT_CONTROLLER, null)));
      return out;
    }
    ControllerLogic.Altered a = ControllerLogic.alterReassignments(view(s), s.reassignments(), requests);
    Map<TopicPartition, Reassignment> pending = a.pending();
    if (active && !pending.equals(s.reassignments())) {
      writeReassignments(pending);
      cluster.awaitSnapshot(x -> x.reassignments().equals(pending), java.time.Duration.ofSeconds(10));
      scheduleReconcile();
    }
    return a.results();
  }

  private void writeReassignments(Map<TopicPartition, Reassignment> pending) throws Exception {
    boolean exists = zk.checkExists().forPath(ZkData.REASSIGN) != null;
    if (pending.isEmpty()) {
      if (exists) fencedWrite(List.of(zk.transactionOp().delete().forPath(ZkData.REASSIGN)));
    } else if (exists) {
      fencedWrite(List.of(zk.transactionOp().setData().forPath(ZkData.REASSIGN, ZkData.reassignments(pending))));
    } else {
      fencedWrite(List.of(zk.transactionOp().create().forPath(ZkData.REASSIGN, ZkData.reassignments(pending))));
    }
  }

  /** ListPartitionReassignments: the ongoing ones (all, or those asked for). */
  public Map<TopicPartition, Reassignment> reassignments() {
    return cluster.snapshot().reassignments();
  }

  /**
   * Controller thread: moves each pending reassignment one step; false when a write lost a race
   * (try again once the cache catches up).
   */
  private boolean advanceReassignments(ClusterSnapshot s) throws Exception {
    Map<TopicPartition, Reassignment> pending = new LinkedHashMap<>(s.reassignments());
    boolean ok = true;
    for (ControllerLogic.Step step : ControllerLogic.advanceReassignments(view(s), s.reassignments())) {
      TopicPartition tp = step.tp();
      ZkData.Assignment a = s.assignments().get(tp.topic());
      Integer version = s.topicVersions().get(tp.topic());
      switch (step) {
        case ControllerLogic.Finished f -> {
          pending.remove(tp);
          if (f.done()) log.info("Controller {}: reassignment of {} to {} complete", settings.brokerId(), tp,
              s.reassignments().get(tp).target());
        }
        case ControllerLogic.AddReplicas add -> {
          if (version == null) pending.remove(tp); // the topic went away
          else ok &= writeAssignment(tp, a, version, add.replicas(), null);
        }
        case ControllerLogic.Complete c -> {
          if (version == null) pending.remove(tp);
          else ok &= writeAssignment(tp, a, version, c.replicas(), c.transition());
        }
      }
    }
    if (!pending.equals(s.reassignments())) writeReassignments(pending);
    return ok;
  }

  /** One fenced transaction: the partition's replicas (and, when given, its new leader and ISR). */
  private boolean writeAssignment(TopicPartition tp, ZkData.Assignment a, int version, List<Integer> replicas,
      ControllerLogic.Transition t) throws Exception {
    Map<Integer, List<Integer>> all = new java.util.TreeMap<>(a.replicas());
    all.put(tp.partition(), replicas);
    List<CuratorOp> ops = new ArrayList<>();
    ops.add(zk.transactionOp().setData().withVersion(version).forPath(ZkData.topicPath(tp.topic()),
        ZkData.assignment(new ZkData.Assignment(a.topicId(), all))));
    if (t != null) {
      ops.add(zk.transactionOp().setData().withVersion(t.current().zkVersion()).forPath(ZkData.statePath(tp),
          ZkData.state(t.leader(), t.leaderEpoch(), t.isr(), epoch)));
    }
    try {
      fencedWrite(ops);
    } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
      return false;
    }
    log.info("Controller {}: {} replicas now {}{}", settings.brokerId(), tp, replicas,
        t == null ? " (adding)" : ", leader " + t.leader() + " isr " + t.isr());
    return true;
  }

  @Override
  public void close() {
    closed = true;
    active = false;
    thread.shutdownNow();
  }
}
