package dev.brook.broker.config;

import java.util.List;
import java.util.Locale;

/**
 * The security settings of one listener as Kafka resolves them: {@code listener.name.<listener>.<key>}
 * (listener name in lower case) wins over the plain {@code <key>}; the SASL JAAS config is looked up
 * per listener and mechanism ({@code listener.name.<listener>.<mechanism>.sasl.jaas.config}), then
 * as the plain {@code sasl.jaas.config}; a mechanism's callback-handler settings may also be given as
 * {@code listener.name.<listener>.<mechanism>.<key>}. Immutable; every value is checked as its plain key is.
 */
public final class ListenerSettings {
  private final BrokerConfig config;
  private final String listenerName;
  private final String prefix;

  public ListenerSettings(BrokerConfig config, String listenerName) {
    this.config = config;
    this.listenerName = listenerName;
    this.prefix = BrokerConfigKeys.LISTENER_PREFIX + listenerName.toLowerCase(Locale.ROOT) + ".";
  }

  public String listenerName() {
    return listenerName;
  }

  /** The key as given, for error messages: the listener-prefixed one when it is set. */
  public String keyName(String key) {
    return config.explicitSettings().containsKey(prefix + key) ? prefix + key : key;
  }

  public Object get(String key) {
    String override = config.explicitSettings().get(prefix + key);
    if (override != null) return BrokerConfigKeys.get(key).parse(override);
    return config.get(key);
  }

  public String getString(String key) {
    return (String) get(key);
  }

  @SuppressWarnings("unchecked")
  public List<String> getList(String key) {
    Object v = get(key);
    return v == null ? List.of() : (List<String>) v;
  }

  public long getLong(String key) {
    return (Long) get(key);
  }

  public int getInt(String key) {
    return (Integer) get(key);
  }

  /**
   * A setting of {@code mechanism} on this listener: {@code listener.name.<l>.<mechanism>.<key>}
   * (mechanism in lower case), then as {@link #get} resolves it. Kafka hands these to the mechanism's
   * callback handlers.
   */
  public Object getForMechanism(String mechanism, String key) {
    String name = mechanismPrefix(mechanism) + key;
    String override = config.explicitSettings().get(name);
    if (override == null) return get(key);
    try {
      return BrokerConfigKeys.get(key).parse(override);
    } catch (ConfigException e) {
      throw new ConfigException(name, e.getMessage().substring(e.key().length() + 2)); // named as given
    }
  }

  /** The key {@link #getForMechanism} read, for error messages. */
  public String mechanismKeyName(String mechanism, String key) {
    String k = mechanismPrefix(mechanism) + key;
    return config.explicitSettings().containsKey(k) ? k : keyName(key);
  }

  private String mechanismPrefix(String mechanism) {
    return prefix + mechanism.toLowerCase(Locale.ROOT) + ".";
  }

  /** The JAAS config of {@code mechanism} on this listener, or null. */
  public String jaasConfig(String mechanism) {
    String k = prefix + mechanism.toLowerCase(Locale.ROOT) + ".sasl.jaas.config";
    String v = config.explicitSettings().get(k);
    return v != null ? v.trim() : getString("sasl.jaas.config");
  }

  /** The key name {@link #jaasConfig} read, for error messages. */
  public String jaasKeyName(String mechanism) {
    String k = prefix + mechanism.toLowerCase(Locale.ROOT) + ".sasl.jaas.config";
    return config.explicitSettings().containsKey(k) ? k : keyName("sasl.jaas.config");
  }
}
