package dev.brook.broker.mirror;

import dev.brook.broker.cluster.TopicMetadata;
import java.util.Optional;

/**
 * A mirror topic as its configs say: the cluster link it is fetched over, the source topic, and its
 * {@code mirror.state}: {@code active} (fetched, read-only), {@code promoting} (a cluster's promote
 * under way: the partitions' leaders stop fetching and ready them for writes; still read-only) or
 * {@code promoted} (writable). {@code sourceTopicId}: the source topic's id when the mirror was created
 * (empty for a mirror created before Brook recorded it).
 */
record MirrorTopic(String topic, String link, String sourceTopic, String state, String sourceTopicId) {
  static final String ACTIVE = "active";
  static final String PROMOTING = "promoting";
  static final String PROMOTED = "promoted";

  /** The mirror topic {@code t} is, or empty for a topic without {@code mirror.link}. */
  static Optional<MirrorTopic> of(TopicMetadata t) {
    String link = t.configs().getOrDefault("mirror.link", "");
    if (link.isBlank()) return Optional.empty();
    String source = t.configs().getOrDefault("mirror.source.topic", "");
    String state = t.configs().getOrDefault("mirror.state", "");
    return Optional.of(new MirrorTopic(t.name(), link, source.isBlank() ? t.name() : source,
        state.isBlank() ? ACTIVE : state, t.configs().getOrDefault("mirror.source.topic.id", "")));
  }

  /** Still fetched from the source. */
  boolean active() {
    return state.equals(ACTIVE);
  }

  /** A cluster's promote is under way. */
  boolean promoting() {
    return state.equals(PROMOTING);
  }

  /** Not yet writable (active or promoting). */
  boolean readOnly() {
    return !state.equals(PROMOTED);
  }
}
