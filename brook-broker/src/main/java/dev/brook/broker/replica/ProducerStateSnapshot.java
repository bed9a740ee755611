package dev.brook.broker.replica;

import dev.brook.broker.replica.ProducerStateManager.BatchMetadata;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The producer state of a partition as of a log offset, serialized for the log's producer-state
 * snapshots ({@code <offset>.snapshot}, which the log writes at every segment roll and the partition
 * at clean shutdown), so that a restart — clean or not — replays only the batches after the newest
 * one instead of the whole log. A corrupt snapshot is ignored (an older one, or the log start,
 * is used). Earlier versions wrote one {@code producer-state.snapshot} at clean shutdown only: it
 * is still read when there is no newer snapshot, then removed.
 *
 * <p>Format (big-endian): magic int32 | version int16 | offset int64 | producers int32 | per producer:
 * id int64, epoch int16, lastTimestamp int64, txnFirstOffset int64, coordinatorEpoch int32 (version
 * 2 on; the epoch of the transaction coordinator that wrote the producer's last marker, which fences
 * markers of older coordinators), batches int32, per batch: firstSeq int32, lastSeq int32,
 * firstOffset int64, lastOffset int64, timestamp int64 | CRC32C int32 of all before it. Version 1
 * (no coordinatorEpoch: read as -1, unknown) is still read; version 2 is written.
 */
public final class ProducerStateSnapshot {
  /** The single clean-shutdown snapshot file of earlier versions. */
  public static final String FILE = "producer-state.snapshot";
  private static final int MAGIC = 0x42505353; // "BPSS"
  private static final short VERSION = 2;
  private static final short VERSION_WITHOUT_COORDINATOR_EPOCH = 1;

  /** A loaded snapshot: the state as of {@code offset} (the next offset to replay). */
  public record Loaded(long offset, List<ProducerStateManager.ProducerEntry> entries) {}

  private ProducerStateSnapshot() {}

  /** Serializes the state as of {@code offset} (the format above), position 0..limit. */
  public static ByteBuffer encode(long offset, java.util.Collection<ProducerStateManager.ProducerEntry> entries) {
    return encode(offset, entries, VERSION);
  }

  /** As {@link #encode(long, java.util.Collection)} in {@code version} (tests of older versions). */
  static ByteBuffer encode(long offset, java.util.Collection<ProducerStateManager.ProducerEntry> entries, short version) {
    boolean withCoordinatorEpoch = version >= VERSION;
    int size = 4 + 2 + 8 + 4 + 4;
    for (var e : entries) size += 8 + 2 + 8 + 8 + (withCoordinatorEpoch ? 4 : 0) + 4 + e.batches().size() * (4 + 4 + 8 + 8 + 8);
    ByteBuffer b = ByteBuffer.allocate(size);
    b.putInt(MAGIC).putShort(version).putLong(offset).putInt(entries.size());
    for (var e : entries) {
      List<BatchMetadata> batches = e.batches();
      b.putLong(e.producerId()).putShort(e.epoch()).putLong(e.lastTimestamp()).putLong(e.currentTxnFirstOffset());
      if (withCoordinatorEpoch) b.putInt(e.coordinatorEpoch());
      b.putInt(batches.size());
      for (BatchMetadata m : batches) {
        b.putInt(m.firstSeq()).putInt(m.lastSeq()).putLong(m.firstOffset()).putLong(m.lastOffset()).putLong(m.timestamp());
      }
    }
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    b.flip();
    return b;
  }

  /** Writes a snapshot in the legacy single file (tests of the migration from it). */
  static void writeLegacy(Path partitionDir, long offset, List<ProducerStateManager.ProducerEntry> entries) throws IOException {
    ByteBuffer b = encode(offset, entries);
    Path tmp = partitionDir.resolve(FILE + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      while (b.hasRemaining()) ch.write(b);
      ch.force(true);
    }
    Files.move(tmp, partitionDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** The legacy snapshot in {@code partitionDir}, if there is a readable one. */
  public static Optional<Loaded> read(Path partitionDir) {
    Path f = partitionDir.resolve(FILE);
    try {
      if (!Files.exists(f)) return Optional.empty();
      return decode(ByteBuffer.wrap(Files.readAllBytes(f)));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The state in {@code bytes} (position 0), or empty if they are not a whole, valid snapshot. */
  public static Optional<Loaded> decode(ByteBuffer bytes) {
    try {
      byte[] copy = new byte[bytes.remaining()];
      bytes.duplicate().get(copy);
      ByteBuffer b = ByteBuffer.wrap(copy);
      if (b.remaining() < 22) return Optional.empty();
      CRC32C crc = new CRC32C();
      crc.update(b.array(), 0, b.limit() - 4);
      if ((int) crc.getValue() != b.getInt(b.limit() - 4)) return Optional.empty();
      if (b.getInt() != MAGIC) return Optional.empty();
      short version = b.getShort();
      if (version != VERSION && version != VERSION_WITHOUT_COORDINATOR_EPOCH) return Optional.empty();
      long offset = b.getLong();
      int n = b.getInt();
      List<ProducerStateManager.ProducerEntry> entries = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        ProducerStateManager.ProducerEntry e = new ProducerStateManager.ProducerEntry(b.getLong());
        short epoch = b.getShort();
        long lastTs = b.getLong();
        long txn = b.getLong();
        int coordinatorEpoch = version >= VERSION ? b.getInt() : -1;
        int batches = b.getInt();
        for (int j = 0; j < batches; j++) {
          e.add(epoch, new BatchMetadata(b.getInt(), b.getInt(), b.getLong(), b.getLong(), b.getLong()));
        }
        e.restore(epoch, lastTs, txn, coordinatorEpoch);
        entries.add(e);
      }
      if (b.remaining() != 4) return Optional.empty();
      return Optional.of(new Loaded(offset, entries));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  public static void delete(Path partitionDir) throws IOException {
    Files.deleteIfExists(partitionDir.resolve(FILE));
  }
}
