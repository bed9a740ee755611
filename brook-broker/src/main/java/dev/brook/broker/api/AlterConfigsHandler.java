package dev.brook.broker.api;

import dev.brook.broker.admin.DynamicBrokerConfigs;
import dev.brook.broker.admin.MirrorTopicRules;
import dev.brook.broker.admin.TopicManager;
import dev.brook.broker.admin.TopicManager.Outcome;
import dev.brook.broker.admin.TopicNames;
import dev.brook.broker.cluster.TopicMetadata;
import dev.brook.broker.config.TopicConfigs;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * AlterConfigs (replace a resource's overrides wholesale) and IncrementalAlterConfigs (SET, DELETE,
 * APPEND, SUBTRACT per key) for TOPIC resources (validated, persisted, and applied to the live logs)
 * and for this broker's BROKER resource (its dynamic configs, {@link DynamicBrokerConfigs}: the
 * listeners' key and trust stores; any other key gets INVALID_REQUEST naming it, as Kafka answers
 * for keys it cannot change dynamically). Runs on the topic admin's thread. Errors are per resource.
 */
public final class AlterConfigsHandler {
  private final TopicManager topics;
  private final DynamicBrokerConfigs brokerConfigs;

  public AlterConfigsHandler(TopicManager topics, DynamicBrokerConfigs brokerConfigs) {
    this.topics = topics;
    this.brokerConfigs = brokerConfigs;
  }

  /** A resource's outcome: NONE or an error with its message. */
  private record Result(Errors error, String message) {
    static final Result OK = new Result(Errors.NONE, null);
  }

  public ApiHandler<AlterConfigsRequestData> legacy() {
    return (ctx, request) -> CompletableFuture.supplyAsync(() -> {
      AlterConfigsResponseData response = new AlterConfigsResponseData();
      Set<String> duplicates = duplicates(request.resources().stream()
          .map(r -> r.resourceType() + "/" + r.resourceName()).toList());
      for (AlterConfigsRequestData.AlterConfigsResource res : request.resources()) {
        Result result;
        if (duplicates.contains(res.resourceType() + "/" + res.resourceName())) {
          result = new Result(Errors.INVALID_REQUEST, "Duplicate resource in request.");
        } else {
          List<String> names = new ArrayList<>();
          Map<String, String> values = new LinkedHashMap<>();
          String problem = null;
          for (AlterConfigsRequestData.AlterableConfig c : res.configs()) {
            names.add(c.name());
            if (c.value() == null) problem = "Null value not supported for : " + c.name();
            values.put(c.name(), c.value());
          }
          if (!duplicates(names).isEmpty()) problem = "Error due to duplicate config keys";
          result = problem != null ? new Result(Errors.INVALID_REQUEST, problem)
              : alter(res.resourceType(), res.resourceName(), names, current -> new HashMap<>(values), request.validateOnly());
        }
        response.responses().add(new AlterConfigsResponseData.AlterConfigsResourceResponse()
            .setResourceType(res.resourceType()).setResourceName(res.resourceName())
            .setErrorCode(result.error().code()).setErrorMessage(result.message()));
      }
      return response;
    }, topics.executor());
  }

  public ApiHandler<IncrementalAlterConfigsRequestData> incremental() {
    return (ctx, request) -> CompletableFuture.supplyAsync(() -> {
      IncrementalAlterConfigsResponseData response = new IncrementalAlterConfigsResponseData();
      Set<String> duplicates = duplicates(request.resources().stream()
          .map(r -> r.resourceType() + "/" + r.resourceName()).toList());
      for (IncrementalAlterConfigsRequestData.AlterConfigsResource res : request.resources()) {
        Result result;
        if (duplicates.contains(res.resourceType() + "/" + res.resourceName())) {
          result = new Result(Errors.INVALID_REQUEST, "Duplicate resource in request.");
        } else {
          List<String> names = new ArrayList<>();
          for (IncrementalAlterConfigsRequestData.AlterableConfig c : res.configs()) names.add(c.name());
          if (!duplicates(names).isEmpty()) {
            result = new Result(Errors.INVALID_REQUEST, "Error due to duplicate config keys");
          } else if (isLinkChange(res)) {
            result = alterLinks(res, request.validateOnly());
          } else {
            boolean topic = ConfigResource.Type.forId(res.resourceType()) == ConfigResource.Type.TOPIC;
            result = alter(res.resourceType(), res.resourceName(), names,
                current -> applyOperations(current, res.configs(), topic), request.validateOnly());
          }
        }
        response.responses().add(new IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse()
            .setResourceType(res.resourceType()).setResourceName(res.resourceName())
            .setErrorCode(result.error().code()).setErrorMessage(result.message()));
      }
      return response;
    }, topics.executor());
  }

  /** Cluster links: the {@code cluster.link.} keys of the cluster-wide BROKER resource (named ""). */
  private static boolean isLinkChange(IncrementalAlterConfigsRequestData.AlterConfigsResource res) {
    return ConfigResource.Type.forId(res.resourceType()) == ConfigResource.Type.BROKER && res.resourceName().isEmpty()
        && !res.configs().isEmpty()
        && res.configs().stream().allMatch(c -> c.name().startsWith(MirrorTopicRules.LINK_PREFIX));
  }

  private Result alterLinks(IncrementalAlterConfigsRequestData.AlterConfigsResource res, boolean validateOnly) {
    Optional<MirrorTopicRules> rules = topics.mirrorRules();
    if (rules.isEmpty()) return new Result(Errors.INVALID_REQUEST, "This broker does not support cluster links.");
    List<MirrorTopicRules.LinkOp> ops = new ArrayList<>();
    for (IncrementalAlterConfigsRequestData.AlterableConfig c : res.configs()) {
      switch (c.configOperation()) {
        case 0 -> {
          if (c.value() == null) return new Result(Errors.INVALID_REQUEST, "Null value not supported for : " + c.name());
          ops.add(new MirrorTopicRules.LinkOp(c.name(), c.value()));
        }
        case 1 -> ops.add(new MirrorTopicRules.LinkOp(c.name(), null));
        default -> {
          return new Result(Errors.INVALID_CONFIG, "Only SET and DELETE apply to cluster link config " + c.name());
        }
      }
    }
    // Already on the topic admin's thread (the handler runs there).
    return rules.get().alterLinks(ops, validateOnly).map(r -> new Result(r.error(), r.message())).orElse(Result.OK);
  }

  /** Thrown inside a change function to answer the resource with an error. */
  private static final class Rejected extends RuntimeException {
    final Result result;

    Rejected(Errors e, String message) {
      super(message, null, false, false);
      this.result = new Result(e, message);
    }
  }

  /** @param change the resource's next overrides from its current ones; may throw {@link Rejected} */
  private Result alter(byte resourceType, String name, List<String> keys,
      UnaryOperator<Map<String, String>> change, boolean validateOnly) {
    ConfigResource.Type type = ConfigResource.Type.forId(resourceType);
    if (type == ConfigResource.Type.BROKER) {
      if (!name.isEmpty() && !name.equals(Integer.toString(topics.nodeId()))) {
        return new Result(Errors.INVALID_REQUEST, "Unexpected broker id, expected " + topics.nodeId()
            + " or empty string, but received " + name);
      }
      try {
        DynamicBrokerConfigs.Outcome o = brokerConfigs.alter(name, keys, change, validateOnly);
        return o.isOk() ? Result.OK : new Result(o.error(), o.message());
      } catch (Rejected r) {
        return r.result;
      }
    }
    if (type != ConfigResource.Type.TOPIC) {
      return new Result(Errors.INVALID_REQUEST, "Unsupported resource type " + type + " for altering configs");
    }
    Optional<String> bad = TopicNames.invalidReason(name);
    if (bad.isPresent()) return new Result(Errors.INVALID_TOPIC_EXCEPTION, bad.get());
    Optional<TopicMetadata> t = topics.topic(name);
    if (t.isEmpty()) return new Result(Errors.UNKNOWN_TOPIC_OR_PARTITION, "The topic '" + name + "' does not exist.");
    try {
      Outcome o = topics.replaceConfigs(name, change.apply(new HashMap<>(t.get().configs())), validateOnly);
      return o.isOk() ? Result.OK : new Result(o.error(), o.message());
    } catch (Rejected r) {
      return r.result;
    } catch (Exception e) {
      throw new IllegalStateException("altering configs of topic " + name + " failed", e);
    }
  }

  /** {@code current} with {@code ops} applied; APPEND and SUBTRACT only on a topic's list keys. */
  private Map<String, String> applyOperations(Map<String, String> current,
      Iterable<IncrementalAlterConfigsRequestData.AlterableConfig> ops, boolean topic) {
    Map<String, String> next = new HashMap<>(current);
    for (IncrementalAlterConfigsRequestData.AlterableConfig c : ops) {
      switch (c.configOperation()) {
        case 0 -> { // SET
          if (c.value() == null) throw new Rejected(Errors.INVALID_REQUEST, "Null value not supported for : " + c.name());
          next.put(c.name(), c.value());
        }
        case 1 -> next.remove(c.name()); // DELETE
        case 2, 3 -> { // APPEND, SUBTRACT
          boolean append = c.configOperation() == 2;
          if (!topic) {
            throw new Rejected(Errors.INVALID_CONFIG, "Config value " + (append ? "append" : "subtract")
                + " is not allowed for config key: " + c.name());
          }
          Optional<TopicConfigs.Def> def = TopicConfigs.get(c.name());
          if (def.isEmpty()) throw new Rejected(Errors.INVALID_CONFIG, "Unknown topic config name: " + c.name());
          if (def.get().type() != dev.brook.broker.config.ConfigType.LIST) {
            throw new Rejected(Errors.INVALID_CONFIG, "Config value " + (append ? "append" : "subtract")
                + " is not allowed for config key: " + c.name());
          }
          if (c.value() == null) throw new Rejected(Errors.INVALID_REQUEST, "Null value not supported for : " + c.name());
          String currentText = next.containsKey(c.name()) ? next.get(c.name())
              : def.get().defaultValue(topics.config());
          List<String> items = new ArrayList<>(splitList(currentText));
          for (String item : splitList(c.value())) {
            if (append && !items.contains(item)) items.add(item);
            if (!append) items.remove(item);
          }
          next.put(c.name(), String.join(",", items));
        }
        default -> throw new Rejected(Errors.INVALID_REQUEST, "Unknown alter config operation "
            + c.configOperation() + " for " + c.name());
      }
    }
    return next;
  }

  private static List<String> splitList(String text) {
    List<String> out = new ArrayList<>();
    if (text == null) return out;
    for (String s : text.split(",")) {
      if (!s.isBlank()) out.add(s.trim());
    }
    return out;
  }

  private static Set<String> duplicates(List<String> items) {
    Set<String> seen = new HashSet<>();
    Set<String> dup = new HashSet<>();
    for (String s : items) {
      if (!seen.add(s)) dup.add(s);
    }
    return dup;
  }
}
