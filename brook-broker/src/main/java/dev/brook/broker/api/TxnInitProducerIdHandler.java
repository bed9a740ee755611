package dev.brook.broker.api;

import dev.brook.broker.txn.TransactionCoordinator;
import dev.brook.broker.txn.TransactionCoordinator.InitResult;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * InitProducerId once the transaction coordinator exists: a transactional id goes to the
 * coordinator (epoch bump, fencing); an idempotent producer (no transactional id) to the plain
 * handler. PRODUCER_FENCED is INVALID_PRODUCER_EPOCH for clients older than v4, as Kafka answers.
 */
public final class TxnInitProducerIdHandler implements ApiHandler<InitProducerIdRequestData> {
  private final TransactionCoordinator coordinator;
  private final ApiHandler<InitProducerIdRequestData> idempotent;

  public TxnInitProducerIdHandler(TransactionCoordinator coordinator, ApiHandler<InitProducerIdRequestData> idempotent) {
    this.coordinator = coordinator;
    this.idempotent = idempotent;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, InitProducerIdRequestData request) {
    if (request.transactionalId() == null) return idempotent.handle(ctx, request);
    short version = ctx.apiVersion();
    return coordinator
        .initProducerId(request.transactionalId(), request.transactionTimeoutMs(), request.producerId(), request.producerEpoch())
        .thenApply((InitResult r) -> {
          Errors error = r.error() == Errors.PRODUCER_FENCED && version < 4 ? Errors.INVALID_PRODUCER_EPOCH : r.error();
          return new InitProducerIdResponseData()
              .setErrorCode(error.code())
              .setProducerId(r.producerId())
              .setProducerEpoch(r.producerEpoch());
        });
  }
}
