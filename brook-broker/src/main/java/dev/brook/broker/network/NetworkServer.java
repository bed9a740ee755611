package dev.brook.broker.network;

import dev.brook.broker.api.ApiDispatcher;
import dev.brook.broker.config.Listener;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import dev.brook.broker.quota.ClientQuotas;
import dev.brook.broker.security.SaslMechanisms;
import dev.brook.broker.security.Session;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * The Kafka-protocol listeners: one set of Netty event loops (epoll where available) shared by every
 * listener, each connection with a {@link FrameDecoder} and a {@link ConnectionHandler}, preceded by
 * what its listener's security protocol adds ({@link ListenerSecurity}: TLS) and, on SASL listeners,
 * the SASL exchange ({@link SaslAuthenticator}). Started and stopped by the broker.
 */
public final class NetworkServer implements AutoCloseable {

  /** Socket and request limits, from the broker config. */
  public record Settings(
      int maxFrameBytes, int maxQueuedPerConnection, int eventLoopThreads, int sendBufferBytes,
      int receiveBufferBytes, long idleMs, RequestMemoryPool memory, ConnectionLimits limits, ClientQuotas quotas) {

    /** No request-memory bound and no connection limits (tests). */
    public Settings(int maxFrameBytes, int maxQueuedPerConnection, int eventLoopThreads, int sendBufferBytes,
        int receiveBufferBytes, long idleMs) {
      this(maxFrameBytes, maxQueuedPerConnection, eventLoopThreads, sendBufferBytes, receiveBufferBytes, idleMs,
          RequestMemoryPool.unbounded(), new ConnectionLimits(ConnectionLimits.Settings.NONE),
          new ClientQuotas(11, 1000, System::currentTimeMillis));
    }
  }

  /**
   * One listener to bind: its name and address, its security protocol, and what that protocol adds
   * to each connection.
   */
  public record Endpoint(Listener listener, SecurityProtocol protocol, ListenerSecurity security, boolean interBroker,
      SaslMechanisms sasl) {
    /** @param sasl the mechanisms of a SASL_PLAINTEXT or SASL_SSL listener; null for the others */
    public Endpoint {}

    public Endpoint(Listener listener, SecurityProtocol protocol, ListenerSecurity security, boolean interBroker) {
      this(listener, protocol, security, interBroker, null);
    }

    public static Endpoint plaintext(Listener listener) {
      return new Endpoint(listener, SecurityProtocol.PLAINTEXT, ListenerSecurity.NONE, false);
    }
  }

  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final List<Channel> serverChannels;
  private final List<Listener> bound;

  private NetworkServer(EventLoopGroup boss, EventLoopGroup workers, List<Channel> serverChannels, List<Listener> bound) {
    this.boss = boss;
    this.workers = workers;
    this.serverChannels = serverChannels;
    this.bound = bound;
  }

  /**
   * Initializes the codec's API table ({@link ApiKeys}: every message schema, ~1,000 classes, the
   * largest single step of a start) on the calling thread. Touches no logger (neither does this
   * class), so it may run before the logging backend is initialized: {@code brook server} runs it
   * on a helper thread from its first instruction.
   */
  public static void preloadCodec() {
    ApiKeys.values();
  }

  /**
   * Initializes, on the calling thread, what the first start and the first request would otherwise
   * initialize on the critical path: Netty's native transport and its checks of Brook's handlers.
   * Netty logs: call it once logging is initialized.
   * Idempotent and safe from any thread; a server start calls it on a helper thread so that it
   * overlaps configuration and storage setup.
   */
  public static void preload() {
    Epoll.isAvailable();
    // Netty checks each handler class's methods for @Skip and the class for @Sharable when a handler
    // joins a pipeline; the first check of an annotation type defines a proxy class for it (~2 ms
    // each, three of them) at bind and at the first connection. Reflection caches them JVM-wide.
    EmbeddedChannel ch = new EmbeddedChannel();
    ReadGate gate = new ReadGate(ch);
    RequestMemoryPool pool = RequestMemoryPool.unbounded();
    ch.pipeline().addLast(new FrameDecoder(1024, pool, gate), new ConnectionHandler(null, 0, null, 1, pool, gate, null));
    ch.close();
  }

  /**
   * Runs, on the calling thread, the codec's part of a first Metadata exchange: a request header and
   * body parsed as {@link ConnectionHandler} parses them, an (empty) answer written as it writes one,
   * with Netty's pooled allocator. In a new JVM the first request otherwise loads and links those
   * classes on a network thread while the client waits. Touches no broker state; idempotent and safe
   * from any thread (the test kit calls it on a helper thread while a broker starts). Netty logs: call
   * it once logging is initialized.
   */
  public static void preloadRequestPath() {
    short version = ApiKeys.METADATA.latestVersion();
    MetadataRequest request = new MetadataRequest.Builder(new MetadataRequestData().setTopics(List.of())).build(version);
    ByteBuffer frame = request.serializeWithHeader(new RequestHeader(ApiKeys.METADATA, version, "preload", 1));
    RequestHeader header = RequestHeader.parse(frame);
    AbstractRequest.parseRequest(header.apiKey(), header.apiVersion(), new ByteBufferAccessor(frame));
    MetadataResponseData answer = new MetadataResponseData().setClusterId("preload").setControllerId(0);
    for (Object part : ResponseSerializer.serialize(PooledByteBufAllocator.DEFAULT, header.correlationId(),
        header.apiKey().responseHeaderVersion(version), answer, version)) {
      ReferenceCountUtil.release(part);
    }
  }

  /** Binds one PLAINTEXT listener (port 0 picks a free port) and starts accepting. */
  public static NetworkServer start(Listener listener, Settings settings, ApiDispatcher dispatcher)
      throws InterruptedException {
    return start(List.of(Endpoint.plaintext(listener)), settings, dispatcher);
  }

  /**
   * Binds every listener (port 0 picks a free port) on one set of event loops and starts accepting;
   * if one cannot bind, none stays bound.
   */
  public static NetworkServer start(List<Endpoint> endpoints, Settings settings, ApiDispatcher dispatcher)
      throws InterruptedException {
    boolean epoll = Epoll.isAvailable();
    EventLoopGroup boss = epoll ? new EpollEventLoopGroup(1, new DefaultThreadFactory("brook-accept"))
        : new NioEventLoopGroup(1, new DefaultThreadFactory("brook-accept"));
    EventLoopGroup workers = epoll
        ? new EpollEventLoopGroup(settings.eventLoopThreads(), new DefaultThreadFactory("brook-net"))
        : new NioEventLoopGroup(settings.eventLoopThreads(), new DefaultThreadFactory("brook-net"));
    // A factory, not .channel(Class): Netty would create the channel by reflection (slower at start).
    ChannelFactory<ServerChannel> channels = epoll ? EpollServerSocketChannel::new : NioServerSocketChannel::new;
    AtomicLong connectionIds = new AtomicLong();
    List<Channel> channelsBound = new ArrayList<>();
    List<Listener> listenersBound = new ArrayList<>();
    try {
      for (Endpoint endpoint : endpoints) {
        Channel ch = bootstrap(boss, workers, channels, endpoint, settings, dispatcher, connectionIds)
            .bind(new InetSocketAddress(endpoint.listener().host(), endpoint.listener().port())).sync().channel();
        channelsBound.add(ch);
        listenersBound.add(endpoint.listener().withPort(((InetSocketAddress) ch.localAddress()).getPort()));
      }
      return new NetworkServer(boss, workers, List.copyOf(channelsBound), List.copyOf(listenersBound));
    } catch (RuntimeException | InterruptedException e) {
      channelsBound.forEach(c -> c.close().syncUninterruptibly());
      boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw e;
    }
  }

  private static ServerBootstrap bootstrap(EventLoopGroup boss, EventLoopGroup workers,
      ChannelFactory<ServerChannel> channels, Endpoint endpoint, Settings settings, ApiDispatcher dispatcher,
      AtomicLong connectionIds) {
    RequestThrottler throttler = new RequestThrottler(settings.quotas());
    return new ServerBootstrap()
        .group(boss, workers)
        .channelFactory(channels)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .handler(settings.limits().forListener(endpoint.interBroker()))
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (settings.sendBufferBytes() > 0) ch.config().setSendBufferSize(settings.sendBufferBytes());
            if (settings.receiveBufferBytes() > 0) ch.config().setReceiveBufferSize(settings.receiveBufferBytes());
            if (settings.idleMs() > 0) {
              ch.pipeline().addLast(new IdleStateHandler(0, 0, settings.idleMs(), TimeUnit.MILLISECONDS));
            }
            Session session = new Session(endpoint.listener().name(), endpoint.protocol(),
                ch.remoteAddress() instanceof InetSocketAddress a ? a : null);
            endpoint.security().configure(ch, session);
            ReadGate gate = new ReadGate(ch);
            SaslMechanisms sasl = endpoint.sasl();
            ch.pipeline().addLast(sasl == null ? new FrameDecoder(settings.maxFrameBytes(), settings.memory(), gate)
                : new FrameDecoder(settings.maxFrameBytes(), settings.memory(), gate, session, sasl.maxReceiveBytes()));
            ch.pipeline().addLast(new ConnectionHandler(dispatcher, connectionIds.incrementAndGet(),
                session, settings.maxQueuedPerConnection(), settings.memory(), gate, throttler, sasl,
                !endpoint.security().encrypts()));
          }
        });
  }

  /** The first listener as bound (with the real port). */
  public Listener boundListener() {
    return bound.get(0);
  }

  /** Every listener as bound (with its real port), in configuration order. */
  public List<Listener> boundListeners() {
    return bound;
  }

  /** Stops accepting and closes every connection. */
  @Override
  public void close() {
    serverChannels.forEach(c -> c.close().syncUninterruptibly());
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
