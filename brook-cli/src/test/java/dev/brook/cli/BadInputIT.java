package dev.brook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.testkit.BrookTestBroker;
import dev.brook.testkit.RawKafkaClient;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile bytes on the wire: each bad connection is closed (or answered with an error), nothing
 * else is disturbed. Meanwhile a well-behaved client keeps working: a kafka-clients producer with
 * default settings when Brook serves Produce, else a raw client asking ApiVersions in a loop.
 */
class BadInputIT {
  static final int MAX_REQUEST = 1 << 20;
  static BrookTestBroker brook;

  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicInteger goodCalls = new AtomicInteger();
  private final AtomicReference<Throwable> goodFailure = new AtomicReference<>();
  private Thread goodClient;

  @BeforeAll
  static void start() {
    brook = BrookTestBroker.builder()
        .brokerProperty("socket.request.max.bytes", Integer.toString(MAX_REQUEST))
        .brokerProperty("message.max.bytes", Integer.toString(MAX_REQUEST / 2))
        .start();
  }

  @AfterAll
  static void stopBroker() {
    if (brook != null) brook.close();
  }

  @BeforeEach
  void startWellBehavedClient() throws IOException {
    Set<ApiKeys> apis = RawKafkaClient.supportedApis(brook.bootstrapServers());
    boolean produce = apis.containsAll(List.of(ApiKeys.PRODUCE, ApiKeys.METADATA, ApiKeys.INIT_PRODUCER_ID));
    goodClient = new Thread(produce ? this::produceUntilStopped : this::askApiVersionsUntilStopped, "well-behaved-client");
    goodClient.start();
  }

  @AfterEach
  void wellBehavedClientWasNeverDisturbed() throws Exception {
    int before = goodCalls.get();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> goodCalls.get() > before || goodFailure.get() != null);
    stop.set(true);
    goodClient.join(30_000);
    assertThat(goodFailure.get()).as("well-behaved client failed").isNull();
    assertThat(goodCalls.get()).isPositive();
    assertThat(RawKafkaClient.supportedApis(brook.bootstrapServers())).contains(ApiKeys.API_VERSIONS);
  }

  private void produceUntilStopped() {
    Map<String, Object> props = Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brook.bootstrapServers(),
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 20_000);
    try (KafkaProducer<String, String> p = new KafkaProducer<>(props)) {
      // One record at a time: each must be acknowledged at the next offset, none lost or duplicated.
      long expected = -1;
      int i = 0;
      while (!stop.get()) {
        Future<RecordMetadata> f = p.send(new ProducerRecord<>("bad-input-bystander", 0, "k" + i, "v" + i));
        RecordMetadata md = f.get();
        if (expected >= 0 && md.offset() != expected) {
          throw new AssertionError("record " + i + " at offset " + md.offset() + ", expected " + expected);
        }
        expected = md.offset() + 1;
        i++;
        goodCalls.incrementAndGet();
      }
    } catch (Throwable t) {
      goodFailure.set(t);
    }
  }

  private void askApiVersionsUntilStopped() {
    try (RawKafkaClient c = RawKafkaClient.connect(brook.bootstrapServers())) {
      while (!stop.get()) {
        assertThat(c.supportedApis()).contains(ApiKeys.API_VERSIONS);
        goodCalls.incrementAndGet();
        Thread.sleep(5);
      }
    } catch (Throwable t) {
      goodFailure.set(t);
    }
  }

  private static RawKafkaClient connect() throws IOException {
    RawKafkaClient c = RawKafkaClient.connect(brook.bootstrapServers());
    c.setReadTimeout(10_000);
    return c;
  }

  @Test
  void randomBytesCloseOnlyTheirConnection() throws Exception {
    Random random = new Random(20261125);
    for (int i = 0; i < 30; i++) {
      byte[] junk = new byte[1 + random.nextInt(512)];
      random.nextBytes(junk);
      // A plausible size prefix half the time, so the junk reaches the request decoder.
      if (i % 2 == 0 && junk.length > 4) ByteBuffer.wrap(junk).putInt(junk.length - 4);
      try (RawKafkaClient c = connect()) {
        c.sendBytes(junk);
        if (i % 2 == 0 && junk.length > 4) {
          assertThat(c.isClosedByPeer()).as("junk frame %d closes its connection", i).isTrue();
        }
      } catch (IOException e) {
        // the broker may reset the connection while we still write: that is a close too
      }
    }
  }

  @Test
  void oversizedAndNegativeFrameSizesCloseTheConnectionBeforeAllocating() throws Exception {
    for (int size : new int[] {MAX_REQUEST + 1, Integer.MAX_VALUE, -1, Integer.MIN_VALUE}) {
      try (RawKafkaClient c = connect()) {
        c.sendBytes(ByteBuffer.allocate(4).putInt(size).array());
        assertThat(c.isClosedByPeer()).as("frame size %d", size).isTrue();
      }
    }
  }

  @Test
  void truncatedFramesLeaveTheBrokerHealthy() throws Exception {
    ApiVersionsRequest req = new ApiVersionsRequest.Builder(new ApiVersionsRequestData(), (short) 3, (short) 3).build();
    ByteBuffer body = req.serializeWithHeader(new RequestHeader(ApiKeys.API_VERSIONS, (short) 3, "t", 1));
    byte[] whole = new byte[body.remaining()];
    body.get(whole);
    // size says more than is sent, then the client goes away
    try (RawKafkaClient c = connect()) {
      c.sendBytes(ByteBuffer.allocate(4 + whole.length / 2).putInt(whole.length).put(whole, 0, whole.length / 2).array());
    }
    // size matches, but the body ends inside the request header / body
    for (int cut : new int[] {1, 3, 7, whole.length - 1}) {
      byte[] part = java.util.Arrays.copyOf(whole, cut);
      try (RawKafkaClient c = connect()) {
        c.sendFrame(part);
        assertThat(c.isClosedByPeer()).as("body cut at %d", cut).isTrue();
      } catch (IOException e) {
        // reset while writing: closed
      }
    }
  }

  @Test
  void unknownApiKeyClosesTheConnection() throws Exception {
    try (RawKafkaClient c = connect()) {
      ByteBuffer frame = ByteBuffer.allocate(2 + 2 + 4 + 2);
      frame.putShort((short) 9999).putShort((short) 0).putInt(7).putShort((short) -1);
      c.sendFrame(frame.array());
      assertThat(c.isClosedByPeer()).isTrue();
    }
  }

  @Test
  void unsupportedApiVersionsVersionGetsV0ErrorWithRanges() throws Exception {
    try (RawKafkaClient c = connect()) {
      // As a future client would send it: header v2 (client id, empty tagged fields), empty body.
      ByteBuffer frame = ByteBuffer.allocate(2 + 2 + 4 + 2 + 1 + 1 + 1);
      frame.putShort(ApiKeys.API_VERSIONS.id).putShort((short) 999).putInt(42)
          .putShort((short) 1).put((byte) 'x').put((byte) 0).put((byte) 0);
      c.sendFrame(frame.array());
      ByteBuffer resp = c.readFrame();
      assertThat(resp.getInt()).isEqualTo(42); // correlation id, header v0
      assertThat(resp.getShort()).isEqualTo(Errors.UNSUPPORTED_VERSION.code());
      assertThat(resp.getInt()).as("api version ranges").isPositive();
    }
  }

  @Test
  void unsupportedVersionOfAnotherApiClosesOnlyThatConnection() throws Exception {
    try (RawKafkaClient c = connect()) {
      ByteBuffer frame = ByteBuffer.allocate(2 + 2 + 4 + 2 + 4);
      frame.putShort(ApiKeys.METADATA.id).putShort((short) 999).putInt(5).putShort((short) -1).putInt(0);
      c.sendFrame(frame.array());
      assertThat(c.isClosedByPeer()).isTrue();
    }
    // The same API at a supported version still works on a new connection (if Brook serves it).
    if (RawKafkaClient.supportedApis(brook.bootstrapServers()).contains(ApiKeys.METADATA)) {
      try (RawKafkaClient c = connect()) {
        var md = c.call(new MetadataRequest.Builder(new MetadataRequestData().setTopics(List.of())).build((short) 12),
            org.apache.kafka.common.requests.MetadataResponse.class);
        assertThat(md.brokers()).hasSize(1);
      }
    }
  }

  @Test
  void manyBadConnectionsAtOnceDoNotStarveGoodOnes() throws Exception {
    List<RawKafkaClient> idle = new ArrayList<>();
    try {
      for (int i = 0; i < 50; i++) {
        RawKafkaClient c = connect();
        c.sendBytes(new byte[] {0, 0, 1}); // a third of a size prefix, then silence
        idle.add(c);
      }
      assertThat(RawKafkaClient.supportedApis(brook.bootstrapServers())).contains(ApiKeys.API_VERSIONS);
    } finally {
      for (RawKafkaClient c : idle) c.close();
    }
  }
}
