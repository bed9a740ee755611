package dev.brook.broker.cluster.zk;

import dev.brook.broker.cluster.MetadataStore;
import dev.brook.broker.cluster.ReplicaPlacement;
import dev.brook.broker.cluster.TopicMetadata;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.kafka.common.Uuid;
import org.apache.zookeeper.KeeperException;

/**
 * The cluster-mode {@link MetadataStore}: topics are {@code /brokers/topics/<t>} (id and replica
 * assignment) with {@code /config/topics/<t>}; reads come from the {@link ZkCluster}'s watch-fed
 * cache. Writes are conditional on the znode versions the cache saw (a concurrent change makes them
 * fail rather than be lost) and return once this broker's cache shows them, so a broker reads its
 * own writes. Deletion is asked of the controller ({@code /admin/delete_topics/<t>}), which removes
 * the topic's znodes; brokers then drop their replicas. Thread-safe.
 */
public final class ZkMetadataStore implements MetadataStore {
  private static final Duration CACHE_WAIT = Duration.ofSeconds(15);
  private static final Duration DELETE_WAIT = Duration.ofSeconds(30);

  private final ZkCluster cluster;
  private final CuratorFramework zk;

  public ZkMetadataStore(ZkCluster cluster) {
    this.cluster = cluster;
    this.zk = cluster.zk();
  }

  @Override
  public String clusterId() {
    return cluster.clusterId();
  }

  @Override
  public Collection<TopicMetadata> topics() {
    ClusterSnapshot s = cluster.snapshot();
    if (s.topicsBeingDeleted().isEmpty()) return s.topics().values();
    return s.topics().values().stream().filter(t -> !s.topicsBeingDeleted().contains(t.name())).toList();
  }

  @Override
  public Optional<TopicMetadata> topic(String name) {
    ClusterSnapshot s = cluster.snapshot();
    if (s.topicsBeingDeleted().contains(name)) return Optional.empty();
    return Optional.ofNullable(s.topics().get(name));
  }

  @Override
  public Optional<TopicMetadata> topic(Uuid id) {
    return topics().stream().filter(t -> t.id().equals(id)).findFirst();
  }

  @Override
  public void createTopic(TopicMetadata topic) throws IOException {
    createTopic(topic, ReplicaPlacement.assign(cluster.liveBrokers(), 0, topic.partitions(), 1,
        ThreadLocalRandom.current().nextInt(1 << 16)));
  }

  @Override
  public void createTopic(TopicMetadata topic, Map<Integer, List<Integer>> assignment) throws IOException {
    String name = topic.name();
    try {
      List<CuratorOp> ops = new ArrayList<>();
      ops.add(zk.transactionOp().create().forPath(ZkData.topicPath(name),
          ZkData.assignment(new ZkData.Assignment(topic.id(), assignment))));
      ops.add(configOp(name, topic.configs(), zk.checkExists().forPath(ZkData.configPath(name)) != null, -1));
      zk.transaction().forOperations(ops);
    } catch (KeeperException.NodeExistsException e) {
      throw new IllegalStateException("topic exists: " + name, e);
    } catch (Exception e) {
      throw io("cannot create topic " + name, e);
    }
    awaitCache(s -> s.topics().containsKey(name), "topic " + name + " to appear");
  }

  private CuratorOp configOp(String topic, Map<String, String> configs, boolean exists, int version) throws Exception {
    byte[] data = ZkData.topicConfig(configs);
    return exists
        ? zk.transactionOp().setData().withVersion(version).forPath(ZkData.configPath(topic), data)
        : zk.transactionOp().create().forPath(ZkData.configPath(topic), data);
  }

  @Override
  public void updateTopic(TopicMetadata topic) throws IOException {
    ClusterSnapshot s = cluster.snapshot();
    TopicMetadata old = s.topics().get(topic.name());
    if (old == null || !old.id().equals(topic.id())) {
      throw new IllegalStateException("no topic " + topic.name() + " with id " + topic.id());
    }
    if (topic.partitions() > old.partitions()) {
      int rf = s.assignments().get(topic.name()).replicas().get(0).size();
      addPartitions(topic, ReplicaPlacement.assign(cluster.liveBrokers(), old.partitions(),
          topic.partitions() - old.partitions(), rf, ThreadLocalRandom.current().nextInt(1 << 16)));
      return;
    }
    writeConfigs(s, topic);
  }

  private void writeConfigs(ClusterSnapshot s, TopicMetadata topic) throws IOException {
    String name = topic.name();
    Integer version = s.configVersions().get(name);
    try {
      zk.transaction().forOperations(List.of(configOp(name, topic.configs(), version != null,
          version == null ? -1 : version)));
    } catch (Exception e) {
      throw io("cannot change the configs of topic " + name, e);
    }
    awaitCache(c -> c.topics().containsKey(name) && c.topics().get(name).configs().equals(topic.configs()),
        "configs of " + name);
  }

  @Override
  public void addPartitions(TopicMetadata grown, Map<Integer, List<Integer>> added) throws IOException {
    String name = grown.name();
    ClusterSnapshot s = cluster.snapshot();
    ZkData.Assignment old = s.assignments().get(name);
    Integer version = s.topicVersions().get(name);
    if (old == null || version == null || !old.topicId().equals(grown.id())) {
      throw new IllegalStateException("no topic " + name + " with id " + grown.id());
    }
    Map<Integer, List<Integer>> replicas = new TreeMap<>(old.replicas());
    replicas.putAll(added);
    try {
      zk.setData().withVersion(version).forPath(ZkData.topicPath(name),
          ZkData.assignment(new ZkData.Assignment(old.topicId(), replicas)));
    } catch (Exception e) {
      throw io("cannot add partitions to topic " + name, e);
    }
    awaitCache(c -> c.topics().containsKey(name) && c.topics().get(name).partitions() >= grown.partitions(),
        "partitions of " + name);
    if (!s.topics().get(name).configs().equals(grown.configs())) writeConfigs(cluster.snapshot(), grown);
  }

  @Override
  public boolean deleteTopic(String name) throws IOException {
    if (!cluster.snapshot().topics().containsKey(name)) return false;
    try {
      zk.create().creatingParentsIfNeeded().forPath(Controller.DELETE_TOPICS + "/" + name);
    } catch (KeeperException.NodeExistsException e) {
      // asked already
    } catch (Exception e) {
      throw io("cannot delete topic " + name, e);
    }
    try {
      if (!cluster.awaitSnapshot(s -> !s.topics().containsKey(name), DELETE_WAIT)) {
        throw new IOException("topic " + name + " is marked for deletion; the controller has not deleted it yet");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    return true;
  }

  private void awaitCache(Predicate<ClusterSnapshot> condition, String what) throws IOException {
    try {
      if (!cluster.awaitSnapshot(condition, CACHE_WAIT)) throw new IOException("timed out waiting for " + what);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted waiting for " + what, e);
    }
  }

  private static IOException io(String what, Exception e) {
    return e instanceof IOException io ? io : new IOException(what + ": " + e, e);
  }

  /** The cache and session belong to the {@link ZkCluster}, which the broker closes. */
  @Override
  public void close() {}
}
