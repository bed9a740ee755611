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
    short version = ctx.apiVersion();
    return coordinator.addOffsets(request.transactionalId(), request.producerId(), request.producerEpoch(), request.groupId())
        .thenApply(e -> new AddOffsetsToTxnResponseData()
            .setErrorCode((e == Errors.PRODUCER_FENCED && version < 2 ? Errors.INVALID_PRODUCER_EPOCH : e).code()));
  }
}
