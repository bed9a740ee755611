package dev.brook.broker.cluster.zk;

import dev.brook.broker.cluster.BrokerEndpoint;
import dev.brook.broker.cluster.PartitionState;
import dev.brook.broker.cluster.TopicMetadata;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consistent-enough view of the cluster's znodes, rebuilt from the watch-fed cache after every
 * change: live brokers, the controller, topics (assignment, configs and their znode versions),
 * partition states, and the pending admin requests (deletions, controlled shutdowns, preferred
 * election, partition reassignments). Immutable.
 *
 * @param controllerId -1 when there is none
 * @param brokerEpochs each live broker's registration znode creation id (czxid): a new value means
 *     the broker restarted, even if its absence was never seen
 * @param topicVersions znode versions of /brokers/topics/&lt;t&gt;, for conditional updates
 * @param configVersions znode versions of /config/topics/&lt;t&gt; (absent when the znode is)
 * @param offlineReplicas per broker, the replicas it lost with a failed log directory
 */
record ClusterSnapshot(
    Map<Integer, BrokerEndpoint> brokers,
    int controllerId,
    Map<String, TopicMetadata> topics,
    Map<String, ZkData.Assignment> assignments,
    Map<String, Integer> topicVersions,
    Map<String, Integer> configVersions,
    Map<TopicPartition, PartitionState> states,
    Set<String> topicsBeingDeleted,
    Set<Integer> shuttingDown,
    boolean preferredElectionRequested,
    Map<TopicPartition, dev.brook.broker.cluster.Reassignment> reassignments,
    Map<Integer, Long> brokerEpochs,
    Map<Integer, Set<TopicPartition>> offlineReplicas) {

  private static final Logger log = LoggerFactory.getLogger(ClusterSnapshot.class);

  static final ClusterSnapshot EMPTY = new ClusterSnapshot(Map.of(), -1, Map.of(), Map.of(), Map.of(), Map.of(),
      Map.of(), Set.of(), Set.of(), false, Map.of(), Map.of(), Map.of());

  /**
   * Reads the snapshot from the znodes of the whole tree (the cache's contents, in any order). A
   * malformed znode is logged and left out; a partition appears once both its topic's assignment and
   * its state znode are there.
   */
  static ClusterSnapshot read(List<ChildData> nodes) {
    Map<Integer, BrokerEndpoint> brokers = new TreeMap<>();
    Map<Integer, Long> brokerEpochs = new HashMap<>();
    int controllerId = -1;
    Map<String, ZkData.Assignment> assignments = new TreeMap<>();
    Map<String, Integer> topicVersions = new HashMap<>();
    Map<String, Map<String, String>> configs = new HashMap<>();
    Map<String, Integer> configVersions = new HashMap<>();
    Map<TopicPartition, ChildData> stateNodes = new HashMap<>();
    Set<String> deleting = new HashSet<>();
    Set<Integer> shuttingDown = new HashSet<>();
    boolean preferred = false;
    Map<TopicPartition, dev.brook.broker.cluster.Reassignment> reassignments = Map.of();
    Map<Integer, Set<TopicPartition>> offline = new HashMap<>();
    for (ChildData d : nodes) {
      String path = d.getPath();
      String[] parts = path.split("/");
      // parts[0] is "" (paths start with '/')
      try {
        if (path.startsWith(ZkData.BROKER_IDS + "/") && parts.length == 4) {
          int id = Integer.parseInt(parts[3]);
          brokers.put(id, ZkData.broker(id, d.getData()));
          brokerEpochs.put(id, d.getStat().getCzxid());
        } else if (path.equals(ZkData.CONTROLLER)) {
          controllerId = ZkData.controllerId(d.getData());
        } else if (path.startsWith(ZkData.TOPICS + "/") && parts.length == 4) {
          assignments.put(parts[3], ZkData.assignment(d.getData()));
          topicVersions.put(parts[3], d.getStat().getVersion());
        } else if (path.startsWith(ZkData.TOPICS + "/") && parts.length == 7 && parts[6].equals("state")) {
          stateNodes.put(new TopicPartition(parts[3], Integer.parseInt(parts[5])), d);
        } else if (path.startsWith(ZkData.TOPIC_CONFIGS + "/") && parts.length == 4) {
          configs.put(parts[3], ZkData.topicConfig(d.getData()));
          configVersions.put(parts[3], d.getStat().getVersion());
        } else if (path.startsWith(Controller.DELETE_TOPICS + "/") && parts.length == 4) {
          deleting.add(parts[3]);
        } else if (path.startsWith(ZkData.CONTROLLED_SHUTDOWN + "/") && parts.length == 4) {
          shuttingDown.add(Integer.parseInt(parts[3]));
        } else if (path.equals(ZkData.PREFERRED_ELECTION)) {
          preferred = true;
        } else if (path.equals(ZkData.REASSIGN)) {
          reassignments = ZkData.reassignments(d.getData());
        } else if (path.startsWith(ZkData.OFFLINE_REPLICAS + "/") && parts.length == 4) {
          offline.put(Integer.parseInt(parts[3]), Set.copyOf(ZkData.partitions(d.getData())));
        }
      } catch (RuntimeException e) {
        log.warn("Ignoring malformed znode {}: {}", path, e.toString());
      }
    }
    Map<String, TopicMetadata> topics = new TreeMap<>();
    Map<TopicPartition, PartitionState> states = new HashMap<>();
    for (Map.Entry<String, ZkData.Assignment> e : assignments.entrySet()) {
      ZkData.Assignment a = e.getValue();
      if (a.replicas().isEmpty()) continue;
      topics.put(e.getKey(), new TopicMetadata(e.getKey(), a.topicId(), a.replicas().size(),
          configs.getOrDefault(e.getKey(), Map.of())));
      for (Map.Entry<Integer, List<Integer>> p : a.replicas().entrySet()) {
        TopicPartition tp = new TopicPartition(e.getKey(), p.getKey());
        ChildData d = stateNodes.get(tp);
        if (d == null) continue;
        try {
          states.put(tp, ZkData.state(tp, a.topicId(), p.getValue(), d.getData(), d.getStat().getVersion()));
        } catch (RuntimeException ex) {
          log.warn("Ignoring malformed partition state of {}: {}", tp, ex.toString());
        }
      }
    }
    return new ClusterSnapshot(Collections.unmodifiableMap(brokers), controllerId, topics, assignments, topicVersions, configVersions,
        states, Set.copyOf(deleting), Set.copyOf(shuttingDown), preferred, Map.copyOf(reassignments), Map.copyOf(brokerEpochs),
        Map.copyOf(offline));
  }
}
