package dev.brook.broker;

import dev.brook.broker.admin.InternalTopicOnFirstUse;
import dev.brook.broker.admin.TopicAdmin;
import dev.brook.broker.admin.TopicManager;
import dev.brook.broker.api.ApiDispatcher;
import dev.brook.broker.api.ConsumerGroupDescribeHandler;
import dev.brook.broker.api.ConsumerGroupHeartbeatHandler;
import dev.brook.broker.api.DeleteGroupsHandler;
import dev.brook.broker.api.DescribeGroupsHandler;
import dev.brook.broker.api.FindCoordinatorHandler;
import dev.brook.broker.api.HeartbeatHandler;
import dev.brook.broker.api.JoinGroupHandler;
import dev.brook.broker.api.LeaveGroupHandler;
import dev.brook.broker.api.ListGroupsHandler;
import dev.brook.broker.api.OffsetCommitHandler;
import dev.brook.broker.api.OffsetDeleteHandler;
import dev.brook.broker.api.OffsetFetchHandler;
import dev.brook.broker.api.SyncGroupHandler;
import dev.brook.broker.cluster.AdvertisedEndpoints;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.config.Listener;
import dev.brook.broker.group.ExecutorGroupScheduler;
import dev.brook.broker.group.GroupCoordinator;
import dev.brook.broker.group.GroupCoordinatorConfig;
import dev.brook.broker.group.GroupLog;
import dev.brook.broker.group.MemoryGroupLog;
import dev.brook.broker.group.ReplicaGroupLog;
import dev.brook.broker.group.TopicLookup;
import dev.brook.broker.metrics.BrokerMetrics;
import dev.brook.broker.metrics.CoordinatorMetrics;
import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.Partition;
import dev.brook.broker.replica.ReplicaManager;
import dev.brook.storage.Clock;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.ApiKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The groups area: the group coordinator over __consumer_offsets (created on first use), loading
 * groups as this broker leads their partitions. Registers JoinGroup, SyncGroup, Heartbeat,
 * LeaveGroup, OffsetCommit, OffsetFetch, DescribeGroups, ListGroups, DeleteGroups, OffsetDelete and,
 * with the consumer protocol on, ConsumerGroupHeartbeat and ConsumerGroupDescribe on the dispatcher;
 * adds its background executor, the group scheduler and (when it follows leadership) the removal of
 * its leadership listener to {@code toClose}.
 */
final class GroupsWiring {
  private static final Logger log = LoggerFactory.getLogger(Broker.class); // log lines keep the name they had

  private GroupsWiring() {}

  /**
   * What the transactions area needs from the groups area: the coordinator, whether
   * __consumer_offsets exists, where group keys are coordinated (for FindCoordinator), and the live
   * leader of any partition as clients reach it (this node on a single node).
   */
  record GroupsArea(
      GroupCoordinator coordinator,
      java.util.function.BooleanSupplier offsetsTopicReady,
      FindCoordinatorHandler.Locator groupCoordinators,
      Function<TopicPartition, Optional<Node>> leaderOf,
      java.util.function.BiFunction<Node, String, Node> onListener) {}

  /**
   * Consumer groups: GroupCoordinator over __consumer_offsets; JoinGroup,
   * SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch, DescribeGroups, ListGroups,
   * DeleteGroups, OffsetDelete (FindCoordinator, for group and transaction keys, is registered by
   * the transactions area). {@code bound} holds the listener once bound (its real port, for
   * FindCoordinator). Owned by the groups area.
   */
  static GroupsArea start(
      ApiDispatcher dispatcher,
      BrokerConfig config,
      Clock clock,
      ReplicaManager replicas,
      TopicAdmin topics,
      AtomicReference<AdvertisedEndpoints> bound,
      Deque<AutoCloseable> toClose,
      BrokerMetrics metrics)
      throws Exception {
    GroupCoordinatorConfig groupConfig = GroupCoordinatorConfig.from(config);
    ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();
    toClose.add(background::shutdownNow);
    GroupLog groupLog;
    InternalTopicOnFirstUse offsetsTopic;
    // Cluster mode: __consumer_offsets is replicated like any topic, and this broker coordinates the
    // groups of the partitions it leads.
    dev.brook.broker.cluster.ClusterState cluster = topics instanceof TopicManager tm ? tm.cluster() : null;
    LocalReplicaManager leadership = replicas instanceof LocalReplicaManager lrm ? lrm : null;
    if (replicas != null && topics != null) {
      // An existing __consumer_offsets keeps its partition count: groups must map where they were.
      Optional<Integer> existing = topics.partitionCount(ReplicaGroupLog.TOPIC);
      if (existing.isPresent()) groupConfig = groupConfig.withOffsetsTopicPartitions(existing.get());
      int partitions = groupConfig.offsetsTopicPartitions();
      Map<String, String> topicConfigs =
          Map.of(
              "cleanup.policy", "compact",
              "segment.bytes", Integer.toString(groupConfig.offsetsTopicSegmentBytes()),
              "compression.type", "producer");
      int replicationFactor = config.getInt("offsets.topic.replication.factor");
      offsetsTopic =
          new InternalTopicOnFirstUse(
              ReplicaGroupLog.TOPIC,
              existing.isPresent(),
              first -> topics.ensureTopic(ReplicaGroupLog.TOPIC, partitions, replicationFactor, topicConfigs, first),
              background);
      groupLog = cluster != null && leadership != null
          ? new ReplicaGroupLog(leadership, clock, config.getInt("offsets.commit.timeout.ms"))
          : new ReplicaGroupLog(leadership, clock);
    } else {
      log.warn("No partitions or topic metadata: group state lives in memory only");
      offsetsTopic = new InternalTopicOnFirstUse(ReplicaGroupLog.TOPIC, true, first -> {}, background);
      groupLog = new MemoryGroupLog();
    }
    ExecutorGroupScheduler scheduler = new ExecutorGroupScheduler();
    toClose.add(scheduler);
    GroupCoordinator groups = new GroupCoordinator(groupConfig, scheduler, groupLog, clock);
    CoordinatorMetrics.group(metrics, groups); // before any load, so the first loads' times count
    if (replicas != null && topics != null) groups.withTopics(topicLookup(replicas, topics));
    if (leadership != null && groupLog instanceof ReplicaGroupLog) {
      // Groups load when this broker leads their partition (from creation on a single node).
      groups.startOnLeadership(background, p -> leadership.partition(new TopicPartition(ReplicaGroupLog.TOPIC, p))
          .map(Partition::isLeader).orElse(false));
      dev.brook.broker.replica.LeadershipListener listener = new dev.brook.broker.replica.LeadershipListener() {
        @Override
        public void onBecomeLeader(TopicPartition tp, int leaderEpoch) {
          if (tp.topic().equals(ReplicaGroupLog.TOPIC)) groups.onBecomeLeader(tp.partition(), leaderEpoch);
        }

        @Override
        public void onResign(TopicPartition tp) {
          if (tp.topic().equals(ReplicaGroupLog.TOPIC)) groups.onResign(tp.partition());
        }
      };
      leadership.addLeadershipListener(listener);
      toClose.add(() -> leadership.removeLeadershipListener(listener)); // before the scheduler stops
    } else {
      groups.startup(background);
    }
    Supplier<Node> self =
        () -> {
          Listener adv = ClusterWiring.advertised(config, bound).interBrokerListener();
          return new Node(config.nodeId(), adv.host(), adv.port());
        };
    // A coordinator named by the cluster state. Not this broker while it does not lead the partition
    // itself (its lease with ZooKeeper lapsed, after a pause): its cluster state may be stale, and a
    // client sent here would be answered NOT_COORDINATOR in a loop; COORDINATOR_NOT_AVAILABLE makes
    // it ask again, here or elsewhere, after its backoff.
    Function<TopicPartition, Optional<Node>> leaderOf = cluster == null
        ? tp -> Optional.of(self.get())
        : tp -> cluster.partitionState(tp)
            .filter(s -> s.leader() >= 0)
            .filter(s -> s.leader() != config.nodeId() || leadership == null
                || leadership.partition(tp).map(Partition::isLeader).orElse(false))
            .flatMap(s -> cluster.broker(s.leader()))
            .map(b -> new Node(b.id(), b.host(), b.port()));
    FindCoordinatorHandler.Serving served = FindCoordinatorHandler.Serving.of(groups::serves, groups::nextPartitionServed);
    FindCoordinatorHandler.Locator groupCoordinators = FindCoordinatorHandler.partitionLeader(
        ReplicaGroupLog.TOPIC, groups::partitionFor, offsetsTopic, served, leaderOf);
    Function<Uuid, Optional<String>> names = replicas == null ? id -> Optional.empty() : replicas::topicName;
    Function<String, Optional<Uuid>> ids = topics == null ? n -> Optional.empty() : topics::topicId;
    dispatcher.register(ApiKeys.JOIN_GROUP, new JoinGroupHandler(groups));
    dispatcher.register(ApiKeys.SYNC_GROUP, new SyncGroupHandler(groups));
    dispatcher.register(ApiKeys.HEARTBEAT, new HeartbeatHandler(groups));
    dispatcher.register(ApiKeys.LEAVE_GROUP, new LeaveGroupHandler(groups));
    dispatcher.register(ApiKeys.OFFSET_COMMIT, new OffsetCommitHandler(groups, names));
    dispatcher.register(ApiKeys.OFFSET_FETCH, new OffsetFetchHandler(groups, names, ids));
    dispatcher.register(ApiKeys.DESCRIBE_GROUPS, new DescribeGroupsHandler(groups));
    dispatcher.register(ApiKeys.LIST_GROUPS, new ListGroupsHandler(groups));
    dispatcher.register(ApiKeys.DELETE_GROUPS, new DeleteGroupsHandler(groups));
    dispatcher.register(ApiKeys.OFFSET_DELETE, new OffsetDeleteHandler(groups));
    if (groupConfig.consumerProtocolEnabled()
        && config.getList("group.coordinator.rebalance.protocols").contains("consumer")) {
      dispatcher.register(ApiKeys.CONSUMER_GROUP_HEARTBEAT, new ConsumerGroupHeartbeatHandler(groups));
      dispatcher.register(ApiKeys.CONSUMER_GROUP_DESCRIBE, new ConsumerGroupDescribeHandler(groups));
    }
    // A coordinator's address on the listener the client asked through.
    java.util.function.BiFunction<Node, String, Node> onListener = (node, listenerName) -> {
      if (node.id() == config.nodeId()) {
        Listener l = ClusterWiring.advertised(config, bound).on(listenerName);
        return new Node(node.id(), l.host(), l.port(), node.rack());
      }
      return cluster == null ? node : cluster.broker(node.id())
          .map(b -> b.on(listenerName)).map(b -> new Node(b.id(), b.host(), b.port(), b.rack())).orElse(node);
    };
    // Mirror commits have no group's partition to create first: any order will do.
    return new GroupsArea(groups, () -> offsetsTopic.ensureReady(0), groupCoordinators, leaderOf, onListener);
  }

  /** Topic ids, names and partition counts for KIP-848 groups, from the topic metadata. */
  private static TopicLookup topicLookup(ReplicaManager replicas, TopicAdmin topics) {
    return new TopicLookup() {
      @Override
      public Optional<Uuid> id(String topic) {
        return topics.topicId(topic);
      }

      @Override
      public Optional<String> name(Uuid id) {
        return replicas.topicName(id);
      }

      @Override
      public java.util.OptionalInt partitionCount(String topic) {
        return topics.partitionCount(topic).map(java.util.OptionalInt::of).orElse(java.util.OptionalInt.empty());
      }

      @Override
      public java.util.Collection<String> names() {
        return replicas.partitions().stream().map(p -> p.topicPartition().topic()).distinct().toList();
      }
    };
  }
}
