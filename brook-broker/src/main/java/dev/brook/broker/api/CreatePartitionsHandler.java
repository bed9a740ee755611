package dev.brook.broker.api;

import dev.brook.broker.admin.TopicManager;
import dev.brook.broker.admin.TopicManager.Outcome;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsAssignment;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/** CreatePartitions: grows topics (never shrinks), optionally only validating; errors per topic. */
public final class CreatePartitionsHandler implements ApiHandler<CreatePartitionsRequestData> {
  private final TopicManager topics;
  private final ControllerMutationQuota mutations;

  public CreatePartitionsHandler(TopicManager topics) {
    this(topics, ControllerMutationQuota.none());
  }

  public CreatePartitionsHandler(TopicManager topics, ControllerMutationQuota mutations) {
    this.topics = topics;
    this.mutations = mutations;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, CreatePartitionsRequestData request) {
    return CompletableFuture.supplyAsync(() -> grow(request, mutations.open(ctx, ctx.apiVersion() >= 3)), topics.executor());
  }

  private ApiMessage grow(CreatePartitionsRequestData request, ControllerMutationQuota.Permit quota) {
    Set<String> names = new HashSet<>();
    Set<String> duplicates = new HashSet<>();
    for (CreatePartitionsTopic t : request.topics()) {
      if (!names.add(t.name())) duplicates.add(t.name());
    }
    CreatePartitionsResponseData response = new CreatePartitionsResponseData();
    Set<String> answered = new HashSet<>();
    // As for CreateTopics: the partitions one request adds are capped in total, not only per topic.
    long addedInRequest = 0;
    for (CreatePartitionsTopic t : request.topics()) {
      if (!answered.add(t.name())) continue;
      CreatePartitionsTopicResult r = new CreatePartitionsTopicResult().setName(t.name());
      response.results().add(r);
      if (duplicates.contains(t.name())) {
        r.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("Duplicate topic in request.");
        continue;
      }
      List<List<Integer>> assignments = null;
      if (t.assignments() != null) {
        assignments = new ArrayList<>();
        for (CreatePartitionsAssignment a : t.assignments()) assignments.add(a.brokerIds());
      }
      long added = Math.max(0, (long) t.count() - topics.partitionCount(t.name()).orElse(t.count()));
      if (addedInRequest + added > TopicManager.MAX_PARTITIONS_PER_REQUEST) {
        r.setErrorCode(Errors.POLICY_VIOLATION.code()).setErrorMessage("Excessively large number of partitions per request.");
        continue;
      }
      addedInRequest += added;
      if (!request.validateOnly() && quota.refuses()) {
        r.setErrorCode(Errors.THROTTLING_QUOTA_EXCEEDED.code()).setErrorMessage(Errors.THROTTLING_QUOTA_EXCEEDED.message());
        continue;
      }
      Outcome o;
      try {
        o = topics.createPartitions(t.name(), t.count(), assignments, request.validateOnly());
      } catch (Exception e) {
        throw new IllegalStateException("creating partitions of " + t.name() + " failed", e);
      }
      if (!o.isOk()) r.setErrorCode(o.error().code()).setErrorMessage(o.message());
      else if (!request.validateOnly()) quota.record(added);
    }
    return response.setThrottleTimeMs(quota.throttleMs());
  }
}
