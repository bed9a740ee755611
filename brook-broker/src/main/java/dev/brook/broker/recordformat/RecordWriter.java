package dev.brook.broker.recordformat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.apache.kafka.common.Uuid;

/**
 * Writes the primitive types of Kafka's message schemas, big-endian, into a growing buffer: the
 * fixed-width integers, UUIDs, strings and byte arrays with an int16/int32 length (non-flexible
 * versions) or an unsigned-varint length plus one (flexible versions: "compact"), and tagged
 * fields. A writer is used by one thread for one record and then discarded.
 */
public final class RecordWriter {
  private ByteBuffer buf = ByteBuffer.allocate(64);

  private void ensure(int n) {
    if (buf.remaining() < n) {
      ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n));
      buf.flip();
      bigger.put(buf);
      buf = bigger;
    }
  }

  public RecordWriter int8(byte v) {
    ensure(1);
    buf.put(v);
    return this;
  }

  public RecordWriter int16(short v) {
    ensure(2);
    buf.putShort(v);
    return this;
  }

  public RecordWriter int32(int v) {
    ensure(4);
    buf.putInt(v);
    return this;
  }

  public RecordWriter int64(long v) {
    ensure(8);
    buf.putLong(v);
    return this;
  }

  public RecordWriter uuid(Uuid v) {
    return int64(v.getMostSignificantBits()).int64(v.getLeastSignificantBits());
  }

  /** An unsigned varint (7 bits a byte, low bits first, high bit set while more follow). */
  public RecordWriter unsignedVarint(int v) {
    while ((v & 0xFFFFFF80) != 0) {
      int8((byte) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    return int8((byte) v);
  }

  public RecordWriter raw(byte[] b) {
    ensure(b.length);
    buf.put(b);
    return this;
  }

  /** A string with an int16 length; null is length -1 (only where the schema allows it). */
  public RecordWriter string(String s) {
    if (s == null) return int16((short) -1);
    byte[] b = utf8(s);
    return int16((short) b.length).raw(b);
  }

  /** A compact string: unsigned varint length + 1 (0 is null), then UTF-8. */
  public RecordWriter compactString(String s) {
    if (s == null) return unsignedVarint(0);
    byte[] b = utf8(s);
    return unsignedVarint(b.length + 1).raw(b);
  }

  /** Bytes with an int32 length (null written as empty). */
  public RecordWriter bytes(byte[] b) {
    byte[] v = b == null ? new byte[0] : b;
    return int32(v.length).raw(v);
  }

  /** Compact bytes: unsigned varint length + 1 (null written as empty). */
  public RecordWriter compactBytes(byte[] b) {
    byte[] v = b == null ? new byte[0] : b;
    return unsignedVarint(v.length + 1).raw(v);
  }

  /** The length of a non-flexible array; -1 for null. */
  public RecordWriter arrayLength(int n) {
    return int32(n);
  }

  /** The length of a flexible array, plus one; 0 for null (pass -1). */
  public RecordWriter compactArrayLength(int n) {
    return unsignedVarint(n + 1);
  }

  /** One tagged field: its tag, the size of its data, then the data {@code body} writes. */
  public RecordWriter taggedField(int tag, Consumer<RecordWriter> body) {
    RecordWriter field = new RecordWriter();
    body.accept(field);
    byte[] data = field.toByteArray();
    return unsignedVarint(tag).unsignedVarint(data.length).raw(data);
  }

  public byte[] toByteArray() {
    byte[] out = new byte[buf.position()];
    buf.get(0, out);
    return out;
  }

  private static byte[] utf8(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length > Short.MAX_VALUE) throw new IllegalArgumentException("string too long: " + b.length + " bytes");
    return b;
  }
}
