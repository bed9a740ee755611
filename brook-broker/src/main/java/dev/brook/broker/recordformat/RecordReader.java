package dev.brook.broker.recordformat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.Uuid;

/**
 * Reads the primitive types of Kafka's message schemas from untrusted bytes (a record of an
 * internal topic, possibly truncated or from another writer). Every read checks the bytes left
 * first, and every length is checked against them before anything is allocated: a bad record is
 * an {@link IllegalArgumentException} naming {@code what} was being read, never an
 * OutOfMemoryError or a BufferUnderflowException. Reads a duplicate: the caller's buffer position
 * does not move. One thread, one record.
 */
public final class RecordReader {
  private final ByteBuffer buf;
  private final String what;

  /** @param what names the record in error messages, e.g. "__consumer_offsets value" */
  public RecordReader(ByteBuffer buf, String what) {
    this.buf = buf.duplicate();
    this.what = what;
  }

  private void need(long n, String field) {
    if (n < 0 || buf.remaining() < n) {
      throw new IllegalArgumentException("truncated " + what + ": " + field + " needs " + n + " bytes, "
          + buf.remaining() + " left at position " + buf.position());
    }
  }

  public int remaining() {
    return buf.remaining();
  }

  public byte int8() {
    need(1, "int8");
    return buf.get();
  }

  public short int16() {
    need(2, "int16");
    return buf.getShort();
  }

  public int int32() {
    need(4, "int32");
    return buf.getInt();
  }

  public long int64() {
    need(8, "int64");
    return buf.getLong();
  }

  public Uuid uuid() {
    need(16, "uuid");
    return new Uuid(buf.getLong(), buf.getLong());
  }

  public int unsignedVarint() {
    int value = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      byte b = int8();
      value |= (b & 0x7F) << shift;
      if ((b & 0x80) == 0) return value;
    }
    throw new IllegalArgumentException("malformed " + what + ": varint longer than 5 bytes");
  }

  /** A string with an int16 length; null (length -1) only if {@code nullable}. */
  public String string(boolean nullable) {
    return utf8(int16(), nullable);
  }

  /** A compact string (unsigned varint length + 1; 0 is null) ; null only if {@code nullable}. */
  public String compactString(boolean nullable) {
    return utf8(unsignedVarint() - 1, nullable);
  }

  private String utf8(int len, boolean nullable) {
    if (len == -1 && nullable) return null;
    if (len < 0) throw new IllegalArgumentException("malformed " + what + ": string length " + len);
    need(len, "string");
    byte[] b = new byte[len];
    buf.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  public byte[] bytes() {
    return raw(int32());
  }

  public byte[] compactBytes() {
    return raw(unsignedVarint() - 1);
  }

  private byte[] raw(int len) {
    if (len < 0) throw new IllegalArgumentException("malformed " + what + ": bytes length " + len);
    need(len, "bytes");
    byte[] b = new byte[len];
    buf.get(b);
    return b;
  }

  /**
   * The length of a non-flexible array (int32; -1 is null, returned as -1 only if {@code
   * nullable}), checked against the bytes left given each element takes at least {@code
   * minElementBytes}.
   */
  public int arrayLength(int minElementBytes, boolean nullable) {
    return checkedLength(int32(), minElementBytes, nullable);
  }

  /** The length of a compact array (unsigned varint length + 1), checked as {@link #arrayLength}. */
  public int compactArrayLength(int minElementBytes, boolean nullable) {
    return checkedLength(unsignedVarint() - 1, minElementBytes, nullable);
  }

  private int checkedLength(int n, int minElementBytes, boolean nullable) {
    if (n == -1 && nullable) return -1;
    if (n < 0) throw new IllegalArgumentException("malformed " + what + ": array length " + n);
    need((long) n * minElementBytes, "array of " + n);
    return n;
  }

  /** Reads a section of tagged fields, handing each known one to {@code field}; skips the rest. */
  public void taggedFields(TaggedFieldReader field) {
    int n = unsignedVarint();
    need(2L * n, n + " tagged fields"); // each takes at least a tag byte and a size byte
    for (int i = 0; i < n; i++) {
      int tag = unsignedVarint();
      int size = unsignedVarint();
      need(size, "tagged field " + tag);
      int end = buf.position() + size;
      RecordReader data = new RecordReader(buf.slice(buf.position(), size), what + " tag " + tag);
      field.read(tag, data);
      buf.position(end);
    }
  }

  /** Skips a section of tagged fields (those of a struct Brook knows no tags of). */
  public void skipTaggedFields() {
    taggedFields((tag, data) -> {});
  }

  /** Handles one tagged field; {@code data} holds exactly its bytes. */
  @FunctionalInterface
  public interface TaggedFieldReader {
    void read(int tag, RecordReader data);
  }
}
