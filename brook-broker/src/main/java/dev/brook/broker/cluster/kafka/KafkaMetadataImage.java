package dev.brook.broker.cluster.kafka;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.Uuid;

/**
 * What a Kafka cluster's metadata records leave for an import, built by replaying the records in
 * log order ({@link #apply}): which topics exist (name, id, partitions), each one's dynamic config
 * overrides, the end of the producer ids the controller handed out, and the dynamic configs of
 * other resources (brokers, the cluster, groups...: not imported, reported instead). Records inside a metadata transaction apply only when it ends; an aborted or
 * unfinished one is dropped, as Kafka's own replay does.
 *
 * <p>Not thread-safe: one replaying thread, then read.
 */
public final class KafkaMetadataImage {
  /** One topic as imported: its partitions must be 0..n-1. */
  public record Topic(String name, Uuid id, int partitions, Map<String, String> configs) {}

  private static final class Building {
    final String name;
    final Uuid id;
    final TreeSet<Integer> partitions = new TreeSet<>();

    Building(String name, Uuid id) {
      this.name = name;
      this.id = id;
    }
  }

  private final Map<Uuid, Building> topics = new HashMap<>();
  private final Map<String, Uuid> idsByName = new HashMap<>();
  /** Topic configs by topic name: Kafka keys config resources by name, not id. */
  private final Map<String, Map<String, String>> topicConfigs = new HashMap<>();
  /** Configs of other resources, "<resource>: key" -> value. */
  private final Map<String, String> otherConfigs = new TreeMap<>();
  private long nextProducerId = 0;
  /**
   * Records of state an import does not carry but a user relies on: counted, so the import's
   * warning says they were there (set them again in Brook).
   */
  private static final Map<Integer, String> SECURITY_AND_QUOTA_RECORDS = Map.of(
      18, "ACL", 19, "ACL removal", 11, "SCRAM credential", 22, "SCRAM credential removal",
      14, "client quota", 10, "delegation token", 26, "delegation token removal");
  private final Map<String, Integer> securityAndQuotaRecords = new TreeMap<>();
  private List<MetadataRecord> pendingTransaction;
  private int droppedTransactions;

  /** Replays one record; throws IllegalStateException if it contradicts the image. */
  public void apply(MetadataRecord record) {
    switch (record) {
      case MetadataRecord.BeginTransaction b -> pendingTransaction = new ArrayList<>();
      case MetadataRecord.EndTransaction e -> {
        List<MetadataRecord> records = pendingTransaction;
        pendingTransaction = null;
        if (records != null) records.forEach(this::applyNow);
      }
      case MetadataRecord.AbortTransaction a -> {
        pendingTransaction = null;
        droppedTransactions++;
      }
      default -> {
        if (pendingTransaction != null) pendingTransaction.add(record);
        else applyNow(record);
      }
    }
  }

  private void applyNow(MetadataRecord record) {
    switch (record) {
      case MetadataRecord.Topic t -> {
        if (idsByName.containsKey(t.name())) throw new IllegalStateException("topic " + t.name() + " created twice");
        topics.put(t.id(), new Building(t.name(), t.id()));
        idsByName.put(t.name(), t.id());
      }
      case MetadataRecord.Partition p -> {
        Building t = topics.get(p.topicId());
        if (t == null) throw new IllegalStateException("partition " + p.partition() + " of unknown topic id " + p.topicId());
        t.partitions.add(p.partition());
      }
      case MetadataRecord.Config c when c.resourceType() == MetadataRecord.Config.TOPIC ->
          put(topicConfigs.computeIfAbsent(c.resourceName(), n -> new TreeMap<>()), c.name(), c.value());
      case MetadataRecord.Config c when c.resourceType() == MetadataRecord.Config.BROKER ->
          put(otherConfigs, (c.resourceName().isEmpty() ? "cluster" : "broker " + c.resourceName()) + ": " + c.name(),
              c.value());
      case MetadataRecord.Config c ->
          put(otherConfigs, "resource type " + c.resourceType() + " '" + c.resourceName() + "': " + c.name(), c.value());
      case MetadataRecord.ProducerIds p -> nextProducerId = Math.max(nextProducerId, p.nextProducerId());
      case MetadataRecord.RemoveTopic r -> {
        Building t = topics.remove(r.id());
        if (t != null) {
          idsByName.remove(t.name);
          topicConfigs.remove(t.name); // Kafka drops a deleted topic's configs with it
        }
      }
      case MetadataRecord.Other o when SECURITY_AND_QUOTA_RECORDS.containsKey(o.apiKey()) ->
          securityAndQuotaRecords.merge(SECURITY_AND_QUOTA_RECORDS.get(o.apiKey()), 1, Integer::sum);
      default -> {} // brokers, features, partition changes...: Kafka's own cluster state, not Brook's
    }
  }

  private static void put(Map<String, String> configs, String key, String value) {
    if (value == null) configs.remove(key);
    else configs.put(key, value);
  }

  /** Whether a metadata transaction was still open at the end of the log (its records were dropped). */
  public boolean endsInsideTransaction() {
    return pendingTransaction != null;
  }

  public int droppedTransactions() {
    return droppedTransactions;
  }

  /**
   * The topics, by name; throws IllegalStateException naming the topic when a topic's partitions are
   * not exactly 0..n-1 (a record is missing).
   */
  public Map<String, Topic> topics() {
    Map<String, Topic> out = new TreeMap<>();
    for (Building t : topics.values()) {
      int n = t.partitions.size();
      if (n == 0 || t.partitions.first() != 0 || t.partitions.last() != n - 1) {
        throw new IllegalStateException("topic " + t.name + " has partitions " + t.partitions + ", not 0.." + (n - 1));
      }
      out.put(t.name, new Topic(t.name, t.id, n, Map.copyOf(topicConfigs.getOrDefault(t.name, Map.of()))));
    }
    return out;
  }

  /** The dynamic configs Kafka held for anything but topics ("cluster: key", "broker N: key"... → value). */
  public Map<String, String> otherConfigs() {
    return Map.copyOf(otherConfigs);
  }

  /** How many ACL, SCRAM, quota and delegation-token records the log held, by kind (none: empty). */
  public Map<String, Integer> securityAndQuotaRecords() {
    return Map.copyOf(securityAndQuotaRecords);
  }

  /** Every producer id Kafka handed out is below this (0: none). */
  public long nextProducerId() {
    return nextProducerId;
  }
}
