package dev.brook.broker.txn;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.brook.broker.txn.TransactionCoordinator.InitResult;
import dev.brook.storage.Clock;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Failures answer, never stall: with a state log, a marker writer, a producer-id source or the
 * coordinator's own thread failing, every public operation completes (bounded waits) with a Kafka
 * error code. The coordinator runs on real threads here, as in a broker.
 */
class TxnFailuresAnswerTest {
  static final TopicPartition T0 = new TopicPartition("t", 0);
  static final TopicPartition T1 = new TopicPartition("t", 1);
  static final long PID = 100;
  static final short EPOCH = 3;

  final AtomicLong now = new AtomicLong(1_000_000);
  final Clock clock = new Clock() {
    @Override
    public long milliseconds() {
      return now.get();
    }

    @Override
    public long nanoseconds() {
      return now.get() * 1_000_000;
    }
  };
  final ExecutorService thread = Executors.newSingleThreadExecutor();
  final ExecutorService reader = Executors.newSingleThreadExecutor();
  /** What the state partitions hold before the failures start: one open transaction, "tx". */
  final MemoryTxnLog stored = new MemoryTxnLog();
  final MarkerWriter goodMarkers = (pid, epoch, coordinatorEpoch, commit, partitions, stillNeeded) ->
      CompletableFuture.completedFuture(Map.of());

  @AfterEach
  void stop() {
    thread.shutdownNow();
    reader.shutdownNow();
  }

  private TransactionCoordinator start(TxnLog log, MarkerWriter markers, TransactionCoordinator.ProducerIds ids) {
    TransactionCoordinator c = new TransactionCoordinator(new TxnCoordinatorConfig(1, 1 << 20, 60_000, 100, 3_600_000),
        log, markers, ids, groupId -> 0, tp -> true, clock, thread, reader);
    TxnRecord open = TxnRecords.ongoing(TxnRecords.withProducer(TxnRecords.fresh("tx", PID, 1000, 1), PID, -1, EPOCH),
        Set.of(T0), now.get(), now.get());
    stored.append(0, "tx", open);
    c.load();
    return c;
  }

  private static void awaitLoaded(TransactionCoordinator c) {
    await().atMost(Duration.ofSeconds(5)).until(() -> c.ownership("tx") == Errors.NONE);
  }

  /** A log that reads what is stored and whose appends fail as {@code append} says. */
  private TxnLog failingAppends(java.util.function.Supplier<CompletableFuture<Void>> append) {
    return new TxnLog() {
      @Override
      public CompletableFuture<Void> append(int partition, String transactionalId, TxnRecord record) {
        return append.get();
      }

      @Override
      public Map<String, TxnRecord> read(int partition) {
        return stored.read(partition);
      }
    };
  }

  /**
   * Each state-changing operation answers an error; the transaction stays as it was. {@code
   * running}: the coordinator thread still runs (the failure is further down).
   */
  private void everyChangeAnswersAnError(TransactionCoordinator c, boolean running) throws Exception {
    assertThat(c.initProducerId("new-id", 1000, -1, (short) -1).get(5, SECONDS).error())
        .isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
    assertThat(c.addPartitions("tx", PID, EPOCH, List.of(T1), false).get(5, SECONDS))
        .containsEntry(T1, Errors.COORDINATOR_NOT_AVAILABLE);
    assertThat(c.addOffsets("tx", PID, EPOCH, "g").get(5, SECONDS)).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
    assertThat(c.endTransaction("tx", PID, EPOCH, true).get(5, SECONDS)).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
    // Fencing the open transaction fails: the new instance retries.
    assertThat(c.initProducerId("tx", 1000, -1, (short) -1).get(5, SECONDS).error())
        .isEqualTo(running ? Errors.CONCURRENT_TRANSACTIONS : Errors.COORDINATOR_NOT_AVAILABLE);
    now.addAndGet(10_000_000);
    assertThat(c.abortTimedOutTransactions().get(5, SECONDS)).isEqualTo(running ? List.of("tx") : List.of());
    assertThat(c.expireTransactionalIds().get(5, SECONDS)).isEmpty();
    assertThat(c.describe("tx").state()).isEqualTo(TxnState.ONGOING);
    assertThat(c.list()).hasSize(1);
  }

  @Test
  void stateLogWhoseAppendThrows() throws Exception {
    TransactionCoordinator c = start(failingAppends(() -> {
      throw new IllegalStateException("append throws (test)");
    }), goodMarkers, () -> 7);
    awaitLoaded(c);
    everyChangeAnswersAnError(c, true);
  }

  @Test
  void stateLogWhoseAppendFutureFails() throws Exception {
    TransactionCoordinator c = start(failingAppends(() -> CompletableFuture.failedFuture(new IOException("disk (test)"))),
        goodMarkers, () -> 7);
    awaitLoaded(c);
    everyChangeAnswersAnError(c, true);
  }

  @Test
  void stateLogWhoseReadThrowsLeavesItsIdsLoadingAndAnswering() throws Exception {
    TransactionCoordinator c = start(new TxnLog() {
      @Override
      public CompletableFuture<Void> append(int partition, String transactionalId, TxnRecord record) {
        return stored.append(partition, transactionalId, record);
      }

      @Override
      public Map<String, TxnRecord> read(int partition) throws IOException {
        throw new IOException("read fails (test)");
      }
    }, goodMarkers, () -> 7);
    assertThat(c.initProducerId("tx", 1000, -1, (short) -1).get(5, SECONDS).error())
        .isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
    assertThat(c.addPartitions("tx", PID, EPOCH, List.of(T1), false).get(5, SECONDS))
        .containsEntry(T1, Errors.COORDINATOR_LOAD_IN_PROGRESS);
    assertThat(c.addOffsets("tx", PID, EPOCH, "g").get(5, SECONDS)).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
    assertThat(c.endTransaction("tx", PID, EPOCH, false).get(5, SECONDS)).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
    assertThat(c.verifyPartition("tx", PID, EPOCH, T0)).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
    assertThat(c.abortTimedOutTransactions().get(5, SECONDS)).isEmpty();
    assertThat(c.expireTransactionalIds().get(5, SECONDS)).isEmpty();
    assertThat(c.isLoaded()).isFalse(); // ListTransactions answers COORDINATOR_LOAD_IN_PROGRESS
    assertThat(c.describe("tx")).isNull();
  }

  @Test
  void markerWriterThatThrowsLeavesTheOutcomeDecidedAndRetriable() throws Exception {
    MarkerWriter throwing = (pid, epoch, coordinatorEpoch, commit, partitions, stillNeeded) -> {
      throw new IllegalStateException("markers throw (test)");
    };
    TransactionCoordinator c = start(stored, throwing, () -> 7);
    awaitLoaded(c);
    assertThat(c.endTransaction("tx", PID, EPOCH, true).get(5, SECONDS)).as("the outcome is durable").isEqualTo(Errors.NONE);
    assertThat(c.describe("tx").state()).isEqualTo(TxnState.PREPARE_COMMIT);
    assertThat(c.endTransaction("tx", PID, EPOCH, true).get(5, SECONDS)).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
    assertThat(c.addPartitions("tx", PID, EPOCH, List.of(T1), false).get(5, SECONDS))
        .containsEntry(T1, Errors.CONCURRENT_TRANSACTIONS);
    assertThat(c.initProducerId("tx", 1000, -1, (short) -1).get(5, SECONDS).error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
    assertThat(c.abortTimedOutTransactions().get(5, SECONDS)).isEmpty();
  }

  @Test
  void markerWriterWhoseFutureFailsAbortsNothingAndAnswers() throws Exception {
    MarkerWriter failing = (pid, epoch, coordinatorEpoch, commit, partitions, stillNeeded) ->
        CompletableFuture.failedFuture(new IOException("markers fail (test)"));
    TransactionCoordinator c = start(stored, failing, () -> 7);
    awaitLoaded(c);
    now.addAndGet(10_000_000);
    assertThat(c.abortTimedOutTransactions().get(5, SECONDS)).containsExactly("tx");
    assertThat(c.describe("tx").state()).isEqualTo(TxnState.PREPARE_ABORT);
    assertThat(c.initProducerId("tx", 1000, -1, (short) -1).get(5, SECONDS).error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
  }

  @Test
  void producerIdSourceThatFailsAnswersCoordinatorNotAvailable() throws Exception {
    TransactionCoordinator c = start(stored, goodMarkers, () -> {
      throw new IOException("no block of ids (test)");
    });
    awaitLoaded(c);
    assertThat(c.initProducerId("new-id", 1000, -1, (short) -1).get(5, SECONDS).error())
        .isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
  }

  @Test
  void coordinatorThreadShutDownAnswersEveryOperation() throws Exception {
    TransactionCoordinator c = start(stored, goodMarkers, () -> 7);
    awaitLoaded(c);
    thread.shutdownNow();
    everyChangeAnswersAnError(c, false);
    // Leadership events after the shutdown drop quietly; reads still answer.
    c.onBecomeLeader(new TopicPartition(TransactionCoordinator.STATE_TOPIC, 0), 5);
    assertThat(c.initProducerId("tx", 1000, -1, (short) -1).get(5, SECONDS).error())
        .isIn(Errors.COORDINATOR_LOAD_IN_PROGRESS, Errors.COORDINATOR_NOT_AVAILABLE);
  }

  @Test
  void coordinatorThreadShutDownWhileAWriteIsInFlightStillAnswers() throws Exception {
    CompletableFuture<Void> slow = new CompletableFuture<>();
    TransactionCoordinator c = start(failingAppends(() -> slow), goodMarkers, () -> 7);
    awaitLoaded(c);
    CompletableFuture<Errors> end = c.endTransaction("tx", PID, EPOCH, false);
    await().atMost(Duration.ofSeconds(5)).until(() -> {
      // the EndTxn is now waiting for its PREPARE_ABORT to be durable
      return c.endTransaction("tx", PID, EPOCH, false).get(5, SECONDS) == Errors.CONCURRENT_TRANSACTIONS;
    });
    thread.shutdownNow();
    slow.complete(null);
    assertThat(end.get(5, SECONDS)).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
  }
}
