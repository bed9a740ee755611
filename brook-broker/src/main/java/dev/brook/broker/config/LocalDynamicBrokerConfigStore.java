package dev.brook.broker.config;

import dev.brook.broker.cluster.AtomicFiles;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The single node's dynamic broker configs: {@code <log.dir>/dynamic-broker-configs.properties}
 * ({@code java.util.Properties}, full key names), rewritten whole and atomically on every change
 * ({@link AtomicFiles}). Kept out of server.properties, which Brook never writes, and out of the
 * topic metadata file, so that each changes independently.
 */
public final class LocalDynamicBrokerConfigStore implements DynamicBrokerConfigStore {
  public static final String FILE_NAME = "dynamic-broker-configs.properties";

  private final Path file;

  public LocalDynamicBrokerConfigStore(Path logDir) throws IOException {
    this.file = logDir.resolve(FILE_NAME);
    Files.createDirectories(logDir);
    Files.deleteIfExists(logDir.resolve(FILE_NAME + ".tmp"));
  }

  @Override
  public synchronized Map<String, String> load() throws IOException {
    Map<String, String> out = new TreeMap<>();
    if (!Files.exists(file)) return out;
    Properties p = new Properties();
    p.load(new StringReader(Files.readString(file, StandardCharsets.ISO_8859_1)));
    for (String k : p.stringPropertyNames()) out.put(k, p.getProperty(k));
    return out;
  }

  @Override
  public synchronized void store(Map<String, String> configs) throws IOException {
    Properties p = new Properties();
    p.putAll(configs);
    StringWriter w = new StringWriter();
    p.store(w, "Brook dynamic broker configs (kafka-configs --entity-type brokers); do not edit while the broker runs");
    AtomicFiles.write(file, w.toString().getBytes(StandardCharsets.ISO_8859_1));
  }
}
