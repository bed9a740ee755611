package dev.brook.broker.mirror;

import dev.brook.broker.config.ConfigException;
import dev.brook.broker.replica.BrokerConnector;
import dev.brook.broker.security.InterBrokerSecurity;
import dev.brook.broker.security.JaasConfig;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A cluster link: how this broker reaches a source cluster whose topics it mirrors. {@code configs}
 * are client settings in Kafka's names ({@code bootstrap.servers}, {@code security.protocol}
 * PLAINTEXT or SASL_PLAINTEXT with {@code sasl.mechanism} and {@code sasl.jaas.config}, …)
 * plus the link's own keys for syncing consumer-group offsets (Confluent's Cluster Linking names):
 * {@code consumer.offset.sync.enable} (default true), {@code consumer.offset.sync.ms} (default
 * 30000), {@code consumer.offset.sync.groups} (a regex of group ids, default {@code .*}). Immutable.
 *
 * <p>Every key is checked by {@link #validate} before a link is stored; an unknown key or a bad
 * value is refused naming the key.
 */
public record MirrorLink(String name, Map<String, String> configs) {
  /** The keys a link accepts. */
  static final Set<String> KEYS = Set.of("bootstrap.servers", "security.protocol", "client.id", "request.timeout.ms",
      "metadata.max.age.ms", "fetch.max.wait.ms", "fetch.max.bytes", "max.partition.fetch.bytes",
      "consumer.offset.sync.enable", "consumer.offset.sync.ms", "consumer.offset.sync.groups", "sasl.mechanism",
      "sasl.jaas.config");

  /** The SASL mechanisms a link speaks (the ones Brook's own inter-broker client speaks). */
  static final Set<String> SASL_MECHANISMS = Set.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");

  public MirrorLink {
    configs = Map.copyOf(new TreeMap<>(configs));
  }

  /** Checks a link's name and every setting; throws {@link ConfigException} naming the first bad key. */
  public static MirrorLink validate(String name, Map<String, String> configs) {
    if (name == null || !name.matches("[A-Za-z0-9_-]{1,200}")) {
      throw new ConfigException("link", "'" + name + "' is not a valid link name (letters, digits, '_', '-')");
    }
    for (Map.Entry<String, String> e : configs.entrySet()) {
      if (!KEYS.contains(e.getKey())) throw new ConfigException(e.getKey(), "unknown cluster link config");
      if (e.getValue() == null) throw new ConfigException(e.getKey(), "a value is required");
    }
    MirrorLink link = new MirrorLink(name, configs);
    if (link.bootstrapServers().isBlank()) throw new ConfigException("bootstrap.servers", "is required");
    for (String hp : link.bootstrapServers().split(",")) {
      int colon = hp.trim().lastIndexOf(':');
      if (colon <= 0) throw new ConfigException("bootstrap.servers", "'" + hp.trim() + "' is not host:port");
      positive("bootstrap.servers", hp.trim().substring(colon + 1));
    }
    String protocol = configs.getOrDefault("security.protocol", "PLAINTEXT");
    if (protocol.equals("SASL_PLAINTEXT")) {
      link.connector(); // checks sasl.mechanism and sasl.jaas.config
    } else if (!protocol.equals("PLAINTEXT")) {
      throw new ConfigException("security.protocol", "'" + protocol
          + "' is not supported by cluster links yet (PLAINTEXT or SASL_PLAINTEXT)");
    } else if (configs.containsKey("sasl.mechanism") || configs.containsKey("sasl.jaas.config")) {
      throw new ConfigException("security.protocol", "PLAINTEXT, but SASL settings are given: set SASL_PLAINTEXT");
    }
    for (String k : Set.of("request.timeout.ms", "metadata.max.age.ms", "fetch.max.wait.ms", "fetch.max.bytes",
        "max.partition.fetch.bytes", "consumer.offset.sync.ms")) {
      if (configs.containsKey(k)) positive(k, configs.get(k));
    }
    String sync = configs.get("consumer.offset.sync.enable");
    if (sync != null && !sync.equals("true") && !sync.equals("false")) {
      throw new ConfigException("consumer.offset.sync.enable", "'" + sync + "' is not true or false");
    }
    try {
      link.groups();
    } catch (PatternSyntaxException e) {
      throw new ConfigException("consumer.offset.sync.groups", "not a regular expression: " + e.getDescription());
    }
    return link;
  }

  private static void positive(String key, String v) {
    try {
      if (Long.parseLong(v.trim()) <= 0) throw new ConfigException(key, "'" + v + "' must be positive");
    } catch (NumberFormatException e) {
      throw new ConfigException(key, "'" + v + "' is not a number");
    }
  }

  /**
   * How the link's fetchers connect to the source's brokers: plain, or SASL_PLAINTEXT with {@code
   * sasl.mechanism} as the {@code username}/{@code password} of {@code sasl.jaas.config}.
   */
  BrokerConnector connector() {
    if (!"SASL_PLAINTEXT".equals(configs.get("security.protocol"))) return BrokerConnector.PLAINTEXT;
    String mechanism = configs.get("sasl.mechanism");
    if (mechanism == null || !SASL_MECHANISMS.contains(mechanism)) {
      throw new ConfigException("sasl.mechanism", "'" + mechanism + "': a link speaks one of " + new java.util.TreeSet<>(SASL_MECHANISMS));
    }
    String text = configs.get("sasl.jaas.config");
    if (text == null) throw new ConfigException("sasl.jaas.config", "is required with SASL_PLAINTEXT");
    JaasConfig jaas = JaasConfig.parse("sasl.jaas.config", text);
    String user = jaas.options().get("username");
    String password = jaas.options().get("password");
    if (user == null || password == null) throw new ConfigException("sasl.jaas.config", "needs username=\"…\" password=\"…\"");
    return InterBrokerSecurity.saslPlaintext(mechanism, user, password);
  }

  /** Whether a setting ({@code sasl.jaas.config}, or as {@code cluster.link.<name>.sasl.jaas.config}) is a secret, masked by DescribeConfigs. */
  public static boolean isSensitive(String key) {
    return key.equals("sasl.jaas.config") || key.endsWith(".sasl.jaas.config") || key.contains("password");
  }

  public String bootstrapServers() {
    return configs.getOrDefault("bootstrap.servers", "");
  }

  int intConfig(String key, int dflt) {
    String v = configs.get(key);
    return v == null ? dflt : Integer.parseInt(v.trim());
  }

  boolean offsetSyncEnabled() {
    return !"false".equals(configs.get("consumer.offset.sync.enable"));
  }

  long offsetSyncMs() {
    return intConfig("consumer.offset.sync.ms", 30_000);
  }

  Pattern groups() {
    return Pattern.compile(configs.getOrDefault("consumer.offset.sync.groups", ".*"));
  }
}
