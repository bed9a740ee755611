package dev.brook.storage.cleaner;

import static dev.brook.storage.cleaner.TestBatches.KV;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.brook.storage.RecordBatchHeader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordCursorTest {

  @Test
  void readsKeysValuesOffsetsAndTimestampsOfEveryRecord() {
    ByteBuffer batch = TestBatches.batch(100,
        new KV("a", "1", 5_000), new KV("bb", null, 5_007), new KV("c", "", 4_999));
    long base = RecordBatchHeader.baseTimestamp(batch, 0);
    RecordCursor c = new RecordCursor().reset(batch, RecordBatchHeader.SIZE, batch.limit(),
        RecordBatchHeader.recordCount(batch, 0));
    List<String> seen = new ArrayList<>();
    while (c.next()) {
      String key = string(batch, c.keyPosition(), c.keyLength());
      String value = c.isTombstone() ? "null" : string(batch, c.valuePosition(), c.valueLength());
      seen.add(c.offsetDelta() + ":" + key + "=" + value + "@" + (base + c.timestampDelta()) + "h" + c.headerCount());
    }
    assertThat(seen).containsExactly("0:a=1@5000h1", "1:bb=null@5007h1", "2:c=@4999h1");
    assertThat(c.hasTrailingBytes()).isFalse();
  }

  @Test
  void recordSizesTileTheRecordsSection() {
    ByteBuffer batch = TestBatches.batch(0, KV.of("k1", "v1"), KV.of("k2", "v2"));
    RecordCursor c = new RecordCursor().reset(batch, RecordBatchHeader.SIZE, batch.limit(), 2);
    int at = RecordBatchHeader.SIZE;
    while (c.next()) {
      assertThat(c.recordPosition()).isEqualTo(at);
      at += c.recordSize();
    }
    assertThat(at).isEqualTo(batch.limit());
  }

  @Test
  void truncatedRecordIsCorruptNotAnOutOfBoundsRead() {
    ByteBuffer batch = TestBatches.batch(0, KV.of("key", "value"));
    RecordCursor c = new RecordCursor().reset(batch, RecordBatchHeader.SIZE, batch.limit() - 3, 1);
    assertThatThrownBy(c::next).isInstanceOf(CorruptRecordException.class);
  }

  @Test
  void overlongVarintIsCorrupt() {
    ByteBuffer junk = ByteBuffer.wrap(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 0});
    RecordCursor c = new RecordCursor().reset(junk, 0, junk.limit(), 1);
    assertThatThrownBy(c::next).isInstanceOf(CorruptRecordException.class);
  }

  @Test
  void keyLengthBeyondTheRecordIsCorrupt() {
    // length 4 | attributes 0 | tsDelta 0 | offsetDelta 0 | keyLength 100 (zig-zag 200)
    ByteBuffer junk = ByteBuffer.wrap(new byte[] {8, 0, 0, 0, (byte) 0xc8, 1, 0, 0, 0, 0});
    RecordCursor c = new RecordCursor().reset(junk, 0, junk.limit(), 1);
    assertThatThrownBy(c::next).isInstanceOf(CorruptRecordException.class);
  }

  @Test
  void fewerBytesThanCountedRecordsIsCorruptAndExtraBytesAreReported() {
    ByteBuffer batch = TestBatches.batch(0, KV.of("k1", "v1"));
    RecordCursor twoCounted = new RecordCursor().reset(batch, RecordBatchHeader.SIZE, batch.limit(), 2);
    assertThat(twoCounted.next()).isTrue();
    assertThatThrownBy(twoCounted::next).isInstanceOf(CorruptRecordException.class);

    ByteBuffer two = TestBatches.batch(0, KV.of("k1", "v1"), KV.of("k2", "v2"));
    RecordCursor oneCounted = new RecordCursor().reset(two, RecordBatchHeader.SIZE, two.limit(), 1);
    assertThat(oneCounted.next()).isTrue();
    assertThat(oneCounted.next()).isFalse();
    assertThat(oneCounted.hasTrailingBytes()).isTrue();
  }

  @Test
  void varintWriterRoundTripsThroughTheCursor() {
    long[] values = {0, 1, -1, 63, -64, 64, 1L << 40, -(1L << 40), Long.MAX_VALUE, Long.MIN_VALUE};
    for (long v : values) {
      ByteBuffer b = ByteBuffer.allocate(32);
      int body = 1 + Varint.sizeOfVarlong(v) + 4;
      Varint.writeVarint(b, body);
      b.put((byte) 0);
      Varint.writeVarlong(b, v);
      Varint.writeVarint(b, 7); // offsetDelta
      Varint.writeVarint(b, -1); // null key
      Varint.writeVarint(b, -1); // null value
      Varint.writeVarint(b, 0); // no headers
      assertThat(b.position()).isEqualTo(Varint.sizeOfVarint(body) + body);
      RecordCursor c = new RecordCursor().reset(b, 0, b.position(), 1);
      assertThat(c.next()).isTrue();
      assertThat(c.timestampDelta()).isEqualTo(v);
      assertThat(c.offsetDelta()).isEqualTo(7);
      assertThat(c.hasKey()).isFalse();
      assertThat(c.isTombstone()).isTrue();
    }
  }

  private static String string(ByteBuffer b, int at, int len) {
    byte[] a = new byte[len];
    b.get(at, a);
    return new String(a, StandardCharsets.UTF_8);
  }
}
