package dev.brook.broker;

import dev.brook.broker.GroupsWiring.GroupsArea;
import dev.brook.broker.admin.TopicManager;
import dev.brook.broker.cluster.LocalCluster;
import dev.brook.broker.cluster.zk.ZkCluster;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.mirror.LocalMirrorLinkStore;
import dev.brook.broker.mirror.MirrorManager;
import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.ProducerIdManager;
import java.io.IOException;
import java.util.Deque;
import java.util.Optional;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mirror area: cluster links and the {@link MirrorManager} that fills the mirror partitions
 * this broker leads. Registers nothing on the dispatcher (the topic admin gets its mirror rules);
 * adds the ZooKeeper link store (cluster mode), the manager and the removal of its leadership
 * listener to {@code toClose}.
 */
final class MirrorsWiring {
  private static final Logger log = LoggerFactory.getLogger(Broker.class); // log lines keep the name they had

  private MirrorsWiring() {}

  /**
   * Mirror topics and cluster links (issue 19 part 4): links in {@code mirror-links.properties}
   * beside a single node's metadata or in ZooKeeper (their secrets encrypted with {@code
   * password.encoder.secret}), the {@link MirrorManager} filling the mirror partitions this broker
   * leads, and the topic admin's mirror rules. Owned by the mirror area.
   */
  static void start(BrokerConfig config, LocalCluster local, ZkCluster cluster, LocalReplicaManager replicas,
      TopicManager topics, GroupsArea groups, ProducerIdManager producerIds, dev.brook.broker.replica.BrokerConnector interBroker,
      Deque<AutoCloseable> toClose) throws Exception {
    dev.brook.broker.mirror.LinkSecrets secrets = new dev.brook.broker.mirror.LinkSecrets(
        dev.brook.broker.config.PasswordEncoder.fromConfig(config));
    MirrorManager.Promotion promotion = new MirrorManager.Promotion() {
      @Override
      public void newLeaderEpoch(TopicPartition tp, int atLeast) throws IOException {
        if (local != null) {
          local.newLeaderEpoch(tp, atLeast);
          return;
        }
        int epoch;
        try {
          epoch = cluster.bumpLeaderEpoch(tp, atLeast);
        } catch (IOException | RuntimeException e) {
          throw e;
        } catch (Exception e) {
          throw new IOException("cannot start a new leader epoch of " + tp, e);
        }
        // The events thread applies it to the partition here; appends after this carry it.
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (replicas.partition(tp).map(p -> p.leaderEpoch() < epoch || !p.isLeader()).orElse(true)) {
          if (System.nanoTime() - deadline > 0) throw new IOException(tp + " did not enter leader epoch " + epoch + " within 10 s");
          try {
            Thread.sleep(10); // polling the events thread's apply, bounded
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
          }
        }
      }

      @Override
      public void reserveProducerIds(long producerId) throws IOException {
        if (cluster != null) {
          try {
            cluster.reserveProducerIdsThrough(producerId);
          } catch (Exception e) {
            throw new IOException("cannot reserve producer ids through " + producerId, e);
          }
        }
        producerIds.reserveThrough(producerId);
      }
    };
    MirrorManager.Growth growth = (topic, partitions) -> topics.executor().execute(() -> {
      try {
        TopicManager.Outcome o = topics.createPartitions(topic, partitions, null, false);
        if (!o.isOk()) log.warn("Cannot grow mirror topic {} to {} partitions: {} {}", topic, partitions, o.error(), o.message());
      } catch (IOException e) {
        log.error("Growing mirror topic {} to {} partitions failed", topic, partitions, e);
      }
    });
    MirrorManager.ConfigSync configSync = (topic, configs) -> topics.executor().execute(() -> {
      try {
        TopicManager.Outcome o = topics.replaceConfigs(topic, configs, false);
        if (!o.isOk()) log.warn("Cannot give mirror topic {} its source's configs: {} {}", topic, o.error(), o.message());
      } catch (IOException e) {
        log.error("Giving mirror topic {} its source's configs failed", topic, e);
      }
    });
    dev.brook.broker.mirror.MirrorLinkStore links;
    if (cluster != null) {
      dev.brook.broker.cluster.zk.ZkMirrorLinkStore zkLinks = new dev.brook.broker.cluster.zk.ZkMirrorLinkStore(cluster, secrets);
      toClose.add(zkLinks);
      links = zkLinks;
    } else {
      links = new LocalMirrorLinkStore(config.logDir(), secrets);
    }
    MirrorManager mirrors = new MirrorManager(links, local != null ? local.store() : topics.store(), replicas,
        groups.coordinator(), groups.offsetsTopicReady(), promotion, growth,
        cluster != null ? new dev.brook.broker.cluster.zk.ZkPromotionBoard(cluster) : null, configSync,
        cluster == null ? null : new MirrorManager.Peers(cluster, interBroker,
            group -> Optional.ofNullable(groups.groupCoordinators().locate(group).node()).map(Node::id)));
    replicas.addLeadershipListener(mirrors);
    topics.setMirrorRules(mirrors);
    toClose.add(mirrors);
    toClose.add(() -> replicas.removeLeadershipListener(mirrors));
    mirrors.start();
  }
}
