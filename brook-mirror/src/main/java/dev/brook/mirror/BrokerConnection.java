package dev.brook.mirror;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.RequestUtils;
import org.apache.kafka.common.requests.ResponseHeader;

/**
 * A blocking PLAINTEXT Kafka-protocol connection to one broker, for {@link BatchPath}: requests and
 * responses in kafka-clients' generated message classes, several requests may be in flight (a broker
 * answers one connection's requests in order), responses are read oldest first. Used by one thread.
 */
final class BrokerConnection implements AutoCloseable {
  private static final int MAX_RESPONSE_BYTES = 512 * 1024 * 1024;

  private record InFlight(int correlationId, ApiKeys key, short version) {}

  private final Node node;
  private final Socket socket;
  private final DataOutputStream out;
  private final DataInputStream in;
  private final String clientId;
  private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
  private int correlation;

  BrokerConnection(Node node, String clientId, int timeoutMs) throws IOException {
    this.node = node;
    this.clientId = clientId;
    socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress(node.host(), node.port()), timeoutMs);
      socket.setSoTimeout(timeoutMs);
      out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 64 * 1024));
      in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 256 * 1024));
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  Node node() {
    return node;
  }

  /** Requests sent whose responses were not read yet. */
  int inFlight() {
    return inFlight.size();
  }

  /** Sends {@code body} as {@code key} version {@code version}; its response comes from a later {@link #receive}. */
  void send(ApiKeys key, short version, ApiMessage body) throws IOException {
    int id = ++correlation;
    RequestHeader header = new RequestHeader(key, version, clientId, id);
    ByteBuffer buf = RequestUtils.serialize(header.data(), header.headerVersion(), body, version);
    out.writeInt(buf.remaining());
    out.write(buf.array(), buf.arrayOffset() + buf.position(), buf.remaining());
    out.flush();
    inFlight.addLast(new InFlight(id, key, version));
  }

  /** The response to the oldest request in flight (its records, if any, are slices of one fresh buffer). */
  ApiMessage receive() throws IOException {
    InFlight next = inFlight.pollFirst();
    if (next == null) throw new IllegalStateException("nothing in flight to " + node);
    int size = in.readInt();
    if (size < 0 || size > MAX_RESPONSE_BYTES) throw new IOException("bad response size " + size + " from " + node);
    byte[] frame = new byte[size];
    in.readFully(frame);
    ByteBuffer b = ByteBuffer.wrap(frame);
    ResponseHeader rh = ResponseHeader.parse(b, next.key().responseHeaderVersion(next.version()));
    if (rh.correlationId() != next.correlationId()) {
      throw new IOException("correlation id " + rh.correlationId() + " from " + node + ", expected " + next.correlationId());
    }
    return AbstractResponse.parseResponse(next.key(), new ByteBufferAccessor(b), next.version()).data();
  }

  /** Sends and waits for the answer; only with nothing else in flight. */
  ApiMessage call(ApiKeys key, short version, ApiMessage body) throws IOException {
    if (!inFlight.isEmpty()) throw new IllegalStateException(inFlight.size() + " requests in flight to " + node);
    send(key, version, body);
    return receive();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing a socket we are done with: nothing to do about it
    }
  }
}
