package dev.brook.broker.replica;

import dev.brook.broker.replica.ProducerStateManager.BatchMetadata;
import dev.brook.broker.replica.ProducerStateManager.ProducerEntry;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * Reads the producer-state snapshot files Apache Kafka writes ({@code <offset>.snapshot} in a
 * partition directory, the same name Brook uses), so that a log directory Kafka used keeps its
 * idempotent producers' sequence state and open transactions when Brook opens it. Brook never
 * writes this format: its own snapshots ({@link ProducerStateSnapshot}) replace Kafka's as the log
 * rolls.
 *
 * <p>Format (big-endian, as Kafka 2.x to 4.1 write it; learned from the files Kafka 4.1.1 writes):
 * version int16 (1) | CRC32C uint32 of every byte after it | producers int32 | per producer (46 B):
 * producer id int64, epoch int16, last sequence int32, last offset int64, offset delta int32 (last
 * offset minus the first offset of the producer's last batch), timestamp int64, coordinator epoch
 * int32, first offset of the open transaction int64 (-1: none). Kafka keeps only the last batch of
 * each producer in the file; a producer whose last batch was an epoch bump or a transaction marker
 * has last sequence -1 and no batch.
 *
 * <p>Stateless; any thread.
 */
public final class KafkaProducerSnapshot {
  static final short VERSION = 1;
  private static final int HEADER = 2 + 4 + 4;
  private static final int ENTRY = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;

  private KafkaProducerSnapshot() {}

  /**
   * The state in {@code bytes} (from its position) as of {@code offset}, the offset in the file's
   * name (Kafka does not repeat it inside); empty if the bytes are not a whole snapshot of this
   * format with a matching CRC.
   */
  public static Optional<ProducerStateSnapshot.Loaded> decode(long offset, ByteBuffer bytes) {
    ByteBuffer b = bytes.duplicate().order(java.nio.ByteOrder.BIG_ENDIAN);
    if (b.remaining() < HEADER || b.getShort(b.position()) != VERSION) return Optional.empty();
    int start = b.position();
    long storedCrc = Integer.toUnsignedLong(b.getInt(start + 2));
    CRC32C crc = new CRC32C();
    crc.update(b.duplicate().position(start + 6));
    if (crc.getValue() != storedCrc) return Optional.empty();
    int count = b.getInt(start + 6);
    if (count < 0 || (long) count * ENTRY != b.remaining() - HEADER) return Optional.empty();
    b.position(start + HEADER);
    List<ProducerEntry> entries = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      entries.add(entry(b));
    }
    return Optional.of(new ProducerStateSnapshot.Loaded(offset, entries));
  }

  private static ProducerEntry entry(ByteBuffer b) {
    ProducerEntry e = new ProducerEntry(b.getLong());
    short epoch = b.getShort();
    int lastSeq = b.getInt();
    long lastOffset = b.getLong();
    int offsetDelta = b.getInt();
    long timestamp = b.getLong();
    int coordinatorEpoch = b.getInt();
    long txnFirstOffset = b.getLong();
    if (lastSeq >= 0 && lastOffset >= 0) {
      // Sequences wrap at Integer.MAX_VALUE as Kafka's do: a batch may start near the top.
      int firstSeq = lastSeq - offsetDelta;
      if (firstSeq < 0) firstSeq += Integer.MAX_VALUE + 1;
      e.add(epoch, new BatchMetadata(firstSeq, lastSeq, lastOffset - offsetDelta, lastOffset, timestamp));
    }
    e.restore(epoch, timestamp, txnFirstOffset, coordinatorEpoch);
    return e;
  }
}
