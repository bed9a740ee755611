package dev.brook.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.storage.TxnIndex.AbortedTxn;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TxnIndexTest {
  @TempDir Path dir;

  @Test
  void collectsAbortedTransactionsOverlappingTheRangeAndSurvivesReopen() throws Exception {
    Path f = dir.resolve("a" + TxnIndex.SUFFIX);
    try (TxnIndex idx = TxnIndex.open(f)) {
      idx.append(new AbortedTxn(1, 0, 5, 0));
      idx.append(new AbortedTxn(2, 3, 10, 3));
      idx.append(new AbortedTxn(1, 12, 20, 12));
      assertThat(idx.collect(6, 12)).extracting(AbortedTxn::producerId).containsExactly(2L);
      assertThat(idx.collect(0, 100)).hasSize(3);
      assertThat(idx.collect(21, 100)).isEmpty();
      assertThatThrownBy(() -> idx.append(new AbortedTxn(3, 0, 20, 0))).isInstanceOf(IllegalArgumentException.class);
    }
    try (TxnIndex idx = TxnIndex.open(f)) {
      assertThat(idx.size()).isEqualTo(3);
      assertThat(idx.lastOffset()).isEqualTo(20);
      idx.truncateTo(10);
      assertThat(idx.size()).isEqualTo(1);
    }
    try (TxnIndex idx = TxnIndex.open(f)) {
      assertThat(idx.collect(0, 100)).containsExactly(new AbortedTxn(1, 0, 5, 0));
    }
  }

  @Test
  void tornLastEntryIsDroppedOnOpen() throws Exception {
    Path f = dir.resolve("b" + TxnIndex.SUFFIX);
    try (TxnIndex idx = TxnIndex.open(f)) {
      idx.append(new AbortedTxn(1, 0, 5, 0));
      idx.append(new AbortedTxn(1, 6, 9, 6));
    }
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.truncate(TxnIndex.ENTRY_SIZE + 10);
    }
    try (TxnIndex idx = TxnIndex.open(f)) {
      assertThat(idx.size()).isEqualTo(1);
      idx.append(new AbortedTxn(1, 6, 9, 6));
    }
    assertThat(Files.size(f)).isEqualTo(2L * TxnIndex.ENTRY_SIZE);
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {0, 7}), TxnIndex.ENTRY_SIZE); // unknown version
    }
    try (TxnIndex idx = TxnIndex.open(f)) {
      assertThat(idx.size()).isEqualTo(1);
    }
  }
}
