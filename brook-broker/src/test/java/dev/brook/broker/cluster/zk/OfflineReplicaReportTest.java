package dev.brook.broker.cluster.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingServer;
import org.apache.kafka.common.TopicPartition;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The offline-replica znode against a real in-process ZooKeeper server, without brokers. */
class OfflineReplicaReportTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final int ME = 4;
  private static final String PATH = ZkData.offlineReplicasPath(ME);
  private static final TopicPartition A0 = new TopicPartition("a", 0);
  private static final TopicPartition A1 = new TopicPartition("a", 1);
  private static final TopicPartition B0 = new TopicPartition("b", 0);

  private TestingServer server;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final ExecutorService io = Executors.newSingleThreadExecutor();
  private CuratorFramework zk;
  private OfflineReplicaReport report;

  @BeforeEach
  void start() throws Exception {
    server = new TestingServer(true);
    zk = client();
    report = new OfflineReplicaReport(zk, ME, io, () -> false);
  }

  @AfterEach
  void stop() throws Exception {
    io.shutdownNow();
    for (AutoCloseable c : closeables.reversed()) c.close();
    server.close();
  }

  private CuratorFramework client() throws InterruptedException {
    CuratorFramework c = CuratorFrameworkFactory.newClient(server.getConnectString(), 6_000, 10_000,
        new ExponentialBackoffRetry(100, 3));
    c.start();
    closeables.add(c);
    assertThat(c.blockUntilConnected(10, TimeUnit.SECONDS)).isTrue();
    return c;
  }

  private Set<TopicPartition> listed() throws Exception {
    return zk.checkExists().forPath(PATH) == null ? Set.of() : ZkData.partitions(zk.getData().forPath(PATH));
  }

  private long sessionOf(CuratorFramework c) throws Exception {
    return c.getZookeeperClient().getZooKeeper().getSessionId();
  }

  @Test
  void everyReplicaReportedSoFarIsListedInAnEphemeralZnodeOfThisSession() throws Exception {
    report.report(List.of(B0, A1));
    await().atMost(WAIT).until(() -> listed().equals(Set.of(A1, B0)));
    report.report(List.of(A0));
    await().atMost(WAIT).until(() -> listed().equals(Set.of(A0, A1, B0)));

    Stat stat = zk.checkExists().forPath(PATH);
    assertThat(stat.getEphemeralOwner()).isEqualTo(sessionOf(zk));
    assertThat(zk.getData().forPath(PATH)).as("sorted by topic, then partition")
        .isEqualTo(ZkData.partitions(List.of(A0, A1, B0)));
  }

  @Test
  void aReplicaReportedAgainIsNotWrittenAgain() throws Exception {
    report.report(List.of(A0));
    await().atMost(WAIT).until(() -> listed().equals(Set.of(A0)));
    int version = zk.checkExists().forPath(PATH).getVersion();

    report.report(List.of(A0));
    report.report(List.of(A1)); // written after anything the repeat could have queued
    await().atMost(WAIT).until(() -> listed().equals(Set.of(A0, A1)));

    assertThat(zk.checkExists().forPath(PATH).getVersion()).isEqualTo(version + 1);
  }

  @Test
  void aPreviousSessionsListIsDroppedAtRegistrationAndReplacedWhenWritten() throws Exception {
    CuratorFramework previousRun = client();
    previousRun.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL)
        .forPath(PATH, ZkData.partitions(List.of(B0)));

    report.dropStale();
    assertThat(zk.checkExists().forPath(PATH)).as("dropped").isNull();

    previousRun.create().withMode(CreateMode.EPHEMERAL).forPath(PATH, ZkData.partitions(List.of(B0)));
    report.report(List.of(A0));
    await().atMost(WAIT).until(() -> listed().equals(Set.of(A0)));
    assertThat(zk.checkExists().forPath(PATH).getEphemeralOwner()).isEqualTo(sessionOf(zk));
  }

  @Test
  void ourOwnListIsKeptAtRegistrationAndWrittenAgainInANewSession() throws Exception {
    report.report(List.of(A0));
    await().atMost(WAIT).until(() -> listed().equals(Set.of(A0)));
    report.dropStale();
    assertThat(listed()).isEqualTo(Set.of(A0));

    zk.delete().forPath(PATH); // as when the session that wrote it expired
    report.write();
    assertThat(listed()).isEqualTo(Set.of(A0));
  }

  @Test
  void nothingIsWrittenBeforeAReplicaIsReported() throws Exception {
    report.write();
    report.dropStale();
    assertThat(zk.checkExists().forPath(PATH)).isNull();
  }
}
