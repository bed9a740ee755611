package dev.brook.broker.cluster.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.brook.broker.cluster.PartitionState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingServer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The lease renewal against a real in-process ZooKeeper server, with a fake monotonic clock standing
 * in for a process stopped longer than its session; no brokers.
 */
class SessionLeaseRenewerTest {
  private static final int SESSION_MS = 6_000;
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final int ME = 1;
  private static final TopicPartition TP = new TopicPartition("t", 0);
  private static final Uuid ID = Uuid.randomUuid();

  private TestingServer server;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final AtomicLong clock = new AtomicLong(1_000_000_000L);
  private final SessionLease lease = new SessionLease(TimeUnit.MILLISECONDS.toNanos(SESSION_MS), clock::get);
  private final AtomicReference<Map<TopicPartition, PartitionState>> ledHere = new AtomicReference<>(Map.of());
  private final AtomicInteger regained = new AtomicInteger();
  private CuratorFramework zk;
  private SessionLeaseRenewer renewer;

  @BeforeEach
  void start() throws Exception {
    server = new TestingServer(true);
    zk = client();
    renewer = new SessionLeaseRenewer(zk, lease, ME, SESSION_MS, () -> true, () -> false, ledHere::get,
        regained::incrementAndGet, Executors.newSingleThreadScheduledExecutor());
  }

  @AfterEach
  void stop() throws Exception {
    renewer.close();
    for (AutoCloseable c : closeables.reversed()) c.close();
    server.close();
  }

  private CuratorFramework client() throws InterruptedException {
    CuratorFramework c = CuratorFrameworkFactory.newClient(server.getConnectString(), SESSION_MS, 10_000,
        new ExponentialBackoffRetry(100, 3));
    c.start();
    closeables.add(c);
    assertThat(c.blockUntilConnected(10, TimeUnit.SECONDS)).isTrue();
    return c;
  }

  private void register(CuratorFramework as) throws Exception {
    as.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(ZkData.brokerPath(ME), new byte[0]);
  }

  /** Writes the partition's state znode; returns the state as this broker would know it. */
  private PartitionState writeState(int leader, int epoch) throws Exception {
    byte[] data = ZkData.state(leader, epoch, List.of(1, 2), 1);
    String path = ZkData.statePath(TP);
    int version;
    if (zk.checkExists().forPath(path) == null) {
      zk.create().creatingParentsIfNeeded().forPath(path, data);
      version = 0;
    } else {
      version = zk.setData().forPath(path, data).getVersion();
    }
    return new PartitionState(TP, ID, List.of(1, 2), leader, epoch, List.of(1, 2), 1, version);
  }

  /** The process was stopped longer than its session: the monotonic clock jumped past the lease. */
  private void stopLongerThanTheSession() {
    clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(SESSION_MS + 1_000));
  }

  @Test
  void aLapsedLeaseIsTakenBackOnceZooKeeperConfirmsTheSession() throws Exception {
    register(zk);
    lease.confirm(lease.now());
    renewer.start();
    assertThat(lease.holds()).isTrue();

    stopLongerThanTheSession();

    assertThat(lease.holds()).as("lapsed before anything else ran").isFalse();
    await().atMost(WAIT).until(lease::holds);
    assertThat(renewer.lapses()).isEqualTo(1);
    assertThat(regained.get()).isEqualTo(1);
  }

  @Test
  void aLapsedLeaseIsNotTakenBackUntilThePartitionsZooKeeperMovedAreApplied() throws Exception {
    register(zk);
    ledHere.set(Map.of(TP, writeState(ME, 0)));
    lease.confirm(lease.now());
    renewer.start();

    stopLongerThanTheSession();
    writeState(2, 1); // the controller elected another leader meanwhile

    await().atMost(WAIT).until(() -> renewer.lapses() == 1);
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> !lease.holds());
    assertThat(regained.get()).isZero();

    ledHere.set(Map.of()); // the replica side heard that it no longer leads TP
    await().atMost(WAIT).until(lease::holds);
    assertThat(regained.get()).isEqualTo(1);
  }

  @Test
  void aRegistrationOfAnotherSessionDoesNotRenewTheLease() throws Exception {
    register(client()); // a previous run's node, not yet expired
    renewer.start();

    await().atMost(WAIT).until(() -> renewer.lapses() == 1);
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> !lease.holds());
    assertThat(regained.get()).isZero();
  }
}
