package dev.brook.broker.network;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.brook.broker.api.ApiDispatcher;
import dev.brook.broker.api.ApiVersionsHandler;
import dev.brook.broker.api.SaslApis;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.config.ListenerSettings;
import dev.brook.broker.security.SaslMechanismServer;
import dev.brook.broker.security.SaslMechanisms;
import dev.brook.broker.security.ScramCredential;
import dev.brook.broker.security.ScramCredentialStore;
import dev.brook.broker.security.ScramMechanism;
import dev.brook.broker.security.Session;
import dev.brook.broker.security.oauth.TestTokens;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.FileRegion;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;
import org.apache.kafka.common.requests.SaslAuthenticateRequest;
import org.apache.kafka.common.requests.SaslHandshakeRequest;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.jose4j.jwt.JwtClaims;

/**
 * Fuzzes the SASL exchange of a SASL listener's connection: ApiVersions, SaslHandshake (any version,
 * any mechanism name) and SaslAuthenticate requests carrying PLAIN messages, SCRAM client-first and
 * client-final messages (built on the server's real first message, with a valid proof sometimes,
 * so the exchange can complete), OAUTHBEARER messages with good, expired, foreign, unsigned and
 * HMAC-signed tokens (damaged or not) or tokens of fuzzed JSON, a lone %x01, raw bytes, and a
 * Metadata request before or after authentication; each delivered in pieces. The connection answers
 * every request or closes: no exception escapes, no request is left unanswered on an open
 * connection (nothing hangs), and every byte of request memory is returned. Frames before
 * authentication are capped, so memory is bounded by the cap. Each exchange's messages are also fed
 * straight to its mechanism's server, which may only answer or refuse.
 *
 * <p>In the default suite this replays the corpus in {@code SaslExchangeFuzzTestInputs}; {@code
 * bin/fuzz SaslExchangeFuzzTest} fuzzes it (coverage-guided, Jazzer).
 */
class SaslExchangeFuzzTest {
  private static final String[] MECHANISMS = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER", "GSSAPI", ""};
  private static final long T0 = 1_800_000_000_000L;
  private static final byte[] SALT = "fuzz-salt-fuzz-salt".getBytes(StandardCharsets.US_ASCII);
  private static final Map<ScramMechanism, byte[]> SALTED = new HashMap<>();
  private static final ApiDispatcher DISPATCHER = dispatcher();
  private static final SaslMechanisms SASL = mechanisms();
  private static String[] oauthTokens;

  private static ApiDispatcher dispatcher() {
    ApiDispatcher d = new ApiDispatcher();
    d.register(ApiKeys.API_VERSIONS, new ApiVersionsHandler(d));
    SaslApis.register(d);
    d.register(ApiKeys.METADATA, (ctx, r) -> CompletableFuture.completedFuture(new MetadataResponseData()));
    return d;
  }

  /** PLAIN with one user, SCRAM with alice's credentials of both hashes, OAUTHBEARER with a JWKS file; all on this thread. */
  private static SaslMechanisms mechanisms() {
    try {
      TestTokens tokens = new TestTokens();
      Path jwks = Files.createTempFile("fuzz-jwks", ".json");
      jwks.toFile().deleteOnExit();
      Files.writeString(jwks, tokens.jwks());
      JwtClaims wrongIssuer = TestTokens.claims("alice", T0, 3600);
      wrongIssuer.setIssuer("https://elsewhere.test");
      oauthTokens = new String[] {
          tokens.rs256(TestTokens.claims("alice", T0, 3600)), tokens.es256(TestTokens.claims("alice", T0, 3600)),
          tokens.rs256(TestTokens.claims("alice", T0 - 7_200_000, 3600)), tokens.rs256(wrongIssuer),
          tokens.badSignature(TestTokens.claims("alice", T0, 3600)), TestTokens.unsigned(TestTokens.claims("alice", T0, 3600)),
          tokens.hmacWithPublicKey(TestTokens.claims("alice", T0, 3600))};
      Map<String, String> s = new HashMap<>();
      s.put("listeners", "SASL_PLAINTEXT://127.0.0.1:0");
      s.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER");
      s.put("listener.name.sasl_plaintext.plain.sasl.jaas.config",
          "org.apache.kafka.common.security.plain.PlainLoginModule required user_alice=\"alice-secret\";");
      s.put("sasl.oauthbearer.jwks.endpoint.url", jwks.toUri().toString());
      s.put("sasl.oauthbearer.expected.issuer", TestTokens.ISSUER);
      s.put("sasl.oauthbearer.expected.audience", TestTokens.AUDIENCE);
      s.put("sasl.server.max.receive.size", "65536");
      // Refusals answered at once: the delay has its own test (SaslListenersIT); here every
      // request must be answered within one runPendingTasks.
      s.put("connection.failed.authentication.delay.ms", "0");
      Map<ScramMechanism, ScramCredential> alice = new HashMap<>();
      for (ScramMechanism m : ScramMechanism.values()) {
        byte[] salted = m.saltedPassword("alice-secret".getBytes(StandardCharsets.UTF_8), SALT, ScramMechanism.MIN_ITERATIONS);
        SALTED.put(m, salted);
        alice.put(m, m.credential(SALT, salted, ScramMechanism.MIN_ITERATIONS));
      }
      ScramCredentialStore store = new ScramCredentialStore() {
        @Override
        public Optional<ScramCredential> credential(String user, ScramMechanism mechanism) {
          return user.equals("alice") ? Optional.of(alice.get(mechanism)) : Optional.empty();
        }

        @Override
        public Map<String, Map<ScramMechanism, ScramCredential>> all() {
          return Map.of("alice", alice);
        }

        @Override
        public void alter(String user, ScramMechanism mechanism, ScramCredential credential) {
          throw new UnsupportedOperationException();
        }
      };
      Clock clock = Clock.fixed(Instant.ofEpochMilli(T0 + 60_000), ZoneOffset.UTC);
      return SaslMechanisms.create(new ListenerSettings(BrokerConfig.of(s), "SASL_PLAINTEXT"), store, Runnable::run, clock);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What the exchange has told the client so far, to build the next message on. */
  private static final class Exchange {
    String mechanism = "PLAIN";
    String clientFirstBare;
    String serverFirst;
    int correlation;
    /** The last frame is a whole request of ours (not raw bytes), and the stream is still in step. */
    boolean wellFormed;
    /** A raw frame announced more bytes than it had: later frames are read as its rest. */
    boolean desynced;
    final Map<Integer, short[]> sent = new HashMap<>(); // correlation id -> {api key, version}
    /** The mechanism messages sent since the last handshake, replayed straight to a mechanism server. */
    final List<byte[]> messages = new ArrayList<>();
  }

  /**
   * Feeds one exchange's messages straight to a fresh server of its mechanism: it may answer or
   * refuse (SaslAuthenticationException), anything else it throws is a finding. The connection turns
   * such an exception into a refusal and a log line, which the fuzzer would not see.
   */
  private static void replay(Exchange x) {
    if (SASL.enabled().contains(x.mechanism) && !x.messages.isEmpty()) {
      SaslMechanismServer server = SASL.server(x.mechanism);
      for (byte[] m : x.messages) {
        try {
          server.evaluate(m);
        } catch (SaslAuthenticationException e) {
          break;
        }
        if (server.isComplete()) break;
      }
    }
    x.messages.clear();
  }

  @FuzzTest(maxExecutions = 1_000_000, maxDuration = "60m")
  void fuzzSaslExchange(FuzzedDataProvider data) {
    RequestMemoryPool pool = new RequestMemoryPool(256 * 1024);
    EmbeddedChannel ch = new EmbeddedChannel();
    ReadGate gate = new ReadGate(ch);
    Session session = new Session("SASL_PLAINTEXT", SecurityProtocol.SASL_PLAINTEXT, null);
    ch.pipeline().addLast(new FrameDecoder(128 * 1024, pool, gate, session, SASL.maxReceiveBytes()),
        new ConnectionHandler(DISPATCHER, 1, session, 4, pool, gate, null, SASL, true));
    Exchange x = new Exchange();
    try {
      int steps = data.consumeInt(1, 6);
      for (int i = 0; i < steps && ch.isActive(); i++) {
        byte[] frame = frame(data, x);
        int at = 0;
        while (at < frame.length && ch.isActive()) {
          int n = Math.min(frame.length - at, data.consumeInt(1, frame.length));
          ch.writeInbound(Unpooled.wrappedBuffer(frame, at, n));
          at += n;
        }
        ch.runPendingTasks();
        int answered = readResponses(ch, x);
        // A whole request on a connection still open has its answer by now: nothing waits forever.
        if (at == frame.length && ch.isActive() && x.wellFormed && !x.desynced) {
          assertThat(answered).as("responses to a complete request on an open connection").isEqualTo(1);
        }
      }
      ch.checkException();
      replay(x);
    } finally {
      drain(ch);
      ch.close();
      ch.runPendingTasks();
      drain(ch);
    }
    assertThat(pool.available()).as("request memory returned").isEqualTo(pool.capacity());
  }

  private static byte[] frame(FuzzedDataProvider data, Exchange x) {
    int kind = data.consumeInt(0, 9);
    x.wellFormed = kind != 9;
    return switch (kind) {
      case 0 -> apiVersions(data, x);
      case 1 -> handshake(data, x);
      case 2 -> authenticate(data, x, plain(data));
      case 3 -> authenticate(data, x, scramFirst(data, x));
      case 4 -> authenticate(data, x, scramFinal(data, x));
      case 5 -> authenticate(data, x, oauth(data));
      case 6 -> authenticate(data, x, new byte[] {1});
      case 7 -> request(x, ApiKeys.METADATA, (short) 12, new MetadataRequest.Builder(new MetadataRequestData().setTopics(List.of())));
      case 8 -> authenticate(data, x, data.consumeBytes(data.consumeInt(0, 2048)));
      default -> raw(data, x);
    };
  }

  private static byte[] apiVersions(FuzzedDataProvider data, Exchange x) {
    short version = (short) data.consumeInt(0, 3);
    ApiVersionsRequestData d = new ApiVersionsRequestData();
    if (version >= 3) d.setClientSoftwareName("fuzz").setClientSoftwareVersion("1");
    return request(x, ApiKeys.API_VERSIONS, version, new ApiVersionsRequest.Builder(d, version, version));
  }

  private static byte[] handshake(FuzzedDataProvider data, Exchange x) {
    String mechanism = data.consumeBoolean() ? MECHANISMS[data.consumeInt(0, MECHANISMS.length - 1)] : data.consumeString(30);
    replay(x);
    x.mechanism = mechanism;
    return request(x, ApiKeys.SASL_HANDSHAKE, (short) data.consumeInt(0, 1),
        new SaslHandshakeRequest.Builder(new SaslHandshakeRequestData().setMechanism(mechanism)));
  }

  private static byte[] authenticate(FuzzedDataProvider data, Exchange x, byte[] message) {
    x.messages.add(message);
    return request(x, ApiKeys.SASL_AUTHENTICATE, (short) data.consumeInt(0, 2),
        new SaslAuthenticateRequest.Builder(new SaslAuthenticateRequestData().setAuthBytes(message)));
  }

  private static byte[] plain(FuzzedDataProvider data) {
    if (data.consumeBoolean()) return "\0alice\0alice-secret".getBytes(StandardCharsets.UTF_8);
    return (data.consumeString(20) + "\0" + data.consumeString(20) + "\0" + data.consumeString(40)).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] scramFirst(FuzzedDataProvider data, Exchange x) {
    String user = data.consumeBoolean() ? "alice" : data.consumeString(20);
    String header = data.consumeBoolean() ? "n,," : data.consumeString(10);
    String bare = "n=" + user + ",r=" + data.consumeString(30) + (data.consumeBoolean() ? "" : "," + data.consumeString(30));
    x.clientFirstBare = bare;
    return (header + bare).getBytes(StandardCharsets.UTF_8);
  }

  /** A client-final message on the server's first message; with the right proof for alice when asked. */
  private static byte[] scramFinal(FuzzedDataProvider data, Exchange x) {
    String serverNonce = "";
    if (x.serverFirst != null && x.serverFirst.startsWith("r=")) {
      int comma = x.serverFirst.indexOf(',');
      serverNonce = x.serverFirst.substring(2, comma < 0 ? x.serverFirst.length() : comma);
    }
    String nonce = data.consumeBoolean() ? serverNonce : data.consumeString(10) + serverNonce;
    String withoutProof = "c=" + (data.consumeBoolean() ? "biws" : data.consumeString(10)) + ",r=" + nonce;
    String proof;
    ScramMechanism m = ScramMechanism.forName(x.mechanism).orElse(null);
    if (data.consumeBoolean() && m != null && x.clientFirstBare != null && x.serverFirst != null) {
      byte[] salted = SALTED.get(m);
      byte[] clientKey = m.hmac(salted, "Client Key".getBytes(StandardCharsets.US_ASCII));
      byte[] authMessage = (x.clientFirstBare + "," + x.serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
      byte[] signature = m.hmac(m.hash(clientKey), authMessage);
      for (int i = 0; i < clientKey.length; i++) clientKey[i] ^= signature[i];
      proof = Base64.getEncoder().encodeToString(clientKey);
    } else {
      proof = data.consumeBoolean() ? Base64.getEncoder().encodeToString(data.consumeBytes(64)) : data.consumeString(40);
    }
    return (withoutProof + ",p=" + proof).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] oauth(FuzzedDataProvider data) {
    String token;
    if (data.consumeBoolean()) {
      token = oauthTokens[data.consumeInt(0, oauthTokens.length - 1)];
      if (data.consumeBoolean() && !token.isEmpty()) {
        char[] c = token.toCharArray();
        c[data.consumeInt(0, c.length - 1)] = (char) data.consumeInt('-', 'z');
        token = new String(c);
      }
    } else {
      Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
      token = b.encodeToString(data.consumeString(200).getBytes(StandardCharsets.UTF_8)) + "."
          + b.encodeToString(data.consumeString(400).getBytes(StandardCharsets.UTF_8)) + "."
          + b.encodeToString(data.consumeBytes(data.consumeInt(0, 300)));
    }
    if (data.consumeBoolean()) return TestTokens.clientMessage(token, Map.of());
    String authz = data.consumeBoolean() ? "" : "a=" + data.consumeString(10);
    return ("n," + authz + ",\u0001auth=Bearer " + token + "\u0001" + data.consumeString(40) + "\u0001")
        .getBytes(StandardCharsets.ISO_8859_1);
  }

  /** A frame of fuzzed size and bytes (a header of any API, or none). */
  private static byte[] raw(FuzzedDataProvider data, Exchange x) {
    byte[] body = data.consumeBytes(data.consumeInt(0, 4096));
    int size = data.consumeBoolean() ? body.length : data.consumeInt();
    if (size != body.length) x.desynced = true;
    return prefixed(size, body);
  }

  private static byte[] request(Exchange x, ApiKeys key, short version, AbstractRequest.Builder<?> builder) {
    int correlation = ++x.correlation;
    ByteBuffer b = builder.build(version).serializeWithHeader(new RequestHeader(key, version, "fuzz", correlation));
    x.sent.put(correlation, new short[] {key.id, version});
    byte[] body = new byte[b.remaining()];
    b.get(body);
    return prefixed(body.length, body);
  }

  /** Reads the responses written so far; remembers a SCRAM server-first message. Returns how many. */
  private static int readResponses(EmbeddedChannel ch, Exchange x) {
    List<byte[]> parts = new ArrayList<>();
    Object out;
    while ((out = ch.readOutbound()) != null) {
      try {
        if (out instanceof ByteBuf buf) {
          byte[] b = new byte[buf.readableBytes()];
          buf.readBytes(b);
          parts.add(b);
        } else if (!(out instanceof FileRegion)) {
          throw new AssertionError("unexpected outbound " + out);
        }
      } finally {
        ReferenceCountUtil.release(out);
      }
    }
    int total = parts.stream().mapToInt(p -> p.length).sum();
    ByteBuffer all = ByteBuffer.allocate(total);
    parts.forEach(all::put);
    all.flip();
    int count = 0;
    while (all.remaining() >= 4) {
      int size = all.getInt();
      ByteBuffer frame = all.slice(all.position(), size);
      all.position(all.position() + size);
      count++;
      int correlation = frame.getInt(0);
      short[] sent = x.sent.get(correlation);
      if (sent == null || sent[0] != ApiKeys.SASL_AUTHENTICATE.id) continue;
      ResponseHeader.parse(frame, ApiKeys.SASL_AUTHENTICATE.responseHeaderVersion(sent[1]));
      SaslAuthenticateResponseData r = new SaslAuthenticateResponseData(new ByteBufferAccessor(frame), sent[1]);
      String text = new String(r.authBytes(), StandardCharsets.UTF_8);
      if (text.startsWith("r=")) x.serverFirst = text;
    }
    return count;
  }

  private static void drain(EmbeddedChannel ch) {
    Object out;
    while ((out = ch.readOutbound()) != null) ReferenceCountUtil.release(out);
  }

  private static byte[] prefixed(int size, byte[] body) {
    byte[] frame = new byte[4 + body.length];
    ByteBuffer.wrap(frame).putInt(size).put(body);
    return frame;
  }
}
