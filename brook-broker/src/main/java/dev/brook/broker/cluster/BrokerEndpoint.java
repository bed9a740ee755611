package dev.brook.broker.cluster;

import dev.brook.broker.config.Listener;
import java.util.Map;

/**
 * A live broker and its advertised endpoints (from its ephemeral registration znode {@code
 * /brokers/ids/<id>}). {@code host} and {@code port} are its inter-broker listener's, which other
 * brokers connect to; {@code listeners} holds every advertised listener by name, so that a client is
 * told the addresses of the listener it came in on ({@link #on}). {@code rack} is null when the
 * broker has none. Immutable.
 */
public record BrokerEndpoint(int id, String host, int port, String rack, Map<String, Listener> listeners) {

  public BrokerEndpoint {
    listeners = Map.copyOf(listeners);
  }

  /** A broker with one endpoint for every listener name. */
  public BrokerEndpoint(int id, String host, int port, String rack) {
    this(id, host, port, rack, Map.of());
  }

  /**
   * This broker as seen through listener {@code listenerName}: its host and port there. A broker
   * that registered no such listener keeps its inter-broker endpoint (brokers are configured alike;
   * Kafka leaves such a broker out of the answer, which strands clients during a rolling change).
   */
  public BrokerEndpoint on(String listenerName) {
    Listener l = listenerName == null ? null : listeners.get(listenerName);
    if (l == null || (l.host().equals(host) && l.port() == port)) return this;
    return new BrokerEndpoint(id, l.host(), l.port(), rack, listeners);
  }
}
