package dev.brook.broker.cluster.kafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.Uuid;

/**
 * Kafka's {@code partition.metadata} in a partition directory: the id of the topic the partition
 * belongs to, as two text lines {@code version: 0} and {@code topic_id: <base64 uuid>}. Kafka
 * writes it when the partition is created; an import checks it against the metadata log, so that a
 * partition directory left behind by a deleted topic of the same name is not served as the new one.
 *
 * <p>Stateless; any thread.
 */
public final class PartitionMetadataFile {
  public static final String FILE_NAME = "partition.metadata";

  private PartitionMetadataFile() {}

  /** The topic id in {@code partitionDir}, empty if the file is absent; malformed is an IOException naming it. */
  public static Optional<Uuid> read(Path partitionDir) throws IOException {
    Path file = partitionDir.resolve(FILE_NAME);
    if (!Files.exists(file)) return Optional.empty();
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    if (lines.size() < 2 || !lines.get(0).trim().equals("version: 0") || !lines.get(1).startsWith("topic_id: ")) {
      throw new IOException(file + " is not a partition.metadata of version 0: " + lines);
    }
    try {
      return Optional.of(Uuid.fromString(lines.get(1).substring("topic_id: ".length()).trim()));
    } catch (IllegalArgumentException e) {
      throw new IOException(file + " has a malformed topic id: " + lines.get(1), e);
    }
  }
}
