package dev.brook.storage.cleaner;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;

/** Builds v2 batches with the real client codec, and reads them back, for cleaner tests. */
final class TestBatches {
  private TestBatches() {}

  /** A key/value pair; a null value is a tombstone. */
  record KV(String key, String value, long timestamp) {
    static KV of(String key, String value) {
      return new KV(key, value, 1_000L);
    }
  }

  static ByteBuffer batch(long baseOffset, Compression compression, KV... records) {
    ByteBuffer buf = ByteBuffer.allocate(1024 + 256 * records.length);
    MemoryRecordsBuilder b =
        MemoryRecords.builder(buf, RecordBatch.MAGIC_VALUE_V2, compression, TimestampType.CREATE_TIME, baseOffset);
    for (KV kv : records) {
      b.append(new SimpleRecord(kv.timestamp(), bytes(kv.key()), bytes(kv.value()),
          new Header[] {new RecordHeader("h", bytes("x"))}));
    }
    return b.build().buffer();
  }

  static ByteBuffer batch(long baseOffset, KV... records) {
    return batch(baseOffset, Compression.NONE, records);
  }

  static byte[] bytes(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }

  /** offset → "key=value" (value "null" for tombstones), with the batch's CRC checked. */
  static List<String> read(ByteBuffer batches) {
    List<String> out = new ArrayList<>();
    MemoryRecords records = MemoryRecords.readableRecords(batches.duplicate());
    for (RecordBatch batch : records.batches()) {
      batch.ensureValid();
      for (Record r : batch) {
        out.add(r.offset() + ":" + str(r.key()) + "=" + str(r.value()) + "@" + r.timestamp());
      }
    }
    return out;
  }

  static String str(ByteBuffer b) {
    if (b == null) {
      return "null";
    }
    byte[] a = new byte[b.remaining()];
    b.duplicate().get(a);
    return new String(a, StandardCharsets.UTF_8);
  }
}
