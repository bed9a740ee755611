package dev.brook.broker.admin;

import dev.brook.broker.cluster.TopicMetadata;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.protocol.Errors;

/**
 * What the topic admin asks the mirror area (dev.brook.broker.mirror) about mirror topics and
 * cluster links. Mirror topics are topics with the {@code mirror.link}, {@code mirror.source.topic}
 * and {@code mirror.state} configs; cluster links are the {@code cluster.link.<name>.<key>} configs
 * of the cluster-wide BROKER resource (IncrementalAlterConfigs / DescribeConfigs on the resource
 * named ""). Called on the topic admin's thread, except {@link #linkConfigs} and {@link #status}
 * (any thread, snapshots).
 */
public interface MirrorTopicRules {
  /** The prefix of cluster link keys in the cluster-wide BROKER resource. */
  String LINK_PREFIX = "cluster.link.";

  /** A new mirror topic: its partition count (the source topic's) and full mirror configs, or an error. */
  record Prepared(Errors error, String message, int partitions, Map<String, String> configs) {
    public static Prepared fail(Errors error, String message) {
      return new Prepared(error, message, -1, Map.of());
    }
  }

  /** Checks a topic to be created with {@code mirror.link} set against the link and the source. */
  Prepared prepareCreate(String topic, int requestedPartitions, Map<String, String> configs);

  /** An error, or empty when allowed. */
  record Refusal(Errors error, String message) {}

  /**
   * Checks a change of a topic's {@code mirror.*} configs: only a promote ({@code mirror.state}
   * active → promoted, the other two unchanged) is allowed, and unless {@code validateOnly} it is
   * carried out here (fetching stopped at a batch boundary, open transactions aborted) before the
   * caller stores the change that makes the topic writable.
   */
  Optional<Refusal> change(TopicMetadata current, Map<String, String> next, boolean validateOnly);

  /** One SET (value non-null) or DELETE (value null) of a {@code cluster.link.} key. */
  record LinkOp(String key, String value) {}

  /** Applies link changes (validated as a whole per link first); empty when done. */
  Optional<Refusal> alterLinks(List<LinkOp> ops, boolean validateOnly);

  /** Every link setting as {@code cluster.link.<name>.<key>} → value. */
  Map<String, String> linkConfigs();

  /**
   * The read-only config a broker answers, when asked for it alone, with its own view of a mirror
   * topic ({@link #statusHere}): how one broker gathers the status of partitions others lead.
   */
  String STATUS_HERE = "mirror.status.here";

  /**
   * A mirror topic's per-partition state, one {@code partition:state:mirrorEnd:sourceHighWatermark:lag}
   * item per partition, separated by {@code ;} (lag -1 while unknown); empty for other topics. In a
   * cluster each partition's item is its leader's (asked over the inter-broker listener when that is
   * another broker), so it completes later; never blocks the caller.
   */
  java.util.concurrent.CompletableFuture<Optional<String>> status(String topic);

  /** As {@link #status}, but this broker's own view only (a partition led elsewhere is a {@code follower} here). */
  Optional<String> statusHere(String topic);
}
