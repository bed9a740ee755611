package dev.brook.broker.txn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.txn.TransactionCoordinator.InitResult;
import dev.brook.storage.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The coordinator's state machine over an in-memory log, with a fake clock and recorded markers. */
class TransactionCoordinatorTest {
  static final TopicPartition T0 = new TopicPartition("t", 0);
  static final TopicPartition T1 = new TopicPartition("t", 1);
  static final TopicPartition MISSING = new TopicPartition("missing", 0);

  /** Monotonic time (ms); the wall clock is {@code now + wallOffset}, so a test can step it alone. */
  final AtomicLong now = new AtomicLong(1_000_000);
  final AtomicLong wallOffset = new AtomicLong();
  final Clock clock = new Clock() {
    @Override
    public long milliseconds() {
      return now.get() + wallOffset.get();
    }

    @Override
    public long nanoseconds() {
      return now.get() * 1_000_000;
    }
  };
  final MemoryTxnLog txnLog = new MemoryTxnLog();
  final RecordingMarkers markers = new RecordingMarkers();
  final TransactionCoordinator.GroupPartitions groups = groupId -> 7;
  long nextPid = 100;
  TransactionCoordinator coordinator;

  record Marker(long producerId, short epoch, boolean commit, Set<TopicPartition> partitions) {}

  static final class RecordingMarkers implements MarkerWriter {
    final List<Marker> written = new ArrayList<>();
    Errors failWith = Errors.NONE;

    final List<Integer> coordinatorEpochs = new ArrayList<>();

    @Override
    public CompletableFuture<Map<TopicPartition, Errors>> write(long producerId, short producerEpoch,
        int coordinatorEpoch, boolean commit, Collection<TopicPartition> partitions, BooleanSupplier stillNeeded) {
      Map<TopicPartition, Errors> out = new LinkedHashMap<>();
      for (TopicPartition tp : partitions) out.put(tp, failWith);
      if (failWith == Errors.NONE) {
        written.add(new Marker(producerId, producerEpoch, commit, Set.copyOf(partitions)));
        coordinatorEpochs.add(coordinatorEpoch);
      }
      return CompletableFuture.completedFuture(out);
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    coordinator = newCoordinator();
    coordinator.load();
  }

  private TransactionCoordinator newCoordinator() {
    return new TransactionCoordinator(new TxnCoordinatorConfig(5, 1 << 20, 60_000, 100, 3_600_000), txnLog, markers,
        () -> nextPid++, groups, tp -> !tp.topic().equals("missing"), clock, Runnable::run, Runnable::run);
  }

  private InitResult init(String id) {
    return coordinator.initProducerId(id, 60_000, -1, (short) -1).join();
  }

  private Errors addOne(InitResult r, TopicPartition tp) {
    return coordinator.addPartitions("tx", r.producerId(), r.producerEpoch(), List.of(tp), false).join().get(tp);
  }

  private Errors end(InitResult r, boolean commit) {
    return coordinator.endTransaction("tx", r.producerId(), r.producerEpoch(), commit).join();
  }

  @Test
  void newTransactionalIdStartsAtEpochZeroAndEachInitBumpsTheEpoch() {
    InitResult first = init("tx");
    assertThat(first).isEqualTo(new InitResult(Errors.NONE, 100, (short) 0));
    InitResult second = init("tx");
    assertThat(second).isEqualTo(new InitResult(Errors.NONE, 100, (short) 1));
    assertThat(coordinator.describe("tx").state()).isEqualTo(TxnState.EMPTY);
  }

  @Test
  void timeoutAboveTheMaximumOrNotPositiveIsInvalidTransactionTimeout() {
    assertThat(coordinator.initProducerId("tx", 60_001, -1, (short) -1).join().error()).isEqualTo(Errors.INVALID_TRANSACTION_TIMEOUT);
    assertThat(coordinator.initProducerId("tx", 0, -1, (short) -1).join().error()).isEqualTo(Errors.INVALID_TRANSACTION_TIMEOUT);
    assertThat(coordinator.initProducerId("tx", 1000, -1, (short) -1).join().error()).isEqualTo(Errors.NONE);
    assertThat(coordinator.initProducerId("", 1000, -1, (short) -1).join().error()).isEqualTo(Errors.INVALID_REQUEST);
  }

  @Test
  void idsOfPartitionsNotLedAreNotCoordinatorAndLoadingOnesLoadInProgress() {
    java.util.ArrayDeque<Runnable> queued = new java.util.ArrayDeque<>();
    TransactionCoordinator fresh = new TransactionCoordinator(new TxnCoordinatorConfig(5, 1 << 20, 60_000, 100, 3_600_000),
        txnLog, markers, () -> nextPid++, groups, tp -> true, clock, queued::add, queued::add);
    assertThat(fresh.initProducerId("tx", 1000, -1, (short) -1).join().error()).isEqualTo(Errors.NOT_COORDINATOR);
    assertThat(fresh.verifyPartition("tx", 1, (short) 0, T0)).as("not verified here").isEqualTo(Errors.NONE);
    fresh.onBecomeLeader(stateTp("tx"), 3);
    assertThat(fresh.initProducerId("tx", 1000, -1, (short) -1).join().error()).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
    assertThat(fresh.addPartitions("tx", 1, (short) 0, List.of(T0), false).join().get(T0)).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
    assertThat(fresh.endTransaction("tx", 1, (short) 0, true).join()).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
    assertThat(fresh.verifyPartition("tx", 1, (short) 0, T0)).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
    CompletableFuture<InitResult> init = fresh.initProducerId("other-id-elsewhere", 1000, -1, (short) -1);
    assertThat(init.join().error()).isEqualTo(fresh.partitionFor("other-id-elsewhere") == fresh.partitionFor("tx")
        ? Errors.COORDINATOR_LOAD_IN_PROGRESS : Errors.NOT_COORDINATOR);
    while (!queued.isEmpty()) queued.poll().run();
    assertThat(fresh.coordinatorEpoch(fresh.partitionFor("tx"))).isEqualTo(3);
    CompletableFuture<InitResult> ok = fresh.initProducerId("tx", 1000, -1, (short) -1);
    assertThat(ok).as("answered on the coordinator's thread, not the caller's").isNotDone();
    while (!queued.isEmpty()) queued.poll().run();
    assertThat(ok.join().error()).isEqualTo(Errors.NONE);
  }

  @Test
  void markersCarryTheLeaderEpochOfTheStatePartitionAsCoordinatorEpoch() {
    coordinator.onBecomeLeader(stateTp("tx"), 7);
    InitResult r = init("tx");
    addOne(r, T0);
    assertThat(end(r, true)).isEqualTo(Errors.NONE);
    assertThat(markers.coordinatorEpochs).containsExactly(7);
  }

  @Test
  void resignDropsTheIdsAndTheNextLeaderCompletesThePreparedTransaction() {
    InitResult r = init("tx");
    addOne(r, T0);
    markers.failWith = Errors.NOT_LEADER_OR_FOLLOWER;
    assertThat(end(r, true)).isEqualTo(Errors.NONE);
    coordinator.onResign(stateTp("tx"));
    assertThat(coordinator.describe("tx")).isNull();
    assertThat(addOne(r, T1)).isEqualTo(Errors.NOT_COORDINATOR);
    assertThat(end(r, true)).isEqualTo(Errors.NOT_COORDINATOR);
    // Another broker (here: a new coordinator over the same replicated log) becomes the leader.
    markers.failWith = Errors.NONE;
    TransactionCoordinator next = newCoordinator();
    next.onBecomeLeader(stateTp("tx"), 1);
    assertThat(next.describe("tx").state()).isEqualTo(TxnState.COMPLETE_COMMIT);
    assertThat(markers.written).containsExactly(new Marker(100, (short) 0, true, Set.of(T0)));
    assertThat(markers.coordinatorEpochs).containsExactly(1);
  }

  @Test
  void aStateAppendThatFinishesAfterResignIsNotApplied() {
    InitResult r = init("tx");
    CompletableFuture<Void> slow = new CompletableFuture<>();
    TxnLog delayed = new TxnLog() {
      @Override
      public CompletableFuture<Void> append(int partition, String transactionalId, TxnRecord record) {
        txnLog.append(partition, transactionalId, record);
        return slow;
      }

      @Override
      public Map<String, TxnRecord> read(int partition) {
        return txnLog.read(partition);
      }
    };
    TransactionCoordinator c = new TransactionCoordinator(new TxnCoordinatorConfig(5, 1 << 20, 60_000, 100, 3_600_000),
        delayed, markers, () -> nextPid++, groups, tp -> true, clock, Runnable::run, Runnable::run);
    c.onBecomeLeader(stateTp("tx"), 0);
    CompletableFuture<Map<TopicPartition, Errors>> add = c.addPartitions("tx", r.producerId(), r.producerEpoch(), List.of(T0), false);
    assertThat(add).isNotDone();
    assertThat(c.addPartitions("tx", r.producerId(), r.producerEpoch(), List.of(T1), false).join().get(T1))
        .isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
    c.onResign(stateTp("tx"));
    slow.complete(null);
    assertThat(add.join().get(T0)).isEqualTo(Errors.NOT_COORDINATOR);
    assertThat(c.describe("tx")).isNull();
  }

  private TopicPartition stateTp(String transactionalId) {
    return new TopicPartition(TransactionCoordinator.STATE_TOPIC, coordinator.partitionFor(transactionalId));
  }

  @Test
  void commitWritesCommitMarkersToEveryPartitionAndCompletes() {
    InitResult r = init("tx");
    assertThat(addOne(r, T0)).isEqualTo(Errors.NONE);
    assertThat(addOne(r, T1)).isEqualTo(Errors.NONE);
    assertThat(coordinator.describe("tx").state()).isEqualTo(TxnState.ONGOING);
    assertThat(coordinator.verifyPartition("tx", r.producerId(), r.producerEpoch(), T0)).isEqualTo(Errors.NONE);
    assertThat(end(r, true)).isEqualTo(Errors.NONE);
    assertThat(markers.written).containsExactly(new Marker(100, (short) 0, true, Set.of(T0, T1)));
    assertThat(coordinator.describe("tx").state()).isEqualTo(TxnState.COMPLETE_COMMIT);
    assertThat(coordinator.describe("tx").partitions()).isEmpty();
    // A retried EndTxn(commit) succeeds; abort after commit is INVALID_TXN_STATE.
    assertThat(end(r, true)).isEqualTo(Errors.NONE);
    assertThat(end(r, false)).isEqualTo(Errors.INVALID_TXN_STATE);
    assertThat(coordinator.verifyPartition("tx", r.producerId(), r.producerEpoch(), T0)).isEqualTo(Errors.INVALID_TXN_STATE);
  }

  @Test
  void abortWritesAbortMarkersAndCommitAfterAbortIsInvalidTxnState() {
    InitResult r = init("tx");
    addOne(r, T0);
    assertThat(end(r, false)).isEqualTo(Errors.NONE);
    assertThat(markers.written).containsExactly(new Marker(100, (short) 0, false, Set.of(T0)));
    assertThat(coordinator.describe("tx").state()).isEqualTo(TxnState.COMPLETE_ABORT);
    assertThat(end(r, false)).isEqualTo(Errors.NONE);
    assertThat(end(r, true)).isEqualTo(Errors.INVALID_TXN_STATE);
  }

  @Test
  void endTxnWithoutAnOpenTransactionIsInvalidTxnState() {
    InitResult r = init("tx");
    assertThat(end(r, true)).isEqualTo(Errors.INVALID_TXN_STATE);
    assertThat(end(r, false)).isEqualTo(Errors.INVALID_TXN_STATE);
  }

  @Test
  void unknownIdOrProducerIsInvalidProducerIdMappingAndOldEpochIsFenced() {
    assertThat(coordinator.addPartitions("nope", 1, (short) 0, List.of(T0), false).join().get(T0))
        .isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
    InitResult old = init("tx");
    InitResult current = init("tx");
    assertThat(coordinator.addPartitions("tx", 999, current.producerEpoch(), List.of(T0), false).join().get(T0))
        .isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
    assertThat(addOne(old, T0)).isEqualTo(Errors.PRODUCER_FENCED);
    assertThat(end(old, true)).isEqualTo(Errors.PRODUCER_FENCED);
    assertThat(coordinator.addOffsets("tx", old.producerId(), old.producerEpoch(), "g").join()).isEqualTo(Errors.PRODUCER_FENCED);
    assertThat(coordinator.verifyPartition("tx", old.producerId(), old.producerEpoch(), T0)).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
    assertThat(coordinator.endTransaction("nope", 1, (short) 0, true).join()).isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
  }

  @Test
  void newInstanceAbortsTheOpenTransactionAtAHigherEpochAndFencesTheOldOne() {
    InitResult zombie = init("tx");
    addOne(zombie, T0);
    InitResult fresh = init("tx");
    assertThat(fresh.error()).isEqualTo(Errors.NONE);
    assertThat(fresh.producerEpoch()).isEqualTo((short) 2);
    assertThat(markers.written).containsExactly(new Marker(100, (short) 1, false, Set.of(T0)));
    assertThat(end(zombie, true)).isEqualTo(Errors.PRODUCER_FENCED);
    assertThat(coordinator.describe("tx").state()).isEqualTo(TxnState.EMPTY);
  }

  @Test
  void kip360BumpWithTheCurrentEpochAndItsRetryAndAStaleBumpIsFenced() {
    InitResult r = init("tx");
    addOne(r, T0);
    InitResult bumped = coordinator.initProducerId("tx", 60_000, r.producerId(), r.producerEpoch()).join();
    assertThat(bumped.error()).isEqualTo(Errors.NONE);
    assertThat(bumped.producerEpoch()).isGreaterThan(r.producerEpoch());
    assertThat(markers.written).hasSize(1); // the open transaction was aborted
    // The same request retried (the client missed the answer) gets the same id and epoch.
    short lastEpoch = coordinator.describe("tx").lastProducerEpoch();
    assertThat(coordinator.initProducerId("tx", 60_000, r.producerId(), lastEpoch).join()).isEqualTo(bumped);
    assertThat(coordinator.initProducerId("tx", 60_000, r.producerId(), (short) 42).join().error()).isEqualTo(Errors.PRODUCER_FENCED);
    assertThat(coordinator.initProducerId("tx", 60_000, 12345, bumped.producerEpoch()).join().error()).isEqualTo(Errors.PRODUCER_FENCED);
  }

  @Test
  void exhaustedEpochMovesToANewProducerId() throws Exception {
    TxnRecord near = new TxnRecord("tx", 100, -1, (short) (Short.MAX_VALUE - 1), (short) -1, 60_000, TxnState.EMPTY,
        Set.of(), -1, now.get());
    txnLog.append(coordinator.partitionFor("tx"), "tx", near);
    coordinator.load();
    nextPid = 500;
    InitResult r = init("tx");
    assertThat(r).isEqualTo(new InitResult(Errors.NONE, 500, (short) 0));
    assertThat(coordinator.describe("tx").lastProducerId()).isEqualTo(100);
  }

  @Test
  void unknownPartitionsAreRejectedAndTheOthersNotAttempted() {
    InitResult r = init("tx");
    Map<TopicPartition, Errors> out = coordinator.addPartitions("tx", r.producerId(), r.producerEpoch(), List.of(T0, MISSING), false).join();
    assertThat(out).containsEntry(T0, Errors.OPERATION_NOT_ATTEMPTED).containsEntry(MISSING, Errors.UNKNOWN_TOPIC_OR_PARTITION);
    assertThat(coordinator.describe("tx").state()).isEqualTo(TxnState.EMPTY);
  }

  @Test
  void verifyOnlyChangesNothing() {
    InitResult r = init("tx");
    addOne(r, T0);
    Map<TopicPartition, Errors> out = coordinator.addPartitions("tx", r.producerId(), r.producerEpoch(), List.of(T0, T1), true).join();
    assertThat(out).containsEntry(T0, Errors.NONE).containsEntry(T1, Errors.INVALID_TXN_STATE);
    assertThat(coordinator.describe("tx").partitions()).containsExactly(T0);
  }

  @Test
  void failedMarkersLeaveThePreparedStateConcurrentUntilRetried() {
    InitResult r = init("tx");
    addOne(r, T0);
    markers.failWith = Errors.NOT_LEADER_OR_FOLLOWER;
    assertThat(end(r, true)).isEqualTo(Errors.NONE); // the outcome is durable
    assertThat(coordinator.describe("tx").state()).isEqualTo(TxnState.PREPARE_COMMIT);
    assertThat(addOne(r, T1)).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
    assertThat(init("tx").error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
    assertThat(end(r, true)).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
    assertThat(end(r, false)).isEqualTo(Errors.INVALID_TXN_STATE);
    markers.failWith = Errors.NONE;
    coordinator.retryIncomplete();
    assertThat(coordinator.describe("tx").state()).isEqualTo(TxnState.COMPLETE_COMMIT);
    assertThat(addOne(r, T1)).isEqualTo(Errors.NONE);
  }

  @Test
  void failedStateAppendIsCoordinatorNotAvailableNotUnknownServerError() {
    InitResult r = init("tx");
    txnLog.failAppends(true);
    assertThat(addOne(r, T0)).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
    assertThat(init("tx").error()).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
    txnLog.failAppends(false);
    assertThat(addOne(r, T0)).isEqualTo(Errors.NONE);
  }

  @Test
  void timedOutTransactionIsAbortedAtABumpedEpoch() {
    InitResult r = coordinator.initProducerId("tx", 1000, -1, (short) -1).join();
    coordinator.addPartitions("tx", r.producerId(), r.producerEpoch(), List.of(T0), false).join();
    now.addAndGet(999);
    assertThat(coordinator.abortTimedOutTransactions().join()).isEmpty();
    now.addAndGet(1);
    assertThat(coordinator.abortTimedOutTransactions().join()).containsExactly("tx");
    assertThat(markers.written).containsExactly(new Marker(100, (short) 1, false, Set.of(T0)));
    assertThat(coordinator.describe("tx").state()).isEqualTo(TxnState.COMPLETE_ABORT);
    assertThat(coordinator.endTransaction("tx", r.producerId(), r.producerEpoch(), true).join()).isEqualTo(Errors.PRODUCER_FENCED);
  }

  private InitResult openWithTimeout1s(TransactionCoordinator c) {
    InitResult r = c.initProducerId("tx", 1000, -1, (short) -1).join();
    assertThat(c.addPartitions("tx", r.producerId(), r.producerEpoch(), List.of(T0), false).join().get(T0))
        .isEqualTo(Errors.NONE);
    return r;
  }

  /** Asserts that {@code c} aborts "tx" once {@code msLeft} more ms have passed, not one ms earlier. */
  private void assertAbortedAfter(TransactionCoordinator c, long msLeft) {
    now.addAndGet(msLeft - 1);
    assertThat(c.abortTimedOutTransactions().join()).as("aborted before its timeout").isEmpty();
    assertThat(c.describe("tx").state()).isEqualTo(TxnState.ONGOING);
    now.addAndGet(1);
    assertThat(c.abortTimedOutTransactions().join()).as("not aborted at its timeout").containsExactly("tx");
    assertThat(c.describe("tx").state()).isEqualTo(TxnState.COMPLETE_ABORT);
  }

  // PartitionFaultIT seed 99: the open transaction started on broker 1 while its wall clock ran 600 s
  // ahead; judged by start + timeout <= wall clock, it would have been aborted 610 s later.
  @Test
  void transactionStartedWhileTheWallClockRanAheadIsAbortedAtItsTimeoutAfterTheClockIsSetBack() {
    wallOffset.set(600_000);
    openWithTimeout1s(coordinator);
    wallOffset.set(0);
    assertAbortedAfter(coordinator, 1000);
  }

  @Test
  void wallClockSteppedForwardDoesNotAbortAnOpenTransactionBeforeItsTimeout() {
    openWithTimeout1s(coordinator);
    now.addAndGet(300);
    wallOffset.set(600_000);
    assertAbortedAfter(coordinator, 700);
  }

  @Test
  void newCoordinatorAbortsATransactionStampedInTheFutureWithinItsTimeout() {
    wallOffset.set(600_000); // the broker that started it ran 600 s ahead; the next one does not
    openWithTimeout1s(coordinator);
    wallOffset.set(0);
    now.addAndGet(200);
    TransactionCoordinator next = newCoordinator();
    next.load();
    assertAbortedAfter(next, 1000);
  }

  @Test
  void newCoordinatorWithAClockInAgreementKeepsTheTransactionsDeadline() {
    openWithTimeout1s(coordinator);
    now.addAndGet(600);
    TransactionCoordinator next = newCoordinator();
    next.load();
    assertAbortedAfter(next, 400);
  }

  @Test
  void leadingTheStatePartitionAgainDoesNotPostponeTheDeadline() {
    wallOffset.set(600_000);
    openWithTimeout1s(coordinator);
    wallOffset.set(0);
    now.addAndGet(600);
    coordinator.onResign(stateTp("tx"));
    assertThat(coordinator.describe("tx")).isNull();
    coordinator.onBecomeLeader(stateTp("tx"), 1);
    assertAbortedAfter(coordinator, 400);
  }

  @Test
  void transactionOpenedAgainAfterItsAbortGetsAFullTimeout() {
    openWithTimeout1s(coordinator);
    now.addAndGet(1000);
    assertThat(coordinator.abortTimedOutTransactions().join()).containsExactly("tx");
    InitResult again = coordinator.initProducerId("tx", 1000, -1, (short) -1).join();
    assertThat(again.error()).isEqualTo(Errors.NONE);
    assertThat(coordinator.addPartitions("tx", again.producerId(), again.producerEpoch(), List.of(T1), false).join()
        .get(T1)).isEqualTo(Errors.NONE);
    assertAbortedAfter(coordinator, 1000);
  }

  @Test
  void idleTransactionalIdExpiresAndStartsAfreshWithANewProducerId() throws Exception {
    InitResult r = init("tx");
    addOne(r, T0);
    now.addAndGet(3_600_000);
    assertThat(coordinator.expireTransactionalIds().join()).as("an open transaction never expires").isEmpty();
    end(r, true);
    now.addAndGet(3_599_999);
    assertThat(coordinator.expireTransactionalIds().join()).isEmpty();
    now.addAndGet(1);
    assertThat(coordinator.expireTransactionalIds().join()).containsExactly("tx");
    assertThat(coordinator.describe("tx")).isNull();
    assertThat(txnLog.read(coordinator.partitionFor("tx"))).doesNotContainKey("tx");
    assertThat(init("tx")).isEqualTo(new InitResult(Errors.NONE, 101, (short) 0));
  }

  @Test
  void preparedTransactionIsCompletedAfterRestart() throws Exception {
    InitResult r = init("tx");
    addOne(r, T0);
    markers.failWith = Errors.NOT_LEADER_OR_FOLLOWER;
    end(r, false);
    markers.failWith = Errors.NONE;
    TransactionCoordinator restarted = newCoordinator();
    restarted.load();
    assertThat(restarted.describe("tx").state()).isEqualTo(TxnState.COMPLETE_ABORT);
    assertThat(markers.written).containsExactly(new Marker(100, (short) 0, false, Set.of(T0)));
    // Producer ids continue; the state is kept across the restart.
    assertThat(restarted.initProducerId("tx", 60_000, -1, (short) -1).join().producerEpoch()).isEqualTo((short) 1);
  }

  @Test
  void groupPartitionJoinsTheTransactionAndGetsItsMarker() {
    InitResult r = init("tx");
    TopicPartition offsets = new TopicPartition("__consumer_offsets", 7);
    assertThat(coordinator.addOffsets("tx", r.producerId(), r.producerEpoch(), "g").join()).isEqualTo(Errors.NONE);
    assertThat(coordinator.describe("tx").partitions()).containsExactly(offsets);
    assertThat(end(r, true)).isEqualTo(Errors.NONE);
    // The group's coordinator commits the transaction's offsets when this marker reaches it.
    assertThat(markers.written).containsExactly(new Marker(r.producerId(), r.producerEpoch(), true, Set.of(offsets)));
    assertThat(coordinator.addOffsets("tx", r.producerId(), (short) 9, "g").join()).isEqualTo(Errors.PRODUCER_FENCED);
    assertThat(coordinator.addOffsets("tx", r.producerId(), r.producerEpoch(), "").join()).isEqualTo(Errors.INVALID_GROUP_ID);
  }
}
