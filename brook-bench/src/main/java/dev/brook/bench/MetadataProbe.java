package dev.brook.bench;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * Asks a broker, the way every client's first connection does, "which versions do you speak?"
 * (ApiVersions) and then "who are the brokers?" (Metadata), over a plain socket. A broker is
 * <em>up</em> when the Metadata answer names at least one broker. Used to time startup, so the
 * probe polls every few milliseconds and its own classes are loaded ahead of time ({@link #warmUp}).
 * Not thread-safe; one probe at a time.
 */
final class MetadataProbe {
  private static final String CLIENT_ID = "brook-bench-probe";
  private static final int POLL_MS = 5;

  private MetadataProbe() {}

  /**
   * Polls until the broker answers Metadata with at least one broker, and returns
   * {@link ProcStats#uptimeNow()} at that moment; fails when {@code timeout} passes or
   * {@code alive} turns false (the broker process died).
   */
  static double awaitUp(String host, int port, Duration timeout, BooleanSupplier alive)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no attempt";
    while (System.nanoTime() < deadline) {
      if (!alive.getAsBoolean()) {
        throw new IllegalStateException("broker process exited before answering Metadata (" + last + ")");
      }
      try {
        if (metadataNamesABroker(host, port)) {
          return ProcStats.uptimeNow();
        }
        last = "Metadata named no broker";
      } catch (IOException | RuntimeException e) {
        last = e.toString();
      }
      Thread.sleep(POLL_MS);
    }
    throw new IllegalStateException("no Metadata answer from " + host + ":" + port + " within " + timeout + " (" + last + ")");
  }

  /** One attempt: connect, ApiVersions, Metadata. True when the answer names at least one broker. */
  static boolean metadataNamesABroker(String host, int port) throws IOException {
    try (Socket s = new Socket()) {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress(host, port), 1000);
      s.setSoTimeout(2000);
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      DataInputStream in = new DataInputStream(s.getInputStream());
      short avVersion = ApiKeys.API_VERSIONS.latestVersion();
      RequestHeader avHeader = new RequestHeader(ApiKeys.API_VERSIONS, avVersion, CLIENT_ID, 1);
      ApiVersionsResponse av = (ApiVersionsResponse) exchange(out, in, avHeader,
          new ApiVersionsRequest.Builder().build(avVersion).serializeWithHeader(avHeader));
      if (av.data().errorCode() != Errors.NONE.code()) {
        return false;
      }
      ApiVersionsResponseData.ApiVersion meta = av.data().apiKeys().find(ApiKeys.METADATA.id);
      if (meta == null) {
        return false;
      }
      short version = (short) Math.min(meta.maxVersion(), ApiKeys.METADATA.latestVersion());
      RequestHeader mHeader = new RequestHeader(ApiKeys.METADATA, version, CLIENT_ID, 2);
      MetadataResponse m = (MetadataResponse) exchange(out, in, mHeader,
          new MetadataRequest.Builder(List.of(), false).build(version).serializeWithHeader(mHeader));
      return !m.data().brokers().isEmpty();
    }
  }

  private static AbstractResponse exchange(DataOutputStream out, DataInputStream in, RequestHeader header,
      ByteBuffer request) throws IOException {
    byte[] bytes = new byte[request.remaining()];
    request.duplicate().get(bytes);
    out.writeInt(bytes.length);
    out.write(bytes);
    out.flush();
    byte[] frame = new byte[in.readInt()];
    in.readFully(frame);
    return AbstractResponse.parseResponse(ByteBuffer.wrap(frame), header);
  }

  /**
   * Loads and runs the probe's serialization code once without a broker, so the first timed attempt
   * does not pay for class loading.
   */
  static void warmUp() {
    short av = ApiKeys.API_VERSIONS.latestVersion();
    RequestHeader avHeader = new RequestHeader(ApiKeys.API_VERSIONS, av, CLIENT_ID, 1);
    new ApiVersionsRequest.Builder().build(av).serializeWithHeader(avHeader);
    AbstractResponse.parseResponse(frame(avHeader, new ApiVersionsResponseData()), avHeader);
    short mv = ApiKeys.METADATA.latestVersion();
    RequestHeader mHeader = new RequestHeader(ApiKeys.METADATA, mv, CLIENT_ID, 2);
    new MetadataRequest.Builder(List.of(), false).build(mv).serializeWithHeader(mHeader);
    AbstractResponse.parseResponse(frame(mHeader, new MetadataResponseData()), mHeader);
  }

  private static ByteBuffer frame(RequestHeader req, ApiMessage body) {
    ObjectSerializationCache cache = new ObjectSerializationCache();
    short hv = req.apiKey().responseHeaderVersion(req.apiVersion());
    ResponseHeaderData header = new ResponseHeaderData().setCorrelationId(req.correlationId());
    ByteBuffer buf = ByteBuffer.allocate(header.size(cache, hv) + body.size(cache, req.apiVersion()));
    ByteBufferAccessor acc = new ByteBufferAccessor(buf);
    header.write(acc, cache, hv);
    body.write(acc, cache, req.apiVersion());
    buf.flip();
    return buf;
  }
}
