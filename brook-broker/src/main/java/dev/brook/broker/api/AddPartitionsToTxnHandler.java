package dev.brook.broker.api;

import dev.brook.broker.txn.TransactionCoordinator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResult;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnResult;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResultCollection;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * AddPartitionsToTxn, every version: v0-3 carry one transaction (from producers); v4+ batch
 * transactions (from brokers), each possibly {@code verifyOnly}. PRODUCER_FENCED is
 * INVALID_PRODUCER_EPOCH below v2, as Kafka answers.
 */
public final class AddPartitionsToTxnHandler implements ApiHandler<AddPartitionsToTxnRequestData> {
  private final TransactionCoordinator coordinator;

  public AddPartitionsToTxnHandler(TransactionCoordinator coordinator) {
    this.coordinator = coordinator;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, AddPartitionsToTxnRequestData request) {
    short version = ctx.apiVersion();
    AddPartitionsToTxnResponseData response = new AddPartitionsToTxnResponseData();
    if (version < 4) {
      return coordinator.addPartitions(request.v3AndBelowTransactionalId(), request.v3AndBelowProducerId(),
              request.v3AndBelowProducerEpoch(), partitions(request.v3AndBelowTopics()), false)
          .thenApply(result -> response.setResultsByTopicV3AndBelow(results(result, version)));
    }
    List<CompletableFuture<AddPartitionsToTxnResult>> each = new ArrayList<>();
    for (AddPartitionsToTxnTransaction t : request.transactions()) {
      each.add(coordinator.addPartitions(t.transactionalId(), t.producerId(), t.producerEpoch(), partitions(t.topics()),
              t.verifyOnly())
          .thenApply(result -> new AddPartitionsToTxnResult()
              .setTransactionalId(t.transactionalId())
              .setTopicResults(results(result, version))));
    }
    return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(v -> {
      for (CompletableFuture<AddPartitionsToTxnResult> f : each) response.resultsByTransaction().add(f.join());
      return response;
    });
  }

  private static List<TopicPartition> partitions(AddPartitionsToTxnTopicCollection topics) {
    List<TopicPartition> out = new ArrayList<>();
    for (AddPartitionsToTxnTopic t : topics) {
      for (int p : t.partitions()) out.add(new TopicPartition(t.name(), p));
    }
    return out;
  }

  private static AddPartitionsToTxnTopicResultCollection results(Map<TopicPartition, Errors> result, short version) {
    Map<String, AddPartitionsToTxnTopicResult> byTopic = new LinkedHashMap<>();
    AddPartitionsToTxnTopicResultCollection out = new AddPartitionsToTxnTopicResultCollection();
    result.forEach((tp, e) -> {
      Errors error = e == Errors.PRODUCER_FENCED && version < 2 ? Errors.INVALID_PRODUCER_EPOCH : e;
      AddPartitionsToTxnTopicResult t = byTopic.computeIfAbsent(tp.topic(), n -> {
        AddPartitionsToTxnTopicResult r = new AddPartitionsToTxnTopicResult().setName(n);
        out.add(r);
        return r;
      });
      t.resultsByPartition().add(
          new AddPartitionsToTxnPartitionResult().setPartitionIndex(tp.partition()).setPartitionErrorCode(error.code()));
    });
    return out;
  }
}
