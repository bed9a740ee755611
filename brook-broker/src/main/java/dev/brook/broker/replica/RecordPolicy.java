package dev.brook.broker.replica;

import dev.brook.broker.config.BrokerConfig;
import java.util.Map;

/**
 * The topic-level rules a partition applies to produced batches that are not part of the storage
 * layer's {@code LogConfig}: {@code max.message.bytes}, {@code message.timestamp.type}, {@code
 * message.timestamp.before.max.ms}, {@code message.timestamp.after.max.ms}, {@code
 * min.insync.replicas}, whether the topic is compacted (records need keys), and {@code
 * compression.type} with its levels. Immutable.
 *
 * @param maxMessageBytes largest batch (whole, header included) accepted
 * @param logAppendTime the topic's message.timestamp.type is LogAppendTime
 * @param timestampBeforeMaxMs a CreateTime timestamp may be at most this far in the past
 * @param timestampAfterMaxMs a CreateTime timestamp may be at most this far in the future
 * @param minInsyncReplicas acks=all needs at least this many in-sync replicas
 * @param compacted cleanup.policy contains compact: every record needs a key
 * @param mirrorLink the cluster link of a mirror topic not yet promoted (its {@code mirror.link} while
 *     {@code mirror.state} is not {@code promoted}): clients' produces are refused; null for a writable topic
 * @param mirrorFetched a mirror topic still fetched from its source ({@code mirror.state} active, not
 *     promoting): its log's leader epochs are the source's, so a leader here records no epoch of its own
 * @param compression the topic's {@code compression.type} and levels: the codec appended batches are
 *     rewritten into, unless {@code producer}
 */
public record RecordPolicy(
    int maxMessageBytes,
    boolean logAppendTime,
    long timestampBeforeMaxMs,
    long timestampAfterMaxMs,
    int minInsyncReplicas,
    boolean compacted,
    String mirrorLink,
    boolean mirrorFetched,
    TopicCompression compression) {

  public RecordPolicy(int maxMessageBytes, boolean logAppendTime, long timestampBeforeMaxMs, long timestampAfterMaxMs,
      int minInsyncReplicas, boolean compacted) {
    this(maxMessageBytes, logAppendTime, timestampBeforeMaxMs, timestampAfterMaxMs, minInsyncReplicas, compacted, null, false,
        TopicCompression.DEFAULT);
  }

  public RecordPolicy(int maxMessageBytes, boolean logAppendTime, long timestampBeforeMaxMs, long timestampAfterMaxMs,
      int minInsyncReplicas, boolean compacted, String mirrorLink) {
    this(maxMessageBytes, logAppendTime, timestampBeforeMaxMs, timestampAfterMaxMs, minInsyncReplicas, compacted, mirrorLink,
        false, TopicCompression.DEFAULT);
  }

  /** Kafka's defaults (the broker keys' defaults). */
  public static RecordPolicy defaults() {
    return new RecordPolicy(1048588, false, Long.MAX_VALUE, 3_600_000L, 1, false);
  }

  /**
   * The broker's defaults with the topic's overrides ({@code max.message.bytes}, ...) applied.
   * Overrides are assumed already validated by the topic admin; an unparsable value keeps the
   * default.
   */
  public static RecordPolicy of(BrokerConfig broker, Map<String, String> topicOverrides) {
    int maxBytes = broker.getInt("message.max.bytes");
    boolean lat = "LogAppendTime".equals(broker.getString("log.message.timestamp.type"));
    long before = broker.getLong("log.message.timestamp.before.max.ms");
    long after = broker.getLong("log.message.timestamp.after.max.ms");
    int minIsr = broker.getInt("min.insync.replicas");
    boolean compacted = broker.getList("log.cleanup.policy").contains("compact");
    TopicCompression compression = TopicCompression.of(broker.getString("compression.type"),
        broker.getInt("compression.gzip.level"), broker.getInt("compression.lz4.level"), broker.getInt("compression.zstd.level"));
    return new RecordPolicy(maxBytes, lat, before, after, minIsr, compacted, null, false, compression).with(topicOverrides);
  }

  /** This policy with the given topic-level overrides applied. */
  public RecordPolicy with(Map<String, String> overrides) {
    if (overrides == null || overrides.isEmpty()) return this;
    int maxBytes = intOr(overrides.get("max.message.bytes"), maxMessageBytes);
    String type = overrides.get("message.timestamp.type");
    boolean lat = type == null ? logAppendTime : "LogAppendTime".equals(type.trim());
    long before = longOr(overrides.get("message.timestamp.before.max.ms"), timestampBeforeMaxMs);
    long after = longOr(overrides.get("message.timestamp.after.max.ms"), timestampAfterMaxMs);
    int minIsr = intOr(overrides.get("min.insync.replicas"), minInsyncReplicas);
    String policy = overrides.get("cleanup.policy");
    boolean compact = policy == null ? compacted : policy.contains("compact");
    String link = overrides.get("mirror.link");
    String state = overrides.getOrDefault("mirror.state", "");
    boolean active = link != null && !link.isBlank() && !"promoted".equals(state);
    boolean fetched = active && (state.isEmpty() || state.equals("active"));
    return new RecordPolicy(maxBytes, lat, before, after, minIsr, compact, active ? link : null, fetched, compression.with(overrides));
  }

  private static int intOr(String v, int dflt) {
    try {
      return v == null ? dflt : Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      return dflt;
    }
  }

  private static long longOr(String v, long dflt) {
    try {
      return v == null ? dflt : Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return dflt;
    }
  }
}
