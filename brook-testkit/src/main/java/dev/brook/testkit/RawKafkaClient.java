package dev.brook.testkit;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.Set;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;

/**
 * A blocking Kafka-protocol connection for tests that need exact bytes on the wire (malformed
 * frames, unknown API keys, unsupported versions). One socket, one thread; not thread-safe.
 */
public final class RawKafkaClient implements AutoCloseable {
  private final Socket socket;
  private final DataOutputStream out;
  private final DataInputStream in;
  private int correlation;

  public RawKafkaClient(String host, int port) throws IOException {
    socket = new Socket();
    socket.connect(new InetSocketAddress(host, port), 5_000);
    socket.setSoTimeout(10_000);
    out = new DataOutputStream(socket.getOutputStream());
    in = new DataInputStream(socket.getInputStream());
  }

  /** Connects to a {@code host:port} bootstrap string. */
  public static RawKafkaClient connect(String bootstrap) throws IOException {
    int colon = bootstrap.lastIndexOf(':');
    return new RawKafkaClient(bootstrap.substring(0, colon), Integer.parseInt(bootstrap.substring(colon + 1)));
  }

  /** Sends a well-formed request at its own version; returns the correlation id. */
  public int send(AbstractRequest request) throws IOException {
    int id = ++correlation;
    RequestHeader header = new RequestHeader(request.apiKey(), request.version(), "raw-client", id);
    ByteBuffer buf = request.serializeWithHeader(header);
    out.writeInt(buf.remaining());
    out.write(buf.array(), buf.arrayOffset() + buf.position(), buf.remaining());
    out.flush();
    return id;
  }

  /** Writes raw bytes, no size prefix added. */
  public void sendBytes(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** Writes {@code body} as one size-prefixed frame. */
  public void sendFrame(byte[] body) throws IOException {
    out.writeInt(body.length);
    out.write(body);
    out.flush();
  }

  /** Reads one response frame whole. */
  public ByteBuffer readFrame() throws IOException {
    int size = in.readInt();
    byte[] b = new byte[size];
    in.readFully(b);
    return ByteBuffer.wrap(b);
  }

  /** Reads one response and parses it, checking the correlation id. */
  public AbstractResponse receive(ApiKeys key, short version, int expectedCorrelation) throws IOException {
    ByteBuffer frame = readFrame();
    ResponseHeader header = ResponseHeader.parse(frame, key.responseHeaderVersion(version));
    if (header.correlationId() != expectedCorrelation) {
      throw new IOException("correlation id " + header.correlationId() + ", expected " + expectedCorrelation);
    }
    return AbstractResponse.parseResponse(key, new ByteBufferAccessor(frame), version);
  }

  public <R extends AbstractResponse> R call(AbstractRequest request, Class<R> type) throws IOException {
    int id = send(request);
    return type.cast(receive(request.apiKey(), request.version(), id));
  }

  /** The API keys the broker advertises in ApiVersions. */
  public Set<ApiKeys> supportedApis() throws IOException {
    ApiVersionsRequest req = new ApiVersionsRequest.Builder(new ApiVersionsRequestData()
        .setClientSoftwareName("brook-testkit").setClientSoftwareVersion("1"), (short) 3, (short) 3).build();
    ApiVersionsResponse resp = call(req, ApiVersionsResponse.class);
    Set<ApiKeys> keys = EnumSet.noneOf(ApiKeys.class);
    for (ApiVersionsResponseData.ApiVersion v : resp.data().apiKeys()) {
      if (ApiKeys.hasId(v.apiKey())) keys.add(ApiKeys.forId(v.apiKey()));
    }
    return keys;
  }

  /**
   * True if the broker closed the connection: a read returns end of stream (or the connection is
   * reset) before the socket timeout. False if the connection is still open and silent.
   */
  public boolean isClosedByPeer() {
    try {
      return in.read() == -1;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  public void setReadTimeout(int millis) throws IOException {
    socket.setSoTimeout(millis);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /** The APIs {@code bootstrap} advertises, over a short-lived connection. */
  public static Set<ApiKeys> supportedApis(String bootstrap) throws IOException {
    try (RawKafkaClient c = connect(bootstrap)) {
      return c.supportedApis();
    }
  }
}
