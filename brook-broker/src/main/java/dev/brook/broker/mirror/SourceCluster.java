package dev.brook.broker.mirror;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * A link's view of its source cluster's metadata and groups, through a Kafka admin client built from
 * the link's client settings: which broker leads each source partition, how many partitions a source
 * topic has, and the source groups' committed offsets. Every call is bounded by the link's {@code
 * request.timeout.ms}. Used by the mirror manager's thread and, for a topic's creation, the topic
 * admin's thread (the admin client is thread-safe).
 */
final class SourceCluster implements AutoCloseable {
  private final Properties props;
  private final long timeoutMs;
  /** Made on first use, and made again after a failed login (a wrong OAuth client secret): guarded by this. */
  private Admin admin;

  SourceCluster(MirrorLink link) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, link.bootstrapServers());
    p.put(AdminClientConfig.CLIENT_ID_CONFIG, link.configs().getOrDefault("client.id", "brook-link-" + link.name()));
    p.putAll(link.clientSecurity()); // security.protocol, ssl.*, sasl.*
    if ("OAUTHBEARER".equals(link.configs().get("sasl.mechanism"))) {
      // Kafka's own client-credentials login, from the link's endpoint and JAAS entry; Kafka 4 clients
      // call that endpoint only when the JVM's allowed-URLs property lists it.
      p.putIfAbsent("sasl.login.callback.handler.class", MirrorLink.KAFKA_LOGIN_HANDLER);
      dev.brook.broker.security.oauth.ClientCredentialsTokens.allowInKafkaClients(link.configs().get(MirrorLink.TOKEN_URL));
    }
    timeoutMs = link.intConfig("request.timeout.ms", 30_000);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeoutMs);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeoutMs);
    p.put(AdminClientConfig.METADATA_MAX_AGE_CONFIG, link.intConfig("metadata.max.age.ms", 5_000));
    this.props = p;
  }

  /**
   * The admin client, made now if not yet. A login that fails when it is made (OAUTHBEARER gets its
   * token then: a refused client secret) is thrown as an {@link ExecutionException} like any failed
   * call, and tried again on the next call.
   */
  private synchronized Admin admin() throws ExecutionException {
    if (admin == null) {
      try {
        admin = Admin.create(props);
      } catch (org.apache.kafka.common.KafkaException e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        throw new ExecutionException("authentication failed: cannot log in to the source cluster: " + root.getMessage(), e);
      }
    }
    return admin;
  }

  /** The source topics found, described (leaders and partitions); missing topics are left out. */
  Map<String, TopicDescription> describe(Collection<String> topics) throws InterruptedException, ExecutionException, TimeoutException {
    Map<String, TopicDescription> out = new HashMap<>();
    var futures = admin().describeTopics(topics).topicNameValues();
    for (var e : futures.entrySet()) {
      try {
        out.put(e.getKey(), e.getValue().get(timeoutMs, TimeUnit.MILLISECONDS));
      } catch (ExecutionException ex) {
        if (!(ex.getCause() instanceof UnknownTopicOrPartitionException)) throw ex;
      }
    }
    return out;
  }

  /**
   * The configs set on each of {@code topics} on the source (DescribeConfigs entries of source
   * DYNAMIC_TOPIC_CONFIG: what was set on the topic, not defaults), by topic; missing topics are left out.
   */
  Map<String, Map<String, String>> topicConfigs(Collection<String> topics) throws InterruptedException, ExecutionException, TimeoutException {
    Map<String, Map<String, String>> out = new HashMap<>();
    var resources = topics.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
    for (var e : admin().describeConfigs(resources).values().entrySet()) {
      Config c;
      try {
        c = e.getValue().get(timeoutMs, TimeUnit.MILLISECONDS);
      } catch (ExecutionException ex) {
        if (ex.getCause() instanceof UnknownTopicOrPartitionException) continue;
        throw ex;
      }
      Map<String, String> set = new HashMap<>();
      for (ConfigEntry ce : c.entries()) {
        if (ce.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG && ce.value() != null) set.put(ce.name(), ce.value());
      }
      out.put(e.getKey().name(), set);
    }
    return out;
  }

  /** The committed offsets of every source group whose id matches {@code groups}, by group. */
  Map<String, Map<TopicPartition, OffsetAndMetadata>> groupOffsets(Pattern groups)
      throws InterruptedException, ExecutionException, TimeoutException {
    Map<String, Map<TopicPartition, OffsetAndMetadata>> out = new HashMap<>();
    // Every group, not forConsumerGroups(): a group that only commits (assign + commitSync) has no
    // protocol type, and its offsets are as much a consumer's as any.
    for (GroupListing g : admin().listGroups().all().get(timeoutMs, TimeUnit.MILLISECONDS)) {
      if (!groups.matcher(g.groupId()).matches()) continue;
      try {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin().listConsumerGroupOffsets(g.groupId())
            .partitionsToOffsetAndMetadata().get(timeoutMs, TimeUnit.MILLISECONDS);
        out.put(g.groupId(), offsets);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof org.apache.kafka.common.errors.ApiException)) throw e;
        // a group of another kind (share, streams): no consumer offsets to copy
      }
    }
    return out;
  }

  @Override
  public synchronized void close() {
    if (admin != null) admin.close(java.time.Duration.ofSeconds(5));
  }
}
