package dev.brook.broker.mirror;

import dev.brook.broker.cluster.BrokerEndpoint;
import dev.brook.broker.replica.BrokerConnector;
import dev.brook.broker.replica.ReplicaClient;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mirror manager's connections to the other brokers of its cluster (their inter-broker
 * listener, through the {@link BrokerConnector}: TLS, SASL as configured): one per broker, opened on
 * first use, dropped on any failure (the next call opens a new one). Blocking, bounded by the
 * socket timeout. Used by one thread only (the manager's thread for group offsets, the status
 * thread for mirror status): each owner has its own instance.
 */
final class PeerConnections implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PeerConnections.class);

  private final IntFunction<Optional<BrokerEndpoint>> brokers;
  private final BrokerConnector connector;
  private final String clientId;
  private final int timeoutMs;
  private final Map<Integer, ReplicaClient> open = new HashMap<>();

  PeerConnections(IntFunction<Optional<BrokerEndpoint>> brokers, BrokerConnector connector, String clientId, int timeoutMs) {
    this.brokers = brokers;
    this.connector = connector;
    this.clientId = clientId;
    this.timeoutMs = timeoutMs;
  }

  /** Sends {@code request} to broker {@code id} and waits for its answer; IOException if it is unknown or unreachable. */
  AbstractResponse call(int id, AbstractRequest request) throws IOException {
    ReplicaClient c = open.get(id);
    if (c == null) {
      BrokerEndpoint endpoint = brokers.apply(id).orElseThrow(() -> new IOException("broker " + id + " is not registered"));
      c = new ReplicaClient(endpoint, clientId, timeoutMs, timeoutMs, connector);
      open.put(id, c);
    }
    try {
      return c.call(request);
    } catch (IOException | RuntimeException e) {
      drop(id);
      throw e;
    }
  }

  private void drop(int id) {
    ReplicaClient c = open.remove(id);
    if (c == null) return;
    try {
      c.close();
    } catch (IOException e) {
      log.debug("closing the mirror connection to broker {}", id, e);
    }
  }

  @Override
  public void close() {
    for (Integer id : java.util.List.copyOf(open.keySet())) drop(id);
  }
}
