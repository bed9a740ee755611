package dev.brook.broker.txn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.coordinator.PartitionTerms.Term;
import dev.brook.broker.txn.TxnStateMachine.Origin;
import dev.brook.storage.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every state change goes through {@link TxnStateStore#transition}: each legal transition is
 * written and applied, each illegal one refused with the client's error and never written. The
 * table below is Kafka's (TransactionState's valid previous states), before transaction version 2.
 */
class TxnStateMachineTest {
  static final TopicPartition T0 = new TopicPartition("t", 0);
  static final String ID = "tx";

  /** The legal transitions, written out rather than derived, so the test checks the code. */
  static final Map<TxnState, Set<TxnState>> LEGAL = Map.of(
      TxnState.EMPTY, EnumSet.of(TxnState.EMPTY, TxnState.ONGOING, TxnState.DEAD),
      TxnState.ONGOING, EnumSet.of(TxnState.ONGOING, TxnState.PREPARE_COMMIT, TxnState.PREPARE_ABORT),
      TxnState.PREPARE_COMMIT, EnumSet.of(TxnState.COMPLETE_COMMIT),
      TxnState.PREPARE_ABORT, EnumSet.of(TxnState.COMPLETE_ABORT),
      TxnState.COMPLETE_COMMIT, EnumSet.of(TxnState.EMPTY, TxnState.ONGOING, TxnState.DEAD),
      TxnState.COMPLETE_ABORT, EnumSet.of(TxnState.EMPTY, TxnState.ONGOING, TxnState.DEAD),
      TxnState.DEAD, EnumSet.noneOf(TxnState.class));

  /** A log that records what was written. */
  static final class CountingLog implements TxnLog {
    final MemoryTxnLog log = new MemoryTxnLog();
    final List<TxnRecord> appended = new ArrayList<>();

    @Override
    public CompletableFuture<Void> append(int partition, String transactionalId, TxnRecord record) {
      appended.add(record);
      return log.append(partition, transactionalId, record);
    }

    @Override
    public Map<String, TxnRecord> read(int partition) {
      return log.read(partition);
    }
  }

  final CountingLog txnLog = new CountingLog();
  final TxnStateStore store = new TxnStateStore(1, txnLog, Runnable::run, new TxnDeadlines(Clock.SYSTEM));
  Term term;

  private TxnRecord seed(TxnState state) {
    term = store.terms().begin(0, 0, false);
    TxnRecord r = TxnRecords.withState(TxnRecords.ongoing(TxnRecords.fresh(ID, 7, 1000, 1), Set.of(T0), 1, 1), state, 2);
    store.replacePartition(0, Map.of(ID, r));
    return r;
  }

  static Stream<Arguments> everyTransition() {
    return EnumSet.allOf(TxnState.class).stream().filter(s -> s != TxnState.DEAD)
        .flatMap(from -> EnumSet.allOf(TxnState.class).stream().map(to -> Arguments.of(from, to)));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("everyTransition")
  void legalTransitionIsWrittenAndIllegalOneRefusedWithoutWriting(TxnState from, TxnState to) {
    TxnRecord current = seed(from);
    TxnRecord next = TxnRecords.withState(current, to, 3);
    Errors answer = store.transition(current, next, term, Origin.CLIENT).join();
    if (LEGAL.get(from).contains(to)) {
      assertThat(answer).isEqualTo(Errors.NONE);
      assertThat(txnLog.appended).hasSize(1);
      if (to == TxnState.DEAD) {
        assertThat(store.get(ID)).as("an expired id is a tombstone").isNull();
        assertThat(txnLog.appended.get(0)).isNull();
      } else {
        assertThat(store.get(ID)).isEqualTo(next);
      }
    } else {
      assertThat(answer).isEqualTo(from.isPrepare() ? Errors.CONCURRENT_TRANSACTIONS : Errors.INVALID_TXN_STATE);
      assertThat(txnLog.appended).as("a refused transition is never written").isEmpty();
      assertThat(store.get(ID)).isSameAs(current);
    }
  }

  @Test
  void tableMatchesTheRulesAndTheRulesAreNarrowerThanTv2ForPrepare() {
    for (TxnState from : TxnState.values()) {
      for (TxnState to : TxnState.values()) {
        assertThat(TxnStateMachine.allowed(from, to)).as(from + " -> " + to).isEqualTo(LEGAL.get(from).contains(to));
      }
    }
    // Kafka's TV2 aborts a transaction that added nothing; EndTxn v5 is not served, so it is refused.
    assertThat(TxnState.PREPARE_ABORT.validPrevious()).contains(TxnState.EMPTY);
    assertThat(TxnStateMachine.allowed(TxnState.EMPTY, TxnState.PREPARE_ABORT)).isFalse();
  }

  @Test
  void refusedCoordinatorStepIsNotWrittenEither() {
    TxnRecord current = seed(TxnState.PREPARE_COMMIT);
    TxnRecord wrong = TxnRecords.withState(current, TxnState.COMPLETE_ABORT, 3);
    assertThat(store.transition(current, wrong, term, Origin.COORDINATOR).join()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
    assertThat(txnLog.appended).isEmpty();
    assertThat(store.get(ID)).isSameAs(current);
  }

  @Test
  void unknownIdMayOnlyBeCreatedEmpty() {
    term = store.terms().begin(0, 0, false);
    TxnRecord fresh = TxnRecords.fresh(ID, 7, 1000, 1);
    assertThat(store.transition(null, TxnRecords.withState(fresh, TxnState.ONGOING, 2), term, Origin.CLIENT).join())
        .isEqualTo(Errors.INVALID_TXN_STATE);
    assertThat(txnLog.appended).isEmpty();
    assertThat(store.transition(null, fresh, term, Origin.CLIENT).join()).isEqualTo(Errors.NONE);
    assertThat(store.get(ID)).isEqualTo(fresh);
  }

  @Test
  void changeDecidedOnAStaleStateIsRefused() {
    TxnRecord current = seed(TxnState.ONGOING);
    TxnRecord stale = TxnRecords.withState(current, TxnState.EMPTY, 0);
    assertThat(store.transition(stale, TxnRecords.withState(current, TxnState.PREPARE_COMMIT, 3), term, Origin.CLIENT).join())
        .isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
    assertThat(txnLog.appended).isEmpty();
  }

  @Test
  void transitionDecidedInAnEndedTermIsNotApplied() {
    TxnRecord current = seed(TxnState.ONGOING);
    store.terms().end(0);
    assertThat(store.transition(current, TxnRecords.withState(current, TxnState.PREPARE_ABORT, 3), term, Origin.CLIENT).join())
        .isEqualTo(Errors.NOT_COORDINATOR);
    assertThat(store.get(ID)).isSameAs(current);
  }

  @Test
  void endTxnAnswersOfADecidedOutcomeAreKafkas() {
    assertThat(TxnStateMachine.endTxnDecided(TxnState.COMPLETE_COMMIT, true)).isEqualTo(Errors.NONE);
    assertThat(TxnStateMachine.endTxnDecided(TxnState.COMPLETE_ABORT, false)).isEqualTo(Errors.NONE);
    assertThat(TxnStateMachine.endTxnDecided(TxnState.PREPARE_COMMIT, false)).isEqualTo(Errors.INVALID_TXN_STATE);
    assertThat(TxnStateMachine.endTxnDecided(TxnState.PREPARE_ABORT, true)).isEqualTo(Errors.INVALID_TXN_STATE);
    // Left to the transition: PREPARE_COMMIT -> PREPARE_COMMIT is refused CONCURRENT_TRANSACTIONS (a retry).
    assertThat(TxnStateMachine.endTxnDecided(TxnState.PREPARE_COMMIT, true)).isNull();
    assertThat(TxnStateMachine.endTxnDecided(TxnState.ONGOING, true)).isNull();
  }
}
