package dev.brook.broker.api;

import dev.brook.broker.replica.ProducerIdManager;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * InitProducerId for idempotent (non-transactional) producers: every call gets a fresh producer id
 * at epoch 0 — also when an idempotent producer asks to bump its epoch after an error (KIP-360),
 * since a fresh id resets its sequences just as well. A transactional id needs the transaction
 * coordinator, which registers its own handler for this API; without it the answer is
 * COORDINATOR_NOT_AVAILABLE.
 */
public final class InitProducerIdHandler implements ApiHandler<InitProducerIdRequestData> {
  private static final Logger log = LoggerFactory.getLogger(InitProducerIdHandler.class);
  private final ProducerIdManager ids;

  public InitProducerIdHandler(ProducerIdManager ids) {
    this.ids = ids;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, InitProducerIdRequestData request) {
    InitProducerIdResponseData r = new InitProducerIdResponseData().setProducerId(-1).setProducerEpoch((short) -1);
    if (request.transactionalId() != null) {
      return CompletableFuture.completedFuture(r.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()));
    }
    try {
      return CompletableFuture.completedFuture(
          r.setErrorCode(Errors.NONE.code()).setProducerId(ids.nextProducerId()).setProducerEpoch((short) 0));
    } catch (IOException e) {
      log.error("cannot allocate a producer id", e);
      return CompletableFuture.completedFuture(r.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code()));
    }
  }
}
