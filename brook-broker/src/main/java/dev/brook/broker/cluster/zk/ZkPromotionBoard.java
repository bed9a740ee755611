package dev.brook.broker.cluster.zk;

import dev.brook.broker.mirror.PromotionBoard;
import java.io.IOException;
import java.util.Set;
import java.util.TreeSet;
import org.apache.curator.framework.CuratorFramework;
import org.apache.kafka.common.Uuid;
import org.apache.zookeeper.KeeperException;

/**
 * A cluster's promote marks in ZooKeeper: {@code /brook/mirror_promotions/<topic id>/<partition>},
 * an empty znode per partition whose leader finished its part of the promote. Read directly (not
 * through the cache): only the broker running a promote reads them, a few times a second, and only
 * while the promote lasts.
 */
public final class ZkPromotionBoard implements PromotionBoard {
  static final String PROMOTIONS = "/brook/mirror_promotions";

  private final CuratorFramework zk;

  public ZkPromotionBoard(ZkCluster cluster) {
    this.zk = cluster.zk();
  }

  private static String path(Uuid topicId) {
    return PROMOTIONS + "/" + topicId;
  }

  @Override
  public void partitionDone(Uuid topicId, int partition) throws IOException {
    try {
      zk.create().creatingParentsIfNeeded().forPath(path(topicId) + "/" + partition);
    } catch (KeeperException.NodeExistsException already) {
      // recorded by a previous leader of the partition
    } catch (Exception e) {
      throw new IOException("cannot write " + path(topicId) + "/" + partition, e);
    }
  }

  @Override
  public Set<Integer> donePartitions(Uuid topicId) throws IOException {
    Set<Integer> out = new TreeSet<>();
    try {
      for (String child : zk.getChildren().forPath(path(topicId))) {
        try {
          out.add(Integer.parseInt(child));
        } catch (NumberFormatException e) {
          // not a mark
        }
      }
    } catch (KeeperException.NoNodeException none) {
      // nothing recorded yet
    } catch (Exception e) {
      throw new IOException("cannot read " + path(topicId), e);
    }
    return out;
  }

  @Override
  public void clear(Uuid topicId) throws IOException {
    try {
      zk.delete().deletingChildrenIfNeeded().forPath(path(topicId));
    } catch (KeeperException.NoNodeException gone) {
      // nothing recorded
    } catch (Exception e) {
      throw new IOException("cannot delete " + path(topicId), e);
    }
  }
}
