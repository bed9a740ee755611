package dev.brook.broker.api;

import dev.brook.broker.admin.TopicManager;
import dev.brook.broker.admin.TopicManager.Outcome;
import dev.brook.broker.cluster.TopicMetadata;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * DeleteTopics, by name (every version) or by topic id (v6+). Each topic's partitions and logs go
 * first, then the topic itself, on the topic admin's thread; errors are per topic.
 */
public final class DeleteTopicsHandler implements ApiHandler<DeleteTopicsRequestData> {
  private final TopicManager topics;
  private final ControllerMutationQuota mutations;

  public DeleteTopicsHandler(TopicManager topics) {
    this(topics, ControllerMutationQuota.none());
  }

  public DeleteTopicsHandler(TopicManager topics, ControllerMutationQuota mutations) {
    this.topics = topics;
    this.mutations = mutations;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, DeleteTopicsRequestData request) {
    return CompletableFuture.supplyAsync(
        () -> delete(ctx.apiVersion(), request, mutations.open(ctx, ctx.apiVersion() >= 5)), topics.executor());
  }

  private ApiMessage delete(short version, DeleteTopicsRequestData request, ControllerMutationQuota.Permit quota) {
    List<DeleteTopicState> wanted = new ArrayList<>();
    if (version >= 6) {
      wanted.addAll(request.topics());
    } else {
      for (String n : request.topicNames()) wanted.add(new DeleteTopicState().setName(n).setTopicId(Uuid.ZERO_UUID));
    }
    DeleteTopicsResponseData response = new DeleteTopicsResponseData();
    Set<String> seenNames = new HashSet<>();
    Set<Uuid> seenIds = new HashSet<>();
    for (DeleteTopicState w : wanted) {
      boolean byId = w.topicId() != null && !w.topicId().equals(Uuid.ZERO_UUID);
      DeletableTopicResult r = new DeletableTopicResult().setName(w.name());
      if (version >= 6) r.setTopicId(byId ? w.topicId() : Uuid.ZERO_UUID);
      if (byId && w.name() != null) {
        response.responses().add(fail(r, version, Errors.INVALID_REQUEST,
            "Only one of the topic name and the topic id may be set."));
        continue;
      }
      if (byId ? !seenIds.add(w.topicId()) : !seenNames.add(String.valueOf(w.name()))) {
        response.responses().add(fail(r, version, Errors.INVALID_REQUEST, "Duplicate topic in request."));
        continue;
      }
      Optional<TopicMetadata> t = byId ? topics.topic(w.topicId())
          : w.name() == null ? Optional.empty() : topics.topic(w.name());
      if (t.isEmpty()) {
        Errors e = byId ? Errors.UNKNOWN_TOPIC_ID : w.name() == null ? Errors.INVALID_REQUEST
            : Errors.UNKNOWN_TOPIC_OR_PARTITION;
        response.responses().add(fail(r, version, e, e.message()));
        continue;
      }
      r.setName(t.get().name());
      if (version >= 6) r.setTopicId(t.get().id());
      if (quota.refuses()) {
        response.responses().add(fail(r, version, Errors.THROTTLING_QUOTA_EXCEEDED, Errors.THROTTLING_QUOTA_EXCEEDED.message()));
        continue;
      }
      Outcome o;
      try {
        o = topics.deleteTopic(t.get().name());
      } catch (Exception ex) {
        throw new IllegalStateException("deleting topic " + t.get().name() + " failed", ex);
      }
      if (!o.isOk()) fail(r, version, o.error(), o.message());
      else quota.record(t.get().partitions());
      response.responses().add(r);
    }
    return response.setThrottleTimeMs(quota.throttleMs());
  }

  private static DeletableTopicResult fail(DeletableTopicResult r, short version, Errors e, String message) {
    r.setErrorCode(e.code());
    if (version >= 5) r.setErrorMessage(message);
    return r;
  }
}
