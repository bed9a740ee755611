package dev.brook.broker.cluster.zk;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * The cluster-wide producer id space in ZooKeeper: Kafka's {@value #PRODUCER_ID_BLOCK} (the last
 * block of ids handed to a broker) and Brook's {@value #PRODUCER_ID_FLOOR} (the highest id no broker
 * may hand out). Invariant: every block claimed starts after the last claimed block's end, and the
 * floor is only raised, so no producer id is handed out twice across brokers and restarts.
 *
 * <p>Every write is a compare-and-set on the znode's version, retried when another broker wrote
 * meanwhile. Writes block on ZooKeeper: any thread but a network thread. {@link #producerIdFloor()}
 * is a cache lookup: any thread.
 */
final class ZkProducerIdBlocks {
  /** Kafka's znode of the last producer id block handed to a broker. */
  static final String PRODUCER_ID_BLOCK = "/latest_producer_id_block";

  /**
   * Brook's znode of the highest producer id no broker may hand out (the highest a promoted mirror
   * topic took from its source): {@code {"version":1,"producer_id":N}}. Only raised.
   */
  static final String PRODUCER_ID_FLOOR = "/brook/producer_id_floor";

  private final CuratorFramework zk;
  private final CuratorCache cache;
  private final int brokerId;

  /** {@code cache} is the watch-fed cache of the whole tree the floor is read from. */
  ZkProducerIdBlocks(CuratorFramework zk, CuratorCache cache, int brokerId) {
    this.zk = zk;
    this.cache = cache;
    this.brokerId = brokerId;
  }

  /**
   * Makes every producer id up to {@code producerId} taken cluster-wide: the last claimed block ends
   * at or past it, so every block claimed from now on starts above it; then the floor is raised to
   * it, so every broker skips the ids up to it in the block it claimed before. In that order: a
   * broker that sees the floor and claims a new block gets one above it.
   */
  void reserveThrough(long producerId) throws Exception {
    raiseBlockEnd(producerId);
    raiseProducerIdFloor(producerId);
  }

  /**
   * The highest producer id no broker may hand out (-1: none), as this broker's ZooKeeper view has it:
   * a map lookup in the cache, for every InitProducerId. A broker's view follows ZooKeeper's order of
   * writes, so it shows the floor before the promote that raised it shows as promoted.
   */
  long producerIdFloor() {
    return cache.get(PRODUCER_ID_FLOOR).map(d -> floorOf(d.getData())).orElse(-1L);
  }

  /**
   * Claims the next block of {@code size} producer ids for this broker (in Kafka's JSON format), so
   * producer ids are unique across the cluster and its restarts. Returns the block's first id.
   */
  long claimBlock(long size) throws Exception {
    for (int attempt = 0; ; attempt++) {
      Stat stat = new Stat();
      byte[] current = readOrNull(PRODUCER_ID_BLOCK, stat);
      long start = blockEnd(current) + 1;
      try {
        write(PRODUCER_ID_BLOCK, current, stat, block(start, start + size - 1));
        return start;
      } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException e) {
        if (attempt >= 100) throw e; // another broker claimed one meanwhile: read again
      }
    }
  }

  private void raiseBlockEnd(long producerId) throws Exception {
    for (int attempt = 0; ; attempt++) {
      Stat stat = new Stat();
      byte[] current = readOrNull(PRODUCER_ID_BLOCK, stat);
      long end = blockEnd(current);
      if (end >= producerId) return;
      try {
        write(PRODUCER_ID_BLOCK, current, stat, block(end + 1, producerId));
        return;
      } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException e) {
        if (attempt >= 100) throw e; // another broker claimed a block meanwhile: read again
      }
    }
  }

  private void raiseProducerIdFloor(long producerId) throws Exception {
    for (int attempt = 0; ; attempt++) {
      Stat stat = new Stat();
      byte[] current = readOrNull(PRODUCER_ID_FLOOR, stat);
      if (floorOf(current) >= producerId) return;
      Map<String, Object> floor = new LinkedHashMap<>();
      floor.put("version", 1);
      floor.put("producer_id", producerId);
      try {
        write(PRODUCER_ID_FLOOR, current, stat, Json.write(floor).getBytes(StandardCharsets.UTF_8));
        return;
      } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException e) {
        if (attempt >= 100) throw e; // another promote raised it meanwhile: read again
      }
    }
  }

  /** The znode's data (its version stored in {@code stat}), or null when there is no such znode. */
  private byte[] readOrNull(String path, Stat stat) throws Exception {
    try {
      return zk.getData().storingStatIn(stat).forPath(path);
    } catch (KeeperException.NoNodeException e) {
      return null;
    }
  }

  /** Creates the znode if {@code current} said there was none, else replaces it if still at {@code stat}'s version. */
  private void write(String path, byte[] current, Stat stat, byte[] data) throws Exception {
    if (current == null) {
      zk.create().creatingParentsIfNeeded().forPath(path, data);
    } else {
      zk.setData().withVersion(stat.getVersion()).forPath(path, data);
    }
  }

  private byte[] block(long start, long end) {
    Map<String, Object> block = new LinkedHashMap<>();
    block.put("version", 1);
    block.put("broker", brokerId);
    block.put("block_start", start);
    block.put("block_end", end);
    return Json.write(block).getBytes(StandardCharsets.UTF_8);
  }

  /** The last claimed block's end, -1 when none was claimed. */
  private static long blockEnd(byte[] data) {
    if (data == null || data.length == 0) return -1;
    return ((Number) Json.parseObject(new String(data, StandardCharsets.UTF_8)).get("block_end")).longValue();
  }

  private static long floorOf(byte[] data) {
    if (data == null || data.length == 0) return -1;
    return ((Number) Json.parseObject(new String(data, StandardCharsets.UTF_8)).get("producer_id")).longValue();
  }
}
