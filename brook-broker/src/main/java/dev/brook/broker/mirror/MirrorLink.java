package dev.brook.broker.mirror;

import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.config.ConfigException;
import dev.brook.broker.config.ListenerSettings;
import dev.brook.broker.replica.BrokerConnector;
import dev.brook.broker.security.InterBrokerSecurity;
import dev.brook.broker.security.JaasConfig;
import dev.brook.broker.security.TlsContext;
import dev.brook.broker.security.oauth.ClientCredentialsTokens;
import dev.brook.broker.security.oauth.OAuthBearerSettings;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A cluster link: how this broker reaches a source cluster whose topics it mirrors. {@code configs}
 * are client settings in Kafka's names ({@code bootstrap.servers}, {@code security.protocol}
 * PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, with {@code sasl.mechanism} and {@code
 * sasl.jaas.config} for SASL (PLAIN and SCRAM: {@code username}/{@code password}; OAUTHBEARER: {@code
 * clientId}/{@code clientSecret}/{@code scope} of an OAuth client-credentials grant at {@code
 * sasl.oauthbearer.token.endpoint.url}, optionally naming Kafka's {@code
 * sasl.login.callback.handler.class}) and Kafka's client {@code ssl.*} keys (trust store, key store for
 * mTLS, {@code ssl.endpoint.identification.algorithm}, …) for TLS)
 * plus the link's own keys (Confluent's Cluster Linking names) for syncing consumer-group offsets,
 * {@code consumer.offset.sync.enable} (default true), {@code consumer.offset.sync.ms} (default
 * 30000), {@code consumer.offset.sync.groups} (a regex of group ids, default {@code .*}), and for
 * how often mirror topics' configs follow their source topics', {@code topic.config.sync.ms}
 * (default 5000). Immutable.
 *
 * <p>Every key is checked by {@link #validate} before a link is stored; an unknown key or a bad
 * value is refused naming the key.
 */
public record MirrorLink(String name, Map<String, String> configs) {
  /** The keys a link accepts. */
  static final Set<String> KEYS = Set.of("bootstrap.servers", "security.protocol", "client.id", "request.timeout.ms",
      "metadata.max.age.ms", "fetch.max.wait.ms", "fetch.max.bytes", "max.partition.fetch.bytes",
      "consumer.offset.sync.enable", "consumer.offset.sync.ms", "consumer.offset.sync.groups", "topic.config.sync.ms", "sasl.mechanism",
      "sasl.jaas.config", "sasl.oauthbearer.token.endpoint.url", "sasl.login.callback.handler.class", "ssl.truststore.type", "ssl.truststore.location", "ssl.truststore.password",
      "ssl.truststore.certificates", "ssl.keystore.type", "ssl.keystore.location", "ssl.keystore.password",
      "ssl.key.password", "ssl.keystore.certificate.chain", "ssl.keystore.key", "ssl.endpoint.identification.algorithm",
      "ssl.protocol", "ssl.enabled.protocols", "ssl.cipher.suites", "ssl.keymanager.algorithm", "ssl.trustmanager.algorithm");

  /** The protocols a link speaks to its source. */
  static final Set<String> PROTOCOLS = Set.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");

  /** The SASL mechanisms a link speaks (the ones Brook's own inter-broker client speaks). */
  static final Set<String> SASL_MECHANISMS = Set.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", OAuthBearerSettings.MECHANISM);

  /** The token endpoint an OAUTHBEARER link gets its tokens from (Kafka's client key). */
  static final String TOKEN_URL = "sasl.oauthbearer.token.endpoint.url";

  /** Kafka's client-credentials login handler: the one an OAUTHBEARER link's admin client uses. */
  static final String KAFKA_LOGIN_HANDLER = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler";

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
    String protocol = link.protocol();
    if (!PROTOCOLS.contains(protocol)) {
      throw new ConfigException("security.protocol", "'" + protocol + "' is not one of " + new java.util.TreeSet<>(PROTOCOLS));
    }
    if (!protocol.startsWith("SASL_") && (configs.containsKey("sasl.mechanism") || configs.containsKey("sasl.jaas.config"))) {
      throw new ConfigException("security.protocol", protocol + ", but SASL settings are given: set SASL_"
          + (protocol.equals("SSL") ? "SSL" : "PLAINTEXT"));
    }
    if (!protocol.endsWith("SSL")) {
      String ssl = configs.keySet().stream().filter(k -> k.startsWith("ssl.")).sorted().findFirst().orElse(null);
      if (ssl != null) throw new ConfigException(ssl, "is a TLS setting, but security.protocol is " + protocol + " (SSL or SASL_SSL)");
    }
    link.connector(); // checks the SASL settings and loads the TLS stores, naming the bad key
    for (String k : Set.of("request.timeout.ms", "metadata.max.age.ms", "fetch.max.wait.ms", "fetch.max.bytes",
        "max.partition.fetch.bytes", "consumer.offset.sync.ms", "topic.config.sync.ms")) {
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
   * How the link's fetchers connect to the source's brokers: plain or TLS (the link's {@code ssl.*}
   * keys, read as a broker reads a listener's, with Kafka's client defaults), then for SASL_* {@code
   * sasl.mechanism} as the {@code username}/{@code password} of {@code sasl.jaas.config}, or for
   * OAUTHBEARER with tokens got with its {@code clientId}/{@code clientSecret} (each connector keeps its
   * token until 80 % of its lifetime; none is fetched here). Loads the
   * key and trust stores: throws {@link ConfigException} naming the key that does not load.
   */
  BrokerConnector connector() {
    String protocol = protocol();
    if (protocol.equals("PLAINTEXT")) return BrokerConnector.PLAINTEXT;
    TlsContext tls = protocol.endsWith("SSL") ? tls() : null;
    if (!protocol.startsWith("SASL_")) return InterBrokerSecurity.client(SecurityProtocol.SSL, tls, null, null, null);
    String mechanism = configs.get("sasl.mechanism");
    if (mechanism == null || !SASL_MECHANISMS.contains(mechanism)) {
      throw new ConfigException("sasl.mechanism", "'" + mechanism + "': a link speaks one of " + new java.util.TreeSet<>(SASL_MECHANISMS));
    }
    String text = configs.get("sasl.jaas.config");
    if (text == null) throw new ConfigException("sasl.jaas.config", "is required with " + protocol);
    if (mechanism.equals(OAuthBearerSettings.MECHANISM)) {
      String handler = configs.get("sasl.login.callback.handler.class");
      if (handler != null && !handler.trim().equals(KAFKA_LOGIN_HANDLER)) {
        throw new ConfigException("sasl.login.callback.handler.class", "a link gets its OAUTHBEARER tokens with OAuth client "
            + "credentials, as " + KAFKA_LOGIN_HANDLER + " does; got " + handler);
      }
      ClientCredentialsTokens tokens = ClientCredentialsTokens.forClient(TOKEN_URL, configs.get(TOKEN_URL), "sasl.jaas.config", text,
          java.time.Clock.systemUTC());
      return InterBrokerSecurity.oauthClient(SecurityProtocol.forName(protocol), tls, tokens);
    }
    if (configs.containsKey(TOKEN_URL) || configs.containsKey("sasl.login.callback.handler.class")) {
      String k = configs.containsKey(TOKEN_URL) ? TOKEN_URL : "sasl.login.callback.handler.class";
      throw new ConfigException(k, "is an OAUTHBEARER setting, but sasl.mechanism is " + mechanism);
    }
    JaasConfig jaas = JaasConfig.parse("sasl.jaas.config", text);
    String user = jaas.options().get("username");
    String password = jaas.options().get("password");
    if (user == null || password == null) throw new ConfigException("sasl.jaas.config", "needs username=\"…\" password=\"…\"");
    return InterBrokerSecurity.client(SecurityProtocol.forName(protocol), tls, mechanism, user, password);
  }

  /** The link's TLS client context: its {@code ssl.*} keys over the broker's (Kafka's client) defaults. */
  private TlsContext tls() {
    Map<String, String> ssl = new TreeMap<>();
    configs.forEach((k, v) -> {
      if (k.startsWith("ssl.")) ssl.put(k, v);
    });
    return TlsContext.create(new ListenerSettings(BrokerConfig.of(ssl), "link-" + name), false);
  }

  String protocol() {
    return configs.getOrDefault("security.protocol", "PLAINTEXT").trim().toUpperCase(java.util.Locale.ROOT);
  }

  /** The link's client settings that a Kafka client of the source takes as they are (security, TLS, SASL). */
  Map<String, String> clientSecurity() {
    Map<String, String> out = new TreeMap<>();
    out.put("security.protocol", protocol());
    configs.forEach((k, v) -> {
      if (k.startsWith("ssl.") || k.startsWith("sasl.")) out.put(k, v);
    });
    return out;
  }

  /**
   * Whether a setting ({@code sasl.jaas.config}, a password, an inline PEM private key; also as
   * {@code cluster.link.<name>.<key>}) is a secret, masked by DescribeConfigs.
   */
  public static boolean isSensitive(String key) {
    return key.equals("sasl.jaas.config") || key.endsWith(".sasl.jaas.config") || key.contains("password")
        || key.equals("ssl.keystore.key") || key.endsWith(".ssl.keystore.key");
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

  long topicConfigSyncMs() {
    return intConfig("topic.config.sync.ms", 5_000);
  }

  Pattern groups() {
    return Pattern.compile(configs.getOrDefault("consumer.offset.sync.groups", ".*"));
  }
}
