package dev.brook.broker.cluster.kafka;

import dev.brook.broker.cluster.LocalMetadataStore;
import dev.brook.broker.cluster.TopicMetadata;
import dev.brook.broker.config.ConfigException;
import dev.brook.broker.config.TopicConfigs;
import dev.brook.broker.replica.ProducerIdManager;
import dev.brook.storage.LogManager;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a log directory that Apache Kafka (4.x, KRaft) used under Brook, in place: the first time
 * Brook opens a directory that holds Kafka's metadata log ({@code __cluster_metadata-0}) and no
 * Brook topic metadata yet, the topics — names, ids, partition counts, dynamic topic configs — are
 * read from that log and written as Brook's topic metadata ({@link LocalMetadataStore}) in one
 * atomic write, and the producer ids Kafka handed out are reserved ({@link ProducerIdManager}). Everything else is already in Brook's format: segments, indexes, checkpoints and
 * {@code meta.properties} (Kafka's cluster id is kept) are read as they are, producer-state
 * snapshots by the partitions, the internal topics by the coordinators.
 *
 * <p>The import is all or nothing: a metadata log that does not read, a partition directory whose
 * {@code partition.metadata} names another topic id or that is missing, or a topic with missing
 * partition records is an
 * {@link IOException} naming the file, and nothing is written (the next start tries again). Kafka's
 * metadata log is left untouched and never served ({@link LogManager#KAFKA_METADATA_LOG_DIR}).
 * Configs Brook does not have (or values it refuses) and broker-level dynamic configs are not
 * imported; they are logged once, in a warning.
 *
 * <p>Called once at startup, before the metadata store opens; not thread-safe.
 */
public final class KafkaLogDirImport {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaLogDirImport.class);

  /** What an import brought over, and what it could not. */
  public record Result(List<TopicMetadata> topics, MetadataLogReader.Position position, List<String> notImported) {
    public int partitions() {
      return topics.stream().mapToInt(TopicMetadata::partitions).sum();
    }
  }

  private KafkaLogDirImport() {}

  /** Whether {@code logDir} is a Kafka log directory that Brook has not taken over yet. */
  public static boolean needed(Path logDir) {
    return Files.isDirectory(logDir.resolve(LogManager.KAFKA_METADATA_LOG_DIR))
        && !Files.exists(logDir.resolve(LocalMetadataStore.FILE_NAME));
  }

  /** Imports {@code logDir} if {@link #needed}; logs what it did. {@code clusterId} is for the log line. */
  public static Optional<Result> importIfNeeded(Path logDir, String clusterId) throws IOException {
    if (!needed(logDir)) {
      refuseKafkaDirWithoutMetadataLog(logDir);
      return Optional.empty();
    }
    Result result = run(logDir);
    LOG.info("Imported the Kafka log directory {} (cluster id {}): {} topics, {} partitions, from {} up to offset {}{};"
            + " {} left as Kafka wrote it", logDir, clusterId.strip(), result.topics().size(), result.partitions(),
        LogManager.KAFKA_METADATA_LOG_DIR, result.position().nextOffset(),
        result.position().snapshotEndOffset() >= 0 ? " (snapshot at " + result.position().snapshotEndOffset() + ")" : "",
        LogManager.KAFKA_METADATA_LOG_DIR);
    if (!result.notImported().isEmpty()) {
      LOG.warn("Not imported from Kafka's metadata (set them in Brook's configuration if needed): {}",
          String.join("; ", result.notImported()));
    }
    return Optional.of(result);
  }

  /**
   * A directory Kafka formatted ({@code directory.id} in its meta.properties, a key Brook never
   * writes) with partitions but neither Brook's topic metadata nor Kafka's metadata log: its
   * metadata log is elsewhere (a separate controller, or {@code metadata.log.dir}). Opening it would
   * serve no topic and orphan the partitions, so the start stops and says what to do.
   */
  private static void refuseKafkaDirWithoutMetadataLog(Path logDir) throws IOException {
    Path meta = logDir.resolve("meta.properties");
    if (Files.exists(logDir.resolve(LocalMetadataStore.FILE_NAME)) || !Files.exists(meta)) return;
    java.util.Properties p = new java.util.Properties();
    try (var in = Files.newBufferedReader(meta)) {
      p.load(in);
    }
    if (p.getProperty("directory.id") == null) return;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(logDir,
        d -> Files.exists(d.resolve(PartitionMetadataFile.FILE_NAME)))) {
      if (!ds.iterator().hasNext()) return;
    }
    throw new IOException(logDir + " is a Kafka log directory without Kafka's metadata log ("
        + LogManager.KAFKA_METADATA_LOG_DIR + "): Brook takes the topics from it. Copy the "
        + LogManager.KAFKA_METADATA_LOG_DIR + " directory of Kafka's controller (its metadata.log.dir) into "
        + logDir + ", then start again");
  }

  /** Reads, checks and writes; nothing is written unless every check passed. */
  static Result run(Path logDir) throws IOException {
    Path metadataDir = logDir.resolve(LogManager.KAFKA_METADATA_LOG_DIR);
    KafkaMetadataImage image = new KafkaMetadataImage();
    MetadataLogReader.Position position;
    Map<String, KafkaMetadataImage.Topic> kafkaTopics;
    try {
      position = new MetadataLogReader(metadataDir).read(image::apply);
      kafkaTopics = image.topics();
    } catch (IllegalStateException e) {
      throw new IOException("cannot import Kafka's metadata log " + metadataDir + ": " + e.getMessage(), e);
    }
    List<String> notImported = new ArrayList<>();
    if (image.endsInsideTransaction()) notImported.add("an unfinished metadata transaction at the end of the log");
    image.otherConfigs().forEach((k, v) -> notImported.add("dynamic config of " + k + "=" + v));
    image.securityAndQuotaRecords().forEach((kind, n) -> notImported.add(n + " " + kind + " record(s)"));
    List<TopicMetadata> topics = new ArrayList<>();
    for (KafkaMetadataImage.Topic t : kafkaTopics.values()) {
      topics.add(new TopicMetadata(t.name(), t.id(), t.partitions(), supportedConfigs(t, notImported)));
    }
    checkPartitionDirectories(logDir, kafkaTopics, notImported);
    // Kafka's producers live on in the partitions' producer state: a new producer must never get
    // one of their ids. Written before the topic metadata, which marks the import done.
    ProducerIdManager.reserveBelow(logDir, image.nextProducerId());
    LocalMetadataStore.create(logDir, topics);
    return new Result(List.copyOf(topics), position, List.copyOf(notImported));
  }

  /** The topic's configs that Brook has and accepts; the others go to {@code notImported}. */
  private static Map<String, String> supportedConfigs(KafkaMetadataImage.Topic t, List<String> notImported) {
    Map<String, String> out = new TreeMap<>();
    t.configs().forEach((key, value) -> {
      Optional<TopicConfigs.Def> def = TopicConfigs.get(key);
      if (def.isEmpty()) {
        notImported.add("topic " + t.name() + ": " + key + "=" + value + " (not a Brook topic config)");
        return;
      }
      try {
        def.get().parse(value);
        out.put(key, value);
      } catch (ConfigException e) {
        notImported.add("topic " + t.name() + ": " + key + "=" + value + " (" + e.getMessage() + ")");
      }
    });
    return out;
  }

  /**
   * Every partition directory of an imported topic must carry that topic's id (Kafka writes it at
   * creation): a different id is a directory of another topic of the same name, and serving it
   * would mix two topics' records. Directories of topics the metadata does not know are reported.
   */
  private static void checkPartitionDirectories(Path logDir, Map<String, KafkaMetadataImage.Topic> topics,
      List<String> notImported) throws IOException {
    java.util.Set<String> present = new java.util.HashSet<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(logDir, Files::isDirectory)) {
      for (Path dir : ds) {
        String name = dir.getFileName().toString();
        int dash = name.lastIndexOf('-');
        if (name.equals(LogManager.KAFKA_METADATA_LOG_DIR) || dash <= 0) continue;
        int partition;
        try {
          partition = Integer.parseInt(name.substring(dash + 1));
        } catch (NumberFormatException e) {
          continue; // -delete, -future, -stray and foreign directories: not partitions of a live topic
        }
        KafkaMetadataImage.Topic topic = topics.get(name.substring(0, dash));
        if (topic == null || partition >= topic.partitions()) {
          notImported.add("partition directory " + name + " (no such partition in Kafka's metadata)");
          continue;
        }
        Optional<Uuid> id = PartitionMetadataFile.read(dir);
        if (id.isPresent() && !id.get().equals(topic.id())) {
          throw new IOException(dir.resolve(PartitionMetadataFile.FILE_NAME) + " has topic id " + id.get()
              + " but Kafka's metadata gives topic " + topic.name() + " the id " + topic.id());
        }
        present.add(name);
      }
    }
    // Kafka creates every partition's directory when it takes the partition; one that is missing
    // lives in another of Kafka's log.dirs (Brook serves one), and serving it empty would restart
    // its offsets at 0 under consumers that committed later ones.
    for (KafkaMetadataImage.Topic t : topics.values()) {
      for (int p = 0; p < t.partitions(); p++) {
        if (!present.contains(t.name() + "-" + p)) {
          throw new IOException("Kafka's metadata has partition " + t.name() + "-" + p + " but " + logDir.resolve(
              t.name() + "-" + p) + " is missing (did Kafka have several log.dirs? Brook serves one: move the"
              + " partition directories into " + logDir + ")");
        }
      }
    }
  }
}
