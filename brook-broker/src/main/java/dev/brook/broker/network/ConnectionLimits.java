package dev.brook.broker.network;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka's connection limits, applied where connections are accepted:
 *
 * <ul>
 *   <li>{@code max.connections}: at the limit a listener stops accepting (new connections wait in
 *       the kernel's backlog) until one closes. The inter-broker listener is exempt, so brokers can
 *       always reach each other.
 *   <li>{@code max.connections.per.ip} and {@code max.connections.per.ip.overrides}: a connection
 *       over its address's limit is closed at once.
 *   <li>{@code max.connection.creation.rate}: past the rate (per second, per listener) a listener
 *       pauses accepting for as long as keeps the rate.
 * </ul>
 *
 * One instance per broker holds the counts; {@link #forListener} makes the handler each listener's
 * server channel runs.
 */
public final class ConnectionLimits {
  private static final Logger log = LoggerFactory.getLogger(ConnectionLimits.class);

  /** The configured limits; {@code Integer.MAX_VALUE} means none. */
  public record Settings(int maxConnections, int maxPerIp, Map<InetAddress, Integer> perIpOverrides,
      int maxCreationRatePerSecond) {
    public static final Settings NONE = new Settings(Integer.MAX_VALUE, Integer.MAX_VALUE, Map.of(), Integer.MAX_VALUE);
  }

  private final Settings settings;
  private final AtomicInteger open = new AtomicInteger();
  private final Map<InetAddress, Integer> perIp = new ConcurrentHashMap<>();
  private final Map<Channel, Boolean> pausedListeners = new ConcurrentHashMap<>();

  public ConnectionLimits(Settings settings) {
    this.settings = settings;
  }

  /** Connections open now, on every listener. */
  public int open() {
    return open.get();
  }

  /** The handler of one listener's server channel; {@code exempt} listeners ignore max.connections. */
  ChannelHandler forListener(boolean exempt) {
    return new Acceptor(exempt);
  }

  private int limitFor(InetAddress address) {
    return settings.perIpOverrides().getOrDefault(address, settings.maxPerIp());
  }

  /** Sees each accepted connection before it joins an event loop. */
  @ChannelHandler.Sharable
  private final class Acceptor extends ChannelInboundHandlerAdapter {
    private final boolean exempt;
    // Creation-rate window: connections accepted in the current second (listener's own thread).
    private long windowStartNanos = System.nanoTime();
    private int acceptedInWindow;

    Acceptor(boolean exempt) {
      this.exempt = exempt;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      Channel child = (Channel) msg;
      InetAddress address = child.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
      if (address != null && perIp.merge(address, 1, Integer::sum) > limitFor(address)) {
        release(address);
        log.warn("closing connection from {}: max.connections.per.ip ({}) reached", address, limitFor(address));
        child.unsafe().closeForcibly();
        return;
      }
      int now = open.incrementAndGet();
      if (!exempt && now > settings.maxConnections()) {
        // Accepted in the same batch as the one that reached the limit: the limit is a hard one.
        open.decrementAndGet();
        release(address);
        child.unsafe().closeForcibly();
        return;
      }
      child.closeFuture().addListener(f -> closed(address));
      if (!exempt && now >= settings.maxConnections()) {
        if (now == settings.maxConnections()) {
          log.warn("max.connections ({}) reached: listener {} accepts again when a connection closes",
              settings.maxConnections(), ctx.channel().localAddress());
        }
        pause(ctx.channel());
      }
      throttleCreation(ctx);
      ctx.fireChannelRead(child);
    }

    private void throttleCreation(ChannelHandlerContext ctx) {
      if (settings.maxCreationRatePerSecond() == Integer.MAX_VALUE) return;
      long nowNanos = System.nanoTime();
      if (nowNanos - windowStartNanos >= TimeUnit.SECONDS.toNanos(1)) {
        windowStartNanos = nowNanos;
        acceptedInWindow = 0;
      }
      if (++acceptedInWindow >= settings.maxCreationRatePerSecond()) {
        Channel server = ctx.channel();
        server.config().setAutoRead(false);
        long waitNanos = Math.max(0, windowStartNanos + TimeUnit.SECONDS.toNanos(1) - nowNanos);
        server.eventLoop().schedule(() -> {
          if (!pausedListeners.containsKey(server)) server.config().setAutoRead(true);
        }, waitNanos, TimeUnit.NANOSECONDS);
      }
    }
  }

  private void pause(Channel server) {
    pausedListeners.put(server, Boolean.TRUE);
    server.config().setAutoRead(false);
  }

  private void release(InetAddress address) {
    if (address != null) perIp.computeIfPresent(address, (a, n) -> n == 1 ? null : n - 1);
  }

  private void closed(InetAddress address) {
    release(address);
    if (open.decrementAndGet() < settings.maxConnections() && !pausedListeners.isEmpty()) {
      for (Channel server : pausedListeners.keySet()) {
        if (pausedListeners.remove(server) != null) server.eventLoop().execute(() -> server.config().setAutoRead(true));
      }
    }
  }
}
