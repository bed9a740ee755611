package dev.brook.broker.cluster.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.brook.broker.cluster.BrokerEndpoint;
import dev.brook.broker.cluster.PartitionState;
import dev.brook.broker.cluster.ReplicaStateListener;
import dev.brook.broker.cluster.TopicMetadata;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingServer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ZkCluster and Controller against a real in-process ZooKeeper server, without brokers. */
class ZkClusterTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private TestingServer server;
  private final List<ZkCluster> clusters = new ArrayList<>();

  @BeforeEach
  void startZooKeeper() throws Exception {
    server = new TestingServer(true);
  }

  @AfterEach
  void stop() throws Exception {
    for (ZkCluster c : clusters) c.close();
    server.close();
  }

  private ZkCluster join(int id) throws Exception {
    ZkCluster c = ZkCluster.connect(new ZkCluster.Settings(server.getConnectString(), id, null, 6_000, 10_000,
        false, false, 300_000, null));
    clusters.add(c);
    c.register(new BrokerEndpoint(id, "127.0.0.1", 9000 + id, null));
    return c;
  }

  private ZkCluster join(int id, java.util.function.LongSupplier nanoClock) throws Exception {
    ZkCluster c = ZkCluster.connect(new ZkCluster.Settings(server.getConnectString(), id, null, 6_000, 10_000,
        false, false, 300_000, null), nanoClock);
    clusters.add(c);
    c.register(new BrokerEndpoint(id, "127.0.0.1", 9000 + id, null));
    return c;
  }

  private static ZkCluster activeController(List<ZkCluster> among) {
    return among.stream().filter(c -> c.controller().isActive()).findFirst().orElse(null);
  }

  @Test
  void producerIdBlocksAreUniqueAcrossBrokersEvenWhenClaimedConcurrently() throws Exception {
    ZkCluster a = join(1);
    ZkCluster b = join(2);
    java.util.Set<Long> starts = java.util.concurrent.ConcurrentHashMap.newKeySet();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      List<java.util.concurrent.Future<?>> claims = new ArrayList<>();
      for (ZkCluster c : List.of(a, b)) {
        claims.add(pool.submit(() -> {
          for (int i = 0; i < 10; i++) starts.add(c.claimProducerIdBlock(1000));
          return null;
        }));
      }
      for (java.util.concurrent.Future<?> f : claims) f.get(30, java.util.concurrent.TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    assertThat(starts).hasSize(20).allMatch(s -> s % 1000 == 0);
    assertThat(java.util.Collections.max(starts)).isEqualTo(19_000L);
    dev.brook.broker.replica.ProducerIdManager ids = dev.brook.broker.replica.ProducerIdManager.fromBlocks(a::claimProducerIdBlock);
    assertThat(ids.nextProducerId()).isEqualTo(20_000L);
    assertThat(ids.nextProducerId()).isEqualTo(20_001L);
  }

  @Test
  void producerIdsReservedForAPromotedMirrorAreNeverHandedOut() throws Exception {
    ZkCluster a = join(1);
    ZkCluster b = join(2);
    dev.brook.broker.replica.ProducerIdManager ids = dev.brook.broker.replica.ProducerIdManager.fromBlocks(a::claimProducerIdBlock);
    assertThat(ids.nextProducerId()).isEqualTo(0L); // this broker's block is 0..999
    // The source used ids up to 5000 (a mirror topic promoted here holds their state).
    a.reserveProducerIdsThrough(5_000);
    ids.reserveThrough(5_000);
    assertThat(ids.nextProducerId()).isGreaterThan(5_000L);
    assertThat(b.claimProducerIdBlock(1000)).isGreaterThan(5_000L);
    a.reserveProducerIdsThrough(10); // below what is taken: nothing changes
    assertThat(b.claimProducerIdBlock(1000)).isGreaterThan(6_000L);
    // Inside this broker's own block: the rest of it up to the reserved id is skipped.
    dev.brook.broker.replica.ProducerIdManager fresh = dev.brook.broker.replica.ProducerIdManager.fromBlocks(b::claimProducerIdBlock);
    long first = fresh.nextProducerId();
    fresh.reserveThrough(first + 10);
    assertThat(fresh.nextProducerId()).isEqualTo(first + 11);
  }

  @Test
  void brokersSeeEachOtherAndExactlyOneControls() throws Exception {
    ZkCluster a = join(1);
    ZkCluster b = join(2);
    ZkCluster c = join(3);
    await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
      for (ZkCluster x : List.of(a, b, c)) {
        assertThat(x.liveBrokers()).extracting(BrokerEndpoint::id).containsExactly(1, 2, 3);
        assertThat(x.controllerId()).isEqualTo(a.controllerId()).isNotNegative();
      }
    });
    assertThat(List.of(a, b, c).stream().filter(x -> x.controller().isActive())).hasSize(1);
    assertThat(a.clusterId()).isEqualTo(b.clusterId()).isEqualTo(c.clusterId());
    assertThat(b.broker(3)).contains(new BrokerEndpoint(3, "127.0.0.1", 9003, null,
        java.util.Map.of("PLAINTEXT", new dev.brook.broker.config.Listener("PLAINTEXT", "127.0.0.1", 9003))));
  }

  @Test
  void closingTheControllerElectsAnotherWithAHigherEpoch() throws Exception {
    List<ZkCluster> all = new ArrayList<>(List.of(join(1), join(2), join(3)));
    await().atMost(WAIT).ignoreExceptions().until(() -> activeController(all) != null);
    ZkCluster first = activeController(all);
    int epoch = first.controller().epoch();
    first.close();
    all.remove(first);
    await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
      ZkCluster next = activeController(all);
      assertThat(next).isNotNull();
      assertThat(next.controller().epoch()).isGreaterThan(epoch);
      for (ZkCluster x : all) assertThat(x.controllerId()).isEqualTo(next.localBrokerId());
    });
  }

  @Test
  void staleControllerIsFencedByTheEpochAndResigns() throws Exception {
    ZkCluster a = join(1);
    await().atMost(WAIT).ignoreExceptions().until(() -> a.controller().isActive());
    // Another controller took over meanwhile (as after a pause): the epoch znode moved on.
    int epoch = ZkData.epoch(a.zk().getData().forPath(ZkData.CONTROLLER_EPOCH));
    a.zk().setData().forPath(ZkData.CONTROLLER_EPOCH, ZkData.epoch(epoch + 1));
    assertThatThrownBy(() -> a.controller().fencedWrite(List.of(a.zk().transactionOp().create()
        .forPath("/stale-write")))).isInstanceOf(Controller.FencedException.class);
    assertThat(a.zk().checkExists().forPath("/stale-write")).isNull();
    // A topic change makes the stale controller try to write: it resigns instead of writing, gives up
    // /controller, and (the only broker here) wins a new election past the usurper's epoch.
    new ZkMetadataStore(a).createTopic(new TopicMetadata("t", Uuid.randomUuid(), 1, Map.of()), Map.of(0, List.of(1)));
    await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
      PartitionState s = a.partitionState(new TopicPartition("t", 0)).orElseThrow();
      assertThat(s.controllerEpoch()).isEqualTo(epoch + 2);
      assertThat(a.controller().epoch()).isEqualTo(epoch + 2);
    });
  }

  @Test
  void controllerThatResignedButKeptItsSessionLeadsAgain() throws Exception {
    ZkCluster a = join(1);
    join(2);
    await().atMost(WAIT).ignoreExceptions().until(() -> a.controller().isActive());
    int epoch = a.controller().epoch();
    a.controller().resign("simulated connection loss"); // /controller stays: the session lives on
    a.controller().maybeElect();
    await().atMost(WAIT).ignoreExceptions().until(() -> a.controller().isActive() && a.controller().epoch() == epoch + 1);
  }

  @Test
  void controllerStartsPartitionsAndReElectsWhenALeaderDies() throws Exception {
    ZkCluster a = join(1);
    ZkCluster b = join(2);
    ZkCluster c = join(3);
    List<PartitionState> heardByB = new CopyOnWriteArrayList<>();
    List<TopicPartition> removedFromB = new CopyOnWriteArrayList<>();
    b.setListener(new ReplicaStateListener() {
      @Override
      public void onPartitionStates(Collection<PartitionState> changed) {
        heardByB.addAll(changed);
      }

      @Override
      public void onPartitionsRemoved(Collection<TopicPartition> removed) {
        removedFromB.addAll(removed);
      }
    });
    await().atMost(WAIT).ignoreExceptions().until(() -> b.liveBrokers().size() == 3 && b.controllerId() >= 0);
    ZkMetadataStore store = new ZkMetadataStore(b);
    TopicPartition tp = new TopicPartition("orders", 0);
    int victim = b.controllerId() == 3 ? 2 : 3; // never the controller, so one failure at a time
    List<Integer> replicas = victim == 3 ? List.of(3, 1, 2) : List.of(2, 1, 3);
    store.createTopic(new TopicMetadata("orders", Uuid.randomUuid(), 1, Map.of()), Map.of(0, replicas));
    await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
      PartitionState s = a.partitionState(tp).orElseThrow();
      assertThat(s.leader()).isEqualTo(victim);
      assertThat(s.isr()).containsExactlyInAnyOrderElementsOf(replicas);
      assertThat(s.leaderEpoch()).isZero();
    });
    if (victim == 3) {
      assertThat(heardByB).isNotEmpty();
    }
    ZkCluster dying = victim == 3 ? c : b;
    List<ZkCluster> survivors = victim == 3 ? List.of(a, b) : List.of(a, c);
    dying.close();
    clusters.remove(dying);
    await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
      for (ZkCluster x : survivors) {
        PartitionState s = x.partitionState(tp).orElseThrow();
        assertThat(s.leader()).isEqualTo(1);
        assertThat(s.leaderEpoch()).isEqualTo(1);
        assertThat(s.isr()).doesNotContain(victim).contains(1);
      }
    });
    // Deleting goes through the controller; every broker drops its replica.
    assertThat(new ZkMetadataStore(a).deleteTopic("orders")).isTrue();
    assertThat(a.partitionState(tp)).isEmpty();
    if (victim == 3) await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> assertThat(removedFromB).contains(tp));
  }

  @Test
  void brokerReRegisteredInOneStepIsTreatedAsRestarted() throws Exception {
    ZkCluster a = join(1);
    await().atMost(WAIT).ignoreExceptions().until(() -> a.controller().isActive());
    ZkCluster b = join(2);
    TopicPartition tp = new TopicPartition("t", 0);
    await().atMost(WAIT).ignoreExceptions().until(() -> a.liveBrokers().size() == 2);
    new ZkMetadataStore(a).createTopic(new TopicMetadata("t", Uuid.randomUuid(), 1, Map.of()), Map.of(0, List.of(2, 1)));
    await().atMost(WAIT).ignoreExceptions().until(() -> a.partitionState(tp).map(s -> s.leader() == 2).orElse(false));
    // Gone and back in one atomic step (as when a restart outpaces the controller): a new czxid.
    String path = ZkData.brokerPath(2);
    byte[] data = b.zk().getData().forPath(path);
    b.zk().transaction().forOperations(List.of(b.zk().transactionOp().delete().forPath(path),
        b.zk().transactionOp().create().withMode(org.apache.zookeeper.CreateMode.EPHEMERAL).forPath(path, data)));
    await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
      PartitionState s = a.partitionState(tp).orElseThrow();
      assertThat(s.leader()).isEqualTo(1);
      assertThat(s.isr()).containsExactly(1);
      assertThat(s.leaderEpoch()).isEqualTo(1);
    });
  }

  @Test
  void isrChangesAreConditionalOnTheZnodeVersion() throws Exception {
    ZkCluster a = join(1);
    await().atMost(WAIT).ignoreExceptions().until(() -> a.controller().isActive());
    ZkCluster b = join(2);
    TopicPartition tp = new TopicPartition("t", 0);
    await().atMost(WAIT).ignoreExceptions().until(() -> a.liveBrokers().size() == 2);
    new ZkMetadataStore(a).createTopic(new TopicMetadata("t", Uuid.randomUuid(), 1, Map.of()), Map.of(0, List.of(2, 1)));
    await().atMost(WAIT).ignoreExceptions().until(() -> b.partitionState(tp).isPresent());
    PartitionState s = b.partitionState(tp).orElseThrow();
    assertThat(s.leader()).isEqualTo(2);
    PartitionState shrunk = b.alterIsr(s, List.of(2)).get();
    assertThat(shrunk.isr()).containsExactly(2);
    assertThat(shrunk.zkVersion()).isEqualTo(s.zkVersion() + 1);
    // The same stale expectation again must fail, not overwrite.
    assertThatThrownBy(() -> b.alterIsr(s, List.of(2, 1)).get()).isInstanceOf(ExecutionException.class);
    // A broker that does not lead may not change the ISR.
    assertThatThrownBy(() -> a.alterIsr(shrunk, List.of(2, 1)).get()).isInstanceOf(ExecutionException.class);
    await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> assertThat(a.partitionState(tp).orElseThrow().isr()).containsExactly(2));
  }

  @Test
  void expiredSessionUnregistersUntilReRegistered() throws Exception {
    ZkCluster a = join(1);
    ZkCluster b = join(2);
    await().atMost(WAIT).ignoreExceptions().until(() -> a.liveBrokers().size() == 2);
    // The unregistered window can be shorter than any polling interval on a busy machine: the broker
    // counts its lost sessions instead of the test sampling isRegistered().
    KillSession.kill(b.zk().getZookeeperClient().getZooKeeper());
    await().atMost(WAIT).until(() -> b.sessionsLost() == 1);
    await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
      assertThat(b.isRegistered()).isTrue();
      assertThat(a.liveBrokers()).extracting(BrokerEndpoint::id).containsExactly(1, 2);
    });
  }
  /**
   * Found by PartitionFaultIT (a leader SIGSTOPped past its session, then cut from ZooKeeper): a broker
   * that stops hearing from ZooKeeper must stop leading when Curator suspends the connection, not a
   * session later at LOST, since by then the controller may have moved its partitions elsewhere.
   */
  @Test
  void suspendedConnectionStopsLeadingUntilReconnected() throws Exception {
    ZkCluster a = join(1);
    List<org.apache.curator.framework.state.ConnectionState> states = new CopyOnWriteArrayList<>();
    a.zk().getConnectionStateListenable().addListener((client, state) -> states.add(state));
    assertThat(a.isRegistered()).isTrue();
    server.stop();
    await().atMost(WAIT).until(() -> states.contains(org.apache.curator.framework.state.ConnectionState.SUSPENDED));
    // A session (6 s) before LOST could fire: the broker already refuses to lead.
    await().atMost(Duration.ofSeconds(1)).until(() -> !a.isRegistered());
    assertThat(states).doesNotContain(org.apache.curator.framework.state.ConnectionState.LOST);
    server.restart();
    await().atMost(WAIT).until(a::isRegistered);
  }
  /**
   * Found by PartitionFaultIT (ZooKeeper isolated from every broker): a re-registration that fails
   * once must be tried again, or the broker leads nothing for good. Here the first attempt after the
   * session expires fails because another live session holds the broker's node (for 8 s, then the
   * attempt gives up); when that session ends, a later attempt must register the broker.
   */
  @Test
  void failedReRegistrationIsRetriedUntilItHolds() throws Exception {
    ZkCluster a = join(1);
    String path = ZkData.brokerPath(1);
    try (org.apache.curator.framework.CuratorFramework impostor = org.apache.curator.framework.CuratorFrameworkFactory
        .newClient(server.getConnectString(), new org.apache.curator.retry.RetryOneTime(100))) {
      impostor.start();
      impostor.blockUntilConnected();
      a.zk().delete().forPath(path);
      impostor.create().withMode(org.apache.zookeeper.CreateMode.EPHEMERAL).forPath(path, new byte[0]);
      KillSession.kill(a.zk().getZookeeperClient().getZooKeeper());
      await().atMost(WAIT).until(() -> !a.isRegistered());
      // The first re-registration waits out its 8 s for the node, then fails.
      Thread.sleep(9_000); // lets that attempt end while the impostor still holds the node
      assertThat(a.isRegistered()).isFalse();
    }
    await().atMost(WAIT).until(a::isRegistered);
    assertThat(a.zk().checkExists().forPath(path).getEphemeralOwner())
        .isEqualTo(a.zk().getZookeeperClient().getZooKeeper().getSessionId());
  }

  // PartitionFaultIT seed 99: ZooKeeper cut off from every broker expired all their sessions, the
  // empty container /brokers/ids was deleted, and no broker could register again (NoNode).
  @Test
  void brokerIdsIsPersistentAndABrokerReRegistersEvenIfItWasDeleted() throws Exception {
    ZkCluster a = join(1);
    assertThat(a.zk().checkExists().forPath(ZkData.BROKER_IDS).getEphemeralOwner())
        .as("a persistent node, not a container ZooKeeper deletes once empty").isZero();
    a.zk().delete().forPath(ZkData.brokerPath(1));
    a.zk().delete().forPath(ZkData.BROKER_IDS); // as ZooKeeper does to an empty container
    long expired = a.zk().getZookeeperClient().getZooKeeper().getSessionId();
    KillSession.kill(a.zk().getZookeeperClient().getZooKeeper());
    await().atMost(WAIT).ignoreExceptions().until(() -> {
      long session = a.zk().getZookeeperClient().getZooKeeper().getSessionId();
      var stat = a.zk().checkExists().forPath(ZkData.brokerPath(1));
      return session != expired && stat != null && stat.getEphemeralOwner() == session && a.isRegistered();
    });
  }

  /**
   * PartitionFaultIT, seed 99 (SIGSTOP of broker 2 for 8 s, its session 6 s): when the process runs
   * again its request threads may run before its ZooKeeper client has noticed anything, and answered
   * OffsetFetch as the coordinator the broker no longer was (committed offsets seen going back). Here
   * the monotonic clock jumps as it does across a stop, and the ZooKeeper client notices nothing (the
   * session really lives): the broker must stop acting as a member at once, with no thread having run,
   * and act again once ZooKeeper has confirmed its session.
   */
  @Test
  void brokerStoppedLongerThanItsSessionStopsLeadingBeforeItsZooKeeperClientNotices() throws Exception {
    java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
    ZkCluster a = join(1, clock::get);
    assertThat(a.isRegistered()).isTrue();
    clock.addAndGet(Duration.ofMillis(6_001).toNanos()); // stopped for longer than the 6 s session
    assertThat(a.isRegistered()).as("a broker that cannot know its session still lives must not lead").isFalse();
    assertThat(a.zk().getZookeeperClient().isConnected()).as("the ZooKeeper client noticed nothing").isTrue();
    await().atMost(WAIT).until(a::isRegistered); // ZooKeeper confirms the session: it leads again
    assertThat(a.leaseLapses()).isEqualTo(1);
  }

  /**
   * The second half of the same run: broker 2's session had expired during its stop, the controller
   * gave its partitions to others, and when it re-registered it led them again from its stale cache
   * until the cache caught up. Here the broker's replica side is kept from hearing of the move (its
   * listener fails, as a slow cache would leave it); back in a new session it must not act as a
   * member while it believes it leads a partition ZooKeeper gave another broker.
   */
  @Test
  void brokerBackFromAnExpiredSessionDoesNotLeadUntilItHasHeardItsPartitionsMoved() throws Exception {
    ZkCluster a = join(1);
    await().atMost(WAIT).ignoreExceptions().until(() -> a.controller().isActive());
    ZkCluster b = join(2);
    java.util.concurrent.atomic.AtomicBoolean deaf = new java.util.concurrent.atomic.AtomicBoolean();
    List<PartitionState> heardByB = new CopyOnWriteArrayList<>();
    b.setListener(new ReplicaStateListener() {
      @Override
      public void onPartitionStates(Collection<PartitionState> changed) {
        if (deaf.get()) throw new IllegalStateException("test: the replica side is not told yet");
        heardByB.addAll(changed);
      }

      @Override
      public void onPartitionsRemoved(Collection<TopicPartition> removed) {}
    });
    TopicPartition tp = new TopicPartition("__consumer_offsets", 0);
    await().atMost(WAIT).ignoreExceptions().until(() -> a.liveBrokers().size() == 2);
    new ZkMetadataStore(a).createTopic(new TopicMetadata(tp.topic(), Uuid.randomUuid(), 1, Map.of()),
        Map.of(0, List.of(2, 1)));
    await().atMost(WAIT).until(() -> heardByB.stream().anyMatch(s -> s.tp().equals(tp) && s.leader() == 2));
    assertThat(b.isRegistered()).isTrue();
    deaf.set(true);
    String path = ZkData.brokerPath(2);
    try (org.apache.curator.framework.CuratorFramework impostor = org.apache.curator.framework.CuratorFrameworkFactory
        .newClient(server.getConnectString(), new org.apache.curator.retry.RetryOneTime(100))) {
      impostor.start();
      impostor.blockUntilConnected();
      // Broker 2 gone (its session expired, as during a stop): the controller moves the partition to 1.
      // Its id stays taken until that has happened, so that it cannot re-register before.
      b.zk().delete().forPath(path);
      impostor.create().withMode(org.apache.zookeeper.CreateMode.EPHEMERAL).forPath(path, new byte[0]);
      KillSession.kill(b.zk().getZookeeperClient().getZooKeeper());
      await().atMost(WAIT).until(() -> b.sessionsLost() == 1);
      await().atMost(WAIT).ignoreExceptions().until(() -> a.partitionState(tp).orElseThrow().leader() == 1);
    }
    // Re-registered in a new session, the partition's new state not yet applied by its replica side.
    await().atMost(WAIT).ignoreExceptions().until(() -> {
      var stat = b.zk().checkExists().forPath(path);
      return stat != null && stat.getEphemeralOwner() == b.zk().getZookeeperClient().getZooKeeper().getSessionId();
    });
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
        .until(() -> !b.isRegistered());
    deaf.set(false);
    await().atMost(WAIT).until(b::isRegistered);
    assertThat(heardByB).anyMatch(s -> s.tp().equals(tp) && s.leader() == 1);
  }

  // PartitionFaultIT: a broker restarted after kill -9 into a cluster of ~110 partitions timed out
  // filling its cache (each znode read rebuilt the whole snapshot).
  @Test
  void joiningAClusterWithManyZnodesBuildsTheSnapshotOnceNotPerZnode() throws Exception {
    try (org.apache.curator.framework.CuratorFramework admin = org.apache.curator.framework.CuratorFrameworkFactory
        .newClient(server.getConnectString(), new org.apache.curator.retry.RetryOneTime(100))) {
      admin.start();
      admin.blockUntilConnected();
      for (int i = 0; i < 200; i++) admin.create().creatingParentsIfNeeded().forPath(ZkData.TOPIC_CONFIGS + "/t" + i, "{}".getBytes());
    }
    ZkCluster c = ZkCluster.connect(new ZkCluster.Settings(server.getConnectString(), 1, null, 6_000, 10_000,
        false, false, 300_000, null));
    clusters.add(c);
    assertThat(c.snapshotBuilds()).as("snapshot builds while joining").isLessThan(10);
  }
}
