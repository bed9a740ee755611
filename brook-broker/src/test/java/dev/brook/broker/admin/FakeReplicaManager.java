package dev.brook.broker.admin;

import dev.brook.broker.replica.Partition;
import dev.brook.broker.replica.ReplicaManager;
import dev.brook.storage.LogConfig;
import dev.brook.storage.LogId;
import dev.brook.storage.PartitionLog;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * A ReplicaManager over in-memory fake logs, for testing the topic admin without storage: records
 * what was created, deleted and reconfigured. Each fake log reports a size of 100 bytes per
 * partition number + 1 and the config it was last given.
 */
public final class FakeReplicaManager implements ReplicaManager {
  public final Map<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
  public final Map<TopicPartition, LogConfig> configs = new ConcurrentHashMap<>();
  public final Map<TopicPartition, Map<String, String>> overrides = new ConcurrentHashMap<>();
  public final List<TopicPartition> deleted = new ArrayList<>();
  /** The name of the thread of every partition creation and deletion, in order. */
  public final List<String> changeThreads = new java.util.concurrent.CopyOnWriteArrayList<>();

  @Override
  public synchronized Partition createPartition(
      TopicPartition tp, Uuid topicId, LogConfig config, Map<String, String> topicOverrides) {
    changeThreads.add(Thread.currentThread().getName());
    configs.put(tp, config);
    overrides.put(tp, topicOverrides);
    return partitions.computeIfAbsent(tp, k -> new Partition(k, topicId, fakeLog(k), 0));
  }

  private PartitionLog fakeLog(TopicPartition tp) {
    return (PartitionLog) Proxy.newProxyInstance(PartitionLog.class.getClassLoader(), new Class<?>[] {PartitionLog.class},
        (proxy, method, args) -> switch (method.getName()) {
          case "id" -> new LogId(tp.topic(), tp.partition());
          case "dir" -> Path.of("/nonexistent", tp.toString());
          case "config" -> configs.get(tp);
          case "sizeInBytes" -> 100L * (tp.partition() + 1);
          case "toString" -> "FakeLog(" + tp + ")";
          case "hashCode" -> System.identityHashCode(proxy);
          case "equals" -> proxy == args[0];
          default -> {
            Class<?> r = method.getReturnType();
            if (r == long.class) yield 0L;
            if (r == int.class) yield 0;
            if (r == boolean.class) yield false;
            if (r == Optional.class) yield Optional.empty();
            if (r == List.class) yield List.of();
            yield null;
          }
        });
  }

  @Override
  public Optional<Partition> partition(TopicPartition tp) {
    return Optional.ofNullable(partitions.get(tp));
  }

  @Override
  public Collection<Partition> partitions() {
    return List.copyOf(partitions.values());
  }

  @Override
  public Optional<String> topicName(Uuid topicId) {
    return partitions.values().stream().filter(p -> p.topicId().equals(topicId))
        .map(p -> p.topicPartition().topic()).findFirst();
  }

  @Override
  public synchronized void deletePartition(TopicPartition tp) {
    changeThreads.add(Thread.currentThread().getName());
    partitions.remove(tp);
    configs.remove(tp);
    deleted.add(tp);
  }

  @Override
  public void updateConfig(TopicPartition tp, LogConfig config, Map<String, String> topicOverrides) {
    configs.put(tp, config);
    overrides.put(tp, topicOverrides);
  }

  @Override
  public void close() {}
}
