package dev.brook.broker.txn;

import dev.brook.broker.coordinator.CoordinatorThread;
import dev.brook.broker.coordinator.PartitionTerms.Term;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which {@code __transaction_state} partitions this broker coordinates: each partition it leads is
 * read from the log on the reader executor (disk, never the coordinator thread), replayed on the
 * coordinator thread if its term is still current, and then its prepared transactions are
 * completed (a decided outcome left by the previous leader). A resigned partition's ids are
 * dropped. The coordinator epoch of a partition is its leader epoch when the term began.
 *
 * <p>Threading: {@link #lead} and {@link #resign} are called from any thread (leadership events);
 * the replay and the drop run on the coordinator thread.
 */
final class TxnLoader {
  private static final Logger log = LoggerFactory.getLogger(TxnLoader.class);

  private final TxnStateStore store;
  private final TxnLog txnLog;
  private final MarkerCompletion completion;
  private final CoordinatorThread thread;
  private final Executor reader;

  TxnLoader(TxnStateStore store, TxnLog txnLog, MarkerCompletion completion, CoordinatorThread thread, Executor reader) {
    this.store = store;
    this.txnLog = txnLog;
    this.completion = completion;
    this.thread = thread;
    this.reader = reader;
  }

  /** This broker leads {@code partition} from {@code leaderEpoch} on: a new term, loaded now. */
  void lead(int partition, int leaderEpoch) {
    Term term = store.terms().begin(partition, leaderEpoch, false);
    try {
      store.terms()
          .load(partition, term, reader, () -> txnLog.read(partition), thread, read -> {
            store.replacePartition(partition, read);
            log.info("Coordinating the {} transactional id(s) of {}-{} at coordinator epoch {}", read.size(),
                TransactionCoordinator.STATE_TOPIC, partition, leaderEpoch);
          })
          .thenAccept(applied -> {
            // On the coordinator thread, the term now loaded: finish what the previous leader decided.
            if (applied) completion.completePrepared(partition);
          });
    } catch (RejectedExecutionException e) {
      log.warn("Not loading {}-{}: the coordinator is shut down", TransactionCoordinator.STATE_TOPIC, partition);
    }
  }

  /** This broker no longer leads {@code partition}: its ids answer NOT_COORDINATOR and are dropped. */
  void resign(int partition) {
    if (store.terms().end(partition)) {
      log.info("No longer coordinating the transactional ids of {}-{}", TransactionCoordinator.STATE_TOPIC, partition);
    }
    thread.run(() -> {
      if (store.terms().term(partition).isEmpty()) store.dropPartition(partition);
    });
  }
}
