package dev.brook.mirror;

import java.io.PrintStream;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * {@code brook mirror status}: per flow and source partition, the source's committed end, how far
 * the mirror has committed on the target, and the lag between them. Reads only what the mirror keeps
 * on the clusters (its positions group on the target), so it works whether or not the mirror runs.
 */
public final class MirrorStatus {
  private MirrorStatus() {}

  /** Prints the table for every enabled flow; returns the total lag in records. */
  public static long print(MirrorConfig config, PrintStream out) throws Exception {
    long total = 0;
    out.printf("%-12s %-30s %9s %-30s %12s %12s %10s%n", "FLOW", "SOURCE-TOPIC", "PARTITION", "TARGET-TOPIC", "SOURCE-END", "MIRRORED-TO", "LAG");
    for (MirrorConfig.Flow f : config.flows()) {
      try (Admin source = Admin.create(f.source().adminProps()); Admin target = Admin.create(f.target().adminProps())) {
        Set<String> topics = source.listTopics().names().get().stream().filter(f::mirrorsTopic).collect(Collectors.toSet());
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        source.describeTopics(topics).allTopicNames().get().forEach((t, d) ->
            d.partitions().forEach(p -> latest.put(new TopicPartition(t, p.partition()), OffsetSpec.latest())));
        Map<TopicPartition, ListOffsetsResultInfo> ends =
            source.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
        Map<TopicPartition, OffsetAndMetadata> mirrored = target.listConsumerGroupOffsets(f.positionsGroup()).partitionsToOffsetAndMetadata().get();
        Map<TopicPartition, ListOffsetsResultInfo> sorted =
            new TreeMap<>(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        sorted.putAll(ends);
        for (Map.Entry<TopicPartition, ListOffsetsResultInfo> e : sorted.entrySet()) {
          TopicPartition tp = e.getKey();
          String targetTopic = f.policy().targetTopic(f.source().alias(), tp.topic());
          OffsetAndMetadata m = mirrored.get(new TopicPartition(targetTopic, tp.partition()));
          long end = e.getValue().offset();
          long at = m == null ? 0 : m.offset();
          long lag = Math.max(0, end - at);
          total += lag;
          out.printf("%-12s %-30s %9d %-30s %12d %12s %10d%n", f.name(), tp.topic(), tp.partition(), targetTopic, end, m == null ? "-" : Long.toString(at), lag);
        }
      }
    }
    return total;
  }
}
