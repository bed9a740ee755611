package dev.brook.broker.mirror;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mirror topics whose source topic is gone, as this broker's last look at the source found:
 * deleted, or deleted and created again (present under another topic id than the {@code
 * mirror.source.topic.id} recorded at the mirror's creation: a new topic whose offsets start over,
 * which the mirror must not follow or it would truncate its records to the new topic's). Such a
 * mirror is not fetched again and keeps its records; its status says {@code source-deleted} until it
 * is promoted or deleted. (What Confluent's Cluster Linking does here is not documented in what we
 * could read; keeping the data readable is the choice that loses nothing.)
 *
 * <p>Kept by the mirror topic's id (a mirror deleted and created again is another) and in memory
 * only: after a restart the condition is found again from the source, by the recorded source topic
 * id. Marked on the manager's thread ({@link #noticeIn}); read from any thread ({@link #contains}).
 */
final class SourceDeletedMirrors {
  // Logs as the manager did before this class was split from it: the log line's name stays the same.
  private static final Logger log = LoggerFactory.getLogger(MirrorManager.class);

  private final Function<String, Optional<Uuid>> topicIdOf;
  private final Set<Uuid> marked = ConcurrentHashMap.newKeySet(); // mirror topic ids

  /** @param topicIdOf a topic's id in this cluster's metadata, by name (empty: no such topic) */
  SourceDeletedMirrors(Function<String, Optional<Uuid>> topicIdOf) {
    this.topicIdOf = topicIdOf;
  }

  /**
   * Marks those of {@code mirrors} fetched over link {@code link} whose source topic is not in
   * {@code found} (the source's description of the topics asked for), or is there under another
   * topic id; warns once per mirror topic. Manager thread.
   */
  void noticeIn(String link, Map<String, TopicDescription> found, Collection<MirrorTopic> mirrors) {
    Map<String, MirrorTopic> ofLink = new TreeMap<>();
    mirrors.forEach(mt -> {
      if (mt.link().equals(link)) ofLink.put(mt.topic(), mt);
    });
    for (MirrorTopic mt : ofLink.values()) {
      TopicDescription d = found.get(mt.sourceTopic());
      boolean recreated = d != null && !mt.sourceTopicId().isEmpty() && !mt.sourceTopicId().equals(String.valueOf(d.topicId()));
      if (d != null && !recreated) continue;
      Optional<Uuid> id = topicIdOf.apply(mt.topic());
      if (id.isPresent() && marked.add(id.get())) {
        log.warn("link {}: source topic {} of mirror topic {} was {}: the mirror stops fetching and keeps its records "
            + "(promote or delete it)", link, mt.sourceTopic(), mt.topic(), recreated ? "deleted and created again" : "deleted");
      }
    }
  }

  /** Whether the mirror topic named {@code topic}, as it exists now, was marked. Any thread. */
  boolean contains(String topic) {
    return topicIdOf.apply(topic).map(marked::contains).orElse(false);
  }
}
