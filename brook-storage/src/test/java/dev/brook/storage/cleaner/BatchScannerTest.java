package dev.brook.storage.cleaner;

import static dev.brook.storage.cleaner.TestBatches.KV;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.storage.RecordBatchHeader;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchScannerTest {
  @TempDir Path dir;

  @Test
  void readsEveryBatchOfARegionEvenWithABufferSmallerThanABatch() throws Exception {
    Path file = dir.resolve("seg.log");
    List<Long> written = new ArrayList<>();
    long size;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
      long offset = 0;
      for (int i = 0; i < 50; i++) {
        KV[] records = new KV[1 + i % 7];
        for (int r = 0; r < records.length; r++) {
          records[r] = KV.of("k" + r, "v".repeat(i * 10));
        }
        ByteBuffer b = TestBatches.batch(offset, records);
        written.add(offset);
        offset += records.length;
        ch.write(b);
      }
      size = ch.size();
      for (int bufferBytes : new int[] {64, 1000, 1 << 20}) {
        BatchScanner s = new BatchScanner(bufferBytes).reset(ch, 0, size);
        List<Long> seen = new ArrayList<>();
        while (s.next()) {
          assertThat(RecordBatchHeader.isCrcValid(s.buffer(), s.batchPosition())).isTrue();
          assertThat(RecordBatchHeader.sizeInBytes(s.buffer(), s.batchPosition())).isEqualTo(s.batchSize());
          seen.add(RecordBatchHeader.baseOffset(s.buffer(), s.batchPosition()));
        }
        assertThat(seen).isEqualTo(written);
      }
      // A region that ends inside a batch is an error, not a silent stop.
      BatchScanner torn = new BatchScanner(4096).reset(ch, 0, size - 5);
      assertThatThrownBy(() -> {
        while (torn.next()) {
          // read on
        }
      }).isInstanceOf(EOFException.class);
    }
  }
}
