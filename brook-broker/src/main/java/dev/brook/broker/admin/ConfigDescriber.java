package dev.brook.broker.admin;

import dev.brook.broker.cluster.TopicMetadata;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.config.BrokerConfigKeys;
import dev.brook.broker.config.ConfigKey;
import dev.brook.broker.config.ConfigType;
import dev.brook.broker.config.TopicConfigs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;

/**
 * Describes configs as Kafka does for {@code kafka-configs --describe --all}: every key with its
 * effective value, where that value comes from (a topic override, the broker's server.properties,
 * or the built-in default), and the chain of synonyms behind it. Stateless.
 */
public final class ConfigDescriber {
  private ConfigDescriber() {}

  public record Synonym(String name, String value, ConfigSource source) {}

  public record Entry(
      String name, String value, ConfigSource source, boolean readOnly, boolean sensitive, ConfigType type,
      String documentation, List<Synonym> synonyms) {}

  /** Every topic-level key of {@code topic}, in name order. */
  public static List<Entry> topic(BrokerConfig broker, TopicMetadata topic) {
    List<Entry> out = new ArrayList<>();
    for (TopicConfigs.Def d : TopicConfigs.all().values()) {
      List<Synonym> synonyms = new ArrayList<>();
      String value;
      String override = topic.configs().get(d.name());
      // Brook's own keys (a mirror topic's link, source and state) are listed only where set: a
      // plain topic describes exactly as Kafka's does, and Kafka's tools know no such keys.
      if (override == null && d.name().startsWith("mirror.")) continue;
      if (override != null) {
        value = TopicConfigs.format(d.parse(override));
        synonyms.add(new Synonym(d.name(), value, ConfigSource.TOPIC_CONFIG));
      } else {
        value = TopicConfigs.format(d.type().parse(d.name(), d.defaultValue(broker)));
      }
      Optional<TopicConfigs.BrokerSynonym> primary = d.primarySynonym();
      primary.ifPresent(s -> synonyms.addAll(brokerSynonyms(broker, s.brokerKey(), s.brokerDefault())));
      ConfigSource source = synonyms.isEmpty() ? ConfigSource.DEFAULT_CONFIG : synonyms.get(0).source();
      out.add(new Entry(d.name(), value, source, false, false, d.type(), d.doc(), synonyms));
    }
    return out;
  }

  /** Every broker key Brook knows, in name order, read-only (server.properties is read at startup only). */
  public static List<Entry> broker(BrokerConfig broker) {
    return broker(broker, Map.of());
  }

  /**
   * Every broker key Brook knows, then this broker's dynamic configs ({@code dynamic}, per-listener
   * key names such as {@code listener.name.ssl.ssl.keystore.location}, source DYNAMIC_BROKER_CONFIG,
   * not read-only, passwords hidden), each with its server.properties value as a synonym.
   */
  public static List<Entry> broker(BrokerConfig broker, Map<String, String> dynamic) {
    List<Entry> out = staticBroker(broker);
    for (Map.Entry<String, String> d : new java.util.TreeMap<>(dynamic).entrySet()) {
      String name = d.getKey();
      String suffix = name.substring(name.indexOf('.', BrokerConfigKeys.LISTENER_PREFIX.length()) + 1);
      ConfigKey key = BrokerConfigKeys.get(suffix);
      boolean sensitive = key.type() == ConfigType.PASSWORD;
      List<Synonym> synonyms = new ArrayList<>();
      synonyms.add(new Synonym(name, sensitive ? null : d.getValue(), ConfigSource.DYNAMIC_BROKER_CONFIG));
      if (broker.isExplicit(name)) {
        synonyms.add(new Synonym(name, sensitive ? null : broker.explicitSettings().get(name), ConfigSource.STATIC_BROKER_CONFIG));
      }
      for (Synonym s : brokerSynonyms(broker, suffix, key.defaultValue())) {
        synonyms.add(sensitive ? new Synonym(s.name(), null, s.source()) : s);
      }
      out.add(new Entry(name, sensitive ? null : d.getValue(), ConfigSource.DYNAMIC_BROKER_CONFIG, false, sensitive,
          key.type(), key.doc(), synonyms));
    }
    return out;
  }

  private static List<Entry> staticBroker(BrokerConfig broker) {
    List<Entry> out = new ArrayList<>();
    List<String> names = new ArrayList<>(BrokerConfigKeys.all().keySet());
    names.sort(null);
    for (String name : names) {
      ConfigKey key = BrokerConfigKeys.get(name);
      boolean sensitive = key.type() == ConfigType.PASSWORD;
      List<Synonym> synonyms = brokerSynonyms(broker, name, key.defaultValue());
      // broker.id is node.id's older name: unset, it is the node id (as Kafka reports it).
      Object v = name.equals("broker.id") ? Integer.valueOf(broker.nodeId()) : broker.get(name);
      String value = sensitive || v == null ? null : TopicConfigs.format(v);
      ConfigSource source = synonyms.isEmpty() ? ConfigSource.DEFAULT_CONFIG : synonyms.get(0).source();
      if (sensitive) synonyms = synonyms.stream().map(s -> new Synonym(s.name(), null, s.source())).toList();
      out.add(new Entry(name, value, source, true, sensitive, key.type(), key.doc(), synonyms));
    }
    return out;
  }

  /** A broker key's sources, strongest first: server.properties, then the built-in default. */
  private static List<Synonym> brokerSynonyms(BrokerConfig broker, String key, String builtInDefault) {
    List<Synonym> out = new ArrayList<>(2);
    ConfigKey def = BrokerConfigKeys.get(key);
    if (def != null && broker.isExplicit(key)) {
      out.add(new Synonym(key, normalize(def, broker.explicitSettings().get(key)), ConfigSource.STATIC_BROKER_CONFIG));
    }
    if (builtInDefault != null) {
      out.add(new Synonym(key, def == null ? builtInDefault : normalize(def, builtInDefault), ConfigSource.DEFAULT_CONFIG));
    }
    return out;
  }

  private static String normalize(ConfigKey def, String raw) {
    return TopicConfigs.format(def.type().parse(def.name(), raw));
  }
}
