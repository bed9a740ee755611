package dev.brook.broker.api;

import dev.brook.broker.txn.TransactionCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/** AddOffsetsToTxn: the group's __consumer_offsets partition joins the transaction. */
public final class AddOffsetsToTxnHandler implements ApiHandler<AddOffsetsToTxnRequestData> {
  private final TransactionCoordinator coordinator;

  public AddOffsetsToTxnHandler(TransactionCoordinator coordinator) {
    this.coordinator = coordinator;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, AddOffsetsToTxnRequestData request) {
    Errors e = coordinator.addOffsets(request.transactionalId(), request.producerId(), request.producerEpoch(), request.groupId());
    if (e == Errors.PRODUCER_FENCED && ctx.apiVersion() < 2) e = Errors.INVALID_PRODUCER_EPOCH;
    return CompletableFuture.completedFuture(new AddOffsetsToTxnResponseData().setErrorCode(e.code()));
  }
}
