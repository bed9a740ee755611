package dev.brook.broker.config;

import static dev.brook.broker.config.ConfigType.BOOLEAN;
import static dev.brook.broker.config.ConfigType.DOUBLE;
import static dev.brook.broker.config.ConfigType.INT;
import static dev.brook.broker.config.ConfigType.LIST;
import static dev.brook.broker.config.ConfigType.LONG;
import static dev.brook.broker.config.ConfigType.STRING;

import dev.brook.storage.LogConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The topic-level configuration keys Kafka has, each with its type, its rule, and the broker keys it
 * takes its default from ({@code retention.ms} from {@code log.retention.ms}, then {@code
 * log.retention.minutes}, then {@code log.retention.hours}). A topic's effective config is its
 * overrides over those broker defaults; {@link #toLogConfig} turns it into the storage engine's
 * {@link LogConfig}, {@link #resolve} gives every value (for produce validation and DescribeConfigs).
 *
 * <p>Immutable and thread-safe.
 */
public final class TopicConfigs {

  /**
   * A broker key a topic key defaults from.
   *
   * @param factor multiplies the broker value into the topic unit (hours to ms); negative values
   *     stay -1 as in Kafka
   * @param fallbackDefault the broker key's default when Brook's {@link BrokerConfigKeys} does not
   *     know the key (it then cannot be set, but DescribeConfigs still shows Kafka's default)
   */
  public record BrokerSynonym(String brokerKey, long factor, String fallbackDefault) {
    static BrokerSynonym of(String key) {
      return new BrokerSynonym(key, 1, null);
    }

    /** The broker key's definition, or empty when Brook does not know the key. */
    public Optional<ConfigKey> brokerDef() {
      return Optional.ofNullable(BrokerConfigKeys.get(brokerKey));
    }

    /** The broker key's value as text (explicit or default), or null when it has none. */
    public String brokerValue(BrokerConfig broker) {
      if (brokerDef().isEmpty()) return fallbackDefault;
      Object v = broker.get(brokerKey);
      return v == null ? null : TopicConfigs.format(v);
    }

    /** The broker key's default as text, or null when it has none. */
    public String brokerDefault() {
      return brokerDef().map(ConfigKey::defaultValue).orElse(fallbackDefault);
    }

    String toTopicValue(String brokerText, ConfigType type) {
      if (factor == 1) return brokerText;
      long v = Long.parseLong(brokerText.trim());
      return Long.toString(v < 0 ? -1 : v * factor);
    }
  }

  /**
   * One topic-level key.
   *
   * @param fixedDefault the default when no broker synonym has a value
   */
  public record Def(
      String name,
      ConfigType type,
      String fixedDefault,
      Predicate<Object> rule,
      String ruleText,
      List<BrokerSynonym> synonyms,
      String doc) {

    /** Parses and checks a value; throws {@link ConfigException} naming the key. */
    public Object parse(String raw) {
      if (raw == null) throw new ConfigException(name, "a value is required");
      Object v = type.parse(name, raw);
      if (!rule.test(v)) throw new ConfigException(name, "'" + raw + "' " + ruleText);
      return v;
    }

    /**
     * The broker key DescribeConfigs reports as this key's synonym: only the first (Kafka lists
     * {@code log.retention.ms} for retention.ms, never the hours variant it also defaults from).
     */
    public Optional<BrokerSynonym> primarySynonym() {
      return synonyms.isEmpty() ? Optional.empty() : Optional.of(synonyms.get(0));
    }

    /** The default from the broker (first synonym with a value), as text. */
    public String defaultValue(BrokerConfig broker) {
      for (BrokerSynonym s : synonyms) {
        String v = s.brokerValue(broker);
        if (v != null) return s.toTopicValue(v, type);
      }
      return fixedDefault;
    }
  }

  private static final Map<String, Def> DEFS = new LinkedHashMap<>();
  private static final Predicate<Object> ANY = v -> true;

  static {
    def(TopicConfig.CLEANUP_POLICY_CONFIG, LIST, "delete",
        v -> !((List<?>) v).isEmpty() && List.of("compact", "delete").containsAll((List<?>) v),
        "must be a list of compact and/or delete", TopicConfig.CLEANUP_POLICY_DOC, syn("log.cleanup.policy"));
    def(TopicConfig.COMPRESSION_TYPE_CONFIG, STRING, "producer",
        oneOf("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"),
        "must be one of [uncompressed, zstd, lz4, snappy, gzip, producer]", TopicConfig.COMPRESSION_TYPE_DOC,
        syn("compression.type"));
    def(TopicConfig.COMPRESSION_GZIP_LEVEL_CONFIG, INT, "-1",
        v -> (Integer) v == -1 || ((Integer) v >= 1 && (Integer) v <= 9), "must be -1 or in [1, 9]",
        TopicConfig.COMPRESSION_GZIP_LEVEL_DOC, fixed("compression.gzip.level", "-1"));
    def(TopicConfig.COMPRESSION_LZ4_LEVEL_CONFIG, INT, "9", between(1, 17), "must be in [1, 17]",
        TopicConfig.COMPRESSION_LZ4_LEVEL_DOC, fixed("compression.lz4.level", "9"));
    def(TopicConfig.COMPRESSION_ZSTD_LEVEL_CONFIG, INT, "3", between(-131072, 22), "must be in [-131072, 22]",
        TopicConfig.COMPRESSION_ZSTD_LEVEL_DOC, fixed("compression.zstd.level", "3"));
    def(TopicConfig.DELETE_RETENTION_MS_CONFIG, LONG, "86400000", atLeast(0), "must be at least 0",
        TopicConfig.DELETE_RETENTION_MS_DOC, syn("log.cleaner.delete.retention.ms"));
    def(TopicConfig.FILE_DELETE_DELAY_MS_CONFIG, LONG, "60000", atLeast(0), "must be at least 0",
        TopicConfig.FILE_DELETE_DELAY_MS_DOC, syn("log.segment.delete.delay.ms"));
    def(TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG, LONG, Long.toString(Long.MAX_VALUE), atLeast(1),
        "must be at least 1", TopicConfig.FLUSH_MESSAGES_INTERVAL_DOC, syn("log.flush.interval.messages"));
    def(TopicConfig.FLUSH_MS_CONFIG, LONG, Long.toString(Long.MAX_VALUE), atLeast(0), "must be at least 0",
        TopicConfig.FLUSH_MS_DOC, syn("log.flush.interval.ms"), syn("log.flush.scheduler.interval.ms"));
    def("follower.replication.throttled.replicas", LIST, "", ANY, "",
        "A list of replicas for which log replication should be throttled on the follower side.");
    def(TopicConfig.INDEX_INTERVAL_BYTES_CONFIG, INT, "4096", atLeast(0), "must be at least 0",
        TopicConfig.INDEX_INTERVAL_BYTES_DOC, syn("log.index.interval.bytes"));
    def("leader.replication.throttled.replicas", LIST, "", ANY, "",
        "A list of replicas for which log replication should be throttled on the leader side.");
    def(TopicConfig.LOCAL_LOG_RETENTION_BYTES_CONFIG, LONG, "-2", atLeast(-2), "must be at least -2",
        TopicConfig.LOCAL_LOG_RETENTION_BYTES_DOC, fixed("log.local.retention.bytes", "-2"));
    def(TopicConfig.LOCAL_LOG_RETENTION_MS_CONFIG, LONG, "-2", atLeast(-2), "must be at least -2",
        TopicConfig.LOCAL_LOG_RETENTION_MS_DOC, fixed("log.local.retention.ms", "-2"));
    def(TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG, LONG, Long.toString(Long.MAX_VALUE), atLeast(1),
        "must be at least 1", TopicConfig.MAX_COMPACTION_LAG_MS_DOC,
        syn("log.cleaner.max.compaction.lag.ms"));
    def(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, INT, "1048588", atLeast(0), "must be at least 0",
        TopicConfig.MAX_MESSAGE_BYTES_DOC, syn("message.max.bytes"));
    def(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG, LONG, "3600000", atLeast(0), "must be at least 0",
        TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_DOC, syn("log.message.timestamp.after.max.ms"));
    def(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG, LONG, Long.toString(Long.MAX_VALUE), atLeast(0),
        "must be at least 0", TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_DOC,
        syn("log.message.timestamp.before.max.ms"));
    def(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, STRING, "CreateTime", oneOf("CreateTime", "LogAppendTime"),
        "must be one of [CreateTime, LogAppendTime]", TopicConfig.MESSAGE_TIMESTAMP_TYPE_DOC,
        syn("log.message.timestamp.type"));
    def(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, DOUBLE, "0.5", v -> (Double) v >= 0 && (Double) v <= 1,
        "must be in [0.0, 1.0]", TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_DOC, syn("log.cleaner.min.cleanable.ratio"));
    def(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, LONG, "0", atLeast(0), "must be at least 0",
        TopicConfig.MIN_COMPACTION_LAG_MS_DOC, syn("log.cleaner.min.compaction.lag.ms"));
    def(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, INT, "1", atLeast(1), "must be at least 1",
        TopicConfig.MIN_IN_SYNC_REPLICAS_DOC, syn("min.insync.replicas"));
    // Brook's mirror topics (issue 19 part 4): set at creation, changed only by a promote (the
    // mirror area's rules in TopicManager refuse any other change); see dev.brook.broker.mirror.
    def("mirror.link", STRING, "", ANY, "",
        "The cluster link a mirror topic is fetched over (empty: not a mirror topic). Set at creation only.");
    def("mirror.source.topic", STRING, "", ANY, "",
        "The source cluster's topic a mirror topic mirrors (empty: the same name). Set at creation only.");
    def("mirror.source.topic.id", STRING, "", ANY, "",
        "The id of the source topic a mirror topic was created from (set at creation): a source topic of the same "
            + "name with another id is a new topic, which the mirror does not follow.");
    def("mirror.state", STRING, "", oneOf("", "active", "promoting", "promoted"), "must be one of [active, promoting, promoted]",
        "active: the topic is fetched from the source and read-only; promoting (a cluster's promote under way): fetching "
            + "stops, still read-only; promoted: writable.");
    // Refused when set (validate), not when read: a topic imported from Kafka with preallocate=true
    // must still open (Brook never preallocates segment files; the value is reported as stored).
    def(TopicConfig.PREALLOCATE_CONFIG, BOOLEAN, "false", ANY, "", TopicConfig.PREALLOCATE_DOC,
        syn("log.preallocate"));
    def(TopicConfig.REMOTE_LOG_COPY_DISABLE_CONFIG, BOOLEAN, "false", ANY, "",
        TopicConfig.REMOTE_LOG_COPY_DISABLE_DOC);
    def(TopicConfig.REMOTE_LOG_DELETE_ON_DISABLE_CONFIG, BOOLEAN, "false", ANY, "",
        TopicConfig.REMOTE_LOG_DELETE_ON_DISABLE_DOC);
    def(TopicConfig.REMOTE_LOG_STORAGE_ENABLE_CONFIG, BOOLEAN, "false", v -> !(Boolean) v,
        "is not supported: Brook has no tiered storage", TopicConfig.REMOTE_LOG_STORAGE_ENABLE_DOC);
    def(TopicConfig.RETENTION_BYTES_CONFIG, LONG, "-1", ANY, "", TopicConfig.RETENTION_BYTES_DOC,
        syn("log.retention.bytes"));
    def(TopicConfig.RETENTION_MS_CONFIG, LONG, "604800000", atLeast(-1), "must be at least -1",
        TopicConfig.RETENTION_MS_DOC, syn("log.retention.ms"),
        new BrokerSynonym("log.retention.minutes", 60_000L, null),
        new BrokerSynonym("log.retention.hours", 3_600_000L, "168"));
    def(TopicConfig.SEGMENT_BYTES_CONFIG, INT, "1073741824", atLeast(1024 * 1024), "must be at least 1048576",
        TopicConfig.SEGMENT_BYTES_DOC, syn("log.segment.bytes"));
    def(TopicConfig.SEGMENT_INDEX_BYTES_CONFIG, INT, "10485760", atLeast(4), "must be at least 4",
        TopicConfig.SEGMENT_INDEX_BYTES_DOC, syn("log.index.size.max.bytes"));
    def(TopicConfig.SEGMENT_JITTER_MS_CONFIG, LONG, "0", atLeast(0), "must be at least 0",
        TopicConfig.SEGMENT_JITTER_MS_DOC, syn("log.roll.jitter.ms"),
        new BrokerSynonym("log.roll.jitter.hours", 3_600_000L, "0"));
    def(TopicConfig.SEGMENT_MS_CONFIG, LONG, "604800000", atLeast(1), "must be at least 1",
        TopicConfig.SEGMENT_MS_DOC, syn("log.roll.ms"), new BrokerSynonym("log.roll.hours", 3_600_000L, "168"));
    def(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG, BOOLEAN, "false", ANY, "",
        TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_DOC, syn("unclean.leader.election.enable"));
  }

  private TopicConfigs() {}

  private static void def(
      String name, ConfigType type, String dflt, Predicate<Object> rule, String ruleText, String doc,
      BrokerSynonym... synonyms) {
    DEFS.put(name, new Def(name, type, dflt, rule, ruleText, List.of(synonyms), doc));
  }

  private static BrokerSynonym syn(String key) {
    return BrokerSynonym.of(key);
  }

  private static BrokerSynonym fixed(String key, String dflt) {
    return new BrokerSynonym(key, 1, dflt);
  }

  private static Predicate<Object> atLeast(long min) {
    return v -> ((Number) v).longValue() >= min;
  }

  private static Predicate<Object> between(int min, int max) {
    return v -> (Integer) v >= min && (Integer) v <= max;
  }

  private static Predicate<Object> oneOf(String... allowed) {
    List<String> l = List.of(allowed);
    return l::contains;
  }

  /** Every topic-level key, in name order (as DescribeConfigs lists them). */
  public static Map<String, Def> all() {
    return Collections.unmodifiableMap(DEFS);
  }

  public static Optional<Def> get(String name) {
    return Optional.ofNullable(DEFS.get(name));
  }

  /**
   * Checks topic overrides: every key known, every value valid. Throws {@link ConfigException}
   * naming the first bad key (the caller answers INVALID_CONFIG).
   */
  public static void validate(Map<String, String> overrides) {
    for (Map.Entry<String, String> e : overrides.entrySet()) {
      Def d = DEFS.get(e.getKey());
      if (d == null) throw new ConfigException(e.getKey(), "unknown topic config");
      Object v = d.parse(e.getValue());
      String refused = UNSUPPORTED.getOrDefault(d.name(), x -> null).apply(v);
      if (refused != null) {
        throw new ConfigException(d.name(), "'" + e.getValue() + "' is not supported: " + refused);
      }
    }
    String min = overrides.get(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG);
    String max = overrides.get(TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG);
    if (min != null && max != null && Long.parseLong(min.trim()) > Long.parseLong(max.trim())) {
      throw new ConfigException(TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG,
          "'" + max + "' is below min.compaction.lag.ms (" + min + ")");
    }
  }

  /**
   * Keys Kafka has that Brook accepts only at the value that means "off": any other value is refused
   * when set (CreateTopics, AlterConfigs), with the reason. Not when read: a topic imported from
   * Kafka with such a value must still open; the value is then reported as stored and has no effect.
   */
  private static final Map<String, java.util.function.Function<Object, String>> UNSUPPORTED = Map.of(
      TopicConfig.PREALLOCATE_CONFIG, v -> (Boolean) v ? "Brook does not preallocate segment files" : null,
      "leader.replication.throttled.replicas", TopicConfigs::throttledReplicas,
      "follower.replication.throttled.replicas", TopicConfigs::throttledReplicas);

  private static String throttledReplicas(Object v) {
    return ((List<?>) v).isEmpty() ? null : "Brook does not throttle replication (leave it empty)";
  }

  /** Every topic key's effective value (override, else broker default), parsed. */
  public static Map<String, Object> resolve(BrokerConfig broker, Map<String, String> overrides) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Def d : DEFS.values()) {
      // Overrides were validated when set; broker defaults only need their type (the broker's own
      // rules, checked at startup, may be looser, e.g. log.segment.bytes for tests).
      String raw = overrides.containsKey(d.name()) ? overrides.get(d.name()) : d.defaultValue(broker);
      out.put(d.name(), overrides.containsKey(d.name()) ? d.parse(raw) : d.type().parse(d.name(), raw));
    }
    return out;
  }

  /** The storage engine's view of a topic's effective config. */
  public static LogConfig toLogConfig(BrokerConfig broker, Map<String, String> overrides) {
    Map<String, Object> v = resolve(broker, overrides);
    List<?> policy = (List<?>) v.get(TopicConfig.CLEANUP_POLICY_CONFIG);
    return new LogConfig(
        (Integer) v.get(TopicConfig.SEGMENT_BYTES_CONFIG),
        (Long) v.get(TopicConfig.SEGMENT_MS_CONFIG),
        (Integer) v.get(TopicConfig.SEGMENT_INDEX_BYTES_CONFIG),
        (Integer) v.get(TopicConfig.INDEX_INTERVAL_BYTES_CONFIG),
        (Long) v.get(TopicConfig.RETENTION_MS_CONFIG),
        (Long) v.get(TopicConfig.RETENTION_BYTES_CONFIG),
        policy.contains("compact"),
        policy.contains("delete"),
        (Long) v.get(TopicConfig.DELETE_RETENTION_MS_CONFIG),
        (Double) v.get(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG),
        (Long) v.get(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG),
        (Long) v.get(TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG),
        (Long) v.get(TopicConfig.FLUSH_MS_CONFIG),
        (Long) v.get(TopicConfig.FILE_DELETE_DELAY_MS_CONFIG),
        (Boolean) v.get(TopicConfig.PREALLOCATE_CONFIG),
        (Long) v.get(TopicConfig.SEGMENT_JITTER_MS_CONFIG),
        (Long) v.get(TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG));
  }

  /** A parsed value as Kafka prints it (lists comma-joined). */
  public static String format(Object value) {
    if (value == null) return null;
    if (value instanceof List<?> l) {
      List<String> parts = new ArrayList<>();
      for (Object o : l) parts.add(String.valueOf(o));
      return String.join(",", parts);
    }
    return String.valueOf(value);
  }
}
