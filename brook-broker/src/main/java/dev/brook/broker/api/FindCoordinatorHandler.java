package dev.brook.broker.api;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest.CoordinatorType;

/**
 * FindCoordinator: group keys are served by this node (single node: it leads every partition of
 * __consumer_offsets, created on the first request). Transaction keys are served by this node once the
 * transaction coordinator is wired (else COORDINATOR_NOT_AVAILABLE); share-group keys are not
 * supported. v4+ batches keys.
 */
public final class FindCoordinatorHandler implements ApiHandler<FindCoordinatorRequestData> {
  private final BooleanSupplier groupsReady;
  private final Supplier<Node> self;

  /** Errors for a TRANSACTION key: NONE when this node coordinates it (txn area). */
  private final java.util.function.Function<String, Errors> transactionKeys;

  /**
   * @param groupsReady whether __consumer_offsets exists (asking may start its creation)
   * @param self this node as clients reach it
   */
  public FindCoordinatorHandler(BooleanSupplier groupsReady, Supplier<Node> self) {
    this(groupsReady, self, key -> Errors.COORDINATOR_NOT_AVAILABLE);
  }

  /** With a transaction coordinator: {@code transactionKeys} says whether this node serves a key. */
  public FindCoordinatorHandler(
      BooleanSupplier groupsReady, Supplier<Node> self, java.util.function.Function<String, Errors> transactionKeys) {
    this.groupsReady = groupsReady;
    this.self = self;
    this.transactionKeys = transactionKeys;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, FindCoordinatorRequestData req) {
    FindCoordinatorResponseData response = new FindCoordinatorResponseData();
    if (ctx.apiVersion() < 4) {
      Coordinator c = find(req.key(), req.keyType());
      response
          .setErrorCode(c.errorCode())
          .setErrorMessage(c.errorMessage())
          .setNodeId(c.nodeId())
          .setHost(c.host())
          .setPort(c.port());
    } else {
      List<String> keys = req.coordinatorKeys();
      for (String key : keys) response.coordinators().add(find(key, req.keyType()));
    }
    return CompletableFuture.completedFuture(response);
  }

  private Coordinator find(String key, byte keyType) {
    Coordinator c = new Coordinator().setKey(key);
    Errors error;
    if (keyType == CoordinatorType.GROUP.id()) {
      if (key == null || key.isEmpty()) error = Errors.INVALID_REQUEST;
      else error = groupsReady.getAsBoolean() ? Errors.NONE : Errors.COORDINATOR_NOT_AVAILABLE;
    } else if (keyType == CoordinatorType.TRANSACTION.id()) {
      error = key == null || key.isEmpty() ? Errors.INVALID_REQUEST : transactionKeys.apply(key);
    } else {
      error = Errors.INVALID_REQUEST;
    }
    if (error != Errors.NONE) {
      return c.setErrorCode(error.code()).setErrorMessage(error.message()).setNodeId(-1).setHost("").setPort(-1);
    }
    Node node = self.get();
    return c.setErrorCode(Errors.NONE.code()).setErrorMessage(null).setNodeId(node.id()).setHost(node.host()).setPort(node.port());
  }
}
