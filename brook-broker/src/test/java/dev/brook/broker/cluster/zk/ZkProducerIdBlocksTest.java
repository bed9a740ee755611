package dev.brook.broker.cluster.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The producer id znodes against a real in-process ZooKeeper server, two brokers' clients, no brokers. */
class ZkProducerIdBlocksTest {
  private TestingServer server;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeEach
  void startZooKeeper() throws Exception {
    server = new TestingServer(true);
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closeables.reversed()) c.close();
    server.close();
  }

  private ZkProducerIdBlocks broker(int id) throws Exception {
    CuratorFramework zk = CuratorFrameworkFactory.newClient(server.getConnectString(), 6_000, 10_000,
        new ExponentialBackoffRetry(100, 3));
    zk.start();
    closeables.add(zk);
    assertThat(zk.blockUntilConnected(10, TimeUnit.SECONDS)).isTrue();
    CuratorCache cache = CuratorCache.build(zk, "/");
    cache.start();
    closeables.add(cache);
    return new ZkProducerIdBlocks(zk, cache, id);
  }

  @Test
  void concurrentClaimsFromTwoBrokersGetDisjointConsecutiveBlocks() throws Exception {
    List<ZkProducerIdBlocks> brokers = List.of(broker(1), broker(2));
    Set<Long> starts = ConcurrentHashMap.newKeySet();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<?>> claims = new ArrayList<>();
      for (ZkProducerIdBlocks b : brokers) {
        claims.add(pool.submit(() -> {
          for (int i = 0; i < 10; i++) starts.add(b.claimBlock(100));
          return null;
        }));
      }
      for (Future<?> f : claims) f.get(30, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    assertThat(starts).hasSize(20).allMatch(s -> s % 100 == 0);
    assertThat(Collections.max(starts)).isEqualTo(1_900L);
  }

  @Test
  void theFirstBlockStartsAtZeroInKafkasFormat() throws Exception {
    ZkProducerIdBlocks a = broker(7);
    assertThat(a.claimBlock(1000)).isZero();
    CuratorFramework zk = CuratorFrameworkFactory.newClient(server.getConnectString(), new ExponentialBackoffRetry(100, 3));
    zk.start();
    closeables.add(zk);
    String json = new String(zk.getData().forPath(ZkProducerIdBlocks.PRODUCER_ID_BLOCK), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(Json.parseObject(json)).containsEntry("version", 1L).containsEntry("broker", 7L)
        .containsEntry("block_start", 0L).containsEntry("block_end", 999L);
  }

  @Test
  void reservingMovesTheNextBlockPastItAndRaisesTheFloorEveryBrokerSees() throws Exception {
    ZkProducerIdBlocks a = broker(1);
    ZkProducerIdBlocks b = broker(2);
    assertThat(a.producerIdFloor()).isEqualTo(-1L);
    assertThat(a.claimBlock(1000)).isZero();

    a.reserveThrough(5_000);

    assertThat(b.claimBlock(1000)).isEqualTo(5_001L);
    await().atMost(Duration.ofSeconds(10)).until(() -> b.producerIdFloor() == 5_000L);
    assertThat(a.producerIdFloor()).isEqualTo(5_000L);
  }

  @Test
  void reservingBelowWhatIsTakenChangesNothing() throws Exception {
    ZkProducerIdBlocks a = broker(1);
    a.reserveThrough(5_000);
    assertThat(a.claimBlock(1000)).isEqualTo(5_001L);

    a.reserveThrough(10);

    assertThat(a.claimBlock(1000)).isEqualTo(6_001L);
    await().atMost(Duration.ofSeconds(10)).until(() -> a.producerIdFloor() >= 0);
    assertThat(a.producerIdFloor()).isEqualTo(5_000L);
  }
}
