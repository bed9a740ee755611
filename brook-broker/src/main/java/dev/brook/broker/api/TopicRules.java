package dev.brook.broker.api;

import static dev.brook.broker.security.Operation.ALTER;
import static dev.brook.broker.security.Operation.ALTER_CONFIGS;
import static dev.brook.broker.security.Operation.CLUSTER_ACTION;
import static dev.brook.broker.security.Operation.CREATE;
import static dev.brook.broker.security.Operation.DELETE;
import static dev.brook.broker.security.Operation.DESCRIBE;
import static dev.brook.broker.security.Operation.DESCRIBE_CONFIGS;
import static dev.brook.broker.security.Operation.READ;
import static dev.brook.broker.security.Operation.WRITE;

import dev.brook.broker.security.Operation;
import dev.brook.storage.RecordBatchHeader;
import dev.brook.broker.security.ResourceType;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;

/**
 * Kafka's authorization of the topic and cluster APIs (KafkaApis): which operation on which
 * resource each request needs, and where the failure goes in the answer. A refused topic is taken
 * out of the request before the handler sees it and answered with TOPIC_AUTHORIZATION_FAILED beside
 * the handler's answer for the rest; Metadata and listings leave out what the principal may not
 * DESCRIBE. Handlers themselves know nothing of authorization.
 */
final class TopicRules {
  private static final int NOT_REQUESTED = AuthorizedOperations.NOT_REQUESTED;

  private TopicRules() {}

  static ApiHandler<ApiMessage> produce(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> {
      ProduceRequestData r = (ProduceRequestData) msg;
      // As Kafka: transactional batches need WRITE on the request's transactional id (none given:
      // refused); a transactional id beside non-transactional batches is not checked.
      if (hasTransactionalBatch(r) && (r.transactionalId() == null || !access.transactionalId(ctx, WRITE, r.transactionalId()))) {
        return Access.refuse(new TransactionalIdAuthorizationException("Transactional id authorization failed"));
      }
      List<ProduceRequestData.TopicProduceData> refused = null;
      for (Iterator<ProduceRequestData.TopicProduceData> it = r.topicData().iterator(); it.hasNext(); ) {
        ProduceRequestData.TopicProduceData t = it.next();
        String name = access.topicName(t.name(), t.topicId());
        if (name != null && !access.topic(ctx, WRITE, name)) {
          if (refused == null) refused = new ArrayList<>();
          refused.add(t);
          it.remove();
        }
      }
      if (refused == null) return inner.handle(ctx, r);
      List<ProduceRequestData.TopicProduceData> denied = refused;
      return inner.handle(ctx, r).thenApply(resp -> {
        if (resp == null) return null; // acks=0
        ProduceResponseData out = (ProduceResponseData) resp;
        for (ProduceRequestData.TopicProduceData t : denied) {
          ProduceResponseData.TopicProduceResponse tr = new ProduceResponseData.TopicProduceResponse()
              .setName(t.name()).setTopicId(t.topicId());
          for (ProduceRequestData.PartitionProduceData p : t.partitionData()) {
            tr.partitionResponses().add(new ProduceResponseData.PartitionProduceResponse().setIndex(p.index())
                .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setBaseOffset(-1).setLogAppendTimeMs(-1)
                .setLogStartOffset(-1));
          }
          out.responses().add(tr);
        }
        return out;
      });
    };
  }

  /** Whether the first batch of some partition is transactional (what Kafka's RequestUtils looks at). */
  static boolean hasTransactionalBatch(ProduceRequestData r) {
    for (ProduceRequestData.TopicProduceData t : r.topicData()) {
      for (ProduceRequestData.PartitionProduceData p : t.partitionData()) {
        if (p.records() instanceof MemoryRecords m) {
          java.nio.ByteBuffer b = m.buffer();
          int at = b.position();
          if (b.remaining() >= RecordBatchHeader.SIZE && RecordBatchHeader.magic(b, at) >= 2
              && RecordBatchHeader.isTransactional(b, at)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /**
   * Fetch: a follower's needs CLUSTER_ACTION (else every partition is refused); a consumer's needs
   * READ on each topic it reads. Which those are only the fetch session knows (an incremental fetch
   * names only what changed), so the handler asks the READ gate for every partition of the fetch
   * ({@link FetchHandler}), as Kafka authorizes each partition of the session on every fetch.
   */
  static ApiHandler<ApiMessage> fetch(Access access, ApiHandler<ApiMessage> inner) {
    GatedHandler<ApiMessage> gated = GatedHandler.of(org.apache.kafka.common.protocol.ApiKeys.FETCH, inner);
    return (ctx, msg) -> {
      FetchRequestData r = (FetchRequestData) msg;
      int replicaId = ctx.apiVersion() >= 15 ? r.replicaState().replicaId() : r.replicaId();
      if (replicaId >= 0) {
        // A follower's fetch: only brokers (CLUSTER_ACTION) may read as a replica (CVE-2018-1288).
        if (access.cluster(ctx, CLUSTER_ACTION)) return inner.handle(ctx, r);
        FetchResponseData out = new FetchResponseData();
        for (FetchRequestData.FetchTopic t : r.topics()) out.responses().add(fetchErrors(t));
        return CompletableFuture.completedFuture(out);
      }
      return gated.handle(ctx, r, access.topicGate(ctx, READ));
    };
  }

  private static FetchResponseData.FetchableTopicResponse fetchErrors(FetchRequestData.FetchTopic t) {
    FetchResponseData.FetchableTopicResponse tr =
        new FetchResponseData.FetchableTopicResponse().setTopic(t.topic()).setTopicId(t.topicId());
    for (FetchRequestData.FetchPartition p : t.partitions()) {
      tr.partitions().add(new FetchResponseData.PartitionData().setPartitionIndex(p.partition())
          .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setHighWatermark(-1).setLastStableOffset(-1)
          .setLogStartOffset(-1));
    }
    return tr;
  }

  static ApiHandler<ApiMessage> listOffsets(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> {
      ListOffsetsRequestData r = (ListOffsetsRequestData) msg;
      List<ListOffsetsRequestData.ListOffsetsTopic> denied = new ArrayList<>();
      r.topics().removeIf(t -> !access.topic(ctx, DESCRIBE, t.name()) && denied.add(t));
      if (denied.isEmpty()) return inner.handle(ctx, r);
      return inner.handle(ctx, r).thenApply(resp -> {
        ListOffsetsResponseData out = (ListOffsetsResponseData) resp;
        for (ListOffsetsRequestData.ListOffsetsTopic t : denied) {
          ListOffsetsResponseData.ListOffsetsTopicResponse tr =
              new ListOffsetsResponseData.ListOffsetsTopicResponse().setName(t.name());
          for (ListOffsetsRequestData.ListOffsetsPartition p : t.partitions()) {
            tr.partitions().add(new ListOffsetsResponseData.ListOffsetsPartitionResponse()
                .setPartitionIndex(p.partitionIndex()).setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                .setTimestamp(-1).setOffset(-1));
          }
          out.topics().add(tr);
        }
        return out;
      });
    };
  }

  static ApiHandler<ApiMessage> offsetForLeaderEpoch(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> {
      OffsetForLeaderEpochRequestData r = (OffsetForLeaderEpochRequestData) msg;
      if (access.cluster(ctx, CLUSTER_ACTION)) return inner.handle(ctx, r);
      List<OffsetForLeaderEpochRequestData.OffsetForLeaderTopic> denied = new ArrayList<>();
      for (Iterator<OffsetForLeaderEpochRequestData.OffsetForLeaderTopic> it = r.topics().iterator(); it.hasNext(); ) {
        OffsetForLeaderEpochRequestData.OffsetForLeaderTopic t = it.next();
        if (!access.topic(ctx, DESCRIBE, t.topic())) {
          denied.add(t);
          it.remove();
        }
      }
      if (denied.isEmpty()) return inner.handle(ctx, r);
      return inner.handle(ctx, r).thenApply(resp -> {
        OffsetForLeaderEpochResponseData out = (OffsetForLeaderEpochResponseData) resp;
        for (OffsetForLeaderEpochRequestData.OffsetForLeaderTopic t : denied) {
          OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult tr =
              new OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult().setTopic(t.topic());
          for (OffsetForLeaderEpochRequestData.OffsetForLeaderPartition p : t.partitions()) {
            tr.partitions().add(new OffsetForLeaderEpochResponseData.EpochEndOffset().setPartition(p.partition())
                .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setLeaderEpoch(-1).setEndOffset(-1));
          }
          out.topics().add(tr);
        }
        return out;
      });
    };
  }

  /**
   * Metadata: topics the principal may not DESCRIBE are left out of an all-topics answer and
   * answered TOPIC_AUTHORIZATION_FAILED (without their id) when named; a named topic that does not
   * exist is auto-created only with CREATE on the cluster or the topic, else
   * TOPIC_AUTHORIZATION_FAILED. The authorized-operations fields are the principal's.
   */
  static ApiHandler<ApiMessage> metadata(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> {
      MetadataRequestData r = (MetadataRequestData) msg;
      short version = ctx.apiVersion();
      boolean all = r.topics() == null || (version == 0 && r.topics().isEmpty());
      List<String> deniedDescribe = new ArrayList<>();
      List<String> deniedCreate = new ArrayList<>();
      if (!all) {
        boolean mayAutoCreate = r.allowAutoTopicCreation() && access.autoCreateTopics;
        Boolean clusterCreate = null;
        for (Iterator<MetadataRequestData.MetadataRequestTopic> it = r.topics().iterator(); it.hasNext(); ) {
          MetadataRequestData.MetadataRequestTopic t = it.next();
          if (byId(t)) continue; // answered below, once its name is known
          if (!access.topic(ctx, DESCRIBE, t.name())) {
            deniedDescribe.add(t.name());
            it.remove();
          } else if (mayAutoCreate && !access.topicExists(t.name())) {
            if (clusterCreate == null) clusterCreate = access.cluster(ctx, CREATE);
            if (!clusterCreate && !access.topic(ctx, CREATE, t.name())) {
              deniedCreate.add(t.name());
              it.remove();
            }
          }
        }
        if (version == 0 && r.topics().isEmpty() && !(deniedDescribe.isEmpty() && deniedCreate.isEmpty())) {
          // v0 reads an empty list as "all topics": answer the refusals alone.
          MetadataResponseData out = new MetadataResponseData();
          addRefused(out, deniedDescribe, deniedCreate);
          return CompletableFuture.completedFuture(out);
        }
      }
      return inner.handle(ctx, r).thenApply(resp -> {
        MetadataResponseData out = (MetadataResponseData) resp;
        for (Iterator<MetadataResponseData.MetadataResponseTopic> it = out.topics().iterator(); it.hasNext(); ) {
          MetadataResponseData.MetadataResponseTopic t = it.next();
          if (t.name() == null) continue;
          boolean byId = !all && t.topicId() != null && !t.topicId().equals(Uuid.ZERO_UUID)
              && r.topics().stream().anyMatch(q -> byId(q) && t.topicId().equals(q.topicId()));
          if (!access.topic(ctx, DESCRIBE, t.name())) {
            if (byId) { // ids are not secret: the error names the id, not the topic
              t.setName(null).setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setPartitions(new ArrayList<>())
                  .setIsInternal(false);
            } else {
              it.remove();
            }
          } else if (t.topicAuthorizedOperations() != NOT_REQUESTED && t.errorCode() == Errors.NONE.code()) {
            t.setTopicAuthorizedOperations(access.operations(ctx, ResourceType.TOPIC, t.name()));
          }
        }
        addRefused(out, deniedDescribe, deniedCreate);
        if (out.clusterAuthorizedOperations() != NOT_REQUESTED) {
          out.setClusterAuthorizedOperations(access.operations(ctx, ResourceType.CLUSTER, ResourceType.CLUSTER_NAME));
        }
        return out;
      });
    };
  }

  /**
   * A Metadata topic asked for by id: its name null or, as KIP-848 consumers send it when they
   * resolve an assignment's topic ids, empty.
   */
  private static boolean byId(MetadataRequestData.MetadataRequestTopic t) {
    return (t.name() == null || t.name().isEmpty()) && t.topicId() != null && !t.topicId().equals(Uuid.ZERO_UUID);
  }

  private static void addRefused(MetadataResponseData out, List<String> deniedDescribe, List<String> deniedCreate) {
    for (List<String> names : List.of(deniedDescribe, deniedCreate)) {
      for (String name : names) {
        out.topics().add(new MetadataResponseData.MetadataResponseTopic().setName(name).setTopicId(Uuid.ZERO_UUID)
            .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setIsInternal(false));
      }
    }
  }

  static ApiHandler<ApiMessage> describeTopicPartitions(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> {
      DescribeTopicPartitionsRequestData r = (DescribeTopicPartitionsRequestData) msg;
      boolean all = r.topics().isEmpty();
      List<String> denied = new ArrayList<>();
      r.topics().removeIf(t -> !access.topic(ctx, DESCRIBE, t.name()) && denied.add(t.name()));
      if (!all && r.topics().isEmpty()) {
        DescribeTopicPartitionsResponseData out = new DescribeTopicPartitionsResponseData();
        for (String name : denied) out.topics().add(describeTopicError(name));
        return CompletableFuture.completedFuture(out);
      }
      return inner.handle(ctx, r).thenApply(resp -> {
        DescribeTopicPartitionsResponseData out = (DescribeTopicPartitionsResponseData) resp;
        for (Iterator<DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic> it = out.topics().iterator(); it.hasNext(); ) {
          var t = it.next();
          if (t.name() != null && !access.topic(ctx, DESCRIBE, t.name())) {
            it.remove();
          } else if (t.name() != null && t.errorCode() == Errors.NONE.code()) {
            t.setTopicAuthorizedOperations(access.operations(ctx, ResourceType.TOPIC, t.name()));
          }
        }
        for (String name : denied) out.topics().add(describeTopicError(name));
        return out;
      });
    };
  }

  private static DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic describeTopicError(String name) {
    return new DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic().setName(name)
        .setTopicId(Uuid.ZERO_UUID).setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setIsInternal(false);
  }

  /** CreateTopics: CREATE on the cluster or on each topic; its configs shown only with DESCRIBE_CONFIGS. */
  static ApiHandler<ApiMessage> createTopics(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> {
      CreateTopicsRequestData r = (CreateTopicsRequestData) msg;
      boolean clusterCreate = access.cluster(ctx, CREATE);
      List<String> denied = new ArrayList<>();
      if (!clusterCreate) {
        r.topics().removeIf(t -> !access.topic(ctx, CREATE, t.name()) && denied.add(t.name()));
      }
      return inner.handle(ctx, r).thenApply(resp -> {
        CreateTopicsResponseData out = (CreateTopicsResponseData) resp;
        for (CreateTopicsResponseData.CreatableTopicResult t : out.topics()) {
          if (ctx.apiVersion() >= 5 && t.errorCode() == Errors.NONE.code() && !access.topic(ctx, DESCRIBE_CONFIGS, t.name())) {
            t.setTopicConfigErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setConfigs(null)
                .setNumPartitions(-1).setReplicationFactor((short) -1);
          }
        }
        for (String name : denied) {
          out.topics().add(new CreateTopicsResponseData.CreatableTopicResult().setName(name)
              .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
              .setErrorMessage(ctx.apiVersion() >= 1 ? "Authorization failed." : null)
              .setNumPartitions(-1).setReplicationFactor((short) -1)
              .setTopicConfigErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setConfigs(null));
        }
        return out;
      });
    };
  }

  /**
   * DeleteTopics: DESCRIBE decides whether the topic's existence may be told; then DELETE. As Kafka:
   * not DESCRIBE-able → TOPIC_AUTHORIZATION_FAILED; unknown → the handler's answer; not DELETE-able
   * → TOPIC_AUTHORIZATION_FAILED.
   */
  static ApiHandler<ApiMessage> deleteTopics(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> {
      DeleteTopicsRequestData r = (DeleteTopicsRequestData) msg;
      List<DeleteTopicsResponseData.DeletableTopicResult> denied = new ArrayList<>();
      r.topicNames().removeIf(name -> refuseDelete(access, ctx, name, null, denied));
      r.topics().removeIf(t -> refuseDelete(access, ctx, access.topicName(t.name(), t.topicId()), t, denied));
      return inner.handle(ctx, r).thenApply(resp -> {
        DeleteTopicsResponseData out = (DeleteTopicsResponseData) resp;
        for (var d : denied) out.responses().add(d);
        return out;
      });
    };
  }

  private static boolean refuseDelete(Access access, RequestContext ctx, String name,
      DeleteTopicsRequestData.DeleteTopicState state, List<DeleteTopicsResponseData.DeletableTopicResult> denied) {
    if (name == null) return false; // unknown id: the handler answers UNKNOWN_TOPIC_ID
    boolean refused = !access.topic(ctx, DESCRIBE, name) || (access.topicExists(name) && !access.topic(ctx, DELETE, name));
    if (refused) {
      boolean byId = state != null && (state.name() == null || state.name().isEmpty());
      denied.add(new DeleteTopicsResponseData.DeletableTopicResult().setName(byId ? null : name)
          .setTopicId(state != null ? state.topicId() : Uuid.ZERO_UUID)
          .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()));
    }
    return refused;
  }

  static ApiHandler<ApiMessage> createPartitions(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> {
      CreatePartitionsRequestData r = (CreatePartitionsRequestData) msg;
      List<String> denied = new ArrayList<>();
      r.topics().removeIf(t -> !access.topic(ctx, ALTER, t.name()) && denied.add(t.name()));
      return inner.handle(ctx, r).thenApply(resp -> {
        CreatePartitionsResponseData out = (CreatePartitionsResponseData) resp;
        for (String name : denied) {
          out.results().add(new CreatePartitionsResponseData.CreatePartitionsTopicResult().setName(name)
              .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setErrorMessage("Authorization failed."));
        }
        return out;
      });
    };
  }

  static ApiHandler<ApiMessage> deleteRecords(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> {
      DeleteRecordsRequestData r = (DeleteRecordsRequestData) msg;
      List<DeleteRecordsRequestData.DeleteRecordsTopic> denied = new ArrayList<>();
      r.topics().removeIf(t -> !access.topic(ctx, DELETE, t.name()) && denied.add(t));
      return inner.handle(ctx, r).thenApply(resp -> {
        DeleteRecordsResponseData out = (DeleteRecordsResponseData) resp;
        for (DeleteRecordsRequestData.DeleteRecordsTopic t : denied) {
          DeleteRecordsResponseData.DeleteRecordsTopicResult tr =
              new DeleteRecordsResponseData.DeleteRecordsTopicResult().setName(t.name());
          for (DeleteRecordsRequestData.DeleteRecordsPartition p : t.partitions()) {
            tr.partitions().add(new DeleteRecordsResponseData.DeleteRecordsPartitionResult()
                .setPartitionIndex(p.partitionIndex()).setLowWatermark(-1)
                .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()));
          }
          out.topics().add(tr);
        }
        return out;
      });
    };
  }

  static ApiHandler<ApiMessage> describeProducers(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> {
      DescribeProducersRequestData r = (DescribeProducersRequestData) msg;
      List<DescribeProducersRequestData.TopicRequest> denied = new ArrayList<>();
      r.topics().removeIf(t -> !access.topic(ctx, READ, t.name()) && denied.add(t));
      return inner.handle(ctx, r).thenApply(resp -> {
        DescribeProducersResponseData out = (DescribeProducersResponseData) resp;
        for (DescribeProducersRequestData.TopicRequest t : denied) {
          DescribeProducersResponseData.TopicResponse tr = new DescribeProducersResponseData.TopicResponse().setName(t.name());
          for (int p : t.partitionIndexes()) {
            tr.partitions().add(new DescribeProducersResponseData.PartitionResponse().setPartitionIndex(p)
                .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()));
          }
          out.topics().add(tr);
        }
        return out;
      });
    };
  }

  /** What a config resource needs: the cluster's for broker-level resources, else the resource's own. */
  private static Errors configAccess(Access access, RequestContext ctx, byte type, String name, Operation op) {
    ConfigResource.Type t = ConfigResource.Type.forId(type);
    return switch (t) {
      case TOPIC -> access.topic(ctx, op, name) ? Errors.NONE : Errors.TOPIC_AUTHORIZATION_FAILED;
      case GROUP -> access.group(ctx, op, name) ? Errors.NONE : Errors.GROUP_AUTHORIZATION_FAILED;
      case BROKER, BROKER_LOGGER, CLIENT_METRICS ->
          access.cluster(ctx, op) ? Errors.NONE : Errors.CLUSTER_AUTHORIZATION_FAILED;
      default -> Errors.NONE; // unknown types: the handler answers INVALID_REQUEST
    };
  }

  static ApiHandler<ApiMessage> describeConfigs(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> {
      DescribeConfigsRequestData r = (DescribeConfigsRequestData) msg;
      List<DescribeConfigsResponseData.DescribeConfigsResult> denied = new ArrayList<>();
      r.resources().removeIf(res -> {
        Errors e = configAccess(access, ctx, res.resourceType(), res.resourceName(), DESCRIBE_CONFIGS);
        if (e == Errors.NONE) return false;
        denied.add(new DescribeConfigsResponseData.DescribeConfigsResult().setErrorCode(e.code())
            .setErrorMessage(e.message()).setResourceType(res.resourceType()).setResourceName(res.resourceName()));
        return true;
      });
      return inner.handle(ctx, r).thenApply(resp -> {
        DescribeConfigsResponseData out = (DescribeConfigsResponseData) resp;
        out.results().addAll(denied);
        return out;
      });
    };
  }

  static ApiHandler<ApiMessage> alterConfigs(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> {
      AlterConfigsRequestData r = (AlterConfigsRequestData) msg;
      List<AlterConfigsResponseData.AlterConfigsResourceResponse> denied = new ArrayList<>();
      r.resources().removeIf(res -> {
        Errors e = configAccess(access, ctx, res.resourceType(), res.resourceName(), ALTER_CONFIGS);
        if (e == Errors.NONE) return false;
        denied.add(new AlterConfigsResponseData.AlterConfigsResourceResponse().setErrorCode(e.code())
            .setErrorMessage(e.message()).setResourceType(res.resourceType()).setResourceName(res.resourceName()));
        return true;
      });
      return inner.handle(ctx, r).thenApply(resp -> {
        AlterConfigsResponseData out = (AlterConfigsResponseData) resp;
        out.responses().addAll(denied);
        return out;
      });
    };
  }

  static ApiHandler<ApiMessage> incrementalAlterConfigs(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> {
      IncrementalAlterConfigsRequestData r = (IncrementalAlterConfigsRequestData) msg;
      List<IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse> denied = new ArrayList<>();
      r.resources().removeIf(res -> {
        Errors e = configAccess(access, ctx, res.resourceType(), res.resourceName(), ALTER_CONFIGS);
        if (e == Errors.NONE) return false;
        denied.add(new IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse().setErrorCode(e.code())
            .setErrorMessage(e.message()).setResourceType(res.resourceType()).setResourceName(res.resourceName()));
        return true;
      });
      return inner.handle(ctx, r).thenApply(resp -> {
        IncrementalAlterConfigsResponseData out = (IncrementalAlterConfigsResponseData) resp;
        out.responses().addAll(denied);
        return out;
      });
    };
  }

  /** DescribeCluster: no check (as Kafka), the cluster's authorized operations are the principal's. */
  static ApiHandler<ApiMessage> describeCluster(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> inner.handle(ctx, msg).thenApply(resp -> {
      DescribeClusterResponseData out = (DescribeClusterResponseData) resp;
      if (((DescribeClusterRequestData) msg).includeClusterAuthorizedOperations()) {
        out.setClusterAuthorizedOperations(access.operations(ctx, ResourceType.CLUSTER, ResourceType.CLUSTER_NAME));
      }
      return out;
    });
  }

  /** DescribeLogDirs: DESCRIBE on the cluster, else no directories (and the error from v3). */
  static ApiHandler<ApiMessage> describeLogDirs(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> {
      if (access.cluster(ctx, DESCRIBE)) return inner.handle(ctx, msg);
      DescribeLogDirsResponseData out = new DescribeLogDirsResponseData();
      if (ctx.apiVersion() >= 3) out.setErrorCode(Errors.CLUSTER_AUTHORIZATION_FAILED.code());
      return CompletableFuture.completedFuture(out);
    };
  }
}
