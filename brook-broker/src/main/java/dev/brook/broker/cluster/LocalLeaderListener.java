package dev.brook.broker.cluster;

import dev.brook.broker.cluster.TopicMetadata;
import dev.brook.broker.replica.ReplicaManager;
import dev.brook.storage.LogConfig;
import java.util.Collection;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ReplicaStateListener} for a replica manager that can only lead (no follower fetching):
 * opens the partitions the controller made this broker lead, and deletes those it no longer hosts.
 * Used in cluster mode until the replica manager implements the listener itself; correct for
 * replication factor 1, where leadership never moves while its broker lives.
 */
public final class LocalLeaderListener implements ReplicaStateListener {
  private static final Logger log = LoggerFactory.getLogger(LocalLeaderListener.class);

  private final int brokerId;
  private final ReplicaManager replicas;
  private final Function<String, Optional<TopicMetadata>> topics;
  private final Function<TopicMetadata, LogConfig> logConfig;

  public LocalLeaderListener(int brokerId, ReplicaManager replicas, Function<String, Optional<TopicMetadata>> topics,
      Function<TopicMetadata, LogConfig> logConfig) {
    this.brokerId = brokerId;
    this.replicas = replicas;
    this.topics = topics;
    this.logConfig = logConfig;
  }

  @Override
  public void onPartitionStates(Collection<PartitionState> changed) throws Exception {
    for (PartitionState s : changed) {
      if (s.leader() != brokerId) {
        if (replicas.partition(s.tp()).isPresent()) {
          log.warn("{} is now led by broker {}; this replica manager cannot follow", s.tp(), s.leader());
        }
        continue;
      }
      Optional<TopicMetadata> t = topics.apply(s.tp().topic());
      if (t.isEmpty()) continue; // deleted meanwhile
      replicas.createPartition(s.tp(), s.topicId(), logConfig.apply(t.get()), t.get().configs());
    }
  }

  @Override
  public void onPartitionsRemoved(Collection<TopicPartition> removed) throws Exception {
    for (TopicPartition tp : removed) replicas.deletePartition(tp);
  }
}
