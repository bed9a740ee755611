package dev.brook.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;

/**
 * One blocking connection that sends Kafka requests built from kafka-clients' message classes and
 * reads their answers, one request in flight: what a client costs without a client's machinery, so
 * a benchmark measures the broker. Versions are negotiated once (ApiVersions) on connect. Not
 * thread-safe: one connection per thread.
 */
final class RawConnection implements AutoCloseable {
  private static final String CLIENT_ID = "brook-bench-coordinator";

  private final Socket socket;
  private final DataOutputStream out;
  private final DataInputStream in;
  private final Map<ApiKeys, Short> maxVersions = new HashMap<>();
  private int correlationId;

  private RawConnection(Socket socket) throws IOException {
    this.socket = socket;
    this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 64 * 1024));
    this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
  }

  /** Connects and asks for the broker's versions; fails if the broker does not answer ApiVersions. */
  static RawConnection open(String host, int port, int timeoutMs) throws IOException {
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress(host, port), timeoutMs);
      s.setSoTimeout(timeoutMs);
      RawConnection c = new RawConnection(s);
      short v = (short) Math.min(3, ApiKeys.API_VERSIONS.latestVersion());
      ApiVersionsResponseData av = (ApiVersionsResponseData) c.send(ApiKeys.API_VERSIONS, v,
          new ApiVersionsRequestData().setClientSoftwareName("brook-bench").setClientSoftwareVersion("1"));
      if (av.errorCode() != Errors.NONE.code()) {
        throw new IOException("ApiVersions failed: " + Errors.forCode(av.errorCode()));
      }
      for (ApiVersionsResponseData.ApiVersion k : av.apiKeys()) {
        if (ApiKeys.hasId(k.apiKey())) {
          c.maxVersions.put(ApiKeys.forId(k.apiKey()), k.maxVersion());
        }
      }
      return c;
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  /**
   * The highest version of {@code key} both sides speak, at most {@code cap} (versions above it
   * change the request's shape, e.g. topic ids instead of names).
   */
  short version(ApiKeys key, int cap) {
    Short broker = maxVersions.get(key);
    if (broker == null) {
      throw new IllegalStateException("the broker does not advertise " + key);
    }
    return (short) Math.min(Math.min(broker, cap), key.latestVersion());
  }

  /** Sends {@code body} as {@code key} v{@code version} and returns the response body. */
  ApiMessage send(ApiKeys key, short version, ApiMessage body) throws IOException {
    RequestHeader header = new RequestHeader(key, version, CLIENT_ID, ++correlationId);
    ObjectSerializationCache cache = new ObjectSerializationCache();
    short hv = header.headerVersion();
    int size = header.data().size(cache, hv) + body.size(cache, version);
    ByteBuffer buf = ByteBuffer.allocate(4 + size);
    buf.putInt(size);
    ByteBufferAccessor acc = new ByteBufferAccessor(buf);
    header.data().write(acc, cache, hv);
    body.write(acc, cache, version);
    out.write(buf.array(), 0, buf.position());
    out.flush();
    byte[] frame = new byte[in.readInt()];
    in.readFully(frame);
    ByteBuffer rb = ByteBuffer.wrap(frame);
    ResponseHeader rh = ResponseHeader.parse(rb, key.responseHeaderVersion(version));
    if (rh.correlationId() != header.correlationId()) {
      throw new IOException("correlation id " + rh.correlationId() + ", expected " + header.correlationId());
    }
    ApiMessage response = key.messageType.newResponse();
    response.read(new ByteBufferAccessor(rb), version);
    return response;
  }

  /**
   * Asks FindCoordinator for {@code group} until it names a coordinator (the first ask also makes
   * the broker create {@code __consumer_offsets}), at most {@code timeoutMs}. A single broker is
   * its own coordinator, so the node it names is this connection's.
   */
  void awaitCoordinator(String group, long timeoutMs) throws IOException, InterruptedException {
    short v = version(ApiKeys.FIND_COORDINATOR, 6);
    FindCoordinatorRequestData req = new FindCoordinatorRequestData().setKeyType((byte) 0);
    if (v >= 4) {
      req.setCoordinatorKeys(List.of(group));
    } else {
      req.setKey(group);
    }
    long deadline = System.nanoTime() + timeoutMs * 1_000_000;
    short error;
    do {
      FindCoordinatorResponseData r = (FindCoordinatorResponseData) send(ApiKeys.FIND_COORDINATOR, v, req);
      error = v >= 4 ? r.coordinators().getFirst().errorCode() : r.errorCode();
      if (error == Errors.NONE.code()) {
        return;
      }
      Thread.sleep(20);
    } while (System.nanoTime() < deadline);
    throw new IOException("FindCoordinator for " + group + " still answers " + Errors.forCode(error));
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
