package dev.brook.broker.metrics;

import dev.brook.broker.group.GroupCoordinator;
import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.Partition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;

/**
 * Consumer lag as kafka_exporter reports it: per group, topic and partition, the partition's high
 * watermark minus the group's committed offset (never below 0). Asked of the group coordinator
 * through its public API (its thread does the reading); the high watermarks are this broker's
 * partitions' (in a cluster, a partition this broker does not hold is left out). Any thread; never
 * called on the request path.
 */
public final class ConsumerLag {
  /** One committed offset and the partition's end. */
  public record Lag(String group, String topic, int partition, long committed, long highWatermark) {
    public long lag() {
      return Math.max(0, highWatermark - committed);
    }
  }

  private final GroupCoordinator groups;
  private final LocalReplicaManager replicas;

  public ConsumerLag(GroupCoordinator groups, LocalReplicaManager replicas) {
    this.groups = groups;
    this.replicas = replicas;
  }

  /** Every group's lag on every partition it committed an offset for. */
  public CompletableFuture<List<Lag>> all() {
    return groups.listGroups(List.of(), List.of()).thenCompose(list -> {
      List<CompletableFuture<List<Lag>>> each = new ArrayList<>();
      for (ListGroupsResponseData.ListedGroup g : list.groups()) each.add(of(g.groupId()));
      return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(v -> {
        List<Lag> out = new ArrayList<>();
        for (CompletableFuture<List<Lag>> f : each) out.addAll(f.join());
        return out;
      });
    });
  }

  /** One group's lag. */
  public CompletableFuture<List<Lag>> of(String groupId) {
    return groups.fetchOffsets(groupId, null, false).thenApply(r -> lags(groupId, r));
  }

  private List<Lag> lags(String groupId, OffsetFetchResponseGroup r) {
    List<Lag> out = new ArrayList<>();
    for (OffsetFetchResponseTopics t : r.topics()) {
      for (OffsetFetchResponsePartitions p : t.partitions()) {
        if (p.committedOffset() < 0) continue;
        Optional<Partition> part = replicas.partition(new TopicPartition(t.name(), p.partitionIndex()));
        if (part.isEmpty()) continue;
        out.add(new Lag(groupId, t.name(), p.partitionIndex(), p.committedOffset(), part.get().highWatermark()));
      }
    }
    return out;
  }
}
