package dev.brook.broker.cluster.zk;

import dev.brook.broker.cluster.BrokerEndpoint;
import dev.brook.broker.cluster.PartitionState;
import dev.brook.broker.cluster.TopicMetadata;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

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

  static final ClusterSnapshot EMPTY = new ClusterSnapshot(Map.of(), -1, Map.of(), Map.of(), Map.of(), Map.of(),
      Map.of(), Set.of(), Set.of(), false, Map.of(), Map.of(), Map.of());
}
