package dev.brook.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * The producer-state snapshot files of one partition directory: {@code <offset>.snapshot} (20
 * digits, Kafka's naming), each the owner's serialized producer state as of {@code offset}. A
 * snapshot is written whole or not at all (temp file, fsync, atomic rename, directory fsync), so a
 * file that exists is complete; its content is checked by its owner.
 *
 * <p>Invariant kept with the log: every snapshot's offset is within [first segment base, log end]
 * (those above a truncation point and below deleted segments are removed), and at most {@link
 * #RETAINED} are kept (the newest).
 *
 * <p>Threading: mutations under the owning log's lock, except {@link #writeTemp} (the flusher, no
 * lock: the temporary file is private until published) and {@link #publish} (the flusher, under
 * the log's snapshot lock, which truncations take too, but not the lock appends wait on: removals
 * may run concurrently with it, and a removal of the same file twice is harmless); {@link #offsets}
 * and {@link #read} from any thread.
 */
public final class ProducerSnapshots {
  public static final String SUFFIX = ".snapshot";
  /** Snapshots kept: the newest is what recovery uses; older ones stand in if it is unreadable. */
  public static final int RETAINED = 3;

  private final Path dir;
  private final ConcurrentSkipListSet<Long> offsets = new ConcurrentSkipListSet<>();

  /** The snapshots of a directory known to be empty (just created): nothing to list. */
  static ProducerSnapshots none(Path dir) {
    return new ProducerSnapshots(dir, java.util.Set.of());
  }

  /** The snapshots found in {@code dir}. */
  ProducerSnapshots(Path dir) throws IOException {
    this(dir, listed(dir));
  }

  private ProducerSnapshots(Path dir, java.util.Set<Long> onDisk) {
    this.dir = dir;
    offsets.addAll(onDisk);
  }

  private static java.util.Set<Long> listed(Path dir) throws IOException {
    java.util.Set<Long> found = new java.util.HashSet<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
      for (Path p : ds) {
        long offset = LogFiles.parseBase(p.getFileName().toString(), SUFFIX);
        if (offset >= 0) {
          found.add(offset);
        }
      }
    }
    return found;
  }

  /** The file of the snapshot at {@code offset}. */
  public static String fileName(long offset) {
    return LogSegment.fileName(offset, SUFFIX);
  }

  /** The offsets of the snapshots on disk, oldest first. */
  List<Long> offsets() {
    return new ArrayList<>(offsets);
  }

  Optional<ByteBuffer> read(long offset) throws IOException {
    if (!offsets.contains(offset)) {
      return Optional.empty();
    }
    try {
      return Optional.of(ByteBuffer.wrap(Files.readAllBytes(dir.resolve(fileName(offset)))));
    } catch (java.nio.file.NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /** Writes (or replaces) the snapshot at {@code offset} atomically, then keeps the newest {@link #RETAINED}. */
  void write(long offset, ByteBuffer state) throws IOException {
    writeTemp(offset, state);
    publish(offset);
    CheckpointFile.fsyncDir(dir);
  }

  /**
   * Writes and fsyncs the snapshot at {@code offset} to its temporary file, which no reader looks
   * at: the flusher calls this holding no lock. {@link #publish} then makes it the snapshot.
   */
  void writeTemp(long offset, ByteBuffer state) throws IOException {
    Path tmp = dir.resolve(fileName(offset) + CheckpointFile.TMP_SUFFIX);
    ByteBuffer b = state.duplicate();
    try (FileChannel ch = StorageFiles.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE)) {
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
  }

  /**
   * Renames the temporary file written by {@link #writeTemp} to the snapshot (atomic; a rename, no
   * fsync: called under the log's snapshot lock, so a truncation cannot slip between the check that
   * the snapshot still describes the log and its publication), then keeps the newest {@link #RETAINED}.
   * The caller fsyncs the directory after releasing the lock; until then a crash may lose the
   * rename, which costs only a longer replay.
   */
  void publish(long offset) throws IOException {
    Path target = dir.resolve(fileName(offset));
    Files.move(dir.resolve(fileName(offset) + CheckpointFile.TMP_SUFFIX), target, StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
    offsets.add(offset);
    while (offsets.size() > RETAINED) {
      delete(offsets.first());
    }
  }

  /** Removes the temporary file of a snapshot that will not be published. */
  void discardTemp(long offset) throws IOException {
    Files.deleteIfExists(dir.resolve(fileName(offset) + CheckpointFile.TMP_SUFFIX));
  }

  Path dir() {
    return dir;
  }

  /** Removes the snapshots above {@code offset} (truncation: they describe removed batches). */
  void deleteAbove(long offset) throws IOException {
    for (Long o : new ArrayList<>(offsets.tailSet(offset, false))) {
      delete(o);
    }
  }

  /** Removes the snapshots below {@code offset} (their batches were deleted: no replay can follow them). */
  void deleteBelow(long offset) throws IOException {
    for (Long o : new ArrayList<>(offsets.headSet(offset, false))) {
      delete(o);
    }
  }

  private void delete(long offset) throws IOException {
    offsets.remove(offset);
    Files.deleteIfExists(dir.resolve(fileName(offset)));
  }
}
