package dev.brook.broker.api;

import dev.brook.broker.txn.TransactionCoordinator;
import dev.brook.broker.txn.TxnRecord;
import dev.brook.broker.txn.TxnState;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData.TopicData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData.TransactionState;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/** DescribeTransactions: each transactional id's state, producer, timeout, start and partitions. */
public final class DescribeTransactionsHandler implements ApiHandler<DescribeTransactionsRequestData> {
  private final TransactionCoordinator coordinator;

  public DescribeTransactionsHandler(TransactionCoordinator coordinator) {
    this.coordinator = coordinator;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, DescribeTransactionsRequestData request) {
    DescribeTransactionsResponseData response = new DescribeTransactionsResponseData();
    for (String id : request.transactionalIds()) {
      TransactionState s = new TransactionState().setTransactionalId(id).setTransactionState("")
          .setProducerId(-1).setProducerEpoch((short) -1).setTransactionTimeoutMs(-1).setTransactionStartTimeMs(-1);
      Errors ownership = coordinator.ownership(id);
      TxnRecord r = ownership == Errors.NONE ? coordinator.describe(id) : null;
      if (ownership != Errors.NONE) {
        s.setErrorCode(ownership.code());
      } else if (r == null || r.state() == TxnState.DEAD) {
        s.setErrorCode(Errors.TRANSACTIONAL_ID_NOT_FOUND.code());
      } else {
        s.setErrorCode(Errors.NONE.code())
            .setTransactionState(r.state().kafkaName())
            .setProducerId(r.producerId())
            .setProducerEpoch(r.producerEpoch())
            .setTransactionTimeoutMs(r.timeoutMs())
            .setTransactionStartTimeMs(r.state() == TxnState.EMPTY ? -1 : r.startTimestamp());
        Map<String, TopicData> byTopic = new LinkedHashMap<>();
        for (TopicPartition tp : r.partitions()) {
          byTopic.computeIfAbsent(tp.topic(), n -> {
            TopicData t = new TopicData().setTopic(n);
            s.topics().add(t);
            return t;
          }).partitions().add(tp.partition());
        }
      }
      response.transactionStates().add(s);
    }
    return CompletableFuture.completedFuture(response);
  }
}
