package dev.brook.mirror;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the target's topics follow the source's for one flow: creates a mirror topic for every
 * mirrored source topic, grows its partition count to the source's, and copies the source topic's
 * explicitly set configs (those not in {@code config.properties.exclude}), removing target settings
 * the source no longer has. Called on the flow's thread, every {@code refresh.topics.interval.seconds}.
 */
final class TopicSync {
  private static final Logger log = LoggerFactory.getLogger(TopicSync.class);

  private final MirrorConfig.Flow flow;
  private final Admin source;
  private final Admin target;

  TopicSync(MirrorConfig.Flow flow, Admin source, Admin target) {
    this.flow = flow;
    this.source = source;
    this.target = target;
  }

  /** Brings the target up to date; returns every mirrored source partition and its target partition. */
  Map<TopicPartition, TopicPartition> refresh() throws ExecutionException, InterruptedException {
    Set<String> topics = source.listTopics().names().get().stream().filter(flow::mirrorsTopic).collect(Collectors.toSet());
    if (topics.isEmpty()) return Map.of();
    Map<String, TopicDescription> sourceTopics = source.describeTopics(topics).allTopicNames().get();
    Map<String, Map<String, String>> sourceConfigs = flow.syncTopicConfigs() ? explicitConfigs(source, topics) : Map.of();
    Set<String> targetNames = target.listTopics().names().get();
    Map<String, String> targetOf = new LinkedHashMap<>();
    topics.forEach(t -> targetOf.put(t, flow.policy().targetTopic(flow.source().alias(), t)));

    List<NewTopic> create = new ArrayList<>();
    for (String t : topics) {
      if (targetNames.contains(targetOf.get(t))) continue;
      Optional<Short> rf = flow.replicationFactor() < 0 ? Optional.empty() : Optional.of((short) flow.replicationFactor());
      create.add(new NewTopic(targetOf.get(t), Optional.of(sourceTopics.get(t).partitions().size()), rf)
          .configs(sourceConfigs.getOrDefault(t, Map.of())));
    }
    createTopics(create);

    Set<String> existing = topics.stream().map(targetOf::get).filter(targetNames::contains).collect(Collectors.toSet());
    Map<String, TopicDescription> targetTopics = existing.isEmpty() ? Map.of() : target.describeTopics(existing).allTopicNames().get();
    Map<String, NewPartitions> grow = new HashMap<>();
    for (String t : topics) {
      TopicDescription td = targetTopics.get(targetOf.get(t));
      int want = sourceTopics.get(t).partitions().size();
      if (td != null && td.partitions().size() < want) grow.put(targetOf.get(t), NewPartitions.increaseTo(want));
    }
    if (!grow.isEmpty()) {
      log.info("{}: growing partitions on {}: {}", flow.name(), flow.target().alias(), grow.keySet());
      target.createPartitions(grow).all().get();
    }
    if (flow.syncTopicConfigs() && !existing.isEmpty()) syncConfigs(sourceConfigs, targetOf, existing);

    Map<TopicPartition, TopicPartition> partitions = new HashMap<>();
    for (String t : topics) {
      for (int p = 0; p < sourceTopics.get(t).partitions().size(); p++) {
        partitions.put(new TopicPartition(t, p), new TopicPartition(targetOf.get(t), p));
      }
    }
    return partitions;
  }

  private void createTopics(List<NewTopic> create) throws ExecutionException, InterruptedException {
    if (create.isEmpty()) return;
    log.info("{}: creating on {}: {}", flow.name(), flow.target().alias(), create.stream().map(NewTopic::name).toList());
    var results = target.createTopics(create).values();
    for (var e : results.entrySet()) {
      try {
        e.getValue().get();
      } catch (ExecutionException ex) {
        if (!(ex.getCause() instanceof TopicExistsException)) throw ex;
      }
    }
  }

  private void syncConfigs(Map<String, Map<String, String>> sourceConfigs, Map<String, String> targetOf, Set<String> existing)
      throws ExecutionException, InterruptedException {
    Map<String, Map<String, String>> targetConfigs = explicitConfigs(target, existing);
    Map<ConfigResource, Collection<AlterConfigOp>> ops = new HashMap<>();
    for (Map.Entry<String, String> e : targetOf.entrySet()) {
      if (!existing.contains(e.getValue())) continue;
      Map<String, String> want = sourceConfigs.getOrDefault(e.getKey(), Map.of());
      Map<String, String> have = targetConfigs.getOrDefault(e.getValue(), Map.of());
      List<AlterConfigOp> change = new ArrayList<>();
      want.forEach((k, v) -> {
        if (!v.equals(have.get(k))) change.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET));
      });
      have.keySet().stream().filter(k -> !want.containsKey(k))
          .forEach(k -> change.add(new AlterConfigOp(new ConfigEntry(k, null), AlterConfigOp.OpType.DELETE)));
      if (!change.isEmpty()) ops.put(new ConfigResource(ConfigResource.Type.TOPIC, e.getValue()), change);
    }
    if (ops.isEmpty()) return;
    log.info("{}: syncing topic configs on {}: {}", flow.name(), flow.target().alias(), ops);
    target.incrementalAlterConfigs(ops).all().get();
  }

  /** Each topic's configs set on the topic itself (not defaults), less the excluded ones. */
  private Map<String, Map<String, String>> explicitConfigs(Admin admin, Set<String> topics) throws ExecutionException, InterruptedException {
    List<ConfigResource> resources = topics.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
    Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get();
    Map<String, Map<String, String>> out = new HashMap<>();
    configs.forEach((r, c) -> {
      Map<String, String> m = new HashMap<>();
      for (ConfigEntry e : c.entries()) {
        if (e.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG && e.value() != null
            && !flow.configsExclude().matcher(e.name()).matches()) {
          m.put(e.name(), e.value());
        }
      }
      out.put(r.name(), m);
    });
    return out;
  }
}
