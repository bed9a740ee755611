package dev.brook.broker.api;

import dev.brook.broker.txn.TransactionCoordinator;
import dev.brook.broker.txn.TxnRecord;
import dev.brook.broker.txn.TxnState;
import dev.brook.storage.Clock;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.message.ListTransactionsResponseData.TransactionState;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * ListTransactions with its filters: states (unknown names are echoed back), producer ids, the
 * minimum running duration (v1) and a transactional id regular expression (v2).
 */
public final class ListTransactionsHandler implements ApiHandler<ListTransactionsRequestData> {
  private final TransactionCoordinator coordinator;
  private final Clock clock;

  public ListTransactionsHandler(TransactionCoordinator coordinator, Clock clock) {
    this.coordinator = coordinator;
    this.clock = clock;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, ListTransactionsRequestData request) {
    ListTransactionsResponseData response = new ListTransactionsResponseData();
    if (!coordinator.isLoaded()) {
      return CompletableFuture.completedFuture(response.setErrorCode(Errors.COORDINATOR_LOAD_IN_PROGRESS.code()));
    }
    Pattern pattern = null;
    if (request.transactionalIdPattern() != null && !request.transactionalIdPattern().isEmpty()) {
      try {
        pattern = Pattern.compile(request.transactionalIdPattern());
      } catch (PatternSyntaxException e) {
        return CompletableFuture.completedFuture(response.setErrorCode(Errors.INVALID_REGULAR_EXPRESSION.code()));
      }
    }
    Set<String> states = new HashSet<>();
    for (String s : request.stateFilters()) {
      boolean known = false;
      for (TxnState t : TxnState.values()) known |= t.kafkaName().equals(s);
      if (known) {
        states.add(s);
      } else {
        response.unknownStateFilters().add(s);
      }
    }
    Set<Long> pids = new HashSet<>(request.producerIdFilters());
    long now = clock.milliseconds();
    for (TxnRecord r : coordinator.list()) {
      String state = r.state().kafkaName();
      if (!request.stateFilters().isEmpty() && !states.contains(state)) continue;
      if (!pids.isEmpty() && !pids.contains(r.producerId())) continue;
      if (request.durationFilter() >= 0
          && (r.state() != TxnState.ONGOING || now - r.startTimestamp() < request.durationFilter())) continue;
      if (pattern != null && !pattern.matcher(r.transactionalId()).matches()) continue;
      response.transactionStates().add(new TransactionState()
          .setTransactionalId(r.transactionalId()).setProducerId(r.producerId()).setTransactionState(state));
    }
    return CompletableFuture.completedFuture(response.setErrorCode(Errors.NONE.code()));
  }
}
