package dev.brook.storage.cleaner;

import java.nio.ByteBuffer;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Key → latest offset, in a fixed amount of memory: the cleaner's dedupe buffer
 * ({@code log.cleaner.dedupe.buffer.size} split between the cleaner threads). Keys are not stored,
 * only their 16-byte MD5 digest next to an 8-byte offset (24 bytes a slot) in an open-addressing
 * table with linear probing. Two keys with the same digest would be taken for one; at 2^-128 per pair
 * this is the same bet Kafka's cleaner makes.
 *
 * <p>The table accepts entries until {@link #maxEntries()} (slots × load factor) are used; the caller
 * checks {@link #isFull()} and cleans only up to the last offset it could map.
 *
 * <p>Allocates nothing after construction. Not thread-safe: one map per cleaner thread.
 */
public final class OffsetMap {
  static final int HASH_BYTES = 16;
  static final int SLOT_BYTES = HASH_BYTES + 8;

  private final ByteBuffer table;
  private final int slots;
  private final int maxEntries;
  private final MessageDigest md5;
  private final byte[] digest = new byte[HASH_BYTES];
  private int entries;
  private long latestOffset = -1;
  private long lookups;
  private long probes;

  /**
   * @param memoryBytes bytes for the table; at least one slot
   * @param loadFactor fraction of slots that may be used, in (0, 1]
   */
  public OffsetMap(int memoryBytes, double loadFactor) {
    if (memoryBytes < SLOT_BYTES) {
      throw new IllegalArgumentException("offset map needs at least " + SLOT_BYTES + " bytes, got " + memoryBytes);
    }
    if (!(loadFactor > 0 && loadFactor <= 1)) {
      throw new IllegalArgumentException("load factor must be in (0, 1]: " + loadFactor);
    }
    this.slots = memoryBytes / SLOT_BYTES;
    this.maxEntries = Math.max(1, (int) (slots * loadFactor));
    this.table = ByteBuffer.allocate(slots * SLOT_BYTES);
    try {
      this.md5 = MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always has MD5", e);
    }
  }

  /**
   * Records that the key at {@code buf[keyPosition, keyPosition + keyLength)} was last seen at
   * {@code offset}. Offsets must be put in increasing order.
   *
   * @throws IllegalStateException if the key is new and the map is full
   */
  public void put(ByteBuffer buf, int keyPosition, int keyLength, long offset) {
    hash(buf, keyPosition, keyLength);
    int slot = find();
    int at = slot * SLOT_BYTES;
    if (isEmpty(at)) {
      if (entries >= maxEntries) {
        throw new IllegalStateException("offset map is full (" + entries + " entries)");
      }
      table.put(at, digest, 0, HASH_BYTES);
      entries++;
    }
    table.putLong(at + HASH_BYTES, offset);
    latestOffset = offset;
  }

  /** The latest offset recorded for the key, or -1 if it is not in the map. */
  public long get(ByteBuffer buf, int keyPosition, int keyLength) {
    hash(buf, keyPosition, keyLength);
    int at = find() * SLOT_BYTES;
    return isEmpty(at) ? -1 : table.getLong(at + HASH_BYTES);
  }

  /** Forgets every entry; keeps the memory. */
  public void clear() {
    for (int i = 0; i < table.capacity(); i += 8) {
      table.putLong(i, 0L);
    }
    entries = 0;
    latestOffset = -1;
    lookups = 0;
    probes = 0;
  }

  public boolean isFull() {
    return entries >= maxEntries;
  }

  public int size() {
    return entries;
  }

  public int slots() {
    return slots;
  }

  public int maxEntries() {
    return maxEntries;
  }

  /** The offset of the last {@link #put}, or -1 if none since construction or {@link #clear}. */
  public long latestOffset() {
    return latestOffset;
  }

  /** Average probes per lookup since the last clear (1.0 = no collisions). */
  public double averageProbes() {
    return lookups == 0 ? 0 : (double) probes / lookups;
  }

  /** Slot holding the digest, or the empty slot where it belongs. The table is never 100% full. */
  private int find() {
    long h0 = bigEndianLong(digest, 0);
    long h1 = bigEndianLong(digest, 8);
    int slot = (int) Long.remainderUnsigned(h0, slots);
    lookups++;
    for (int tries = 0; tries < slots; tries++) {
      probes++;
      int at = slot * SLOT_BYTES;
      if (isEmpty(at) || (table.getLong(at) == h0 && table.getLong(at + 8) == h1)) {
        return slot;
      }
      slot = slot + 1 == slots ? 0 : slot + 1;
    }
    // Only reachable when loadFactor == 1 and every slot is taken by other keys.
    throw new IllegalStateException("offset map is full (" + entries + " entries)");
  }

  private boolean isEmpty(int at) {
    return table.getLong(at) == 0 && table.getLong(at + 8) == 0;
  }

  private void hash(ByteBuffer buf, int position, int length) {
    md5.reset();
    if (buf.hasArray()) {
      md5.update(buf.array(), buf.arrayOffset() + position, length);
    } else {
      int savedPosition = buf.position();
      int savedLimit = buf.limit();
      buf.limit(position + length).position(position);
      md5.update(buf);
      buf.limit(savedLimit).position(savedPosition);
    }
    try {
      md5.digest(digest, 0, HASH_BYTES);
    } catch (DigestException e) {
      throw new IllegalStateException(e);
    }
    if (bigEndianLong(digest, 0) == 0 && bigEndianLong(digest, 8) == 0) {
      digest[0] = 1; // all zeros marks an empty slot
    }
  }

  private static long bigEndianLong(byte[] b, int at) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[at + i] & 0xffL);
    }
    return v;
  }
}
