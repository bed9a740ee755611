package dev.brook.broker.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;

class MirrorFetcherCrcTest {
  private static ByteBuffer twoBatches() {
    ByteBuffer a = MemoryRecords.withRecords(0L, Compression.NONE, new SimpleRecord("k".getBytes(), "v1".getBytes())).buffer();
    ByteBuffer b = MemoryRecords.withRecords(1L, Compression.NONE, new SimpleRecord("k".getBytes(), "v2".getBytes())).buffer();
    ByteBuffer both = ByteBuffer.allocate(a.remaining() + b.remaining());
    both.put(a.duplicate()).put(b.duplicate()).flip();
    return both;
  }

  @Test
  void intactBatchesPass() {
    assertThat(MirrorFetcher.firstCorruptBatch(twoBatches())).isEqualTo(-1);
  }

  @Test
  void aDamagedSecondBatchIsFoundWhereItStarts() {
    ByteBuffer both = twoBatches();
    int second = both.getInt(8) + 12; // first batch: length field + 12 bytes of offset and length
    int last = both.limit() - 1;
    both.put(last, (byte) (both.get(last) ^ 0x5a)); // a byte of the second batch's last record
    assertThat(MirrorFetcher.firstCorruptBatch(both)).isEqualTo(second);
  }
}
