package dev.brook.broker.cluster;

import dev.brook.broker.config.ConfigException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.function.Supplier;
import org.apache.kafka.common.Uuid;

/**
 * The identity of a log directory, in {@code <log.dir>/meta.properties} as Kafka writes it ({@code
 * version=1}, {@code node.id}, {@code cluster.id}). Written once, when the directory is first used;
 * checked on every start so that a log directory is never served by a broker it does not belong to.
 *
 * <p>Brook adds {@value #RECORD_FORMAT_KEY}{@code =kafka}: the directory's coordinator topics hold
 * Kafka's record schemas only. A directory Brook made before it wrote those schemas lacks the key
 * (and carries Brook's comment line, which Kafka never writes); see {@link
 * #hasLegacyCoordinatorRecords}.
 *
 * <p>Brook also records the version of its on-disk format, {@value #FORMAT_VERSION_KEY} (currently
 * {@value #FORMAT_VERSION}); a Brook directory without the key is version 1 (written before the key
 * existed). Every start checks it first: a directory written in a newer format than this binary reads
 * stops the start with one line naming the file and both versions, before anything in it is read or
 * changed. An older Brook directory whose coordinator records are Kafka's is stamped with the current
 * version on open; a legacy one when its records are marked ({@link #markKafkaCoordinatorRecords}). A
 * directory Kafka wrote (no Brook comment) is left as Kafka wrote it.
 */
public record MetaProperties(int nodeId, String clusterId) {
  public static final String FILE_NAME = "meta.properties";
  /** Brook's key: which record schemas the coordinator topics of this directory hold. */
  public static final String RECORD_FORMAT_KEY = "brook.coordinator.record.format";
  private static final String RECORD_FORMAT = "kafka";
  /** Brook's key: the version of Brook's on-disk format this directory was last written in. */
  public static final String FORMAT_VERSION_KEY = "brook.format.version";
  /**
   * The on-disk format this binary writes and the newest it reads. 1: before the key (coordinator
   * records in Brook's layout or Kafka's); 2: Kafka's coordinator records, the version in this file.
   */
  public static final int FORMAT_VERSION = 2;
  private static final String COMMENT = "Written by Brook when this log directory was first used; do not edit.";

  /**
   * Reads the directory's identity, or creates it: the cluster id is {@code configuredClusterId} if
   * given, else a new one from {@code newIds}. A mismatch with the configuration is a {@link
   * ConfigException} that says which key differs and what the directory holds.
   */
  public static MetaProperties loadOrCreate(
      Path logDir, int nodeId, String configuredClusterId, Supplier<Uuid> newIds) throws IOException {
    Files.createDirectories(logDir);
    Path file = logDir.resolve(FILE_NAME);
    if (!Files.exists(file)) {
      String clusterId = configuredClusterId != null ? configuredClusterId : newIds.get().toString();
      MetaProperties created = new MetaProperties(nodeId, clusterId);
      created.write(file);
      return created;
    }
    checkFormatVersion(file);
    MetaProperties found = read(file);
    if (found.nodeId != nodeId) {
      throw new ConfigException("node.id", "is " + nodeId + " but " + file + " belongs to node " + found.nodeId
          + "; use that node id or another log directory");
    }
    if (configuredClusterId != null && !configuredClusterId.equals(found.clusterId)) {
      throw new ConfigException("cluster.id", "is " + configuredClusterId + " but " + file
          + " belongs to cluster " + found.clusterId);
    }
    stampFormatVersion(file);
    return found;
  }

  /**
   * The directory's on-disk format version: {@value #FORMAT_VERSION_KEY}, or 1 when absent. A value
   * that is not a number is an {@link IOException} naming the file.
   */
  public static int formatVersion(Path file) throws IOException {
    String v = props(file).getProperty(FORMAT_VERSION_KEY);
    if (v == null) return 1;
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IOException(file + " has a non-numeric " + FORMAT_VERSION_KEY + ": " + v, e);
    }
  }

  /** Refuses a directory in a newer format than this binary reads: one line, the file and both versions. */
  private static void checkFormatVersion(Path file) throws IOException {
    int found = formatVersion(file);
    if (found > FORMAT_VERSION) {
      throw new ConfigException("log.dirs", file + " has " + FORMAT_VERSION_KEY + "=" + found
          + ", written by a newer Brook; this Brook reads format versions up to " + FORMAT_VERSION
          + " (upgrade Brook, or use another log directory)");
    }
  }

  /** Stamps an older Brook directory whose coordinator records are already Kafka's with the current version. */
  private static void stampFormatVersion(Path file) throws IOException {
    Properties p = props(file);
    if (p.containsKey(FORMAT_VERSION_KEY) || !p.containsKey(RECORD_FORMAT_KEY)) return;
    if (!Files.readString(file, StandardCharsets.UTF_8).contains(COMMENT)) return;
    p.setProperty(FORMAT_VERSION_KEY, Integer.toString(FORMAT_VERSION));
    AtomicFiles.write(file, PropertiesText.format(COMMENT, p).getBytes(StandardCharsets.UTF_8));
  }

  static MetaProperties read(Path file) throws IOException {
    Properties p = props(file);
    String node = p.getProperty("node.id", p.getProperty("broker.id"));
    String cluster = p.getProperty("cluster.id");
    if (node == null || cluster == null || cluster.isBlank()) {
      throw new IOException(file + " is missing node.id or cluster.id");
    }
    try {
      return new MetaProperties(Integer.parseInt(node.trim()), cluster.trim());
    } catch (NumberFormatException e) {
      throw new IOException(file + " has a non-numeric node.id: " + node, e);
    }
  }

  void write(Path file) throws IOException {
    Properties p = new Properties();
    p.setProperty("version", "1");
    p.setProperty("node.id", Integer.toString(nodeId));
    p.setProperty("cluster.id", clusterId);
    p.setProperty(RECORD_FORMAT_KEY, RECORD_FORMAT);
    p.setProperty(FORMAT_VERSION_KEY, Integer.toString(FORMAT_VERSION));
    AtomicFiles.write(file, PropertiesText.format(COMMENT, p).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Whether {@code logDir} was made by a Brook that wrote its own value layouts in {@code
   * __consumer_offsets} and {@code __transaction_state}: its meta.properties carries Brook's comment
   * but not {@value #RECORD_FORMAT_KEY}. False for a new directory and for Kafka's.
   */
  public static boolean hasLegacyCoordinatorRecords(Path logDir) throws IOException {
    Path file = logDir.resolve(FILE_NAME);
    if (!Files.exists(file)) return false;
    String text = Files.readString(file, StandardCharsets.UTF_8);
    return text.contains(COMMENT) && !props(file).containsKey(RECORD_FORMAT_KEY);
  }

  /** Records in meta.properties that every coordinator record written from now on is Kafka's. */
  public static void markKafkaCoordinatorRecords(Path logDir) throws IOException {
    Path file = logDir.resolve(FILE_NAME);
    Properties p = props(file);
    p.setProperty(RECORD_FORMAT_KEY, RECORD_FORMAT);
    p.setProperty(FORMAT_VERSION_KEY, Integer.toString(FORMAT_VERSION));
    AtomicFiles.write(file, PropertiesText.format(COMMENT, p).getBytes(StandardCharsets.UTF_8));
  }

  private static Properties props(Path file) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    }
    return p;
  }
}
