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
 */
public record MetaProperties(int nodeId, String clusterId) {
  public static final String FILE_NAME = "meta.properties";

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
    MetaProperties found = read(file);
    if (found.nodeId != nodeId) {
      throw new ConfigException("node.id", "is " + nodeId + " but " + file + " belongs to node " + found.nodeId
          + "; use that node id or another log directory");
    }
    if (configuredClusterId != null && !configuredClusterId.equals(found.clusterId)) {
      throw new ConfigException("cluster.id", "is " + configuredClusterId + " but " + file
          + " belongs to cluster " + found.clusterId);
    }
    return found;
  }

  static MetaProperties read(Path file) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    }
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
    AtomicFiles.write(file, PropertiesText.format("Written by Brook when this log directory was first used; do not edit.", p).getBytes(StandardCharsets.UTF_8));
  }
}
