package dev.brook.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.SimpleRecord;

/** Builds and decodes record batches with the real Kafka client codec (test scope only). */
final class Batches {
  private Batches() {}

  /** One uncompressed batch (offsets from 0) whose records carry {@code values} at {@code ts}. */
  static ByteBuffer batch(long ts, String... values) {
    SimpleRecord[] records = new SimpleRecord[values.length];
    for (int i = 0; i < values.length; i++) {
      records[i] = new SimpleRecord(ts, ("k" + i).getBytes(StandardCharsets.UTF_8), values[i].getBytes(StandardCharsets.UTF_8));
    }
    return copy(MemoryRecords.withRecords(0L, Compression.NONE, records).buffer());
  }

  /** One batch whose records have the given timestamps. */
  static ByteBuffer batchWithTimestamps(Compression compression, long... timestamps) {
    SimpleRecord[] records = new SimpleRecord[timestamps.length];
    for (int i = 0; i < timestamps.length; i++) {
      records[i] = new SimpleRecord(timestamps[i], null, ("v" + i).getBytes(StandardCharsets.UTF_8));
    }
    return copy(MemoryRecords.withRecords(0L, compression, records).buffer());
  }

  /** A batch of {@code count} records of {@code valueSize} bytes each. */
  static ByteBuffer sized(long ts, int count, int valueSize) {
    String[] values = new String[count];
    String v = "x".repeat(valueSize);
    for (int i = 0; i < count; i++) {
      values[i] = v;
    }
    return batch(ts, values);
  }

  /** Concatenates buffers (several batches in one append). */
  static ByteBuffer concat(ByteBuffer... parts) {
    int n = 0;
    for (ByteBuffer p : parts) {
      n += p.remaining();
    }
    ByteBuffer out = ByteBuffer.allocate(n);
    for (ByteBuffer p : parts) {
      out.put(p.duplicate());
    }
    return out.flip();
  }

  static ByteBuffer copy(ByteBuffer b) {
    ByteBuffer out = ByteBuffer.allocate(b.remaining());
    out.put(b.duplicate());
    return out.flip();
  }

  /** The bytes of a file slice. */
  static ByteBuffer bytes(FileSlice slice) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(slice.length());
    long p = slice.position();
    while (b.hasRemaining()) {
      int n = slice.channel().read(b, p);
      if (n < 0) {
        throw new IOException("short slice");
      }
      p += n;
    }
    return b.flip();
  }

  /** The batches of a slice, CRC-checked by the client codec. */
  static List<MutableRecordBatch> batches(FileSlice slice) throws IOException {
    List<MutableRecordBatch> out = new ArrayList<>();
    if (slice.isEmpty()) {
      return out;
    }
    for (MutableRecordBatch b : MemoryRecords.readableRecords(bytes(slice)).batches()) {
      b.ensureValid();
      out.add(b);
    }
    return out;
  }

  /** Offset and value of every record in a slice. */
  static List<String> records(FileSlice slice) throws IOException {
    List<String> out = new ArrayList<>();
    for (MutableRecordBatch b : batches(slice)) {
      for (Record r : b) {
        out.add(r.offset() + ":" + StandardCharsets.UTF_8.decode(r.value()));
      }
    }
    return out;
  }

  /** Reads every record from {@code from} to the log end, following segments. */
  static List<String> readAll(PartitionLog log, long from) throws IOException {
    List<String> out = new ArrayList<>();
    long next = from;
    while (next < log.logEndOffset()) {
      LogReadResult r = log.read(next, 1 << 20, Long.MAX_VALUE, true);
      if (r.outOfRange() || r.records().isEmpty()) {
        break;
      }
      List<MutableRecordBatch> bs = batches(r.records());
      for (MutableRecordBatch b : bs) {
        for (Record rec : b) {
          if (rec.offset() >= next) {
            out.add(rec.offset() + ":" + StandardCharsets.UTF_8.decode(rec.value()));
          }
        }
      }
      next = bs.get(bs.size() - 1).lastOffset() + 1;
    }
    return out;
  }
}
