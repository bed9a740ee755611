package dev.brook.broker.recordformat;

import dev.brook.broker.cluster.AtomicFiles;
import dev.brook.broker.cluster.MetaProperties;
import dev.brook.storage.PartitionLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where, in a partition of {@code __consumer_offsets} or {@code __transaction_state}, Brook's
 * legacy value layouts end and Kafka's schemas begin. Both legacy layouts are numbered version 0,
 * as Kafka's first versions are, so the bytes alone cannot tell them apart; the offset can.
 *
 * <p>The rule: when a log directory made by an older Brook (see {@link
 * MetaProperties#hasLegacyCoordinatorRecords}) is first opened, before any partition serves,
 * every coordinator partition in it gets a file {@value #FILE_NAME} in its directory holding its
 * log end offset (decimal text); then meta.properties is marked, so this happens once (a crash
 * between the two repeats it with the same offsets: nothing was appended). A record at an offset
 * below a partition's boundary has the legacy layout; every other record, and every record of a
 * partition without the file (a new directory, a Kafka log directory, a partition created since),
 * has Kafka's. Offsets never change (compaction keeps them), so the boundary holds for good.
 *
 * <p>Not covered: in a cluster, a follower marks its own log end offset, so a follower that lagged
 * its leader at the upgrade, or a replica created from a legacy leader afterwards, would read the
 * legacy records it fetches later as Kafka's (and skip them, logged). Upgrade a cluster with all
 * brokers stopped and in sync.
 */
public final class LegacyRecordBoundary {
  private static final Logger log = LoggerFactory.getLogger(LegacyRecordBoundary.class);
  public static final String FILE_NAME = "brook-legacy-records-below";
  private static final Set<String> TOPICS = Set.of("__consumer_offsets", "__transaction_state");

  private LegacyRecordBoundary() {}

  /**
   * The offset below which {@code partitionDir}'s records have Brook's legacy layout; 0 (none)
   * without the file.
   */
  public static long of(Path partitionDir) throws IOException {
    Path file = partitionDir.resolve(FILE_NAME);
    if (!Files.exists(file)) return 0;
    String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new IOException(file + " does not hold an offset: " + text, e);
    }
  }

  /**
   * Marks the boundaries of a legacy log directory's coordinator partitions (all of {@code logs},
   * opened and recovered) and then meta.properties; does nothing for any other directory. Called
   * once per start, before any partition serves.
   */
  public static void markOnUpgrade(Path logDir, Collection<PartitionLog> logs) throws IOException {
    if (!MetaProperties.hasLegacyCoordinatorRecords(logDir)) return;
    for (PartitionLog p : logs) {
      if (!TOPICS.contains(p.id().topic())) continue;
      long end = p.logEndOffset();
      AtomicFiles.write(p.dir().resolve(FILE_NAME), (end + "\n").getBytes(StandardCharsets.US_ASCII));
      log.info("{}: records below offset {} have Brook's legacy layout; new ones have Kafka's", p.id(), end);
    }
    MetaProperties.markKafkaCoordinatorRecords(logDir);
  }
}
