package dev.brook.broker.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * The broker's listeners as Kafka configures them: {@code listeners} (several, each with a unique
 * name and port), the security protocol of each ({@code listener.security.protocol.map}), what
 * clients and other brokers are told ({@code advertised.listeners}, per listener name) and the
 * listener brokers use between themselves ({@code inter.broker.listener.name}). Validated as a
 * whole at startup: every mistake names the key.
 *
 * @param listeners in configuration order
 * @param protocols every listener's security protocol, by listener name
 * @param advertised advertised endpoints, by listener name; a listener missing here advertises its
 *     bound address
 * @param interBroker the name of the listener other brokers connect to
 */
public record ListenerConfig(
    List<Listener> listeners,
    Map<String, SecurityProtocol> protocols,
    Map<String, Listener> advertised,
    String interBroker) {

  /** Kafka's default map: each protocol's own name is a listener name. */
  public static final String DEFAULT_PROTOCOL_MAP =
      "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL";

  public ListenerConfig {
    listeners = List.copyOf(listeners);
    protocols = Map.copyOf(protocols);
    advertised = Map.copyOf(advertised);
  }

  /**
   * Parses and cross-checks the four keys.
   *
   * @param interBroker {@code inter.broker.listener.name}, or null for the first listener
   */
  public static ListenerConfig parse(
      List<String> listenerTexts, List<String> protocolMap, List<String> advertisedTexts, String interBroker) {
    if (listenerTexts.isEmpty()) throw new ConfigException("listeners", "at least one listener is needed");
    Map<String, SecurityProtocol> protocols = parseProtocolMap(protocolMap);
    List<Listener> listeners = new ArrayList<>();
    Set<String> names = new java.util.HashSet<>();
    Set<Integer> ports = new java.util.HashSet<>();
    for (String text : listenerTexts) {
      Listener l = Listener.parse("listeners", text);
      if (!names.add(l.name())) throw new ConfigException("listeners", "listener name " + l.name() + " is used twice");
      if (l.port() != 0 && !ports.add(l.port())) {
        throw new ConfigException("listeners", "port " + l.port() + " is used by two listeners");
      }
      if (!protocols.containsKey(l.name())) {
        throw new ConfigException("listener.security.protocol.map",
            "has no security protocol for listener " + l.name() + " (add " + l.name() + ":PLAINTEXT or another protocol)");
      }
      listeners.add(l);
    }
    Map<String, Listener> advertised = new LinkedHashMap<>();
    for (String text : advertisedTexts) {
      Listener a = Listener.parse("advertised.listeners", text);
      if (!names.contains(a.name())) {
        throw new ConfigException("advertised.listeners", "names " + a.name() + ", which is not in listeners " + names);
      }
      if (advertised.put(a.name(), a) != null) {
        throw new ConfigException("advertised.listeners", "listener name " + a.name() + " is used twice");
      }
      if (a.port() == 0 || a.host().isEmpty() || a.host().equals("0.0.0.0") || a.host().equals("::")) {
        throw new ConfigException("advertised.listeners", "needs a concrete host and port, got " + text.trim());
      }
    }
    String inter = interBroker == null ? listeners.get(0).name() : interBroker;
    if (!names.contains(inter)) {
      throw new ConfigException("inter.broker.listener.name", inter + " is not a listener name " + names);
    }
    return new ListenerConfig(listeners, protocols, advertised, inter);
  }

  private static Map<String, SecurityProtocol> parseProtocolMap(List<String> entries) {
    Map<String, SecurityProtocol> out = new LinkedHashMap<>();
    for (String entry : entries) {
      int colon = entry.indexOf(':');
      if (colon <= 0 || colon == entry.length() - 1) {
        throw new ConfigException("listener.security.protocol.map", "expected NAME:PROTOCOL, got '" + entry + "'");
      }
      String name = entry.substring(0, colon).trim();
      String protocol = entry.substring(colon + 1).trim().toUpperCase(Locale.ROOT);
      SecurityProtocol p;
      try {
        p = SecurityProtocol.forName(protocol);
      } catch (IllegalArgumentException e) {
        throw new ConfigException("listener.security.protocol.map",
            "unknown security protocol " + protocol + " (PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL)");
      }
      if (out.put(name, p) != null) {
        throw new ConfigException("listener.security.protocol.map", "maps listener " + name + " twice");
      }
    }
    return out;
  }

  public SecurityProtocol protocol(String listenerName) {
    SecurityProtocol p = protocols.get(listenerName);
    if (p == null) throw new IllegalArgumentException("no listener " + listenerName);
    return p;
  }

  /** The listener other brokers connect to, as configured. */
  public Listener interBrokerListener() {
    return listeners.stream().filter(l -> l.name().equals(interBroker)).findFirst().orElseThrow();
  }
}
