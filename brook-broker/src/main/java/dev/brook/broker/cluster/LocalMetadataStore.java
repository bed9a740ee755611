package dev.brook.broker.cluster;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * The single-node metadata store: the cluster id from {@code meta.properties}, and the topics in
 * {@code <log.dir>/metadata.properties}, rewritten whole and atomically ({@link AtomicFiles}) on
 * every change. The file is small (a few lines per topic) and changes are rare (admin operations),
 * so a whole rewrite is cheaper to reason about than a log.
 *
 * <p>File format ({@code java.util.Properties}): {@code version=1}, {@code topic.count=N}, and for
 * each i in [0, N): {@code topic.i.name}, {@code topic.i.id} (Kafka's base64 Uuid), {@code
 * topic.i.partitions}, {@code topic.i.config.<key>=<value>} per override, and {@code
 * topic.i.state.<p>=<leader>;<leader epoch>;<isr>;<replicas>;<controller epoch>;<version>} per
 * started partition (the {@link PartitionState} the single node's controller decided, {@link
 * LocalCluster}; broker lists comma-separated). A file without states (written before they were
 * kept) reads as topics whose partitions are not started; readers that do not know states skip
 * them. Topics and their partitions' states change together, in one atomic rewrite.
 *
 * <p>Thread-safe: writers serialize on the store; readers use the last published snapshot.
 */
public final class LocalMetadataStore implements MetadataStore {
  public static final String FILE_NAME = "metadata.properties";

  private record Snapshot(Map<String, TopicMetadata> byName, Map<Uuid, TopicMetadata> byId,
      Map<TopicPartition, PartitionState> states) {
    static Snapshot of(Collection<TopicMetadata> topics, Map<TopicPartition, PartitionState> states) {
      Map<String, TopicMetadata> byName = new TreeMap<>();
      Map<Uuid, TopicMetadata> byId = new HashMap<>();
      for (TopicMetadata t : topics) {
        byName.put(t.name(), t);
        byId.put(t.id(), t);
      }
      return new Snapshot(byName, byId, Collections.unmodifiableMap(states));
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
    Map<TopicPartition, PartitionState> states = new HashMap<>();
    List<TopicMetadata> topics = Files.exists(file) ? read(file, states) : List.of();
    return new LocalMetadataStore(file, meta.clusterId(), Snapshot.of(topics, states));
  }

  /**
   * Writes the first topic metadata of {@code logDir} in one atomic write (a log directory brought
   * over from Kafka: its topics at once, so that a crash leaves all of them or none). Refuses when
   * the directory already has topic metadata.
   */
  public static void create(Path logDir, Collection<TopicMetadata> topics) throws IOException {
    Path file = logDir.resolve(FILE_NAME);
    if (Files.exists(file)) throw new IllegalStateException(file + " exists");
    write(file, topics);
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

  /** Every started partition's state, as last stored. */
  public Map<TopicPartition, PartitionState> partitionStates() {
    return snapshot.states();
  }

  public Optional<PartitionState> partitionState(TopicPartition tp) {
    return Optional.ofNullable(snapshot.states().get(tp));
  }

  @Override
  public void createTopic(TopicMetadata topic) throws IOException {
    createTopic(topic, List.of());
  }

  /** Adds a new topic and the states of its started partitions, in one atomic write. */
  public synchronized void createTopic(TopicMetadata topic, Collection<PartitionState> states) throws IOException {
    Snapshot s = snapshot;
    if (s.byName().containsKey(topic.name())) throw new IllegalStateException("topic exists: " + topic.name());
    if (s.byId().containsKey(topic.id())) throw new IllegalStateException("topic id in use: " + topic.id());
    Map<String, TopicMetadata> next = new TreeMap<>(s.byName());
    next.put(topic.name(), topic);
    publish(next, withStates(next, s.states(), states));
  }

  @Override
  public void updateTopic(TopicMetadata topic) throws IOException {
    updateTopic(topic, List.of());
  }

  /** Replaces a topic (grown, or reconfigured) and stores the given partition states, in one atomic write. */
  public synchronized void updateTopic(TopicMetadata topic, Collection<PartitionState> states) throws IOException {
    TopicMetadata old = snapshot.byName().get(topic.name());
    if (old == null || !old.id().equals(topic.id())) {
      throw new IllegalStateException("no topic " + topic.name() + " with id " + topic.id());
    }
    Map<String, TopicMetadata> next = new TreeMap<>(snapshot.byName());
    next.put(topic.name(), topic);
    publish(next, withStates(next, snapshot.states(), states));
  }

  /** Stores new states of existing topics' partitions, all in one atomic write. */
  public synchronized void putPartitionStates(Collection<PartitionState> states) throws IOException {
    if (states.isEmpty()) return;
    Map<String, TopicMetadata> topics = snapshot.byName();
    publish(topics, withStates(topics, snapshot.states(), states));
  }

  /**
   * Compare-and-set of one partition's state: stores {@code next} only if the stored state is still
   * {@code expected} (same leader epoch and version); returns whether it did.
   */
  public synchronized boolean replacePartitionState(PartitionState expected, PartitionState next) throws IOException {
    PartitionState current = snapshot.states().get(expected.tp());
    if (current == null || current.leaderEpoch() != expected.leaderEpoch() || current.zkVersion() != expected.zkVersion()) {
      return false;
    }
    putPartitionStates(List.of(next));
    return true;
  }

  /** Removes a topic and its partitions' states; returns false if there was none of that name. */
  @Override
  public synchronized boolean deleteTopic(String name) throws IOException {
    if (!snapshot.byName().containsKey(name)) return false;
    Map<String, TopicMetadata> next = new TreeMap<>(snapshot.byName());
    next.remove(name);
    Map<TopicPartition, PartitionState> states = new HashMap<>(snapshot.states());
    states.keySet().removeIf(tp -> tp.topic().equals(name));
    publish(next, states);
    return true;
  }

  /** {@code current} with {@code changed} put in; a state must belong to a partition of a known topic. */
  private static Map<TopicPartition, PartitionState> withStates(Map<String, TopicMetadata> topics,
      Map<TopicPartition, PartitionState> current, Collection<PartitionState> changed) {
    Map<TopicPartition, PartitionState> next = new HashMap<>(current);
    for (PartitionState st : changed) {
      TopicMetadata t = topics.get(st.tp().topic());
      if (t == null || !t.id().equals(st.topicId()) || st.tp().partition() >= t.partitions()) {
        throw new IllegalStateException("no partition " + st.tp() + " of topic id " + st.topicId());
      }
      next.put(st.tp(), st);
    }
    return next;
  }

  /** Makes the new topics and states durable, then visible. */
  private void publish(Map<String, TopicMetadata> topics, Map<TopicPartition, PartitionState> states) throws IOException {
    write(file, topics.values(), states);
    snapshot = Snapshot.of(topics.values(), states);
  }

  static void write(Path file, Collection<TopicMetadata> topics) throws IOException {
    write(file, topics, Map.of());
  }

  static void write(Path file, Collection<TopicMetadata> topics, Map<TopicPartition, PartitionState> states)
      throws IOException {
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
      for (int partition = 0; partition < t.partitions(); partition++) {
        PartitionState st = states.get(new TopicPartition(t.name(), partition));
        if (st != null) p.setProperty(k + "state." + partition, formatState(st));
      }
    }
    AtomicFiles.write(file, PropertiesText.format("Brook topic metadata; written atomically by the broker, do not edit while it runs.", p).getBytes(StandardCharsets.UTF_8));
  }

  static List<TopicMetadata> read(Path file) throws IOException {
    return read(file, new HashMap<>());
  }

  /** Reads the topics, and puts the partition states found into {@code states}. */
  static List<TopicMetadata> read(Path file, Map<TopicPartition, PartitionState> states) throws IOException {
    Properties p = new Properties();
    p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
    try {
      if (!"1".equals(p.getProperty("version"))) {
        throw new IOException("unsupported version " + p.getProperty("version"));
      }
      int count = Integer.parseInt(required(p, "topic.count"));
      // One pass over the keys: topic.<i>.config.<key> grouped by topic index.
      List<Map<String, String>> configs = new java.util.ArrayList<>(count);
      List<Map<Integer, String>> stateTexts = new java.util.ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        configs.add(new TreeMap<>());
        stateTexts.add(new HashMap<>());
      }
      for (String name : p.stringPropertyNames()) {
        if (!name.startsWith("topic.")) continue;
        int dot = name.indexOf('.', 6);
        if (dot < 0) continue;
        boolean config = name.startsWith("config.", dot + 1);
        boolean state = name.startsWith("state.", dot + 1);
        if (!config && !state) continue;
        int i = Integer.parseInt(name.substring(6, dot));
        if (i < 0 || i >= count) throw new IOException("topic index out of range in " + name);
        if (config) {
          configs.get(i).put(name.substring(dot + 8), p.getProperty(name));
        } else {
          stateTexts.get(i).put(Integer.parseInt(name.substring(dot + 7)), p.getProperty(name));
        }
      }
      List<TopicMetadata> topics = new java.util.ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        String k = "topic." + i + ".";
        TopicMetadata t = new TopicMetadata(required(p, k + "name"), Uuid.fromString(required(p, k + "id")),
            Integer.parseInt(required(p, k + "partitions")), configs.get(i));
        topics.add(t);
        for (Map.Entry<Integer, String> e : stateTexts.get(i).entrySet()) {
          if (e.getKey() < 0 || e.getKey() >= t.partitions()) throw new IOException("partition out of range: " + k + "state." + e.getKey());
          TopicPartition tp = new TopicPartition(t.name(), e.getKey());
          states.put(tp, parseState(tp, t.id(), e.getValue()));
        }
      }
      return topics;
    } catch (IOException | RuntimeException e) {
      throw new IOException("corrupt topic metadata in " + file + ": " + e.getMessage(), e);
    }
  }

  /** {@code leader;leaderEpoch;isr;replicas;controllerEpoch;version}, broker lists comma-separated. */
  static String formatState(PartitionState s) {
    return s.leader() + ";" + s.leaderEpoch() + ";" + ids(s.isr()) + ";" + ids(s.replicas()) + ";" + s.controllerEpoch()
        + ";" + s.zkVersion();
  }

  static PartitionState parseState(TopicPartition tp, Uuid topicId, String text) throws IOException {
    String[] f = text.split(";", -1);
    if (f.length != 6) throw new IOException("malformed state of " + tp + ": " + text);
    return new PartitionState(tp, topicId, ids(f[3]), Integer.parseInt(f[0]), Integer.parseInt(f[1]), ids(f[2]),
        Integer.parseInt(f[4]), Integer.parseInt(f[5]));
  }

  private static String ids(List<Integer> ids) {
    StringBuilder b = new StringBuilder();
    for (int id : ids) {
      if (!b.isEmpty()) b.append(',');
      b.append(id);
    }
    return b.toString();
  }

  private static List<Integer> ids(String text) {
    if (text.isEmpty()) return List.of();
    List<Integer> out = new java.util.ArrayList<>();
    for (String id : text.split(",")) out.add(Integer.parseInt(id.trim()));
    return out;
  }

  private static String required(Properties p, String key) throws IOException {
    String v = p.getProperty(key);
    if (v == null) throw new IOException("missing " + key);
    return v;
  }

  @Override
  public void close() {}
}
