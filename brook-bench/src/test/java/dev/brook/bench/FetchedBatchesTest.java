package dev.brook.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class FetchedBatchesTest {
  /** Batches of {@code sizes[i]} 100-byte records each, offsets following on from {@code base}, in one buffer. */
  static ByteBuffer batches(long base, int... sizes) {
    ByteBuffer all = ByteBuffer.allocate(1 << 20);
    long offset = base;
    for (int n : sizes) {
      MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(64 * 1024), Compression.NONE,
          TimestampType.CREATE_TIME, offset);
      for (int i = 0; i < n; i++) b.append(1_000L + i, null, new byte[100]);
      all.put(b.build().buffer());
      offset += n;
    }
    return all.flip();
  }

  @Test
  void countsEveryRecordOfWholeBatchesAndMovesPastTheLast() {
    ByteBuffer records = batches(0, 10, 5, 7);
    FetchedBatches.Progress p = FetchedBatches.walk(records, 0);
    assertThat(p.records()).isEqualTo(22);
    assertThat(p.nextOffset()).isEqualTo(22);
    assertThat(p.batches()).isEqualTo(3);
    assertThat(p.bytes()).isEqualTo(records.remaining());
    assertThat(records.position()).isZero(); // the walk does not move the buffer
  }

  @Test
  void partialBatchAtTheEndIsNeitherCountedNorSkipped() {
    ByteBuffer whole = batches(100, 10, 5, 7);
    int firstTwo = batches(100, 10, 5).remaining();
    // cut inside the third batch's records, inside its header, and inside its 12-byte offset/length prefix
    for (int cut : new int[] {whole.limit() - 1, firstTwo + 30, firstTwo + 5}) {
      ByteBuffer partial = whole.duplicate().limit(cut);
      FetchedBatches.Progress p = FetchedBatches.walk(partial, 100);
      assertThat(p.records()).as("cut at %d", cut).isEqualTo(15);
      assertThat(p.nextOffset()).as("cut at %d", cut).isEqualTo(115); // the third batch is fetched again
      assertThat(p.bytes()).isEqualTo(firstTwo);
      assertThat(p.batches()).isEqualTo(2);
    }
  }

  @Test
  void onlyAPartialBatchLeavesTheOffsetWhereItWas() {
    ByteBuffer one = batches(40, 10);
    FetchedBatches.Progress p = FetchedBatches.walk(one.limit(one.limit() - 20), 40);
    assertThat(p).isEqualTo(new FetchedBatches.Progress(0, 40, 0, 0));
  }

  @Test
  void aBatchStartingBelowTheFetchOffsetCountsOnlyTheRecordsFromIt() {
    // a fetch at 13 gets the whole batch 10..19 (as both brokers answer), then 20..24
    FetchedBatches.Progress p = FetchedBatches.walk(batches(10, 10, 5), 13);
    assertThat(p.records()).isEqualTo(7 + 5);
    assertThat(p.nextOffset()).isEqualTo(25);
  }

  @Test
  void aBatchWhollyBelowTheFetchOffsetCountsNothing() {
    FetchedBatches.Progress p = FetchedBatches.walk(batches(0, 10, 5), 10);
    assertThat(p.records()).isEqualTo(5);
    assertThat(p.nextOffset()).isEqualTo(15);
  }

  @Test
  void offsetsAdvanceAcrossSuccessiveAnswers() {
    ByteBuffer log = batches(0, 3, 4, 5, 6);
    long offset = 0;
    long total = 0;
    int pos = 0;
    int[] answerBytes = {90, 700, 400, 2000}; // cut anywhere, as a broker at partition.max.bytes would
    for (int n : answerBytes) {
      ByteBuffer answer = log.duplicate().position(pos).limit(Math.min(log.limit(), pos + n)).slice();
      FetchedBatches.Progress p = FetchedBatches.walk(answer, offset);
      total += p.records();
      offset = p.nextOffset();
      pos += (int) p.bytes(); // the next answer starts at the first batch not wholly read
    }
    assertThat(total).isEqualTo(18);
    assertThat(offset).isEqualTo(18);
  }

  @Test
  void controlBatchesAdvanceTheOffsetButHoldNoRecords() {
    ByteBuffer data = batches(0, 4);
    ByteBuffer marker = MemoryRecords.withEndTransactionMarker(4, 1_000L, 0, 7L, (short) 0,
        new EndTransactionMarker(ControlRecordType.COMMIT, 0)).buffer();
    ByteBuffer both = ByteBuffer.allocate(data.remaining() + marker.remaining()).put(data).put(marker).flip();
    FetchedBatches.Progress p = FetchedBatches.walk(both, 0);
    assertThat(p.records()).isEqualTo(4);
    assertThat(p.nextOffset()).isEqualTo(5);
    assertThat(p.batches()).isEqualTo(2);
  }

  @Test
  void emptyRecordsLeaveEverythingAsItWas() {
    assertThat(FetchedBatches.walk(ByteBuffer.allocate(0), 77)).isEqualTo(new FetchedBatches.Progress(0, 77, 0, 0));
  }

  @Test
  void aLengthTooShortForABatchHeaderFails() {
    ByteBuffer bad = ByteBuffer.allocate(80).putLong(0, 5).putInt(8, 10);
    assertThatThrownBy(() -> FetchedBatches.walk(bad, 5)).hasMessageContaining("length 10");
  }

  @Test
  void anOldMagicFails() {
    ByteBuffer b = batches(0, 2);
    b.put(16, (byte) 1);
    assertThatThrownBy(() -> FetchedBatches.walk(b, 0)).hasMessageContaining("magic 1");
  }
}
