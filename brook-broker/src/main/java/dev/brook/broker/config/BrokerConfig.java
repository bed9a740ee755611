package dev.brook.broker.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The broker's configuration: Kafka key names from a {@code server.properties} file plus {@code
 * --override k=v}, each checked against {@link BrokerConfigKeys}. Immutable. An unknown key or a
 * bad value throws {@link ConfigException} naming the key.
 */
public final class BrokerConfig {
  private final Map<String, String> explicit;
  private final Map<String, Object> values;
  private ListenerConfig listenerConfig;

  private BrokerConfig(Map<String, String> explicit) {
    this.explicit = Collections.unmodifiableMap(new LinkedHashMap<>(explicit));
    Map<String, Object> v = new LinkedHashMap<>();
    for (ConfigKey key : BrokerConfigKeys.all().values()) {
      String raw = explicit.getOrDefault(key.name(), key.defaultValue());
      v.put(key.name(), raw == null ? null : key.parse(raw));
    }
    this.values = v;
    validateTogether();
  }

  /** Parses explicit settings (file and overrides already merged). */
  public static BrokerConfig of(Map<String, String> settings) {
    for (String k : settings.keySet()) {
      if (BrokerConfigKeys.get(k) == null && !BrokerConfigKeys.isListenerOverride(k)) {
        throw new ConfigException(k, "unknown configuration key");
      }
    }
    return new BrokerConfig(settings);
  }

  /** Reads {@code file} (may be null), then applies {@code overrides} ("key=value" each). */
  public static BrokerConfig load(Path file, List<String> overrides) {
    Map<String, String> settings = new LinkedHashMap<>();
    if (file != null) {
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(file)) {
        p.load(r);
      } catch (IOException e) {
        throw new ConfigException("--config", "cannot read " + file + ": " + e.getMessage());
      }
      for (String name : p.stringPropertyNames()) {
        settings.put(name, p.getProperty(name));
      }
    }
    for (String o : overrides) {
      int eq = o.indexOf('=');
      if (eq <= 0) {
        throw new ConfigException("--override", "expected key=value, got '" + o + "'");
      }
      settings.put(o.substring(0, eq).trim(), o.substring(eq + 1).trim());
    }
    return of(settings);
  }

  private void validateTogether() {
    listenerConfig = ListenerConfig.parse(listeners(), getList("listener.security.protocol.map"),
        getList("advertised.listeners"), getString("inter.broker.listener.name"));
    List<Path> dirs = logDirs();
    if (dirs.stream().map(d -> d.toAbsolutePath().normalize()).distinct().count() != dirs.size()) {
      throw new ConfigException("log.dirs", "lists a directory twice: " + dirs);
    }
    if (getInt("message.max.bytes") > getInt("socket.request.max.bytes")) {
      throw new ConfigException("message.max.bytes", "must not exceed socket.request.max.bytes");
    }
    long idleMs = getLong("connections.max.idle.ms");
    if (idleMs >= 0 && getInt("connection.failed.authentication.delay.ms") >= idleMs) {
      // As Kafka: the refusal's answer would otherwise wait longer than the connection may idle.
      throw new ConfigException("connection.failed.authentication.delay.ms",
          "must be less than connections.max.idle.ms (" + idleMs + ")");
    }
  }

  /** The settings given explicitly (file and overrides), as text. */
  public Map<String, String> explicitSettings() {
    return explicit;
  }

  public boolean isExplicit(String key) {
    return explicit.containsKey(key);
  }

  public Object get(String key) {
    if (!values.containsKey(key)) {
      throw new IllegalArgumentException("not a broker config key: " + key);
    }
    return values.get(key);
  }

  public int getInt(String key) {
    return (Integer) get(key);
  }

  public long getLong(String key) {
    return (Long) get(key);
  }

  public boolean getBoolean(String key) {
    return (Boolean) get(key);
  }

  public double getDouble(String key) {
    return (Double) get(key);
  }

  public String getString(String key) {
    return (String) get(key);
  }

  @SuppressWarnings("unchecked")
  public List<String> getList(String key) {
    Object v = get(key);
    return v == null ? List.of() : (List<String>) v;
  }

  public int nodeId() {
    Object brokerId = get("broker.id");
    return brokerId != null ? (Integer) brokerId : getInt("node.id");
  }

  public List<String> listeners() {
    return getList("listeners");
  }

  /** Every listener with its security protocol and advertised endpoint, validated at startup. */
  public ListenerConfig listenerConfig() {
    return listenerConfig;
  }

  /** The first log directory: it also holds the broker's own files (metadata, producer ids). */
  public Path logDir() {
    return logDirs().get(0);
  }

  /** Every log directory: {@code log.dirs}, else {@code log.dir} (as Kafka resolves them). */
  public List<Path> logDirs() {
    List<String> dirs = getList("log.dirs");
    if (dirs.isEmpty()) return List.of(Path.of(getString("log.dir")));
    return dirs.stream().map(d -> Path.of(d.trim())).toList();
  }

  public boolean clusterMode() {
    return get("zookeeper.connect") != null;
  }

  /** retention.ms default from log.retention.ms / minutes / hours, as Kafka resolves them. */
  public long logRetentionMs() {
    if (get("log.retention.ms") != null) return getLong("log.retention.ms");
    if (get("log.retention.minutes") != null) return getInt("log.retention.minutes") * 60_000L;
    int hours = getInt("log.retention.hours");
    return hours < 0 ? -1 : hours * 3_600_000L;
  }

  /** segment.ms default from log.roll.ms / log.roll.hours. */
  public long logRollMs() {
    if (get("log.roll.ms") != null) return getLong("log.roll.ms");
    return getInt("log.roll.hours") * 3_600_000L;
  }

  /** flush.ms default. */
  public long logFlushIntervalMs() {
    Object ms = get("log.flush.interval.ms");
    return ms == null ? Long.MAX_VALUE : (Long) ms;
  }
}
