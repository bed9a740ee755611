package dev.brook.broker.mirror;

import dev.brook.broker.cluster.TopicMetadata;
import java.util.Optional;

/**
 * A mirror topic as its configs say: the cluster link it is fetched over, the source topic, and
 * whether it is still a mirror ({@code mirror.state=active}: fetched, read-only) or was promoted.
 */
record MirrorTopic(String topic, String link, String sourceTopic, boolean active) {
  /** The mirror topic {@code t} is, or empty for a topic without {@code mirror.link}. */
  static Optional<MirrorTopic> of(TopicMetadata t) {
    String link = t.configs().getOrDefault("mirror.link", "");
    if (link.isBlank()) return Optional.empty();
    String source = t.configs().getOrDefault("mirror.source.topic", "");
    return Optional.of(new MirrorTopic(t.name(), link, source.isBlank() ? t.name() : source,
        !"promoted".equals(t.configs().get("mirror.state"))));
  }
}
