package dev.brook.storage;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files of one partition directory as the log finds them at open time, and the rules that make
 * an interrupted operation whole again: {@code .deleted}, {@code .cleaned}, {@code .tmp} and {@code
 * .prepared} files are removed (a deletion that was under way, a clean that never reached the swap,
 * a checkpoint never renamed, a next segment made ahead of a roll that never came: nothing was ever
 * written to it under that name); a {@code .swap} segment is complete (it is only renamed so after its fsync), so it
 * replaces every segment whose base offset falls in its offset range and takes its final name.
 */
final class LogFiles {
  private static final Logger LOG = LoggerFactory.getLogger(LogFiles.class);

  private LogFiles() {}

  static void removeLeftovers(Path dir) throws IOException {
    for (Path p : list(dir)) {
      String name = p.getFileName().toString();
      if (name.endsWith(LogSegment.DELETED_SUFFIX) || name.endsWith(LogSegment.CLEANED_SUFFIX) || name.endsWith(CheckpointFile.TMP_SUFFIX)
          || name.endsWith(LogSegment.PREPARED_SUFFIX)) {
        LOG.info("Removing leftover {}", p);
        Files.deleteIfExists(p);
      }
    }
  }

  static void completeSwaps(Path dir, LogConfig config) throws IOException {
    String logSwap = LogSegment.LOG_SUFFIX + LogSegment.SWAP_SUFFIX;
    for (Path p : list(dir)) {
      String name = p.getFileName().toString();
      if (!name.endsWith(logSwap)) {
        continue;
      }
      long base = parseBase(name, logSwap);
      if (base < 0) {
        continue;
      }
      LogSegment swap = LogSegment.open(dir, base, config, LogSegment.SWAP_SUFFIX);
      swap.recover(config);
      long next = swap.readNextOffset();
      long end = Math.max(next, base + 1);
      for (long replaced : segmentBases(dir).keySet()) {
        if (replaced >= base && replaced < end) {
          LOG.info("Completing swap of {}: removing replaced segment {}", p, replaced);
          deleteSegmentFiles(dir, replaced, "");
        }
      }
      // While the log is .swap, every unsuffixed transaction index in its range is a replaced one
      // (the swap's own went .swap before its log did).
      for (Path q : list(dir)) {
        long b = parseBase(q.getFileName().toString(), LogSegment.TXN_INDEX_SUFFIX);
        if (b >= base && b < end) {
          Files.deleteIfExists(q);
        }
      }
      swap.changeFileSuffix("");
      swap.close();
    }
    String txnSwap = LogSegment.TXN_INDEX_SUFFIX + LogSegment.SWAP_SUFFIX;
    for (Path p : list(dir)) {
      String name = p.getFileName().toString();
      long base = parseBase(name, txnSwap);
      if (base >= 0 && Files.exists(dir.resolve(LogSegment.fileName(base, LogSegment.LOG_SUFFIX)))) {
        // The swap's log took its final name but its transaction index did not yet.
        Files.move(p, dir.resolve(LogSegment.fileName(base, LogSegment.TXN_INDEX_SUFFIX)), StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
      } else if (name.endsWith(LogSegment.SWAP_SUFFIX)) {
        Files.deleteIfExists(p);
      }
    }
  }

  static void deleteSegmentFiles(Path dir, long base, String suffix) throws IOException {
    Files.deleteIfExists(dir.resolve(LogSegment.fileName(base, LogSegment.LOG_SUFFIX) + suffix));
    Files.deleteIfExists(dir.resolve(LogSegment.fileName(base, LogSegment.INDEX_SUFFIX) + suffix));
    Files.deleteIfExists(dir.resolve(LogSegment.fileName(base, LogSegment.TIME_INDEX_SUFFIX) + suffix));
    Files.deleteIfExists(dir.resolve(LogSegment.fileName(base, LogSegment.TXN_INDEX_SUFFIX) + suffix));
  }

  /**
   * Base offsets of the {@code .log} files, each with whether both its offset and time indexes
   * exist (a transaction index is optional). Index files without a log are removed.
   */
  static TreeMap<Long, Boolean> segmentBases(Path dir) throws IOException {
    TreeMap<Long, Boolean> bases = new TreeMap<>();
    List<Path> files = list(dir);
    for (Path p : files) {
      long base = parseBase(p.getFileName().toString(), LogSegment.LOG_SUFFIX);
      if (base >= 0) {
        boolean indexes = Files.exists(dir.resolve(LogSegment.fileName(base, LogSegment.INDEX_SUFFIX)))
            && Files.exists(dir.resolve(LogSegment.fileName(base, LogSegment.TIME_INDEX_SUFFIX)));
        bases.put(base, indexes);
      }
    }
    for (Path p : files) {
      String name = p.getFileName().toString();
      long base = Math.max(Math.max(parseBase(name, LogSegment.INDEX_SUFFIX), parseBase(name, LogSegment.TIME_INDEX_SUFFIX)),
          parseBase(name, LogSegment.TXN_INDEX_SUFFIX));
      if (base >= 0 && !bases.containsKey(base)) {
        LOG.info("Removing index without a log: {}", p);
        Files.deleteIfExists(p);
      }
    }
    return bases;
  }

  /** The base offset of {@code <20 digits><suffix>}, or -1. */
  static long parseBase(String name, String suffix) {
    if (!name.endsWith(suffix) || name.length() != 20 + suffix.length()) {
      return -1;
    }
    String digits = name.substring(0, 20);
    for (int i = 0; i < digits.length(); i++) {
      if (!Character.isDigit(digits.charAt(i))) {
        return -1;
      }
    }
    try {
      return Long.parseLong(digits);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static List<Path> list(Path dir) throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        if (Files.isRegularFile(p)) {
          out.add(p);
        }
      }
    }
    return out;
  }
}
