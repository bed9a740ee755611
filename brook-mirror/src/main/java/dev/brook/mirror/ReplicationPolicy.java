package dev.brook.mirror;

/**
 * How a mirrored topic is named on the target, with MirrorMaker 2's two policies and their class
 * names ({@code replication.policy.class}). A policy is a pure function of names; it holds no state.
 */
sealed interface ReplicationPolicy {
  String DEFAULT_CLASS = "org.apache.kafka.connect.mirror.DefaultReplicationPolicy";
  String IDENTITY_CLASS = "org.apache.kafka.connect.mirror.IdentityReplicationPolicy";

  /** The target topic that mirrors {@code topic} of cluster {@code sourceAlias}. */
  String targetTopic(String sourceAlias, String topic);

  /**
   * The cluster a topic was mirrored from according to its name, or null when the name does not
   * say (an original topic, or any topic under the identity policy).
   */
  String topicSource(String topic);

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
  }

  /** The same name on both sides; cycles cannot be seen in names (as in MM2). */
  record Identity() implements ReplicationPolicy {
    @Override
    public String targetTopic(String sourceAlias, String topic) {
      return topic;
    }

    @Override
    public String topicSource(String topic) {
      return null;
    }
  }
}
