package dev.brook.broker.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.brook.broker.api.ApiDispatcher;
import dev.brook.broker.api.ApiVersionsHandler;
import dev.brook.broker.config.Listener;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.DataOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Connection limits and the request-memory pool, over real sockets. */
class NetworkLimitsTest {
  private static final int MB = 1 << 20;
  private NetworkServer server;
  private final List<AutoCloseable> open = new ArrayList<>();

  private void start(ConnectionLimits.Settings limits, RequestMemoryPool memory, int maxFrame) throws Exception {
    ApiDispatcher d = new ApiDispatcher();
    d.register(org.apache.kafka.common.protocol.ApiKeys.API_VERSIONS, new ApiVersionsHandler(d));
    server = NetworkServer.start(new Listener("PLAINTEXT", "127.0.0.1", 0),
        new NetworkServer.Settings(maxFrame, 100, 2, -1, -1, 0, memory, new ConnectionLimits(limits),
            new dev.brook.broker.quota.ClientQuotas(11, 1000, System::currentTimeMillis)), d);
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open) c.close();
    if (server != null) server.close();
  }

  private RawClient client() throws Exception {
    RawClient c = new RawClient("127.0.0.1", server.boundListener().port());
    open.add(c);
    return c;
  }

  private static boolean served(RawClient c) {
    try {
      return c.call(new ApiVersionsRequest.Builder().build((short) 3), ApiVersionsResponse.class).data().errorCode() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  void aConnectionOverItsAddressLimitIsClosedAtOnce() throws Exception {
    start(new ConnectionLimits.Settings(Integer.MAX_VALUE, 2, Map.of(), Integer.MAX_VALUE), RequestMemoryPool.unbounded(), MB);
    RawClient a = client();
    RawClient b = client();
    assertThat(served(a) && served(b)).isTrue();
    assertThat(client().isClosedByPeer()).as("third from the same address").isTrue();
    a.close();
    await().atMost(Duration.ofSeconds(10)).until(() -> served(client()));
  }

  @Test
  void anOverrideRaisesOneAddressLimit() throws Exception {
    start(new ConnectionLimits.Settings(Integer.MAX_VALUE, 1, Map.of(InetAddress.getByName("127.0.0.1"), 3),
        Integer.MAX_VALUE), RequestMemoryPool.unbounded(), MB);
    for (int i = 0; i < 3; i++) assertThat(served(client())).isTrue();
    assertThat(client().isClosedByPeer()).isTrue();
  }

  @Test
  void atMaxConnectionsTheListenerStopsAcceptingUntilOneCloses() throws Exception {
    start(new ConnectionLimits.Settings(2, Integer.MAX_VALUE, Map.of(), Integer.MAX_VALUE), RequestMemoryPool.unbounded(), MB);
    RawClient a = client();
    assertThat(served(a) && served(client())).isTrue();
    RawClient third = client(); // TCP completes in the kernel's backlog; Brook has not accepted it
    int id = third.send(new ApiVersionsRequest.Builder().build((short) 3));
    assertThat(third.isClosedByPeer()).as("no answer, no close while waiting").isFalse();
    a.close();
    assertThat(third.receive(org.apache.kafka.common.protocol.ApiKeys.API_VERSIONS, (short) 3, id))
        .as("accepted and served once a connection closed").isInstanceOf(ApiVersionsResponse.class);
  }

  @Test
  void theCreationRateIsHeldPerListener() throws Exception {
    start(new ConnectionLimits.Settings(Integer.MAX_VALUE, Integer.MAX_VALUE, Map.of(), 5), RequestMemoryPool.unbounded(), MB);
    long start = System.nanoTime();
    for (int i = 0; i < 11; i++) assertThat(served(client())).isTrue();
    // 11 connections at 5 a second cannot all be accepted in under two seconds (a lower bound: a
    // slow machine only makes it longer).
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(1900));
  }

  @Test
  void manyLargeRequestsQueueForMemoryInsteadOfExhaustingIt() throws Exception {
    RequestMemoryPool unboundedPool = RequestMemoryPool.unbounded();
    long unbounded = attack(unboundedPool, false);
    server.close();
    RequestMemoryPool pool = new RequestMemoryPool(8 * MB);
    long bounded = attack(pool, true);
    System.out.printf("request bytes held for 20 x 15 MB partial requests: %d MB unbounded, %d MB with an 8 MB pool%n",
        unbounded / MB, bounded / MB);
    assertThat(unbounded).as("without a pool the broker reads (nearly) all of it").isGreaterThan(150L * MB);
    // The reservation holder's 15 MB (a frame larger than the pool takes the whole pool), plus the
    // first read of each of the 19 others (at most 16 reads of 64 KB before it stopped).
    assertThat(bounded).as("with an 8 MB pool").isLessThan(16L * MB + 19L * MB);
    await().atMost(Duration.ofSeconds(10)).until(() -> pool.available() == pool.capacity() && pool.bufferedBytes() == 0);
    assertThat(served(client())).as("served once the attackers are gone").isTrue();
  }

  /**
   * 20 connections each announce a 16 MB frame and send 15 MB of it (the attack, scaled):
   * 300 MB if every connection read what it was sent. Returns the most request bytes the broker
   * held at once.
   */
  private long attack(RequestMemoryPool pool, boolean bounded) throws Exception {
    start(ConnectionLimits.Settings.NONE, pool, 16 * MB);
    ExecutorService senders = Executors.newFixedThreadPool(20);
    List<Socket> attackers = new ArrayList<>();
    List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
    long most = 0;
    try {
      for (int i = 0; i < 20; i++) {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", server.boundListener().port()), 5000);
        attackers.add(s);
        sent.add(senders.submit(() -> {
          DataOutputStream out = new DataOutputStream(s.getOutputStream());
          out.writeInt(16 * MB);
          out.write(new byte[15 * MB]); // blocks in the kernel once Brook stops reading
          return null;
        }));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(bounded ? 3 : 30);
      while (System.nanoTime() < deadline && !(!bounded && sent.stream().allMatch(java.util.concurrent.Future::isDone))) {
        most = Math.max(most, pool.bufferedBytes());
        Thread.sleep(10);
      }
      most = Math.max(most, pool.bufferedBytes());
      if (!bounded) for (var f : sent) f.get(30, TimeUnit.SECONDS);
      return most;
    } finally {
      for (Socket s : attackers) s.close();
      senders.shutdownNow();
      assertThat(senders.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }
}
