package dev.brook.broker.replica;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Hands out producer ids that are unique across restarts of this broker (InitProducerId). Ids are
 * taken from blocks of {@value #BLOCK_SIZE}; before the first id of a block is handed out, the end
 * of the block is written to {@code producer-id-block} in the log dir (atomically, fsynced), so a
 * restart — clean or not — continues after every id ever handed out. In cluster mode the blocks
 * come from ZooKeeper instead ({@link #fromBlocks}), so ids are unique across brokers; callers only
 * see {@link #nextProducerId}.
 *
 * <p>Thread-safe.
 */
public final class ProducerIdManager {
  public static final String FILE = "producer-id-block";
  static final long BLOCK_SIZE = 1000;

  /** Where a cluster's brokers claim blocks of ids (ZooKeeper); returns the first id of a new block. */
  @FunctionalInterface
  public interface BlockSource {
    long claim(long size) throws Exception;
  }

  private final Path file; // null with a block source
  private final BlockSource blocks; // null on a single node
  private final java.util.function.LongSupplier floor; // with a block source: the highest id never to hand out
  private long next;
  private long blockEnd;

  private ProducerIdManager(Path file, long start) {
    this.file = file;
    this.blocks = null;
    this.floor = () -> -1;
    this.next = start;
    this.blockEnd = start;
  }

  private ProducerIdManager(BlockSource blocks, java.util.function.LongSupplier floor) {
    this.file = null;
    this.blocks = blocks;
    this.floor = floor;
  }

  /**
   * Cluster mode: ids come from blocks claimed from {@code blocks} (unique across the cluster's
   * brokers, as Kafka's /latest_producer_id_block); claiming one may block on ZooKeeper.
   */
  public static ProducerIdManager fromBlocks(BlockSource blocks) {
    return fromBlocks(blocks, () -> -1);
  }

  /**
   * Cluster mode, as {@link #fromBlocks(BlockSource)}, never handing out an id at or below {@code
   * floor} (the highest producer id a promoted mirror topic took from its source, raised by any broker
   * of the cluster): the ids up to it left in the current block are skipped. Blocks claimed after the
   * floor was raised start above it (the cluster's block end is raised first). {@code floor} is
   * asked once per id, so it must be cheap (a cached value).
   */
  public static ProducerIdManager fromBlocks(BlockSource blocks, java.util.function.LongSupplier floor) {
    return new ProducerIdManager(blocks, floor);
  }

  /** Opens the allocator for {@code logDir}; ids continue after the last persisted block. */
  public static ProducerIdManager open(Path logDir) throws IOException {
    Path f = logDir.resolve(FILE);
    long start = 0;
    if (Files.exists(f)) {
      String text = Files.readString(f, StandardCharsets.UTF_8).trim();
      try {
        start = Long.parseLong(text.startsWith("next=") ? text.substring(5) : text);
      } catch (NumberFormatException e) {
        throw new IOException(f + " is corrupt: '" + text + "'", e);
      }
    }
    return new ProducerIdManager(f, start);
  }

  /**
   * Makes every id below {@code next} taken in {@code logDir} (ids another broker handed out there,
   * such as Kafka's before the directory came to Brook): the persisted block end becomes at least
   * {@code next}. Called before the allocator opens.
   */
  public static void reserveBelow(Path logDir, long next) throws IOException {
    ProducerIdManager current = open(logDir);
    if (current.next < next) current.persist(next);
  }

  /**
   * Makes every id up to {@code producerId} taken (a promoted mirror topic holds the source cluster's
   * producer ids: a new producer here must not get one of them). In a cluster this skips the rest of
   * this broker's current block up to it; the caller first makes the cluster's blocks start above it
   * (ZooKeeper), so the next block claimed does.
   */
  public synchronized void reserveThrough(long producerId) throws IOException {
    if (next > producerId) return;
    if (blocks != null) {
      next = Math.min(producerId + 1, blockEnd); // at the block's end: the next id claims a new block
      return;
    }
    long end = producerId + 1 + BLOCK_SIZE;
    persist(end);
    next = producerId + 1;
    blockEnd = end;
  }

  public synchronized long nextProducerId() throws IOException {
    if (blocks != null) {
      long taken = floor.getAsLong();
      if (next <= taken) next = Math.min(taken + 1, blockEnd); // at the block's end: a new block, above it
    }
    if (blocks != null && next >= blockEnd) {
      try {
        next = blocks.claim(BLOCK_SIZE);
      } catch (IOException e) {
        throw e;
      } catch (Exception e) {
        throw new IOException("cannot claim a producer id block", e);
      }
      blockEnd = next + BLOCK_SIZE;
    } else if (next >= blockEnd) {
      long end = next + BLOCK_SIZE;
      persist(end);
      blockEnd = end;
    }
    return next++;
  }

  private void persist(long end) throws IOException {
    Path tmp = file.resolveSibling(FILE + ".tmp");
    Files.writeString(tmp, "next=" + end + "\n", StandardCharsets.UTF_8);
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
