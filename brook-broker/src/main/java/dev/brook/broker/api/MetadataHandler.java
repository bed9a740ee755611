package dev.brook.broker.api;

import dev.brook.broker.admin.TopicManager;
import dev.brook.broker.admin.TopicNames;
import dev.brook.broker.cluster.BrokerEndpoint;
import dev.brook.broker.cluster.ClusterState;
import dev.brook.broker.cluster.PartitionState;
import dev.brook.broker.cluster.TopicMetadata;
import dev.brook.broker.config.Listener;
import dev.brook.broker.replica.Partition;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Metadata: the brokers (this one), the cluster id, the controller (this node), and the requested
 * topics with their ids, partitions, leaders and leader epochs. Topics are asked for by name or (v12+)
 * by id. An unknown topic is created when the request allows it and {@code auto.create.topics.enable}
 * is set; as in Kafka, that response says LEADER_NOT_AVAILABLE and the client asks again.
 *
 * <p>Answers from the store's snapshot on the event loop; only auto-creation goes to the topic admin's
 * thread.
 */
public final class MetadataHandler implements ApiHandler<MetadataRequestData> {
  private static final Logger log = LoggerFactory.getLogger(MetadataHandler.class);

  private final TopicManager topics;
  private final Function<String, Listener> endpoint;

  public MetadataHandler(TopicManager topics, Function<String, Listener> endpoint) {
    this.topics = topics;
    this.endpoint = endpoint;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, MetadataRequestData request) {
    short version = ctx.apiVersion();
    boolean topicOps = version >= 8 && request.includeTopicAuthorizedOperations();
    MetadataResponseData response = header(ctx, version, version >= 8 && version <= 10
        && request.includeClusterAuthorizedOperations());
    boolean all = request.topics() == null || (version == 0 && request.topics().isEmpty());
    if (all) {
      for (TopicMetadata t : topics.store().topics()) response.topics().add(describe(t, version, topicOps));
      return CompletableFuture.completedFuture(response);
    }
    boolean autoCreate = request.allowAutoTopicCreation() && topics.config().getBoolean("auto.create.topics.enable");
    Set<String> toCreate = new LinkedHashSet<>();
    Set<String> seen = new java.util.HashSet<>();
    for (MetadataRequestData.MetadataRequestTopic rt : request.topics()) {
      Uuid id = rt.topicId();
      if (id != null && !id.equals(Uuid.ZERO_UUID)) {
        Optional<TopicMetadata> t = topics.topic(id);
        if (t.isPresent() && seen.add(t.get().name())) {
          response.topics().add(describe(t.get(), version, topicOps));
        } else if (t.isEmpty()) {
          response.topics().add(new MetadataResponseTopic().setErrorCode(Errors.UNKNOWN_TOPIC_ID.code())
              .setName(null).setTopicId(id).setTopicAuthorizedOperations(opsField(topicOps)));
        }
        continue;
      }
      String name = rt.name();
      if (name == null) {
        response.topics().add(error(null, Errors.INVALID_REQUEST, topicOps));
        continue;
      }
      if (!seen.add(name)) continue;
      Optional<TopicMetadata> t = topics.topic(name);
      if (t.isPresent()) {
        response.topics().add(describe(t.get(), version, topicOps));
      } else if (!autoCreate) {
        response.topics().add(error(name, Errors.UNKNOWN_TOPIC_OR_PARTITION, topicOps));
      } else if (!TopicNames.isValid(name)) {
        response.topics().add(error(name, Errors.INVALID_TOPIC_EXCEPTION, topicOps));
      } else if (TopicNames.isInternal(name)) {
        // Internal topics are created by their coordinators, with their own partition counts.
        response.topics().add(error(name, Errors.UNKNOWN_TOPIC_OR_PARTITION, topicOps));
      } else {
        toCreate.add(name);
      }
    }
    if (toCreate.isEmpty()) return CompletableFuture.completedFuture(response);
    return CompletableFuture.supplyAsync(() -> {
      for (String name : toCreate) response.topics().add(error(name, autoCreate(name), topicOps));
      return response;
    }, topics.executor());
  }

  /** Creates a topic with the broker's defaults; Kafka answers LEADER_NOT_AVAILABLE for it. */
  private Errors autoCreate(String name) {
    try {
      TopicManager.Outcome o = topics.createTopic(new TopicManager.NewTopic(name, -1, -1, Map.of(), Map.of()), false);
      if (o.isOk() || o.error() == Errors.TOPIC_ALREADY_EXISTS) return Errors.LEADER_NOT_AVAILABLE;
      log.info("Auto-creation of topic {} failed: {} {}", name, o.error(), o.message());
      return o.error();
    } catch (Exception e) {
      log.error("Auto-creation of topic {} failed", name, e);
      return Errors.UNKNOWN_SERVER_ERROR;
    }
  }

  private MetadataResponseData header(RequestContext ctx, short version, boolean clusterOps) {
    MetadataResponseData r = new MetadataResponseData();
    ClusterState cluster = topics.cluster();
    if (cluster != null) { // cluster mode: every live broker, the elected controller
      for (BrokerEndpoint live : cluster.liveBrokers()) {
        BrokerEndpoint b = live.on(ctx.listenerName());
        MetadataResponseBroker mb = new MetadataResponseBroker().setNodeId(b.id()).setHost(b.host()).setPort(b.port());
        if (version >= 1) mb.setRack(b.rack());
        r.brokers().add(mb);
      }
      if (version >= 1) r.setControllerId(cluster.controllerId());
      if (version >= 2) r.setClusterId(topics.store().clusterId());
      if (version >= 8 && version <= 10) {
        r.setClusterAuthorizedOperations(clusterOps ? AuthorizedOperations.CLUSTER : AuthorizedOperations.NOT_REQUESTED);
      }
      return r;
    }
    Listener l = endpoint.apply(ctx.listenerName());
    MetadataResponseBroker b = new MetadataResponseBroker().setNodeId(topics.nodeId()).setHost(l.host())
        .setPort(l.port());
    if (version >= 1) b.setRack(topics.config().getString("broker.rack"));
    r.brokers().add(b);
    if (version >= 1) r.setControllerId(topics.nodeId());
    if (version >= 2) r.setClusterId(topics.store().clusterId());
    if (version >= 8 && version <= 10) {
      r.setClusterAuthorizedOperations(clusterOps ? AuthorizedOperations.CLUSTER : AuthorizedOperations.NOT_REQUESTED);
    }
    return r;
  }

  private MetadataResponseTopic describe(TopicMetadata t, short version, boolean topicOps) {
    List<MetadataResponsePartition> partitions = new ArrayList<>(t.partitions());
    List<Integer> self = List.of(topics.nodeId());
    ClusterState cluster = topics.cluster();
    for (int p = 0; p < t.partitions(); p++) {
      if (cluster != null) {
        partitions.add(describe(cluster, new TopicPartition(t.name(), p), version));
        continue;
      }
      Optional<Partition> part = topics.replicas().partition(new TopicPartition(t.name(), p));
      MetadataResponsePartition mp = new MetadataResponsePartition().setPartitionIndex(p);
      if (part.isPresent()) {
        mp.setLeaderId(topics.nodeId()).setReplicaNodes(self).setIsrNodes(self);
        if (version >= 7) mp.setLeaderEpoch(part.get().leaderEpoch());
      } else {
        mp.setErrorCode(Errors.LEADER_NOT_AVAILABLE.code()).setLeaderId(-1).setReplicaNodes(self).setIsrNodes(List.of());
      }
      partitions.add(mp);
    }
    MetadataResponseTopic mt = new MetadataResponseTopic().setName(t.name()).setPartitions(partitions)
        .setIsInternal(version >= 1 && TopicNames.isInternal(t.name()));
    if (version >= 10) mt.setTopicId(t.id());
    if (version >= 8) mt.setTopicAuthorizedOperations(opsField(topicOps));
    return mt;
  }

  /** Cluster mode: the partition as the controller decided it; offline replicas are the dead ones. */
  private static MetadataResponsePartition describe(ClusterState cluster, TopicPartition tp, short version) {
    MetadataResponsePartition mp = new MetadataResponsePartition().setPartitionIndex(tp.partition());
    Optional<PartitionState> found = cluster.partitionState(tp);
    if (found.isEmpty()) {
      return mp.setErrorCode(Errors.LEADER_NOT_AVAILABLE.code()).setLeaderId(-1).setReplicaNodes(List.of())
          .setIsrNodes(List.of());
    }
    PartitionState s = found.get();
    boolean leaderLive = s.leader() >= 0 && cluster.broker(s.leader()).isPresent();
    mp.setLeaderId(leaderLive ? s.leader() : -1).setReplicaNodes(s.replicas()).setIsrNodes(s.isr());
    if (!leaderLive) mp.setErrorCode(Errors.LEADER_NOT_AVAILABLE.code());
    if (version >= 7) mp.setLeaderEpoch(s.leaderEpoch());
    if (version >= 5) {
      mp.setOfflineReplicas(s.replicas().stream().filter(b -> cluster.broker(b).isEmpty()).toList());
    }
    return mp;
  }

  private static MetadataResponseTopic error(String name, Errors error, boolean topicOps) {
    return new MetadataResponseTopic().setName(name).setErrorCode(error.code())
        .setIsInternal(name != null && TopicNames.isInternal(name)).setTopicAuthorizedOperations(opsField(topicOps));
  }

  private static int opsField(boolean requested) {
    return requested ? AuthorizedOperations.TOPIC : AuthorizedOperations.NOT_REQUESTED;
  }
}
