package dev.brook.broker.network;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.brook.broker.api.ApiDispatcher;
import dev.brook.broker.api.ApiVersionsHandler;
import dev.brook.broker.security.Session;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * Fuzzes what a connection does with the bytes it is sent: frames of any size, cut anywhere, with a
 * request header of every API at every version (and beyond) followed by any body. Whatever arrives,
 * the connection answers or closes: no exception escapes the pipeline, and every byte of request
 * memory it reserved is returned once it is closed.
 *
 * <p>In the default suite this replays the corpus in {@code RequestFramesFuzzTestInputs}; {@code
 * bin/fuzz} fuzzes it (coverage-guided, Jazzer).
 */
class RequestFramesFuzzTest {
  private static final ApiKeys[] KEYS = ApiKeys.values();
  private static final ApiDispatcher DISPATCHER = dispatcher();

  /** Every API registered: ApiVersions as served, the others parsed and answered with nothing. */
  private static ApiDispatcher dispatcher() {
    ApiDispatcher d = new ApiDispatcher();
    d.register(ApiKeys.API_VERSIONS, new ApiVersionsHandler(d));
    for (ApiKeys key : KEYS) {
      if (key != ApiKeys.API_VERSIONS) d.register(key, (ctx, request) -> CompletableFuture.completedFuture(null));
    }
    return d;
  }

  @FuzzTest(maxExecutions = 1_000_000, maxDuration = "60m")
  void fuzzFrames(FuzzedDataProvider data) {
    RequestMemoryPool pool = new RequestMemoryPool(64 * 1024);
    EmbeddedChannel ch = new EmbeddedChannel();
    ReadGate gate = new ReadGate(ch);
    Session session = new Session("PLAINTEXT", SecurityProtocol.PLAINTEXT, null);
    ch.pipeline().addLast(new FrameDecoder(32 * 1024, pool, gate),
        new ConnectionHandler(DISPATCHER, 1, session, 4, pool, gate, null));
    try {
      int frames = data.consumeInt(1, 4);
      for (int i = 0; i < frames && ch.isActive(); i++) {
        byte[] frame = data.consumeBoolean() ? raw(data) : request(data);
        // Delivered in pieces, as TCP may.
        int at = 0;
        while (at < frame.length && ch.isActive()) {
          int n = Math.min(frame.length - at, data.consumeInt(1, frame.length));
          ch.writeInbound(Unpooled.wrappedBuffer(frame, at, n));
          at += n;
        }
        ch.runPendingTasks();
      }
      ch.checkException();
    } finally {
      drain(ch);
      ch.close();
      ch.runPendingTasks();
      drain(ch);
    }
    assertThat(pool.available()).as("request memory returned").isEqualTo(pool.capacity());
  }

  /** A frame with a fuzzed size and content. */
  private static byte[] raw(FuzzedDataProvider data) {
    byte[] body = data.consumeBytes(data.consumeInt(0, 40 * 1024));
    int size = data.consumeBoolean() ? body.length : data.consumeInt();
    return ByteBufs.prefixed(size, body);
  }

  /** A frame with a well-formed header of some API and version, and a fuzzed body. */
  private static byte[] request(FuzzedDataProvider data) {
    ApiKeys key = KEYS[data.consumeInt(0, KEYS.length - 1)];
    short version = (short) data.consumeInt(key.oldestVersion() - 1, key.latestVersion() + 1);
    boolean flexible = version >= key.oldestVersion() && version <= key.latestVersion()
        && key.requestHeaderVersion(version) >= 2;
    ByteBuf b = Unpooled.buffer();
    b.writeShort(key.id).writeShort(version).writeInt(data.consumeInt());
    String clientId = data.consumeString(20);
    byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
    b.writeShort(id.length).writeBytes(id);
    if (flexible) b.writeByte(0); // no tagged fields in the header
    b.writeBytes(data.consumeRemainingAsBytes());
    byte[] body = new byte[b.readableBytes()];
    b.readBytes(body);
    return ByteBufs.prefixed(body.length, body);
  }

  private static void drain(EmbeddedChannel ch) {
    Object out;
    while ((out = ch.readOutbound()) != null) ReferenceCountUtil.release(out);
  }

  /** Frame building. */
  private static final class ByteBufs {
    static byte[] prefixed(int size, byte[] body) {
      byte[] frame = new byte[4 + body.length];
      frame[0] = (byte) (size >>> 24);
      frame[1] = (byte) (size >>> 16);
      frame[2] = (byte) (size >>> 8);
      frame[3] = (byte) size;
      System.arraycopy(body, 0, frame, 4, body.length);
      return frame;
    }
  }
}
