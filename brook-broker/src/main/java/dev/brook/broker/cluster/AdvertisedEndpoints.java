package dev.brook.broker.cluster;

import dev.brook.broker.config.Listener;
import dev.brook.broker.config.ListenerConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * This broker's endpoints as clients and other brokers are told them, one per listener:
 * {@code advertised.listeners} where given, else the listener as bound (its real port) with a
 * wildcard host replaced by this machine's name. Resolved once, when the listeners have bound: the
 * name lookup must never run per request on a network thread. Immutable.
 *
 * @param byName every listener's advertised endpoint, by listener name
 * @param interBroker the listener other brokers connect to
 */
public record AdvertisedEndpoints(Map<String, Listener> byName, String interBroker) {

  public AdvertisedEndpoints {
    byName = Map.copyOf(byName);
    if (!byName.containsKey(interBroker)) throw new IllegalArgumentException("no listener " + interBroker);
  }

  /** Before the listeners bind: what the configuration says (ports may still be 0). */
  public static AdvertisedEndpoints configured(ListenerConfig config) {
    return resolve(config, config.listeners());
  }

  /** Once the listeners have bound: {@code bound} in configuration order, with their real ports. */
  public static AdvertisedEndpoints resolve(ListenerConfig config, List<Listener> bound) {
    Map<String, Listener> out = new LinkedHashMap<>();
    String localName = null;
    for (Listener l : bound) {
      Listener adv = config.advertised().get(l.name());
      if (adv == null) {
        String host = l.host();
        if (host.isEmpty() || host.equals("0.0.0.0") || host.equals("::")) {
          if (localName == null) localName = localHostName();
          host = localName;
        }
        adv = new Listener(l.name(), host, l.port());
      }
      out.put(l.name(), adv);
    }
    return new AdvertisedEndpoints(out, config.interBroker());
  }

  private static String localHostName() {
    try {
      return InetAddress.getLocalHost().getCanonicalHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }

  /** The endpoint a client that came in on {@code listenerName} is told (the inter-broker one if unknown). */
  public Listener on(String listenerName) {
    Listener l = listenerName == null ? null : byName.get(listenerName);
    return l != null ? l : interBrokerListener();
  }

  public Listener interBrokerListener() {
    return byName.get(interBroker);
  }

  /** This broker as it registers: its inter-broker endpoint, and every listener's. */
  public BrokerEndpoint asBroker(int id, String rack) {
    Listener ib = interBrokerListener();
    return new BrokerEndpoint(id, ib.host(), ib.port(), rack, byName);
  }
}
