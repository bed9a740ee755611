package dev.brook.storage.cleaner;

import dev.brook.storage.LogId;
import java.io.IOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code cleaner-offset-checkpoint} file of a log dir: per partition, the offset up to which
 * its log has been compacted (the first dirty offset). Kafka's text format: a version line ({@code
 * 0}), a count line, then one {@code <topic> <partition> <offset>} line per partition.
 *
 * <p>Written whole to a {@code .tmp} file, forced, then renamed over the old one, so a crash leaves
 * either the old or the new file. A missing file means nothing was cleaned yet; an unreadable one is
 * logged and ignored (the cleaner then starts over from each log's start: slower, never wrong, since
 * cleaning is idempotent). Thread-safe.
 */
public final class CleanerCheckpoint {
  public static final String FILE_NAME = "cleaner-offset-checkpoint";
  private static final Logger log = LoggerFactory.getLogger(CleanerCheckpoint.class);

  // Written out rather than Comparator.comparing(..).thenComparingInt(..): those combinators' lambdas
  // live in java.util.Comparator, which the AOT cache does not link, so building them spun three
  // classes at every broker start (~5 ms); a lambda in this class is linked ahead of time.
  private static final Comparator<LogId> BY_NAME = (a, b) -> {
    int byTopic = a.topic().compareTo(b.topic());
    return byTopic != 0 ? byTopic : Integer.compare(a.partition(), b.partition());
  };

  private final Path file;

  public CleanerCheckpoint(Path logDir) {
    this.file = logDir.resolve(FILE_NAME);
  }

  public Path file() {
    return file;
  }

  public synchronized Map<LogId, Long> read() {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return new HashMap<>();
    } catch (IOException e) {
      log.warn("Cannot read {}; every compacted log will be cleaned from its start", file, e);
      return new HashMap<>();
    }
    if (lines.isEmpty()) {
      return new HashMap<>(); // Kafka creates the file empty when its cleaner starts and has cleaned nothing
    }
    try {
      if (lines.size() < 2 || !lines.get(0).trim().equals("0")) {
        throw new IllegalArgumentException("unknown version or missing count");
      }
      int count = Integer.parseInt(lines.get(1).trim());
      if (lines.size() < 2 + count) {
        throw new IllegalArgumentException("expected " + count + " entries, found " + (lines.size() - 2));
      }
      Map<LogId, Long> offsets = new HashMap<>();
      for (int i = 0; i < count; i++) {
        String[] parts = lines.get(2 + i).trim().split(" ");
        if (parts.length != 3) {
          throw new IllegalArgumentException("bad line: " + lines.get(2 + i));
        }
        offsets.put(new LogId(parts[0], Integer.parseInt(parts[1])), Long.parseLong(parts[2]));
      }
      return offsets;
    } catch (RuntimeException e) {
      log.warn("Malformed {} ({}); every compacted log will be cleaned from its start", file, e.getMessage());
      return new HashMap<>();
    }
  }

  public synchronized void write(Map<LogId, Long> offsets) throws IOException {
    Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
    try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      w.write("0\n");
      w.write(offsets.size() + "\n");
      Map<LogId, Long> sorted = new TreeMap<>(BY_NAME);
      sorted.putAll(offsets);
      for (Map.Entry<LogId, Long> e : sorted.entrySet()) {
        w.write(e.getKey().topic() + " " + e.getKey().partition() + " " + e.getValue() + "\n");
      }
    }
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Sets one partition's offset (read, change, write). */
  public synchronized void update(LogId id, long offset) throws IOException {
    Map<LogId, Long> offsets = read();
    offsets.put(id, offset);
    write(offsets);
  }

  /** Forgets a partition (its log was deleted or truncated below the checkpoint). */
  public synchronized void remove(LogId id) throws IOException {
    Map<LogId, Long> offsets = read();
    if (offsets.remove(id) != null) {
      write(offsets);
    }
  }
}
