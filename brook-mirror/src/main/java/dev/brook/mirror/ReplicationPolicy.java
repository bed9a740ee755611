package dev.brook.mirror;

/**
 * How a mirrored topic is named on the target, with MirrorMaker 2's two policies and their class
 * names ({@code replication.policy.class}). A policy is a pure function of names; it holds no state.
 *
 * <p>Heartbeats topics are named by MM2's default rule under either policy ({@code heartbeats}
 * mirrored from A is {@code A.heartbeats}, from there to C {@code B.A.heartbeats}), so their names
 * tell every hop even with the identity policy: that is how MM2's {@code MirrorClient} counts
 * replication hops and finds upstream clusters.
 */
sealed interface ReplicationPolicy {
  String DEFAULT_CLASS = "org.apache.kafka.connect.mirror.DefaultReplicationPolicy";
  String IDENTITY_CLASS = "org.apache.kafka.connect.mirror.IdentityReplicationPolicy";
  /** MM2's heartbeats topic: one record per flow and interval, keyed by source and target alias. */
  String HEARTBEATS_TOPIC = "heartbeats";

  /** The target topic that mirrors {@code topic} of cluster {@code sourceAlias}. */
  String targetTopic(String sourceAlias, String topic);

  /**
   * The cluster a topic was mirrored from according to its name, or null when the name does not
   * say (an original topic, or any topic but a heartbeats topic under the identity policy).
   */
  String topicSource(String topic);

  /** The topic's name one hop upstream ({@code B.A.heartbeats} → {@code A.heartbeats}), or null when not known. */
  String upstreamTopic(String topic);

  /** Whether {@code topic} is a heartbeats topic, local ({@code heartbeats}) or mirrored ({@code A.heartbeats}). */
  boolean isHeartbeatsTopic(String topic);

  /**
   * Whether {@code topic} reached its cluster, at some hop, from {@code target}: mirroring it to
   * {@code target} would send it back in a cycle (MM2's {@code isCycle}, which follows the name
   * upstream hop by hop).
   */
  default boolean cameFrom(String topic, String target) {
    String t = topic;
    for (int hop = 0; t != null && hop < 64; hop++) {
      String source = topicSource(t);
      if (source == null) return false;
      if (source.equals(target)) return true;
      String up = upstreamTopic(t);
      if (up == null || up.equals(t)) return false;
      t = up;
    }
    return false;
  }

  /** MM2's names, {@code source.topic} (separator configurable, "." by default). */
  record Default(String separator) implements ReplicationPolicy {
    @Override
    public String targetTopic(String sourceAlias, String topic) {
      return sourceAlias + separator + topic;
    }

    @Override
    public String topicSource(String topic) {
      int i = topic.indexOf(separator);
      return i <= 0 ? null : topic.substring(0, i);
    }

    @Override
    public String upstreamTopic(String topic) {
      int i = topic.indexOf(separator);
      return i <= 0 ? null : topic.substring(i + separator.length());
    }

    @Override
    public boolean isHeartbeatsTopic(String topic) {
      String t = topic;
      for (String up = upstreamTopic(t); up != null; up = upstreamTopic(t)) t = up;
      return t.equals(HEARTBEATS_TOPIC);
    }
  }

  /**
   * The same name on both sides; cycles cannot be seen in names (as in MM2), except for heartbeats
   * topics, which are named as by {@link Default} with "." (MM2's IdentityReplicationPolicy does the same).
   */
  record Identity() implements ReplicationPolicy {
    private static final Default HEARTBEATS = new Default(".");

    @Override
    public String targetTopic(String sourceAlias, String topic) {
      return isHeartbeatsTopic(topic) ? HEARTBEATS.targetTopic(sourceAlias, topic) : topic;
    }

    @Override
    public String topicSource(String topic) {
      return isHeartbeatsTopic(topic) ? HEARTBEATS.topicSource(topic) : null;
    }

    @Override
    public String upstreamTopic(String topic) {
      return isHeartbeatsTopic(topic) ? HEARTBEATS.upstreamTopic(topic) : null;
    }

    @Override
    public boolean isHeartbeatsTopic(String topic) {
      return topic.endsWith(HEARTBEATS_TOPIC); // MM2's looksLikeHeartbeat
    }
  }
}
