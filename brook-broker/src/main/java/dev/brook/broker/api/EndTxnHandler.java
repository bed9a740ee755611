package dev.brook.broker.api;

import dev.brook.broker.txn.TransactionCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * EndTxn v0-4 (transaction protocol version 1: the epoch is not bumped per transaction, so v5 is
 * not advertised). PRODUCER_FENCED is INVALID_PRODUCER_EPOCH below v2, as Kafka answers.
 */
public final class EndTxnHandler implements ApiHandler<EndTxnRequestData> {
  private final TransactionCoordinator coordinator;

  public EndTxnHandler(TransactionCoordinator coordinator) {
    this.coordinator = coordinator;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, EndTxnRequestData request) {
    short version = ctx.apiVersion();
    return coordinator
        .endTransaction(request.transactionalId(), request.producerId(), request.producerEpoch(), request.committed())
        .thenApply(e -> new EndTxnResponseData()
            .setErrorCode((e == Errors.PRODUCER_FENCED && version < 2 ? Errors.INVALID_PRODUCER_EPOCH : e).code())
            .setProducerId(-1)
            .setProducerEpoch((short) -1));
  }
}
