package dev.brook.broker.api;

import static dev.brook.broker.security.Operation.CLUSTER_ACTION;
import static dev.brook.broker.security.Operation.DESCRIBE;
import static dev.brook.broker.security.Operation.IDEMPOTENT_WRITE;
import static dev.brook.broker.security.Operation.READ;
import static dev.brook.broker.security.Operation.WRITE;

import dev.brook.broker.security.ResourceType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * Kafka's authorization of the transaction APIs: a transactional producer needs WRITE on its
 * transactional id for every step, WRITE on each topic it adds, READ on the group and its topics
 * for offsets; an idempotent producer needs IDEMPOTENT_WRITE on the cluster or WRITE on some
 * topic (KIP-679). Broker-to-broker requests (WriteTxnMarkers, AddPartitionsToTxn v4+
 * verification) need CLUSTER_ACTION.
 */
final class TxnRules {
  private TxnRules() {}

  private static CompletableFuture<ApiMessage> refuseTxn(String id) {
    return Access.refuse(new TransactionalIdAuthorizationException("Transactional id authorization failed for " + id));
  }

  static ApiHandler<ApiMessage> initProducerId(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> {
      InitProducerIdRequestData r = (InitProducerIdRequestData) msg;
      if (r.transactionalId() != null) {
        if (!access.transactionalId(ctx, WRITE, r.transactionalId())) return refuseTxn(r.transactionalId());
      } else if (!access.cluster(ctx, IDEMPOTENT_WRITE)
          && !access.authorizer.authorizeByResourceType(ctx.principal(), Access.host(ctx), WRITE, ResourceType.TOPIC)) {
        return Access.refuse(new ClusterAuthorizationException("Cluster authorization failed"));
      }
      return inner.handle(ctx, r);
    };
  }

  static ApiHandler<ApiMessage> addPartitionsToTxn(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> {
      AddPartitionsToTxnRequestData r = (AddPartitionsToTxnRequestData) msg;
      if (ctx.apiVersion() >= 4) { // brokers verifying transactions
        if (!access.cluster(ctx, CLUSTER_ACTION)) {
          return Access.refuse(new ClusterAuthorizationException("Cluster authorization failed"));
        }
        return inner.handle(ctx, r);
      }
      String id = r.v3AndBelowTransactionalId();
      if (!access.transactionalId(ctx, WRITE, id)) return refuseTxn(id);
      boolean anyDenied = false;
      for (AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic t : r.v3AndBelowTopics()) {
        if (!access.topic(ctx, WRITE, t.name())) anyDenied = true;
      }
      if (!anyDenied) return inner.handle(ctx, r);
      // As Kafka: nothing is added; refused topics say why, the others OPERATION_NOT_ATTEMPTED.
      AddPartitionsToTxnResponseData out = new AddPartitionsToTxnResponseData();
      for (AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic t : r.v3AndBelowTopics()) {
        Errors e = access.topic(ctx, WRITE, t.name()) ? Errors.OPERATION_NOT_ATTEMPTED : Errors.TOPIC_AUTHORIZATION_FAILED;
        AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult tr =
            new AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult().setName(t.name());
        for (int p : t.partitions()) {
          tr.resultsByPartition().add(new AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResult()
              .setPartitionIndex(p).setPartitionErrorCode(e.code()));
        }
        out.resultsByTopicV3AndBelow().add(tr);
      }
      return CompletableFuture.completedFuture(out);
    };
  }

  static ApiHandler<ApiMessage> addOffsetsToTxn(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> {
      AddOffsetsToTxnRequestData r = (AddOffsetsToTxnRequestData) msg;
      if (!access.transactionalId(ctx, WRITE, r.transactionalId())) return refuseTxn(r.transactionalId());
      if (!access.group(ctx, READ, r.groupId())) return Access.refuse(new GroupAuthorizationException(r.groupId()));
      return inner.handle(ctx, r);
    };
  }

  static ApiHandler<ApiMessage> endTxn(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> {
      EndTxnRequestData r = (EndTxnRequestData) msg;
      if (!access.transactionalId(ctx, WRITE, r.transactionalId())) return refuseTxn(r.transactionalId());
      return inner.handle(ctx, r);
    };
  }

  static ApiHandler<ApiMessage> txnOffsetCommit(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> {
      TxnOffsetCommitRequestData r = (TxnOffsetCommitRequestData) msg;
      if (!access.transactionalId(ctx, WRITE, r.transactionalId())) return refuseTxn(r.transactionalId());
      if (!access.group(ctx, READ, r.groupId())) return Access.refuse(new GroupAuthorizationException(r.groupId()));
      List<TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic> denied = new ArrayList<>();
      r.topics().removeIf(t -> !access.topic(ctx, READ, t.name()) && denied.add(t));
      if (denied.isEmpty()) return inner.handle(ctx, r);
      return inner.handle(ctx, r).thenApply(resp -> {
        TxnOffsetCommitResponseData out = (TxnOffsetCommitResponseData) resp;
        for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic t : denied) {
          TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic tr =
              new TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic().setName(t.name());
          for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition p : t.partitions()) {
            tr.partitions().add(new TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition()
                .setPartitionIndex(p.partitionIndex()).setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()));
          }
          out.topics().add(tr);
        }
        return out;
      });
    };
  }

  /** DescribeTransactions: DESCRIBE on each id; the partitions of topics not DESCRIBE-able are left out. */
  static ApiHandler<ApiMessage> describeTransactions(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> {
      DescribeTransactionsRequestData r = (DescribeTransactionsRequestData) msg;
      List<String> denied = new ArrayList<>();
      r.transactionalIds().removeIf(id -> !access.transactionalId(ctx, DESCRIBE, id) && denied.add(id));
      return inner.handle(ctx, r).thenApply(resp -> {
        DescribeTransactionsResponseData out = (DescribeTransactionsResponseData) resp;
        for (DescribeTransactionsResponseData.TransactionState s : out.transactionStates()) {
          s.topics().removeIf(t -> !access.topic(ctx, DESCRIBE, t.topic()));
        }
        for (String id : denied) {
          out.transactionStates().add(new DescribeTransactionsResponseData.TransactionState().setTransactionalId(id)
              .setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code()).setTransactionState("")
              .setProducerId(-1).setProducerEpoch((short) -1).setTransactionTimeoutMs(-1)
              .setTransactionStartTimeMs(-1));
        }
        return out;
      });
    };
  }

  static ApiHandler<ApiMessage> listTransactions(Access access, ApiHandler<ApiMessage> inner) {
    return (ctx, msg) -> inner.handle(ctx, msg).thenApply(resp -> {
      ((ListTransactionsResponseData) resp).transactionStates()
          .removeIf(s -> !access.transactionalId(ctx, DESCRIBE, s.transactionalId()));
      return resp;
    });
  }
}
