package dev.brook.broker.replica;

import dev.brook.broker.cluster.BrokerEndpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * How this broker opens a connection to another broker's inter-broker listener: a plain socket, or
 * a TLS socket (handshake done), then, on a SASL listener, the SASL exchange as the broker's own
 * user. Implementations are immutable and thread-safe; the calls block (fetcher and marker threads).
 */
public interface BrokerConnector {
  /** PLAINTEXT: a plain socket, no authentication. */
  BrokerConnector PLAINTEXT = new BrokerConnector() {
    @Override
    public Socket connect(BrokerEndpoint broker, int connectTimeoutMs) throws IOException {
      Socket s = new Socket();
      try {
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress(broker.host(), broker.port()), connectTimeoutMs);
        return s;
      } catch (IOException e) {
        s.close();
        throw e;
      }
    }

    @Override
    public void authenticate(ReplicaClient client) {}
  };

  Socket connect(BrokerEndpoint broker, int connectTimeoutMs) throws IOException;

  /** Runs the SASL exchange on a new connection, if the listener needs one; throws when refused. */
  void authenticate(ReplicaClient client) throws IOException;
}
