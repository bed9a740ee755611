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
 * restart — clean or not — continues after every id ever handed out. In cluster mode the block
 * will come from ZooKeeper instead; callers only see {@link #nextProducerId}.
 *
 * <p>Thread-safe.
 */
public final class ProducerIdManager {
  public static final String FILE = "producer-id-block";
  static final long BLOCK_SIZE = 1000;

  private final Path file;
  private long next;
  private long blockEnd;

  private ProducerIdManager(Path file, long start) {
    this.file = file;
    this.next = start;
    this.blockEnd = start;
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

  public synchronized long nextProducerId() throws IOException {
    if (next >= blockEnd) {
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
