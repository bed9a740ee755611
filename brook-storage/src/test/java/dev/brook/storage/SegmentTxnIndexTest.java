package dev.brook.storage;

import static dev.brook.storage.Batches.batch;
import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.storage.TxnIndex.AbortedTxn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-segment {@code .txnindex}: placement, lookup, deletion with segments, truncation, migration. */
class SegmentTxnIndexTest {
  @TempDir Path tmp;
  final FakeClock clock = new FakeClock();
  final LogConfig config = LogConfig.defaults().withFileDeleteDelayMs(0);
  SegmentedLog log;

  Path dir() {
    return tmp.resolve("txn-0");
  }

  @AfterEach
  void close() throws IOException {
    if (log != null) {
      log.close();
    }
  }

  /** Four segments of 10 one-record batches each: [0,10) [10,20) [20,30) [30,40), the last active. */
  SegmentedLog fourSegments(LogLoadState state) throws IOException {
    log = SegmentedLog.open(dir(), config, clock, state);
    for (int s = 0; s < 4; s++) {
      if (s > 0) {
        log.roll();
      }
      for (int i = 0; i < 10; i++) {
        log.appendAsLeader(batch(1000, "v" + (s * 10 + i)), 0);
      }
    }
    log.updateHighWatermark(log.logEndOffset());
    return log;
  }

  Path txnFile(long base) {
    return dir().resolve(LogSegment.fileName(base, TxnIndex.SUFFIX));
  }

  @Test
  void entriesGoToTheSegmentHoldingTheMarkerAndOnlyThoseSegmentsGetAFile() throws Exception {
    fourSegments(LogLoadState.clean());
    AbortedTxn a = new AbortedTxn(1, 3, 12, 13); // data in segment 0, marker in segment 10
    AbortedTxn b = new AbortedTxn(2, 14, 15, 16);
    AbortedTxn c = new AbortedTxn(3, 21, 33, 34);
    assertThat(log.appendAbortedTransaction(a)).isTrue();
    assertThat(log.appendAbortedTransaction(b)).isTrue();
    assertThat(log.appendAbortedTransaction(c)).isTrue();
    assertThat(log.appendAbortedTransaction(b)).isFalse(); // replayed: already there
    assertThat(log.appendAbortedTransaction(new AbortedTxn(4, 40, 40, 41))).isFalse(); // not in the log
    assertThat(Files.exists(txnFile(0))).isFalse();
    assertThat(Files.size(txnFile(10))).isEqualTo(2L * TxnIndex.ENTRY_SIZE);
    assertThat(Files.exists(txnFile(20))).isFalse();
    assertThat(Files.size(txnFile(30))).isEqualTo(TxnIndex.ENTRY_SIZE);

    assertThat(log.collectAbortedTransactions(0, 40)).containsExactly(a, b, c);
    // From 13: a's marker (12) is behind the fetch; c's data starts at the bound: only b.
    assertThat(log.collectAbortedTransactions(13, 20)).containsExactly(b);
    // c's data starts at 21, below the bound, though its marker is two segments further on.
    assertThat(log.collectAbortedTransactions(20, 25)).containsExactly(c);
    assertThat(log.collectAbortedTransactions(5, 13)).containsExactly(a);

    log.close();
    log = SegmentedLog.open(dir(), config, clock, LogLoadState.clean());
    assertThat(log.collectAbortedTransactions(0, 40)).containsExactly(a, b, c);
  }

  @Test
  void lookupStopsAtAnEntryWhoseLastStableOffsetReachesTheBound() throws Exception {
    fourSegments(LogLoadState.clean());
    AbortedTxn early = new AbortedTxn(1, 2, 5, 25); // LSO after it: 25 (another txn open from 25)
    AbortedTxn late = new AbortedTxn(2, 25, 35, 36);
    log.appendAbortedTransaction(early);
    log.appendAbortedTransaction(late);
    // No entry after one whose LSO is ≥ the bound can start below the bound: the scan stops.
    assertThat(log.collectAbortedTransactions(0, 20)).containsExactly(early);
    assertThat(log.collectAbortedTransactions(0, 30)).containsExactly(early, late);
  }

  @Test
  void retentionAndDeleteRecordsRemoveTheSegmentsIndexes() throws Exception {
    fourSegments(LogLoadState.clean());
    log.appendAbortedTransaction(new AbortedTxn(1, 1, 5, 6));
    log.appendAbortedTransaction(new AbortedTxn(2, 11, 15, 16));
    log.appendAbortedTransaction(new AbortedTxn(3, 21, 25, 26));
    assertThat(log.deleteRecordsBefore(12)).isEqualTo(12);
    assertThat(Files.exists(txnFile(0))).isFalse();
    assertThat(Files.exists(txnFile(10))).isTrue(); // the segment holding the new start stays
    assertThat(log.collectAbortedTransactions(12, 40)).extracting(AbortedTxn::producerId).containsExactly(2L, 3L);
    log.updateConfig(config.withRetention(1, -1));
    clock.advance(10_000);
    log.applyRetention();
    assertThat(Files.exists(txnFile(10))).isFalse();
    assertThat(Files.exists(txnFile(20))).isFalse();
    assertThat(log.collectAbortedTransactions(0, 40)).isEmpty();
  }

  @Test
  void truncationTrimsTheIndexOfTheNewLastSegmentAndDropsLaterOnes() throws Exception {
    fourSegments(LogLoadState.clean());
    AbortedTxn a = new AbortedTxn(1, 11, 12, 13);
    log.appendAbortedTransaction(a);
    log.appendAbortedTransaction(new AbortedTxn(2, 13, 17, 18));
    log.appendAbortedTransaction(new AbortedTxn(3, 21, 25, 26));
    log.truncateTo(15);
    assertThat(Files.exists(txnFile(20))).isFalse();
    assertThat(Files.size(txnFile(10))).isEqualTo(TxnIndex.ENTRY_SIZE);
    assertThat(log.collectAbortedTransactions(0, 100)).containsExactly(a);
    // The log grows again: a new abort after the truncation point is indexed.
    for (int i = 0; i < 5; i++) {
      log.appendAsLeader(batch(1000, "again" + i), 1);
    }
    AbortedTxn b = new AbortedTxn(4, 15, 18, 19);
    assertThat(log.appendAbortedTransaction(b)).isTrue();
    assertThat(log.collectAbortedTransactions(0, 100)).containsExactly(a, b);
  }

  @Test
  void uncleanRecoveryDropsEntriesWhoseMarkerWasLost() throws Exception {
    fourSegments(LogLoadState.clean());
    log.appendAbortedTransaction(new AbortedTxn(1, 31, 32, 33));
    AbortedTxn kept = new AbortedTxn(2, 33, 34, 35);
    log.appendAbortedTransaction(kept);
    AbortedTxn lost = new AbortedTxn(3, 36, 38, 39);
    log.appendAbortedTransaction(lost);
    long cut = positionOf(30, 38);
    log.close();
    log = null;
    try (var ch = java.nio.channels.FileChannel.open(dir().resolve(LogSegment.fileName(30, LogSegment.LOG_SUFFIX)),
        java.nio.file.StandardOpenOption.WRITE)) {
      ch.truncate(cut + 7); // a torn batch at 38
    }
    log = SegmentedLog.open(dir(), config, clock, new LogLoadState(30, -1, -1, false));
    assertThat(log.logEndOffset()).isEqualTo(38);
    assertThat(log.collectAbortedTransactions(0, 100)).extracting(AbortedTxn::producerId).containsExactly(1L, 2L);
    assertThat(Files.size(txnFile(30))).isEqualTo(2L * TxnIndex.ENTRY_SIZE);
  }

  /** File position of the batch at {@code offset} in the segment based at {@code base}. */
  long positionOf(long base, long offset) throws IOException {
    long[] pos = {0};
    long[] found = {-1};
    log.scanBatches(base, b -> {
      if (RecordBatchHeader.baseOffset(b, b.position()) < base) {
        return;
      }
      if (RecordBatchHeader.baseOffset(b, b.position()) == offset) {
        found[0] = pos[0];
      }
      pos[0] += b.remaining();
    });
    return found[0];
  }

  @Test
  void aLegacyPartitionIndexIsSplitIntoTheSegmentsOnOpen() throws Exception {
    fourSegments(LogLoadState.clean());
    log.close();
    log = null;
    List<AbortedTxn> entries = new ArrayList<>(List.of(
        new AbortedTxn(1, 1, 5, 6), new AbortedTxn(2, 7, 12, 13), new AbortedTxn(3, 13, 14, 15),
        new AbortedTxn(4, 31, 36, 37), new AbortedTxn(5, 38, 45, 46))); // the last is past the log end
    try (TxnIndex legacy = TxnIndex.open(dir().resolve(TxnIndex.LEGACY_FILE))) {
      for (AbortedTxn e : entries) {
        legacy.append(e);
      }
    }
    log = SegmentedLog.open(dir(), config, clock, LogLoadState.clean());
    assertThat(Files.exists(dir().resolve(TxnIndex.LEGACY_FILE))).isFalse();
    assertThat(log.collectAbortedTransactions(0, 100)).isEqualTo(entries.subList(0, 4));
    assertThat(Files.size(txnFile(0))).isEqualTo(TxnIndex.ENTRY_SIZE);
    assertThat(Files.size(txnFile(10))).isEqualTo(2L * TxnIndex.ENTRY_SIZE);
    assertThat(Files.size(txnFile(30))).isEqualTo(TxnIndex.ENTRY_SIZE);
  }
}
