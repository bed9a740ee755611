package dev.brook.mirror;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@code mirror.properties} file read with MirrorMaker 2's vocabulary: {@code clusters}, per-cluster
 * client settings ({@code A.bootstrap.servers}, {@code A.security.protocol}, {@code A.producer.*},
 * {@code A.consumer.*}, {@code A.admin.*}), flows ({@code A->B.enabled}) and the mirror settings, each
 * either global or for one flow ({@code A->B.topics}). Every key is checked when the file is read: a
 * key nobody reads, a value of the wrong kind, a flow naming an unknown cluster all fail here, naming
 * the key. MM2 keys that have no meaning for {@code brook mirror} ({@code tasks.max}, converters) are
 * accepted and logged once as ignored, so an MM2 file mostly works unchanged.
 *
 * <p>Immutable once built.
 */
public final class MirrorConfig {
  private static final Logger log = LoggerFactory.getLogger(MirrorConfig.class);
  private static final Pattern ALIAS = Pattern.compile("[A-Za-z0-9_-]+");

  /** The mirror settings a flow reads, global or per flow, with their defaults (MM2's unless said). */
  static final Map<String, String> FLOW_DEFAULTS = new LinkedHashMap<>();

  static {
    FLOW_DEFAULTS.put("enabled", "false");
    FLOW_DEFAULTS.put("topics", ".*");
    FLOW_DEFAULTS.put("topics.exclude", ".*[\\-\\.]internal, .*\\.replica, __.*");
    FLOW_DEFAULTS.put("groups", ".*");
    FLOW_DEFAULTS.put("groups.exclude", "console-consumer-.*, connect-.*, __.*");
    FLOW_DEFAULTS.put("replication.policy.class", ReplicationPolicy.DEFAULT_CLASS);
    FLOW_DEFAULTS.put("replication.policy.separator", ".");
    FLOW_DEFAULTS.put("sync.topic.configs.enabled", "true");
    FLOW_DEFAULTS.put(
        "config.properties.exclude",
        "follower\\.replication\\.throttled\\.replicas, leader\\.replication\\.throttled\\.replicas,"
            + " message\\.timestamp\\.difference\\.max\\.ms, message\\.timestamp\\.type,"
            + " unclean\\.leader\\.election\\.enable, min\\.insync\\.replicas");
    FLOW_DEFAULTS.put("emit.checkpoints.enabled", "true");
    // MM2: 60 s, 600 s, 600 s. Brook's loop is cheap enough to look every few seconds.
    FLOW_DEFAULTS.put("emit.checkpoints.interval.seconds", "5");
    FLOW_DEFAULTS.put("sync.group.offsets.enabled", "false");
    FLOW_DEFAULTS.put("sync.group.offsets.interval.seconds", "5");
    FLOW_DEFAULTS.put("refresh.topics.enabled", "true");
    FLOW_DEFAULTS.put("refresh.topics.interval.seconds", "5");
    FLOW_DEFAULTS.put("refresh.groups.enabled", "true");
    FLOW_DEFAULTS.put("refresh.groups.interval.seconds", "5");
    // -1: the target broker's default (MM2 defaults to 2, which a one-broker target refuses).
    FLOW_DEFAULTS.put("replication.factor", "-1");
    FLOW_DEFAULTS.put("offset-syncs.topic.replication.factor", "-1");
    FLOW_DEFAULTS.put("checkpoints.topic.replication.factor", "-1");
    FLOW_DEFAULTS.put("offset-syncs.topic.location", "target");
    // MM2's heartbeats: a record (source alias, target alias, time) on the target's `heartbeats`
    // topic every interval, and heartbeats topics mirrored onward (A.heartbeats) even when the
    // topic filters leave them out, so MirrorClient can count hops and find upstream clusters.
    FLOW_DEFAULTS.put("emit.heartbeats.enabled", "true");
    FLOW_DEFAULTS.put("emit.heartbeats.interval.seconds", "1");
    FLOW_DEFAULTS.put("heartbeats.topic.replication.factor", "-1");
    FLOW_DEFAULTS.put("heartbeats.replication.enabled", "true");
    // Brook's own: copy whole record batches where both clusters are PLAINTEXT (see BatchPath).
    FLOW_DEFAULTS.put("batch.copy.enabled", "true");
  }

  /** MM2 keys with no meaning here: accepted so an MM2 file works, logged as ignored. */
  static final Set<String> IGNORED =
      Set.of(
          "tasks.max",
          "sync.topic.acls.enabled",
          "sync.topic.acls.interval.seconds",
          "offset.lag.max",
          "dedicated.mode.enable.internal.rest",
          "exactly.once.source.support",
          "key.converter",
          "value.converter",
          "header.converter",
          "replication.policy.internal.topic.separator.enabled");

  private static final Set<String> CLIENT_KEYS = new TreeSet<>();

  static {
    CLIENT_KEYS.addAll(ProducerConfig.configNames());
    CLIENT_KEYS.addAll(ConsumerConfig.configNames());
    CLIENT_KEYS.addAll(AdminClientConfig.configNames());
  }

  private final Map<String, Cluster> clusters;
  private final List<Flow> flows;

  private MirrorConfig(Map<String, Cluster> clusters, List<Flow> flows) {
    this.clusters = clusters;
    this.flows = flows;
  }

  /** One cluster: its alias and the client settings given for it (shared, and per client kind). */
  public record Cluster(
      String alias,
      Map<String, Object> common,
      Map<String, Object> producer,
      Map<String, Object> consumer,
      Map<String, Object> admin) {
    Map<String, Object> producerProps() {
      return merged(producer);
    }

    Map<String, Object> consumerProps() {
      return merged(consumer);
    }

    Map<String, Object> adminProps() {
      return merged(admin);
    }

    private Map<String, Object> merged(Map<String, Object> specific) {
      Map<String, Object> m = new HashMap<>(common);
      m.putAll(specific);
      return m;
    }
  }

  /** One enabled flow, source to target, with its settings resolved. */
  public record Flow(
      Cluster source,
      Cluster target,
      Pattern topics,
      Pattern topicsExclude,
      Pattern groups,
      Pattern groupsExclude,
      ReplicationPolicy policy,
      boolean syncTopicConfigs,
      Pattern configsExclude,
      boolean emitCheckpoints,
      Duration checkpointInterval,
      boolean syncGroupOffsets,
      Duration syncGroupOffsetsInterval,
      boolean refreshTopics,
      Duration refreshTopicsInterval,
      Duration refreshGroupsInterval,
      int replicationFactor,
      int offsetSyncsReplicationFactor,
      int checkpointsReplicationFactor,
      boolean emitHeartbeats,
      Duration heartbeatInterval,
      int heartbeatsReplicationFactor,
      boolean replicateHeartbeats,
      boolean batchCopy) {
    /** "A->B", as MM2 writes a flow. */
    public String name() {
      return source.alias() + "->" + target.alias();
    }

    /** The target's compacted MM2 checkpoints topic for this flow's source. */
    public String checkpointsTopic() {
      return source.alias() + ".checkpoints.internal";
    }

    /** MM2's offset-syncs topic name when it is kept on the target ({@code offset-syncs.topic.location=target}). */
    public String offsetSyncsTopic() {
      return "mm2-offset-syncs." + source.alias() + ".internal";
    }

    /** The target group whose offsets are this flow's source positions (see {@link MirrorFlow}). */
    public String positionsGroup() {
      return "brook-mirror." + name();
    }

    /** The target producer's transactional id: one writer per flow, a second one fences the first. */
    public String transactionalId() {
      return "brook-mirror." + name();
    }

    boolean mirrorsTopic(String topic) {
      if (topic.startsWith("__") || topic.equals(offsetSyncsTopic()) || topic.endsWith(".checkpoints.internal")) return false;
      if (topic.startsWith("mm2-") || topic.endsWith(".internal") || topic.endsWith("-internal")) return false;
      boolean heartbeats = replicateHeartbeats && policy.isHeartbeatsTopic(topic);
      if (!heartbeats && (!topics.matcher(topic).matches() || topicsExclude.matcher(topic).matches())) return false;
      // A->B: a topic that came from B, at any hop (B.orders, C.B.heartbeats on A), is not sent back (cycle).
      return !policy.cameFrom(topic, target.alias());
    }

    boolean mirrorsGroup(String group) {
      if (group.startsWith("brook-mirror.")) return false;
      return groups.matcher(group).matches() && !groupsExclude.matcher(group).matches();
    }
  }

  public List<Flow> flows() {
    return flows;
  }

  public Map<String, Cluster> clusters() {
    return clusters;
  }

  /** Reads and checks {@code props}; throws {@link MirrorConfigException} naming the first bad key. */
  public static MirrorConfig parse(Map<String, String> props) {
    String clusterList = props.get("clusters");
    if (clusterList == null || clusterList.isBlank()) {
      throw new MirrorConfigException("clusters: required (the cluster aliases, e.g. clusters = A, B)");
    }
    List<String> aliases = new ArrayList<>();
    for (String a : split(clusterList)) {
      if (!ALIAS.matcher(a).matches()) throw new MirrorConfigException("clusters: '" + a + "' is not a cluster alias (letters, digits, _ and - only)");
      aliases.add(a);
    }
    Map<String, Map<String, Map<String, Object>>> clientSettings = new TreeMap<>();
    Map<String, String> global = new HashMap<>();
    Map<String, Map<String, String>> perFlow = new TreeMap<>();
    Set<String> ignored = new TreeSet<>();
    for (Map.Entry<String, String> e : new TreeMap<>(props).entrySet()) {
      String key = e.getKey();
      String value = e.getValue().trim();
      if (key.equals("clusters")) continue;
      int arrow = key.indexOf("->");
      if (arrow > 0) {
        int dot = key.indexOf('.', arrow);
        if (dot < 0) throw new MirrorConfigException(key + ": unknown key (a flow setting reads A->B.<setting>)");
        String src = key.substring(0, arrow);
        String dst = key.substring(arrow + 2, dot);
        for (String alias : List.of(src, dst)) {
          if (!aliases.contains(alias)) throw new MirrorConfigException(key + ": '" + alias + "' is not one of the clusters " + aliases);
        }
        if (src.equals(dst)) throw new MirrorConfigException(key + ": a flow needs two different clusters");
        String setting = key.substring(dot + 1);
        if (IGNORED.contains(setting)) {
          ignored.add(key);
        } else if (!FLOW_DEFAULTS.containsKey(setting)) {
          throw new MirrorConfigException(key + ": unknown flow setting '" + setting + "'");
        }
        perFlow.computeIfAbsent(src + "->" + dst, k -> new HashMap<>()).put(setting, value);
        continue;
      }
      String cluster = aliases.stream().filter(a -> key.startsWith(a + ".")).findFirst().orElse(null);
      if (cluster != null) {
        addClientSetting(clientSettings, cluster, key, key.substring(cluster.length() + 1), value);
      } else if (FLOW_DEFAULTS.containsKey(key) && !key.equals("enabled")) {
        global.put(key, value);
      } else if (IGNORED.contains(key)) {
        ignored.add(key);
      } else {
        throw new MirrorConfigException(key + ": unknown key");
      }
    }
    if (!ignored.isEmpty()) log.info("Ignoring MirrorMaker 2 settings that brook mirror does not use: {}", ignored);
    Map<String, Cluster> clusters = new LinkedHashMap<>();
    for (String a : aliases) {
      Map<String, Map<String, Object>> s = clientSettings.getOrDefault(a, Map.of());
      clusters.put(a, new Cluster(a, Map.copyOf(s.getOrDefault("", Map.of())), Map.copyOf(s.getOrDefault("producer", Map.of())),
          Map.copyOf(s.getOrDefault("consumer", Map.of())), Map.copyOf(s.getOrDefault("admin", Map.of()))));
    }
    List<Flow> flows = new ArrayList<>();
    for (Map.Entry<String, Map<String, String>> f : perFlow.entrySet()) {
      Settings settings = new Settings(f.getKey(), global, f.getValue());
      if (!settings.bool("enabled")) continue;
      String[] ends = f.getKey().split("->");
      Cluster source = clusters.get(ends[0]);
      Cluster target = clusters.get(ends[1]);
      for (Cluster c : List.of(source, target)) {
        if (!c.common().containsKey("bootstrap.servers")) {
          throw new MirrorConfigException(c.alias() + ".bootstrap.servers: required (cluster " + c.alias() + " is in the enabled flow " + f.getKey() + ")");
        }
      }
      flows.add(settings.flow(source, target));
    }
    if (flows.isEmpty()) throw new MirrorConfigException("no flow is enabled: add e.g. " + aliases.get(0) + "->" + (aliases.size() > 1 ? aliases.get(1) : "B") + ".enabled = true");
    return new MirrorConfig(clusters, List.copyOf(flows));
  }

  private static void addClientSetting(Map<String, Map<String, Map<String, Object>>> settings, String cluster, String key, String rest, String value) {
    String kind = "";
    String name = rest;
    for (String k : List.of("producer", "consumer", "admin")) {
      if (rest.startsWith(k + ".")) {
        kind = k;
        name = rest.substring(k.length() + 1);
      }
    }
    Set<String> known =
        switch (kind) {
          case "producer" -> ProducerConfig.configNames();
          case "consumer" -> ConsumerConfig.configNames();
          case "admin" -> AdminClientConfig.configNames();
          default -> CLIENT_KEYS;
        };
    if (!known.contains(name)) {
      throw new MirrorConfigException(key + ": unknown " + (kind.isEmpty() ? "client" : kind) + " setting '" + name + "' for cluster " + cluster);
    }
    for (String managed : List.of("transactional.id", "isolation.level", "enable.auto.commit", "key.serializer", "value.serializer", "key.deserializer", "value.deserializer")) {
      if (name.equals(managed)) throw new MirrorConfigException(key + ": brook mirror sets " + managed + " itself (exactly-once mirroring depends on it)");
    }
    settings.computeIfAbsent(cluster, c -> new HashMap<>()).computeIfAbsent(kind, k -> new HashMap<>()).put(name, value);
  }

  static List<String> split(String list) {
    return Arrays.stream(list.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  /** A flow's settings: its own, then the global ones, then the defaults; typed reads name the key. */
  private record Settings(String flow, Map<String, String> global, Map<String, String> own) {
    String raw(String setting) {
      String v = own.get(setting);
      if (v != null) return v;
      v = global.get(setting);
      return v != null ? v : FLOW_DEFAULTS.get(setting);
    }

    String keyOf(String setting) {
      return own.containsKey(setting) ? flow + "." + setting : setting;
    }

    boolean bool(String setting) {
      String v = raw(setting);
      if (v.equalsIgnoreCase("true")) return true;
      if (v.equalsIgnoreCase("false")) return false;
      throw new MirrorConfigException(keyOf(setting) + ": expected true or false, got '" + v + "'");
    }

    int integer(String setting, int min) {
      String v = raw(setting);
      try {
        int i = Integer.parseInt(v);
        if (i < min) throw new NumberFormatException();
        return i;
      } catch (NumberFormatException e) {
        throw new MirrorConfigException(keyOf(setting) + ": expected an integer >= " + min + ", got '" + v + "'");
      }
    }

    Duration seconds(String setting) {
      return Duration.ofSeconds(integer(setting, 1));
    }

    /** A comma-separated list of regular expressions, matched as one alternation (MM2's reading). */
    Pattern patterns(String setting) {
      List<String> parts = split(raw(setting));
      if (parts.isEmpty()) return Pattern.compile("(?!)");
      try {
        return Pattern.compile(String.join("|", parts.stream().map(p -> "(?:" + Pattern.compile(p).pattern() + ")").toList()));
      } catch (PatternSyntaxException e) {
        throw new MirrorConfigException(keyOf(setting) + ": not a regular expression: " + e.getDescription() + " in '" + e.getPattern() + "'");
      }
    }

    ReplicationPolicy policy() {
      String cls = raw("replication.policy.class");
      return switch (cls) {
        case ReplicationPolicy.DEFAULT_CLASS -> {
          String sep = raw("replication.policy.separator");
          if (sep.isEmpty()) throw new MirrorConfigException(keyOf("replication.policy.separator") + ": must not be empty");
          yield new ReplicationPolicy.Default(sep);
        }
        case ReplicationPolicy.IDENTITY_CLASS -> new ReplicationPolicy.Identity();
        default -> throw new MirrorConfigException(keyOf("replication.policy.class") + ": '" + cls + "' is not supported; use "
            + ReplicationPolicy.DEFAULT_CLASS + " or " + ReplicationPolicy.IDENTITY_CLASS);
      };
    }

    Flow flow(Cluster source, Cluster target) {
      if (!raw("offset-syncs.topic.location").equals("target")) {
        throw new MirrorConfigException(keyOf("offset-syncs.topic.location") + ": brook mirror keeps offset syncs on the target,"
            + " in the transaction that writes the records; only 'target' is supported");
      }
      return new Flow(
          source,
          target,
          patterns("topics"),
          patterns("topics.exclude"),
          patterns("groups"),
          patterns("groups.exclude"),
          policy(),
          bool("sync.topic.configs.enabled"),
          patterns("config.properties.exclude"),
          bool("emit.checkpoints.enabled"),
          seconds("emit.checkpoints.interval.seconds"),
          bool("sync.group.offsets.enabled"),
          seconds("sync.group.offsets.interval.seconds"),
          bool("refresh.topics.enabled"),
          seconds("refresh.topics.interval.seconds"),
          seconds("refresh.groups.interval.seconds"),
          integer("replication.factor", -1),
          integer("offset-syncs.topic.replication.factor", -1),
          integer("checkpoints.topic.replication.factor", -1),
          bool("emit.heartbeats.enabled"),
          seconds("emit.heartbeats.interval.seconds"),
          integer("heartbeats.topic.replication.factor", -1),
          bool("heartbeats.replication.enabled"),
          bool("batch.copy.enabled"));
    }
  }
}
