package dev.brook.broker.cluster.kafka;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;

/**
 * Reads Kafka's KRaft metadata log directory ({@code __cluster_metadata-0}) in order: the newest
 * complete snapshot ({@code <end offset, 20 digits>-<epoch, 10 digits>.checkpoint}: the state of
 * every record below its end offset), then the records of the {@code .log} segments from that end
 * offset on. Control batches (leader changes, snapshot headers and footers) are skipped.
 *
 * <p>Both kinds of file are Kafka's v2 record batches back to back. Every batch is checked (size
 * within the file, magic 2, CRC32C, offsets increasing) and anything else — a torn tail, a bad CRC,
 * a gap between the snapshot and the log, a record that does not decode — is an {@link IOException}
 * that names the file and the offset or position, so that an import is whole or not done at all.
 * Kafka trims its segments on a clean shutdown, so a clean directory has no torn tail.
 *
 * <p>Reads only; never writes or locks the directory. One caller at a time.
 */
public final class MetadataLogReader {
  static final String SNAPSHOT_SUFFIX = ".checkpoint";
  static final String LOG_SUFFIX = ".log";
  /** Offset (8) and length (4) start every batch; the length counts the bytes after them. */
  private static final int LOG_OVERHEAD = 12;
  /** The smallest v2 batch after the length field (its header with no records). */
  private static final int MIN_BATCH_AFTER_LENGTH = 49;

  /** Where the records came from: the snapshot's end offset (-1: none) and the next offset after the log. */
  public record Position(long snapshotEndOffset, long nextOffset) {}

  private final Path dir;

  public MetadataLogReader(Path dir) {
    this.dir = dir;
  }

  /** Feeds every committed-order record to {@code sink}; returns what was read. */
  public Position read(Consumer<MetadataRecord> sink) throws IOException {
    TreeMap<Long, Path> snapshots = new TreeMap<>();
    TreeMap<Long, Path> segments = new TreeMap<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        String name = p.getFileName().toString();
        if (name.endsWith(SNAPSHOT_SUFFIX) && name.length() == 20 + 1 + 10 + SNAPSHOT_SUFFIX.length()) {
          snapshots.put(parseDigits(p, name.substring(0, 20)), p);
        } else if (name.endsWith(LOG_SUFFIX) && name.length() == 20 + LOG_SUFFIX.length()) {
          segments.put(parseDigits(p, name.substring(0, 20)), p);
        }
      }
    }
    long next = 0;
    long snapshotEnd = -1;
    if (!snapshots.isEmpty()) {
      Map.Entry<Long, Path> newest = snapshots.lastEntry();
      readFile(newest.getValue(), Long.MIN_VALUE, sink);
      snapshotEnd = newest.getKey();
      next = snapshotEnd;
    }
    for (Map.Entry<Long, Path> segment : segments.entrySet()) {
      next = Math.max(next, readFile(segment.getValue(), next, sink));
    }
    return new Position(snapshotEnd, next);
  }

  /**
   * Feeds the records of one file at or above {@code from} (Long.MIN_VALUE: all; a snapshot's
   * offsets restart per file) and returns the offset after its last record (or {@code from}).
   */
  private static long readFile(Path file, long from, Consumer<MetadataRecord> sink) throws IOException {
    long next = from;
    long lastOffset = Long.MIN_VALUE;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      long position = 0;
      while (position < size) {
        RecordBatch batch = readBatch(ch, file, position, size);
        if (batch.baseOffset() <= lastOffset) {
          throw new IOException(file + ": batch at position " + position + " has offset " + batch.baseOffset()
              + ", not after " + lastOffset);
        }
        if (from != Long.MIN_VALUE && batch.baseOffset() > next && batch.lastOffset() >= from) {
          throw new IOException(file + ": offsets " + next + " to " + (batch.baseOffset() - 1)
              + " are missing (no snapshot covers them)");
        }
        lastOffset = batch.lastOffset();
        if (!batch.isControlBatch()) {
          for (Record r : batch) {
            if (r.offset() >= from) sink.accept(decode(file, r));
          }
        }
        if (batch.lastOffset() >= next) next = batch.lastOffset() + 1;
        position += batch.sizeInBytes(); // the offset and length fields included
      }
    }
    return next;
  }

  private static RecordBatch readBatch(FileChannel ch, Path file, long position, long size) throws IOException {
    if (size - position < LOG_OVERHEAD) {
      throw truncated(file, position, size);
    }
    ByteBuffer header = ByteBuffer.allocate(LOG_OVERHEAD);
    readFully(ch, header, position);
    int length = header.getInt(8);
    if (length < MIN_BATCH_AFTER_LENGTH || size - position - LOG_OVERHEAD < length) {
      throw truncated(file, position, size);
    }
    ByteBuffer bytes = ByteBuffer.allocate(LOG_OVERHEAD + length);
    readFully(ch, bytes, position);
    bytes.flip();
    RecordBatch batch = MemoryRecords.readableRecords(bytes).batches().iterator().next();
    if (batch.magic() != RecordBatch.MAGIC_VALUE_V2) {
      throw new IOException(file + ": batch at position " + position + " has magic " + batch.magic() + ", not 2");
    }
    if (!batch.isValid()) {
      throw new IOException(file + ": batch at position " + position + " (offset " + batch.baseOffset()
          + ") fails its CRC");
    }
    return batch;
  }

  private static MetadataRecord decode(Path file, Record r) throws IOException {
    if (!r.hasValue()) throw new IOException(file + ": record at offset " + r.offset() + " has no value");
    try {
      return MetadataRecord.decode(r.value());
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": record at offset " + r.offset() + " does not decode: " + e.getMessage(), e);
    }
  }

  private static IOException truncated(Path file, long position, long size) {
    return new IOException(file + " is truncated or torn at position " + position + " of " + size
        + " (was Kafka stopped cleanly?)");
  }

  private static void readFully(FileChannel ch, ByteBuffer into, long position) throws IOException {
    while (into.hasRemaining()) {
      int n = ch.read(into, position + into.position());
      if (n < 0) throw new IOException("unexpected end of file");
    }
  }

  private static long parseDigits(Path file, String digits) throws IOException {
    try {
      return Long.parseLong(digits);
    } catch (NumberFormatException e) {
      throw new IOException("unexpected file in the metadata log: " + file, e);
    }
  }
}
