package dev.brook.broker.replica;

import dev.brook.broker.cluster.BrokerEndpoint;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;

/**
 * A blocking Kafka-protocol connection from one broker to another (a follower to its leader, a
 * transaction coordinator to a partition leader): one request in flight at a
 * time, requests and responses in kafka-clients' generated classes. Used by one thread only (a {@link
 * ReplicaFetcher}, the coordinator's marker sender); reconnects are the caller's (close and open a new one).
 * What the inter-broker listener needs (TLS, SASL) is the {@link BrokerConnector}'s.
 */
public final class ReplicaClient implements AutoCloseable {
  private final Socket socket;
  private final DataOutputStream out;
  private final DataInputStream in;
  private final String clientId;
  private int correlation;

  public ReplicaClient(BrokerEndpoint leader, String clientId, int connectTimeoutMs, int readTimeoutMs) throws IOException {
    this(leader, clientId, connectTimeoutMs, readTimeoutMs, BrokerConnector.PLAINTEXT);
  }

  /** Connects through {@code connector} (TLS, SASL as the inter-broker listener needs) to {@code leader}. */
  public ReplicaClient(BrokerEndpoint leader, String clientId, int connectTimeoutMs, int readTimeoutMs,
      BrokerConnector connector) throws IOException {
    this.clientId = clientId;
    socket = connector.connect(leader, connectTimeoutMs);
    try {
      socket.setSoTimeout(readTimeoutMs);
      out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 64 * 1024));
      in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
      connector.authenticate(this);
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  /** Sends {@code request} and waits for its response. */
  public AbstractResponse call(AbstractRequest request) throws IOException {
    int id = ++correlation;
    RequestHeader header = new RequestHeader(request.apiKey(), request.version(), clientId, id);
    ByteBuffer buf = request.serializeWithHeader(header);
    out.writeInt(buf.remaining());
    out.write(buf.array(), buf.arrayOffset() + buf.position(), buf.remaining());
    out.flush();
    int size = in.readInt();
    if (size < 0 || size > 256 * 1024 * 1024) throw new IOException("bad response size " + size);
    byte[] frame = new byte[size];
    in.readFully(frame);
    ByteBuffer b = ByteBuffer.wrap(frame);
    ResponseHeader rh = ResponseHeader.parse(b, request.apiKey().responseHeaderVersion(request.version()));
    if (rh.correlationId() != id) throw new IOException("correlation id " + rh.correlationId() + " != " + id);
    return AbstractResponse.parseResponse(request.apiKey(), new ByteBufferAccessor(b), request.version());
  }

  /**
   * The connection itself, authenticated and with nothing buffered (every call reads its whole
   * answer): for a caller that pipelines pre-serialized frames, as brook-bench's SASL_SSL load does.
   */
  public Socket socket() {
    return socket;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
