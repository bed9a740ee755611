package dev.brook.broker.network;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;

/** A blocking Kafka-protocol client over one socket, for tests that need to send exact bytes. */
public final class RawClient implements AutoCloseable {
  private final Socket socket;
  private final DataOutputStream out;
  private final DataInputStream in;
  private int correlation;

  public RawClient(String host, int port) throws IOException {
    socket = new Socket();
    socket.connect(new InetSocketAddress(host, port), 5000);
    socket.setSoTimeout(10_000);
    out = new DataOutputStream(socket.getOutputStream());
    in = new DataInputStream(socket.getInputStream());
  }

  /** Sends a request and returns the correlation id used. */
  public int send(AbstractRequest request) throws IOException {
    int id = ++correlation;
    RequestHeader header = new RequestHeader(request.apiKey(), request.version(), "raw-client", id);
    ByteBuffer buf = request.serializeWithHeader(header);
    out.writeInt(buf.remaining());
    out.write(buf.array(), buf.arrayOffset() + buf.position(), buf.remaining());
    out.flush();
    return id;
  }

  public void sendBytes(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** Reads one response frame; returns its body after checking the correlation id. */
  public AbstractResponse receive(ApiKeys key, short version, int expectedCorrelation) throws IOException {
    ByteBuffer frame = readFrame();
    ResponseHeader header = ResponseHeader.parse(frame, key.responseHeaderVersion(version));
    if (header.correlationId() != expectedCorrelation) {
      throw new IOException("correlation " + header.correlationId() + " != " + expectedCorrelation);
    }
    return AbstractResponse.parseResponse(key, new org.apache.kafka.common.protocol.ByteBufferAccessor(frame), version);
  }

  public ByteBuffer readFrame() throws IOException {
    int size = in.readInt();
    byte[] b = new byte[size];
    in.readFully(b);
    return ByteBuffer.wrap(b);
  }

  /** True if the broker closed the connection (read returns EOF) within the socket timeout. */
  public boolean isClosedByPeer() {
    try {
      return in.read() == -1;
    } catch (java.net.SocketTimeoutException e) {
      return false; // still open: a timeout is not a close
    } catch (IOException e) {
      return true; // reset by peer
    }
  }

  public <R extends AbstractResponse> R call(AbstractRequest request, Class<R> type) throws IOException {
    int id = send(request);
    return type.cast(receive(request.apiKey(), request.version(), id));
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
