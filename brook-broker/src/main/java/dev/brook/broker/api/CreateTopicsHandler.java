package dev.brook.broker.api;

import dev.brook.broker.admin.ConfigDescriber;
import dev.brook.broker.admin.TopicManager;
import dev.brook.broker.admin.TopicManager.NewTopic;
import dev.brook.broker.admin.TopicManager.Outcome;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableReplicaAssignment;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicConfigs;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * CreateTopics: each topic is checked and created (or, with validate_only, only checked) on the topic
 * admin's thread; errors are per topic. From v5 a success carries the partition count, replication
 * factor and every config with its source, as DescribeConfigs would show it.
 */
public final class CreateTopicsHandler implements ApiHandler<CreateTopicsRequestData> {
  private final TopicManager topics;
  private final ControllerMutationQuota mutations;

  public CreateTopicsHandler(TopicManager topics) {
    this(topics, ControllerMutationQuota.none());
  }

  public CreateTopicsHandler(TopicManager topics, ControllerMutationQuota mutations) {
    this.topics = topics;
    this.mutations = mutations;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, CreateTopicsRequestData request) {
    return CompletableFuture.supplyAsync(() -> create(ctx, request), topics.executor());
  }

  private ApiMessage create(RequestContext ctx, CreateTopicsRequestData request) {
    short version = ctx.apiVersion();
    Set<String> names = new HashSet<>();
    Set<String> duplicates = new HashSet<>();
    for (CreatableTopic t : request.topics()) {
      if (!names.add(t.name())) duplicates.add(t.name());
    }
    CreateTopicsResponseData response = new CreateTopicsResponseData();
    Set<String> answered = new HashSet<>();
    long partitionsInRequest = 0;
    ControllerMutationQuota.Permit quota = mutations.open(ctx, version >= 6);
    for (CreatableTopic t : request.topics()) {
      if (!answered.add(t.name())) continue;
      CreatableTopicResult result = new CreatableTopicResult().setName(t.name());
      if (version >= 5) result.setNumPartitions(-1).setReplicationFactor((short) -1);
      response.topics().add(result);
      if (duplicates.contains(t.name())) {
        fail(result, Errors.INVALID_REQUEST, "Create topics request from client `" + ctx.clientId()
            + "` contains multiple entries for the following topics: " + t.name());
        continue;
      }
      Map<String, String> configs = new LinkedHashMap<>();
      String problem = null;
      for (CreatableTopicConfig c : t.configs()) {
        if (c.value() == null) problem = "Null value not supported for topic configs: " + c.name();
        else if (configs.put(c.name(), c.value()) != null) problem = "Duplicate topic config: " + c.name();
      }
      if (problem != null) {
        fail(result, Errors.INVALID_CONFIG, problem);
        continue;
      }
      Map<Integer, List<Integer>> assignments = new TreeMap<>();
      for (CreatableReplicaAssignment a : t.assignments()) {
        if (assignments.put(a.partitionIndex(), new ArrayList<>(a.brokerIds())) != null) {
          problem = "Duplicate partition index " + a.partitionIndex() + " in the manual partition assignment.";
        }
      }
      if (problem != null) {
        fail(result, Errors.INVALID_REPLICA_ASSIGNMENT, problem);
        continue;
      }
      long count = !assignments.isEmpty() ? assignments.size()
          : t.numPartitions() == -1 ? topics.config().getInt("num.partitions") : Math.max(0, t.numPartitions());
      if (partitionsInRequest + count > TopicManager.MAX_PARTITIONS_PER_REQUEST) {
        fail(result, Errors.POLICY_VIOLATION, "Excessively large number of partitions per request.");
        continue;
      }
      partitionsInRequest += count;
      if (!request.validateOnly() && quota.refuses()) {
        fail(result, Errors.THROTTLING_QUOTA_EXCEEDED, Errors.THROTTLING_QUOTA_EXCEEDED.message());
        continue;
      }
      Outcome o;
      try {
        o = topics.createTopic(
            new NewTopic(t.name(), t.numPartitions(), t.replicationFactor(), assignments, configs),
            request.validateOnly());
      } catch (Exception e) {
        throw new IllegalStateException("creating topic " + t.name() + " failed", e);
      }
      if (!o.isOk()) {
        fail(result, o.error(), o.message());
        continue;
      }
      if (!request.validateOnly()) quota.record(o.topic().partitions());
      if (version >= 7 && !request.validateOnly()) result.setTopicId(o.topic().id());
      if (version >= 5) {
        int rf = assignments.isEmpty() ? 1 : assignments.values().iterator().next().size();
        result.setNumPartitions(o.topic().partitions()).setReplicationFactor((short) rf)
            .setConfigs(configsOf(o));
      }
    }
    return response.setThrottleTimeMs(quota.throttleMs());
  }

  private List<CreatableTopicConfigs> configsOf(Outcome o) {
    List<CreatableTopicConfigs> out = new ArrayList<>();
    for (ConfigDescriber.Entry e : ConfigDescriber.topic(topics.config(), o.topic())) {
      out.add(new CreatableTopicConfigs().setName(e.name()).setValue(e.value()).setReadOnly(e.readOnly())
          .setConfigSource(e.source().id()).setIsSensitive(e.sensitive()));
    }
    return out;
  }

  private static void fail(CreatableTopicResult r, Errors error, String message) {
    r.setErrorCode(error.code()).setErrorMessage(message).setTopicId(Uuid.ZERO_UUID);
  }

}
