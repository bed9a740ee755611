package dev.brook.broker.network;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.api.ApiDispatcher;
import dev.brook.broker.api.ApiVersionsHandler;
import dev.brook.broker.config.Listener;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.DescribeClusterRequest;
import org.apache.kafka.common.requests.DescribeClusterResponse;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NetworkServerTest {
  private NetworkServer server;
  private final CompletableFuture<ApiMessage> slow = new CompletableFuture<>();

  @BeforeEach
  void start() throws Exception {
    ApiDispatcher d = new ApiDispatcher();
    d.register(ApiKeys.API_VERSIONS, new ApiVersionsHandler(d));
    // DescribeCluster stands in for any handler that answers later than the requests after it.
    d.register(ApiKeys.DESCRIBE_CLUSTER, (ctx, req) -> slow);
    server = NetworkServer.start(new Listener("PLAINTEXT", "127.0.0.1", 0),
        new NetworkServer.Settings(1024 * 1024, 100, 1, -1, -1, 0), d);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private RawClient client() throws Exception {
    return new RawClient("127.0.0.1", server.boundListener().port());
  }

  @Test
  void preloadingTheRequestPathTouchesNoServerAndMayRepeat() throws Exception {
    NetworkServer.preloadRequestPath();
    NetworkServer.preloadRequestPath();
    try (RawClient c = client()) { // the running server is untouched
      ApiVersionsResponse r = c.call(new ApiVersionsRequest.Builder().build((short) 3), ApiVersionsResponse.class);
      assertThat(r.data().errorCode()).isZero();
    }
  }

  @Test
  void apiVersionsAdvertisesRegisteredApisWithProduceMinimumZero() throws Exception {
    try (RawClient c = client()) {
      ApiVersionsResponse r = c.call(new ApiVersionsRequest.Builder().build((short) 3), ApiVersionsResponse.class);
      assertThat(r.data().errorCode()).isZero();
      assertThat(r.data().apiKeys().find(ApiKeys.API_VERSIONS.id).maxVersion()).isEqualTo(ApiKeys.API_VERSIONS.latestVersion());
      assertThat(r.data().apiKeys().find(ApiKeys.PRODUCE.id)).isNull();
    }
  }

  @Test
  void newerApiVersionsRequestGetsV0UnsupportedVersionWithRanges() throws Exception {
    try (RawClient c = client()) {
      // An ApiVersions v127 frame: header v2 (flexible) written by hand, as a future client would.
      ByteBuffer b = ByteBuffer.allocate(64);
      b.putShort(ApiKeys.API_VERSIONS.id).putShort((short) 127).putInt(42).putShort((short) 1).put((byte) 'x').put((byte) 0);
      b.put((byte) 0); // empty body tagged fields
      b.flip();
      byte[] frame = new byte[4 + b.remaining()];
      ByteBuffer.wrap(frame).putInt(b.remaining()).put(b);
      c.sendBytes(frame);
      ApiVersionsResponse r = (ApiVersionsResponse) c.receive(ApiKeys.API_VERSIONS, (short) 0, 42);
      assertThat(Errors.forCode(r.data().errorCode())).isEqualTo(Errors.UNSUPPORTED_VERSION);
      assertThat(r.data().apiKeys().find(ApiKeys.API_VERSIONS.id)).isNotNull();
    }
  }

  @Test
  void responsesAreWrittenInRequestOrderWhenHandlersFinishOutOfOrder() throws Exception {
    try (RawClient c = client()) {
      int first = c.send(new DescribeClusterRequest.Builder(new DescribeClusterRequestData()).build((short) 0));
      int second = c.send(new ApiVersionsRequest.Builder().build((short) 3));
      slow.complete(new DescribeClusterResponseData().setClusterId("c").setControllerId(1));
      DescribeClusterResponse r1 = (DescribeClusterResponse) c.receive(ApiKeys.DESCRIBE_CLUSTER, (short) 0, first);
      assertThat(r1.data().clusterId()).isEqualTo("c");
      assertThat(c.receive(ApiKeys.API_VERSIONS, (short) 3, second)).isInstanceOf(ApiVersionsResponse.class);
    }
  }

  @Test
  void oversizedFrameClosesOnlyThatConnection() throws Exception {
    try (RawClient bad = client(); RawClient good = client()) {
      bad.sendBytes(new byte[] {0x7f, 0, 0, 0});
      assertThat(bad.isClosedByPeer()).isTrue();
      assertThat(good.call(new ApiVersionsRequest.Builder().build((short) 3), ApiVersionsResponse.class).data().errorCode()).isZero();
    }
  }

  @Test
  void negativeFrameSizeClosesConnection() throws Exception {
    try (RawClient bad = client()) {
      bad.sendBytes(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xfe});
      assertThat(bad.isClosedByPeer()).isTrue();
    }
  }

  @Test
  void unknownApiKeyAndRandomBytesCloseConnectionAndServerKeepsServing() throws Exception {
    try (RawClient bad = client()) {
      bad.sendBytes(new byte[] {0, 0, 0, 8, 0x7f, 0x7f, 0, 0, 0, 0, 0, 1});
      assertThat(bad.isClosedByPeer()).isTrue();
    }
    Random random = new Random(7);
    for (int i = 0; i < 20; i++) {
      try (RawClient bad = client()) {
        byte[] junk = new byte[4 + 200];
        random.nextBytes(junk);
        ByteBuffer.wrap(junk).putInt(200);
        bad.sendBytes(junk);
        bad.isClosedByPeer();
      }
    }
    try (RawClient good = client()) {
      assertThat(good.call(new ApiVersionsRequest.Builder().build((short) 3), ApiVersionsResponse.class).data().errorCode()).isZero();
    }
  }

  @Test
  void unsupportedVersionOfKnownApiClosesConnection() throws Exception {
    try (RawClient bad = client()) {
      ApiVersionsRequestData unused = new ApiVersionsRequestData();
      assertThat(unused).isNotNull();
      // Metadata is not registered in this server: its requests are unsupported at every version.
      bad.send(new org.apache.kafka.common.requests.MetadataRequest.Builder(
          new org.apache.kafka.common.message.MetadataRequestData()).build((short) 12));
      assertThat(bad.isClosedByPeer()).isTrue();
    }
  }

  @Test
  void truncatedFrameThenCloseLeavesServerHealthy() throws Exception {
    try (RawClient bad = client()) {
      bad.sendBytes(new byte[] {0, 0, 0, 100, 0, 18, 0, 3});
    }
    try (RawClient good = client()) {
      assertThat(good.call(new ApiVersionsRequest.Builder().build((short) 3), ApiVersionsResponse.class).data().errorCode()).isZero();
    }
    TimeUnit.MILLISECONDS.toMillis(1);
  }
}
