package dev.brook.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A small text checkpoint in Kafka's format: a version line ({@code 0}), a count line, then one
 * entry per line. Written atomically (temp file, fsync, rename, fsync of the directory), so a
 * reader sees the old or the new content, never a mix.
 */
final class CheckpointFile {
  static final String TMP_SUFFIX = ".tmp";

  private CheckpointFile() {}

  static void write(Path file, List<String> lines) throws IOException {
    StringBuilder sb = new StringBuilder();
    sb.append("0\n").append(lines.size()).append('\n');
    for (String l : lines) {
      sb.append(l).append('\n');
    }
    Path tmp = file.resolveSibling(file.getFileName() + TMP_SUFFIX);
    try (FileChannel ch = StorageFiles.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer b = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    fsyncDir(file.getParent());
  }

  /** The entry lines, or an empty list if the file is missing. Malformed content is an IOException. */
  static List<String> read(Path file) throws IOException {
    List<String> all;
    try {
      all = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return List.of();
    }
    if (all.size() < 2 || !all.get(0).trim().equals("0")) {
      throw new IOException("malformed checkpoint " + file);
    }
    int n;
    try {
      n = Integer.parseInt(all.get(1).trim());
    } catch (NumberFormatException e) {
      throw new IOException("malformed checkpoint count in " + file, e);
    }
    if (n < 0 || all.size() < 2 + n) {
      throw new IOException("truncated checkpoint " + file);
    }
    return new ArrayList<>(all.subList(2, 2 + n));
  }

  static void fsyncDir(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Not every platform can fsync a directory; the rename is still atomic.
    }
  }
}
