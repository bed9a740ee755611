package dev.brook.broker.cluster;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.common.Uuid;

/**
 * The single-node metadata store: the cluster id from {@code meta.properties}, and the topics in
 * {@code <log.dir>/metadata.properties}, rewritten whole and atomically ({@link AtomicFiles}) on
 * every change. The file is small (a few lines per topic) and changes are rare (admin operations),
 * so a whole rewrite is cheaper to reason about than a log.
 *
 * <p>File format ({@code java.util.Properties}): {@code version=1}, {@code topic.count=N}, and for
 * each i in [0, N): {@code topic.i.name}, {@code topic.i.id} (Kafka's base64 Uuid), {@code
 * topic.i.partitions}, {@code topic.i.config.<key>=<value>} per override.
 *
 * <p>Thread-safe: writers serialize on the store; readers use the last published snapshot.
 */
public final class LocalMetadataStore implements MetadataStore {
  public static final String FILE_NAME = "metadata.properties";

  private record Snapshot(Map<String, TopicMetadata> byName, Map<Uuid, TopicMetadata> byId) {
    static Snapshot of(Collection<TopicMetadata> topics) {
      Map<String, TopicMetadata> byName = new TreeMap<>();
      Map<Uuid, TopicMetadata> byId = new HashMap<>();
      for (TopicMetadata t : topics) {
        byName.put(t.name(), t);
        byId.put(t.id(), t);
      }
      return new Snapshot(byName, byId);
    }
  }

  private final Path file;
  private final String clusterId;
  private volatile Snapshot snapshot;

  private LocalMetadataStore(Path file, String clusterId, Snapshot snapshot) {
    this.file = file;
    this.clusterId = clusterId;
    this.snapshot = snapshot;
  }

  /** Opens the store of {@code logDir}; {@code meta} is the directory's checked identity. */
  public static LocalMetadataStore open(Path logDir, MetaProperties meta) throws IOException {
    Path file = logDir.resolve(FILE_NAME);
    Files.deleteIfExists(logDir.resolve(FILE_NAME + ".tmp")); // a write interrupted by a crash
    List<TopicMetadata> topics = Files.exists(file) ? read(file) : List.of();
    return new LocalMetadataStore(file, meta.clusterId(), Snapshot.of(topics));
  }

  @Override
  public String clusterId() {
    return clusterId;
  }

  @Override
  public Collection<TopicMetadata> topics() {
    return snapshot.byName().values();
  }

  @Override
  public Optional<TopicMetadata> topic(String name) {
    return Optional.ofNullable(snapshot.byName().get(name));
  }

  @Override
  public Optional<TopicMetadata> topic(Uuid id) {
    return Optional.ofNullable(snapshot.byId().get(id));
  }

  @Override
  public synchronized void createTopic(TopicMetadata topic) throws IOException {
    Snapshot s = snapshot;
    if (s.byName().containsKey(topic.name())) throw new IllegalStateException("topic exists: " + topic.name());
    if (s.byId().containsKey(topic.id())) throw new IllegalStateException("topic id in use: " + topic.id());
    Map<String, TopicMetadata> next = new TreeMap<>(s.byName());
    next.put(topic.name(), topic);
    publish(next);
  }

  @Override
  public synchronized void updateTopic(TopicMetadata topic) throws IOException {
    TopicMetadata old = snapshot.byName().get(topic.name());
    if (old == null || !old.id().equals(topic.id())) {
      throw new IllegalStateException("no topic " + topic.name() + " with id " + topic.id());
    }
    Map<String, TopicMetadata> next = new TreeMap<>(snapshot.byName());
    next.put(topic.name(), topic);
    publish(next);
  }

  @Override
  public synchronized boolean deleteTopic(String name) throws IOException {
    if (!snapshot.byName().containsKey(name)) return false;
    Map<String, TopicMetadata> next = new TreeMap<>(snapshot.byName());
    next.remove(name);
    publish(next);
    return true;
  }

  /** Makes the new topic set durable, then visible. */
  private void publish(Map<String, TopicMetadata> topics) throws IOException {
    write(file, topics.values());
    snapshot = Snapshot.of(topics.values());
  }

  static void write(Path file, Collection<TopicMetadata> topics) throws IOException {
    Properties p = new Properties();
    p.setProperty("version", "1");
    p.setProperty("topic.count", Integer.toString(topics.size()));
    int i = 0;
    for (TopicMetadata t : topics) {
      String k = "topic." + i++ + ".";
      p.setProperty(k + "name", t.name());
      p.setProperty(k + "id", t.id().toString());
      p.setProperty(k + "partitions", Integer.toString(t.partitions()));
      t.configs().forEach((key, value) -> p.setProperty(k + "config." + key, value));
    }
    StringWriter w = new StringWriter();
    p.store(w, "Brook topic metadata; written atomically by the broker, do not edit while it runs.");
    AtomicFiles.write(file, w.toString().getBytes(StandardCharsets.UTF_8));
  }

  static List<TopicMetadata> read(Path file) throws IOException {
    Properties p = new Properties();
    p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
    try {
      if (!"1".equals(p.getProperty("version"))) {
        throw new IOException("unsupported version " + p.getProperty("version"));
      }
      int count = Integer.parseInt(required(p, "topic.count"));
      // One pass over the keys: topic.<i>.config.<key> grouped by topic index.
      List<Map<String, String>> configs = new java.util.ArrayList<>(count);
      for (int i = 0; i < count; i++) configs.add(new TreeMap<>());
      for (String name : p.stringPropertyNames()) {
        if (!name.startsWith("topic.")) continue;
        int dot = name.indexOf('.', 6);
        if (dot < 0 || !name.startsWith("config.", dot + 1)) continue;
        int i = Integer.parseInt(name.substring(6, dot));
        if (i < 0 || i >= count) throw new IOException("topic index out of range in " + name);
        configs.get(i).put(name.substring(dot + 8), p.getProperty(name));
      }
      List<TopicMetadata> topics = new java.util.ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        String k = "topic." + i + ".";
        topics.add(new TopicMetadata(required(p, k + "name"), Uuid.fromString(required(p, k + "id")),
            Integer.parseInt(required(p, k + "partitions")), configs.get(i)));
      }
      return topics;
    } catch (IOException | RuntimeException e) {
      throw new IOException("corrupt topic metadata in " + file + ": " + e.getMessage(), e);
    }
  }

  private static String required(Properties p, String key) throws IOException {
    String v = p.getProperty(key);
    if (v == null) throw new IOException("missing " + key);
    return v;
  }

  @Override
  public void close() {}
}
