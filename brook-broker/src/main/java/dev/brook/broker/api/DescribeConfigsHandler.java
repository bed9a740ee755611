package dev.brook.broker.api;

import dev.brook.broker.admin.ConfigDescriber;
import dev.brook.broker.admin.DynamicBrokerConfigs;
import dev.brook.broker.admin.MirrorTopicRules;
import dev.brook.broker.admin.TopicManager;
import dev.brook.broker.admin.TopicNames;
import dev.brook.broker.cluster.TopicMetadata;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsResponse;

/**
 * DescribeConfigs for TOPIC and BROKER resources (a broker's with its dynamic configs, source
 * DYNAMIC_BROKER_CONFIG): every key (or the ones asked for) with its value,
 * source, read-only and sensitive flags, and, when asked, synonyms, type and documentation, so that
 * {@code kafka-configs --describe --all} shows what it shows for Kafka. Other resource types get
 * INVALID_REQUEST. Reads only snapshots: answers on the event loop, except a mirror topic's {@code
 * mirror.status} in a cluster, which completes once the partitions' leaders answered (asked off the
 * event loop, bounded).
 */
public final class DescribeConfigsHandler implements ApiHandler<DescribeConfigsRequestData> {
  private final TopicManager topics;
  private final DynamicBrokerConfigs brokerConfigs;

  public DescribeConfigsHandler(TopicManager topics, DynamicBrokerConfigs brokerConfigs) {
    this.topics = topics;
    this.brokerConfigs = brokerConfigs;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, DescribeConfigsRequestData request) {
    List<CompletableFuture<DescribeConfigsResult>> results = new ArrayList<>();
    for (DescribeConfigsResource res : request.resources()) {
      results.add(mirrorStatus(res).thenApply(status -> describe(ctx.apiVersion(), request, res, status)));
    }
    return CompletableFuture.allOf(results.toArray(new CompletableFuture<?>[0])).thenApply(done -> {
      DescribeConfigsResponseData response = new DescribeConfigsResponseData();
      results.forEach(r -> response.results().add(r.join()));
      return response;
    });
  }

  /**
   * A mirror topic's {@code mirror.status} when {@code res} shows it: in a cluster its leaders'
   * views, which may complete later (asked on the mirror's status thread, never here). Asked for
   * {@code mirror.status.here} alone (another broker gathering), this broker's own view, at once.
   */
  private CompletableFuture<Optional<String>> mirrorStatus(DescribeConfigsResource res) {
    Optional<MirrorTopicRules> rules = topics.mirrorRules();
    if (res.resourceType() != ConfigResource.Type.TOPIC.id() || rules.isEmpty()
        || TopicNames.invalidReason(res.resourceName()).isPresent()) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    List<String> keys = res.configurationKeys();
    if (keys != null && keys.equals(List.of(MirrorTopicRules.STATUS_HERE))) {
      return CompletableFuture.completedFuture(rules.get().statusHere(res.resourceName()));
    }
    if (keys != null && !keys.contains("mirror.status")) return CompletableFuture.completedFuture(Optional.empty());
    try {
      return rules.get().status(res.resourceName()).exceptionally(e -> Optional.empty());
    } catch (RuntimeException e) { // the status thread is gone: the broker is stopping
      return CompletableFuture.completedFuture(Optional.empty());
    }
  }

  private DescribeConfigsResult describe(short version, DescribeConfigsRequestData request, DescribeConfigsResource res,
      Optional<String> mirror) {
    DescribeConfigsResult r = new DescribeConfigsResult().setResourceType(res.resourceType())
        .setResourceName(res.resourceName());
    ConfigResource.Type type = ConfigResource.Type.forId(res.resourceType());
    List<ConfigDescriber.Entry> entries;
    switch (type) {
      case TOPIC -> {
        String name = res.resourceName();
        Optional<String> bad = TopicNames.invalidReason(name);
        if (bad.isPresent()) return fail(r, Errors.INVALID_TOPIC_EXCEPTION, bad.get());
        Optional<TopicMetadata> t = topics.topic(name);
        if (t.isEmpty()) return fail(r, Errors.UNKNOWN_TOPIC_OR_PARTITION, "The topic '" + name + "' does not exist.");
        entries = ConfigDescriber.topic(topics.config(), t.get());
        List<String> asked = res.configurationKeys();
        if (mirror.isPresent() && asked != null && asked.equals(List.of(MirrorTopicRules.STATUS_HERE))) {
          entries = List.of(statusEntry(MirrorTopicRules.STATUS_HERE, mirror.get()));
        } else if (mirror.isPresent()) {
          entries = withMirrorStatus(entries, mirror.get());
        }
      }
      case BROKER -> {
        String name = res.resourceName();
        if (name.isEmpty()) {
          entries = linkEntries(); // cluster-wide dynamic defaults: only the cluster links
        } else if (name.equals(Integer.toString(topics.nodeId()))) {
          entries = ConfigDescriber.broker(topics.config(), brokerConfigs.current());
        } else {
          return fail(r, Errors.INVALID_REQUEST, "Unexpected broker id, expected " + topics.nodeId()
              + " or empty string, but received " + name);
        }
      }
      default -> {
        return fail(r, Errors.INVALID_REQUEST, "Unsupported resource type " + type + " for DescribeConfigs");
      }
    }
    Set<String> keys = res.configurationKeys() == null ? null : new HashSet<>(res.configurationKeys());
    List<DescribeConfigsResourceResult> configs = new ArrayList<>();
    for (ConfigDescriber.Entry e : entries) {
      if (keys != null && !keys.contains(e.name())) continue;
      DescribeConfigsResourceResult c = new DescribeConfigsResourceResult().setName(e.name()).setValue(e.value())
          .setReadOnly(e.readOnly()).setConfigSource(e.source().id()).setIsSensitive(e.sensitive());
      if (request.includeSynonyms()) {
        List<DescribeConfigsSynonym> synonyms = new ArrayList<>();
        for (ConfigDescriber.Synonym s : e.synonyms()) {
          synonyms.add(new DescribeConfigsSynonym().setName(s.name()).setValue(s.value()).setSource(s.source().id()));
        }
        c.setSynonyms(synonyms);
      }
      if (version >= 3) {
        c.setConfigType(DescribeConfigsResponse.ConfigType.valueOf(e.type().name()).id());
        if (request.includeDocumentation()) c.setDocumentation(e.documentation());
      }
      configs.add(c);
    }
    return r.setConfigs(configs);
  }

  /** A mirror topic's entries and its read-only {@code mirror.status} ({@link MirrorTopicRules#status}). */
  private static List<ConfigDescriber.Entry> withMirrorStatus(List<ConfigDescriber.Entry> entries, String status) {
    List<ConfigDescriber.Entry> out = new ArrayList<>(entries);
    out.add(statusEntry("mirror.status", status));
    return out;
  }

  private static ConfigDescriber.Entry statusEntry(String name, String status) {
    return new ConfigDescriber.Entry(name, status, org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource.DEFAULT_CONFIG,
        true, false, dev.brook.broker.config.ConfigType.STRING,
        "Per partition, partition:state:mirror log end:source high watermark:lag (read-only).", List.of());
  }

  private List<ConfigDescriber.Entry> linkEntries() {
    List<ConfigDescriber.Entry> out = new ArrayList<>();
    topics.mirrorRules().ifPresent(m -> m.linkConfigs().forEach((k, v) -> {
      boolean secret = dev.brook.broker.mirror.MirrorLink.isSensitive(k);
      out.add(new ConfigDescriber.Entry(k, secret ? null : v,
          org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, false, secret,
          secret ? dev.brook.broker.config.ConfigType.PASSWORD : dev.brook.broker.config.ConfigType.STRING,
          "A cluster link setting (mirror topics).", List.of()));
    }));
    return out;
  }

  private static DescribeConfigsResult fail(DescribeConfigsResult r, Errors e, String message) {
    return r.setErrorCode(e.code()).setErrorMessage(message);
  }
}
