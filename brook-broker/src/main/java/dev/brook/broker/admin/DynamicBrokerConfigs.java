package dev.brook.broker.admin;

import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.config.BrokerConfigKeys;
import dev.brook.broker.config.ConfigException;
import dev.brook.broker.config.DynamicBrokerConfigStore;
import dev.brook.broker.config.ListenerSettings;
import dev.brook.broker.security.TlsContext;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This broker's dynamic configs: the keys an operator changes at runtime with IncrementalAlterConfigs
 * (or AlterConfigs) on the BROKER resource, as with Kafka's {@code kafka-configs --entity-type brokers
 * --entity-name <id> --alter}. What Brook makes dynamic is what a certificate rotation needs: a TLS
 * listener's key store and trust store ({@link #DYNAMIC_SSL_KEYS}), with the listener prefix ({@code
 * listener.name.<listener>.ssl.keystore.location}, as Kafka requires for them). Any other key is
 * refused, naming it.
 *
 * <p>A change is validated before anything is swapped: the listener's new TLS context must build
 * (the store loads with its password, holds a key entry) and keep the certificates' subject DN and
 * alternative names ({@link TlsContext#incompatibility}, unless {@code ssl.allow.dn.changes} /
 * {@code ssl.allow.san.changes}); then it is made durable ({@link DynamicBrokerConfigStore}), then
 * the listener's context is replaced. Connections accepted from then on use the new certificate;
 * those already open keep the engine they have. A refused change leaves everything as it was.
 *
 * <p>Precedence, as Kafka's: a dynamic value over server.properties. At startup {@link #effective()}
 * is server.properties with the stored dynamic configs on top. Changes are serialized on this
 * object (callers: the config admin's thread); readers see the last published map.
 */
public final class DynamicBrokerConfigs {
  private static final Logger log = LoggerFactory.getLogger(DynamicBrokerConfigs.class);

  /** The per-listener keys that may change at runtime (Kafka's reconfigurable SSL keys). */
  public static final Set<String> DYNAMIC_SSL_KEYS = Set.of(
      "ssl.keystore.type", "ssl.keystore.location", "ssl.keystore.password", "ssl.key.password",
      "ssl.keystore.certificate.chain", "ssl.keystore.key",
      "ssl.truststore.type", "ssl.truststore.location", "ssl.truststore.password", "ssl.truststore.certificates");

  /** A resource's outcome: NONE, or an error with its message. */
  public record Outcome(Errors error, String message) {
    public static final Outcome OK = new Outcome(Errors.NONE, null);

    public boolean isOk() {
      return error == Errors.NONE;
    }
  }

  private final BrokerConfig staticConfig;
  private final DynamicBrokerConfigStore store;
  private final String where;
  /** TLS listeners (by name) to the context in force. */
  private final Map<String, AtomicReference<TlsContext>> tls = new ConcurrentHashMap<>();
  private volatile Map<String, String> current;
  private volatile BrokerConfig effective;

  private DynamicBrokerConfigs(BrokerConfig staticConfig, DynamicBrokerConfigStore store, String where,
      Map<String, String> current) {
    this.staticConfig = staticConfig;
    this.store = store;
    this.where = where;
    this.current = Map.copyOf(current);
    this.effective = merge(staticConfig, current);
  }

  /**
   * Reads the stored dynamic configs. A stored key that is not dynamic, or a bad value, fails the
   * start naming the key and where it is stored ({@code where}).
   */
  public static DynamicBrokerConfigs open(BrokerConfig config, DynamicBrokerConfigStore store, String where)
      throws IOException {
    Map<String, String> stored = store.load();
    for (String key : stored.keySet()) {
      Optional<String> problem = notDynamic(config, key);
      if (problem.isPresent()) throw new ConfigException(key, problem.get() + " (a dynamic config stored in " + where + ")");
    }
    try {
      return new DynamicBrokerConfigs(config, store, where, stored);
    } catch (ConfigException e) {
      throw new ConfigException(e.key(), e.getMessage() + " (a dynamic config stored in " + where + ")");
    }
  }

  /** Dynamic configs kept in memory only (tests and handlers wired without a broker). */
  public static DynamicBrokerConfigs inMemory(BrokerConfig config) {
    DynamicBrokerConfigStore memory = new DynamicBrokerConfigStore() {
      private volatile Map<String, String> configs = Map.of();

      @Override
      public Map<String, String> load() {
        return configs;
      }

      @Override
      public void store(Map<String, String> next) {
        configs = Map.copyOf(next);
      }
    };
    return new DynamicBrokerConfigs(config, memory, "memory", Map.of());
  }

  /** server.properties with the dynamic configs on top: what listeners are built from. */
  public BrokerConfig effective() {
    return effective;
  }

  /** The dynamic configs in force, by full key name. */
  public Map<String, String> current() {
    return current;
  }

  /**
   * Registers a TLS listener's initial context and returns what its connections read it from: the
   * context in force, replaced by {@link #alter}.
   */
  public Supplier<TlsContext> register(String listenerName, TlsContext initial) {
    AtomicReference<TlsContext> ref = new AtomicReference<>(initial);
    tls.put(listenerName, ref);
    return ref::get;
  }

  /**
   * Changes the dynamic configs of BROKER resource {@code resourceName} ("" is the cluster default,
   * which cannot hold per-listener TLS keys, as in Kafka): {@code change} maps the current configs to
   * the next (it may throw to refuse); {@code keys} are the keys the request names.
   */
  public synchronized Outcome alter(String resourceName, List<String> keys,
      UnaryOperator<Map<String, String>> change, boolean validateOnly) {
    if (keys.isEmpty()) return Outcome.OK;
    if (resourceName.isEmpty()) {
      return invalid("Cannot update these configs at default cluster level, broker id must be specified: " + keys);
    }
    List<String> notDynamic = new ArrayList<>();
    List<String> needPrefix = new ArrayList<>();
    for (String key : keys) {
      Optional<String> problem = notDynamic(staticConfig, key);
      if (problem.isEmpty()) continue;
      if (DYNAMIC_SSL_KEYS.contains(key)) needPrefix.add(key);
      else notDynamic.add(key + (problem.get().startsWith("listener") ? " (" + problem.get() + ")" : ""));
    }
    if (!needPrefix.isEmpty()) {
      return invalid("These security configs can be dynamically updated only per-listener using the listener prefix: " + needPrefix);
    }
    if (!notDynamic.isEmpty()) {
      return invalid("Cannot update these configs dynamically: " + notDynamic
          + " (Brook's dynamic broker configs are the per-listener " + new TreeSet<>(DYNAMIC_SSL_KEYS) + ")");
    }
    Map<String, String> next = new TreeMap<>(change.apply(new TreeMap<>(current)));
    BrokerConfig nextEffective;
    Map<String, TlsContext> replaced = new LinkedHashMap<>();
    String resource = "ConfigResource(type=BROKER, name='" + resourceName + "')";
    try {
      nextEffective = merge(staticConfig, next);
      for (Map.Entry<String, AtomicReference<TlsContext>> l : tls.entrySet()) {
        String prefix = BrokerConfigKeys.LISTENER_PREFIX + l.getKey().toLowerCase(Locale.ROOT) + ".";
        if (sameUnder(prefix, current, next)) continue;
        ListenerSettings settings = new ListenerSettings(nextEffective, l.getKey());
        TlsContext fresh = TlsContext.create(settings, true);
        Optional<String> why = l.getValue().get().incompatibility(fresh,
            (Boolean) settings.get("ssl.allow.dn.changes"), (Boolean) settings.get("ssl.allow.san.changes"));
        if (why.isPresent()) {
          return invalid("Invalid config value for resource " + resource
              + ": Validation of dynamic config update of the TLS context of listener " + l.getKey() + " failed: " + why.get());
        }
        replaced.put(l.getKey(), fresh);
      }
    } catch (ConfigException e) {
      return invalid("Invalid config value for resource " + resource + ": " + e.getMessage());
    }
    if (validateOnly) return Outcome.OK;
    try {
      store.store(next);
    } catch (IOException e) {
      log.error("cannot store dynamic broker configs in {}; nothing changed", where, e);
      return new Outcome(Errors.UNKNOWN_SERVER_ERROR, "cannot store the dynamic configs in " + where + ": " + e.getMessage());
    }
    current = Map.copyOf(next);
    effective = nextEffective;
    replaced.forEach((listener, context) -> {
      tls.get(listener).set(context);
      log.info("listener {}: new TLS context in force for new connections (certificates {})", listener,
          context.certificates().stream().map(c -> c.getSubjectX500Principal() + " serial " + c.getSerialNumber().toString(16)).toList());
    });
    return Outcome.OK;
  }

  /** Why {@code key} cannot be a dynamic config of this broker, or empty when it can. */
  private static Optional<String> notDynamic(BrokerConfig config, String key) {
    if (!key.startsWith(BrokerConfigKeys.LISTENER_PREFIX)) return Optional.of("not a dynamic config");
    int dot = key.indexOf('.', BrokerConfigKeys.LISTENER_PREFIX.length());
    if (dot < 0 || !DYNAMIC_SSL_KEYS.contains(key.substring(dot + 1))) return Optional.of("not a dynamic config");
    String name = key.substring(BrokerConfigKeys.LISTENER_PREFIX.length(), dot);
    Optional<String> listener = config.listenerConfig().listeners().stream().map(l -> l.name())
        .filter(n -> n.equalsIgnoreCase(name)).findFirst();
    if (listener.isEmpty()) return Optional.of("listener " + name + " is not one of this broker's listeners");
    SecurityProtocol p = config.listenerConfig().protocol(listener.get());
    if (p != SecurityProtocol.SSL && p != SecurityProtocol.SASL_SSL) {
      return Optional.of("listener " + listener.get() + " uses " + p + ", without TLS");
    }
    return Optional.empty();
  }

  private static boolean sameUnder(String prefix, Map<String, String> a, Map<String, String> b) {
    for (String k : a.keySet()) if (k.startsWith(prefix) && !Objects.equals(a.get(k), b.get(k))) return false;
    for (String k : b.keySet()) if (k.startsWith(prefix) && !Objects.equals(a.get(k), b.get(k))) return false;
    return true;
  }

  private static BrokerConfig merge(BrokerConfig staticConfig, Map<String, String> dynamic) {
    if (dynamic.isEmpty()) return staticConfig;
    Map<String, String> all = new LinkedHashMap<>(staticConfig.explicitSettings());
    all.putAll(dynamic);
    return BrokerConfig.of(all);
  }

  private static Outcome invalid(String message) {
    return new Outcome(Errors.INVALID_REQUEST, message);
  }
}
