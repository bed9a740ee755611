package dev.brook.broker.api;

import static dev.brook.broker.security.Operation.DELETE;
import static dev.brook.broker.security.Operation.DESCRIBE;
import static dev.brook.broker.security.Operation.READ;

import dev.brook.broker.security.ResourceType;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest;

/**
 * Kafka's authorization of the group APIs: membership and offset commits need READ on the group
 * (and READ on each committed topic), describing and fetching offsets DESCRIBE, deleting DELETE;
 * FindCoordinator needs DESCRIBE on the group or transactional id; ListGroups shows every group to
 * a principal that may DESCRIBE the cluster, else only the groups it may DESCRIBE.
 */
final class GroupRules {
  private GroupRules() {}

  /** JoinGroup, SyncGroup, Heartbeat, LeaveGroup: READ on the group. */
  static ApiHandler<ApiMessage> membership(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> {
      String group = switch (msg) {
        case JoinGroupRequestData r -> r.groupId();
        case SyncGroupRequestData r -> r.groupId();
        case HeartbeatRequestData r -> r.groupId();
        case LeaveGroupRequestData r -> r.groupId();
        default -> throw new IllegalArgumentException(msg.getClass().getName());
      };
      if (!access.group(ctx, READ, group)) return Access.refuse(new GroupAuthorizationException(group));
      return inner.handle(ctx, msg);
    };
  }

  /**
   * ConsumerGroupHeartbeat (KIP-848): READ on the group; DESCRIBE on every topic subscribed by
   * name (else TOPIC_AUTHORIZATION_FAILED); a subscription regex resolves only to topics the
   * member may DESCRIBE, as Kafka's coordinator filters a regex's matches with the heartbeat's
   * principal — the handler is given the DESCRIBE gate for that.
   */
  static ApiHandler<ApiMessage> consumerGroupHeartbeat(Access access, ApiHandler<ApiMessage> inner) {
    GatedHandler<ApiMessage> gated = GatedHandler.of(org.apache.kafka.common.protocol.ApiKeys.CONSUMER_GROUP_HEARTBEAT, inner);
    return (ctx, msg) -> {
      ConsumerGroupHeartbeatRequestData r = (ConsumerGroupHeartbeatRequestData) msg;
      if (!access.group(ctx, READ, r.groupId())) return Access.refuse(new GroupAuthorizationException(r.groupId()));
      if (r.subscribedTopicNames() != null) {
        for (String topic : r.subscribedTopicNames()) {
          if (!access.topic(ctx, DESCRIBE, topic)) {
            return Access.refuse(new TopicAuthorizationException("Topic authorization failed for " + topic));
          }
        }
      }
      return gated.handle(ctx, r, access.topicGate(ctx, DESCRIBE));
    };
  }

  static ApiHandler<ApiMessage> offsetCommit(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> {
      OffsetCommitRequestData r = (OffsetCommitRequestData) msg;
      if (!access.group(ctx, READ, r.groupId())) return Access.refuse(new GroupAuthorizationException(r.groupId()));
      List<OffsetCommitRequestData.OffsetCommitRequestTopic> denied = new ArrayList<>();
      r.topics().removeIf(t -> {
        String name = access.topicName(t.name(), t.topicId());
        return name != null && !access.topic(ctx, READ, name) && denied.add(t);
      });
      if (denied.isEmpty()) return inner.handle(ctx, r);
      return inner.handle(ctx, r).thenApply(resp -> {
        OffsetCommitResponseData out = (OffsetCommitResponseData) resp;
        for (OffsetCommitRequestData.OffsetCommitRequestTopic t : denied) {
          OffsetCommitResponseData.OffsetCommitResponseTopic tr = new OffsetCommitResponseData.OffsetCommitResponseTopic()
              .setName(t.name()).setTopicId(t.topicId());
          for (OffsetCommitRequestData.OffsetCommitRequestPartition p : t.partitions()) {
            tr.partitions().add(new OffsetCommitResponseData.OffsetCommitResponsePartition()
                .setPartitionIndex(p.partitionIndex()).setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()));
          }
          out.topics().add(tr);
        }
        return out;
      });
    };
  }

  /**
   * OffsetFetch: DESCRIBE on the group (per group from v8), DESCRIBE on each topic: named topics
   * answer TOPIC_AUTHORIZATION_FAILED, an all-topics fetch leaves them out.
   */
  static ApiHandler<ApiMessage> offsetFetch(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> {
      OffsetFetchRequestData r = (OffsetFetchRequestData) msg;
      if (ctx.apiVersion() < 8) {
        if (!access.group(ctx, DESCRIBE, r.groupId())) return Access.refuse(new GroupAuthorizationException(r.groupId()));
        List<OffsetFetchRequestData.OffsetFetchRequestTopic> denied = new ArrayList<>();
        if (r.topics() != null) r.topics().removeIf(t -> !access.topic(ctx, DESCRIBE, t.name()) && denied.add(t));
        return inner.handle(ctx, r).thenApply(resp -> {
          OffsetFetchResponseData out = (OffsetFetchResponseData) resp;
          if (r.topics() == null) out.topics().removeIf(t -> !access.topic(ctx, DESCRIBE, t.name()));
          for (OffsetFetchRequestData.OffsetFetchRequestTopic t : denied) {
            OffsetFetchResponseData.OffsetFetchResponseTopic tr = new OffsetFetchResponseData.OffsetFetchResponseTopic().setName(t.name());
            for (int p : t.partitionIndexes()) {
              tr.partitions().add(new OffsetFetchResponseData.OffsetFetchResponsePartition().setPartitionIndex(p)
                  .setCommittedOffset(-1).setMetadata("").setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()));
            }
            out.topics().add(tr);
          }
          return out;
        });
      }
      List<String> deniedGroups = new ArrayList<>();
      List<OffsetFetchResponseData.OffsetFetchResponseGroup> deniedTopics = new ArrayList<>();
      List<String> allTopicGroups = new ArrayList<>();
      for (Iterator<OffsetFetchRequestData.OffsetFetchRequestGroup> it = r.groups().iterator(); it.hasNext(); ) {
        OffsetFetchRequestData.OffsetFetchRequestGroup g = it.next();
        if (!access.group(ctx, DESCRIBE, g.groupId())) {
          deniedGroups.add(g.groupId());
          it.remove();
          continue;
        }
        if (g.topics() == null) {
          allTopicGroups.add(g.groupId());
          continue;
        }
        OffsetFetchResponseData.OffsetFetchResponseGroup refused = new OffsetFetchResponseData.OffsetFetchResponseGroup()
            .setGroupId(g.groupId());
        g.topics().removeIf(t -> {
          String name = access.topicName(t.name(), t.topicId());
          if (name == null || access.topic(ctx, DESCRIBE, name)) return false;
          OffsetFetchResponseData.OffsetFetchResponseTopics tr = new OffsetFetchResponseData.OffsetFetchResponseTopics()
              .setName(t.name()).setTopicId(t.topicId());
          for (int p : t.partitionIndexes()) {
            tr.partitions().add(new OffsetFetchResponseData.OffsetFetchResponsePartitions().setPartitionIndex(p)
                .setCommittedOffset(-1).setMetadata("").setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()));
          }
          refused.topics().add(tr);
          return true;
        });
        if (!refused.topics().isEmpty()) deniedTopics.add(refused);
      }
      return inner.handle(ctx, r).thenApply(resp -> {
        OffsetFetchResponseData out = (OffsetFetchResponseData) resp;
        for (OffsetFetchResponseData.OffsetFetchResponseGroup g : out.groups()) {
          if (allTopicGroups.contains(g.groupId())) {
            g.topics().removeIf(t -> {
              String name = access.topicName(t.name(), t.topicId());
              return name != null && !access.topic(ctx, DESCRIBE, name);
            });
          }
          for (OffsetFetchResponseData.OffsetFetchResponseGroup d : deniedTopics) {
            if (d.groupId().equals(g.groupId())) g.topics().addAll(d.topics());
          }
        }
        for (String group : deniedGroups) {
          out.groups().add(new OffsetFetchResponseData.OffsetFetchResponseGroup().setGroupId(group)
              .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code()));
        }
        return out;
      });
    };
  }

  /** FindCoordinator: DESCRIBE on the group, or on the transactional id. */
  static ApiHandler<ApiMessage> findCoordinator(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> {
      FindCoordinatorRequestData r = (FindCoordinatorRequestData) msg;
      if (ctx.apiVersion() < 4) {
        Errors e = coordinatorAccess(access, ctx, r.keyType(), r.key());
        if (e == Errors.GROUP_AUTHORIZATION_FAILED) return Access.refuse(new GroupAuthorizationException(r.key()));
        if (e == Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED) {
          return Access.refuse(new TransactionalIdAuthorizationException(r.key()));
        }
        return inner.handle(ctx, r);
      }
      List<FindCoordinatorResponseData.Coordinator> denied = new ArrayList<>();
      r.coordinatorKeys().removeIf(key -> {
        Errors e = coordinatorAccess(access, ctx, r.keyType(), key);
        if (e == Errors.NONE) return false;
        denied.add(new FindCoordinatorResponseData.Coordinator().setKey(key).setNodeId(-1).setHost("").setPort(-1)
            .setErrorCode(e.code()).setErrorMessage(e.message()));
        return true;
      });
      if (denied.isEmpty()) return inner.handle(ctx, r);
      if (r.coordinatorKeys().isEmpty()) {
        return CompletableFuture.completedFuture(new FindCoordinatorResponseData().setCoordinators(denied));
      }
      return inner.handle(ctx, r).thenApply(resp -> {
        FindCoordinatorResponseData out = (FindCoordinatorResponseData) resp;
        out.coordinators().addAll(denied);
        return out;
      });
    };
  }

  private static Errors coordinatorAccess(Access access, RequestContext ctx, byte keyType, String key) {
    if (keyType == FindCoordinatorRequest.CoordinatorType.GROUP.id()) {
      return access.group(ctx, DESCRIBE, key) ? Errors.NONE : Errors.GROUP_AUTHORIZATION_FAILED;
    }
    if (keyType == FindCoordinatorRequest.CoordinatorType.TRANSACTION.id()) {
      return access.transactionalId(ctx, DESCRIBE, key) ? Errors.NONE : Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
    }
    return Errors.NONE; // other key types: the handler answers INVALID_REQUEST
  }

  static ApiHandler<ApiMessage> describeGroups(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> {
      DescribeGroupsRequestData r = (DescribeGroupsRequestData) msg;
      List<String> denied = new ArrayList<>();
      r.groups().removeIf(g -> !access.group(ctx, DESCRIBE, g) && denied.add(g));
      return inner.handle(ctx, r).thenApply(resp -> {
        DescribeGroupsResponseData out = (DescribeGroupsResponseData) resp;
        if (r.includeAuthorizedOperations()) {
          for (DescribeGroupsResponseData.DescribedGroup g : out.groups()) {
            g.setAuthorizedOperations(access.operations(ctx, ResourceType.GROUP, g.groupId()));
          }
        }
        for (String g : denied) {
          out.groups().add(new DescribeGroupsResponseData.DescribedGroup().setGroupId(g)
              .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code()).setGroupState("").setProtocolType("")
              .setProtocolData(""));
        }
        return out;
      });
    };
  }

  static ApiHandler<ApiMessage> consumerGroupDescribe(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> {
      ConsumerGroupDescribeRequestData r = (ConsumerGroupDescribeRequestData) msg;
      List<String> denied = new ArrayList<>();
      r.groupIds().removeIf(g -> !access.group(ctx, DESCRIBE, g) && denied.add(g));
      return inner.handle(ctx, r).thenApply(resp -> {
        ConsumerGroupDescribeResponseData out = (ConsumerGroupDescribeResponseData) resp;
        if (r.includeAuthorizedOperations()) {
          for (ConsumerGroupDescribeResponseData.DescribedGroup g : out.groups()) {
            g.setAuthorizedOperations(access.operations(ctx, ResourceType.GROUP, g.groupId()));
          }
        }
        for (String g : denied) {
          out.groups().add(new ConsumerGroupDescribeResponseData.DescribedGroup().setGroupId(g)
              .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code()).setErrorMessage(Errors.GROUP_AUTHORIZATION_FAILED.message()));
        }
        return out;
      });
    };
  }

  static ApiHandler<ApiMessage> listGroups(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> inner.handle(ctx, msg).thenApply(resp -> {
      if (access.cluster(ctx, DESCRIBE)) return resp;
      ((ListGroupsResponseData) resp).groups().removeIf(g -> !access.group(ctx, DESCRIBE, g.groupId()));
      return resp;
    });
  }

  static ApiHandler<ApiMessage> deleteGroups(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> {
      DeleteGroupsRequestData r = (DeleteGroupsRequestData) msg;
      List<String> denied = new ArrayList<>();
      r.groupsNames().removeIf(g -> !access.group(ctx, DELETE, g) && denied.add(g));
      return inner.handle(ctx, r).thenApply(resp -> {
        DeleteGroupsResponseData out = (DeleteGroupsResponseData) resp;
        for (String g : denied) {
          out.results().add(new DeleteGroupsResponseData.DeletableGroupResult().setGroupId(g)
              .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code()));
        }
        return out;
      });
    };
  }

  /** OffsetDelete: DELETE on the group, READ on each topic. */
  static ApiHandler<ApiMessage> offsetDelete(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> {
      OffsetDeleteRequestData r = (OffsetDeleteRequestData) msg;
      if (!access.group(ctx, DELETE, r.groupId())) return Access.refuse(new GroupAuthorizationException(r.groupId()));
      List<OffsetDeleteRequestData.OffsetDeleteRequestTopic> denied = new ArrayList<>();
      r.topics().removeIf(t -> !access.topic(ctx, READ, t.name()) && denied.add(t));
      return inner.handle(ctx, r).thenApply(resp -> {
        OffsetDeleteResponseData out = (OffsetDeleteResponseData) resp;
        for (OffsetDeleteRequestData.OffsetDeleteRequestTopic t : denied) {
          OffsetDeleteResponseData.OffsetDeleteResponseTopic tr = new OffsetDeleteResponseData.OffsetDeleteResponseTopic().setName(t.name());
          for (OffsetDeleteRequestData.OffsetDeleteRequestPartition p : t.partitions()) {
            tr.partitions().add(new OffsetDeleteResponseData.OffsetDeleteResponsePartition()
                .setPartitionIndex(p.partitionIndex()).setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()));
          }
          out.topics().add(tr);
        }
        return out;
      });
    };
  }
}
