package dev.brook.broker.network;

import dev.brook.broker.api.ApiDispatcher;
import dev.brook.broker.api.RequestContext;
import dev.brook.broker.metrics.RequestMetrics;
import dev.brook.broker.security.SaslMechanisms;
import dev.brook.broker.security.Session;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestAndSize;
import org.apache.kafka.common.requests.RequestHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: decodes each frame into a request, dispatches it, and writes responses
 * strictly in request order even though handlers complete out of order (Kafka clients match
 * responses by order). Many requests may be in flight; past {@code queued.max.requests} reading
 * pauses until responses drain. All state is confined to the channel's event loop.
 *
 * <p>A frame that cannot be decoded (unknown API key, unsupported version, malformed body) closes
 * the connection, as Kafka does: no response header can be formed for it. The one exception is an
 * ApiVersions request of a newer version, answered in v0 form with UNSUPPORTED_VERSION and the
 * supported ranges (clients then retry with a version the broker knows).
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(ConnectionHandler.class);

  /** A request awaiting its turn to be answered. */
  private static final class Slot {
    final int correlationId;
    final short headerVersion;
    final short version;
    final ByteBuf frame;
    // Request metrics: System.nanoTime() when the frame was read, the handler called and returned,
    // and the response ready (key null: a request answered without a handler).
    ApiKeys key;
    long readNs;
    long dispatchedNs;
    long handledNs;
    long completedNs;
    ApiMessage response;
    // What quotas meter, kept only while quotas are configured.
    ApiKeys apiKey;
    String clientId;
    boolean replicaFetch;
    long handlerNanos;
    boolean done;
    boolean closeAfter;

    Slot(int correlationId, short headerVersion, short version, ByteBuf frame) {
      this.correlationId = correlationId;
      this.headerVersion = headerVersion;
      this.version = version;
      this.frame = frame;
    }
  }

  private final ApiDispatcher dispatcher;
  private final RequestMetrics metrics;
  private final long connectionId;
  private final Session session;
  private final int maxQueued;
  private final RequestMemoryPool pool;
  private final ReadGate gate;
  private final RequestThrottler throttler;
  private final SaslMechanisms sasl;
  private final boolean zeroCopy;
  /** SASL listeners only; null elsewhere, so other connections do no per-request SASL work. */
  private SaslAuthenticator authenticator;
  private final ArrayDeque<Slot> inFlight = new ArrayDeque<>();
  private ChannelHandlerContext ctx;
  private boolean closed;
  /** True while channelRead runs (for the busy time: counted once). */
  private boolean reading;

  ConnectionHandler(ApiDispatcher dispatcher, long connectionId, Session session, int maxQueued,
      RequestMemoryPool pool, ReadGate gate, RequestThrottler throttler) {
    this(dispatcher, connectionId, session, maxQueued, pool, gate, throttler, null, true);
  }

  /**
   * @param sasl the listener's SASL mechanisms, null unless it is SASL_PLAINTEXT or SASL_SSL
   * @param zeroCopy whether record bytes may go to the socket as file regions (not under TLS)
   */
  ConnectionHandler(ApiDispatcher dispatcher, long connectionId, Session session, int maxQueued,
      RequestMemoryPool pool, ReadGate gate, RequestThrottler throttler, SaslMechanisms sasl, boolean zeroCopy) {
    this.dispatcher = dispatcher;
    this.metrics = dispatcher == null ? RequestMetrics.disabled() : dispatcher.requestMetrics();
    this.connectionId = connectionId;
    this.session = session;
    this.pool = pool;
    this.gate = gate;
    this.throttler = throttler;
    this.maxQueued = maxQueued;
    this.sasl = sasl;
    this.zeroCopy = zeroCopy;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    if (sasl != null) authenticator = new SaslAuthenticator(sasl, session, ctx.executor());
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf frame = (ByteBuf) msg;
    if (closed) {
      releaseFrame(frame);
      return;
    }
    boolean handedOff = false;
    long readNs = System.nanoTime();
    reading = true;
    try {
      handedOff = serve(frame, readNs);
    } catch (RuntimeException e) {
      log.warn("closing connection from {}: undecodable request ({})", ctx.channel().remoteAddress(), e.toString());
      closeNow();
    } finally {
      if (!handedOff) releaseFrame(frame);
      reading = false;
      metrics.busy(System.nanoTime() - readNs);
    }
  }

  /** Returns true if the frame's release is now the pending request's job. */
  private boolean serve(ByteBuf frame, long readNs) {
    ByteBuffer buf = frame.nioBuffer();
    RequestHeader header = RequestHeader.parse(buf);
    ApiKeys key = header.apiKey();
    short version = header.apiVersion();
    if (key == ApiKeys.API_VERSIONS && !dispatcher.supports(key, version)) {
      answerUnsupportedApiVersions(header);
      return false;
    }
    if (!dispatcher.supports(key, version)) {
      log.warn("closing connection from {}: {} v{} is not supported", ctx.channel().remoteAddress(), key, version);
      closeNow();
      return false;
    }
    RequestAndSize parsed = AbstractRequest.parseRequest(key, version, new ByteBufferAccessor(buf));
    AbstractRequest request = parsed.request;
    if (authenticator != null) {
      // SASL listeners only: until authentication completes only the exchange (and ApiVersions) is
      // served; Kafka closes the connection on anything else.
      switch (authenticator.verdict(key)) {
        case CLOSE -> {
          log.info("closing connection from {}: {} before authentication", ctx.channel().remoteAddress(), key);
          closeNow();
          return false;
        }
        case EXCHANGE -> {
          return exchange(header, key, version, request, frame);
        }
        case SERVE -> {}
      }
    }
    RequestContext rc = new RequestContext(header, connectionId, remote(), session.listenerName(),
        session.protocol(), session.principal());
    Slot slot = new Slot(header.correlationId(), key.responseHeaderVersion(version), version, frame);
    slot.key = key;
    slot.readNs = readNs;
    inFlight.addLast(slot);
    if (inFlight.size() >= maxQueued) {
      gate.close(ReadGate.IN_FLIGHT);
    }
    boolean metered = throttler != null && throttler.enabled();
    slot.dispatchedNs = System.nanoTime();
    CompletableFuture<ApiMessage> response = dispatcher.dispatch(rc, request);
    slot.handledNs = System.nanoTime();
    if (metered) {
      slot.apiKey = key;
      slot.clientId = header.clientId();
      slot.replicaFetch = request instanceof org.apache.kafka.common.requests.FetchRequest f && f.replicaId() >= 0;
      slot.handlerNanos = slot.handledNs - slot.dispatchedNs;
    }
    response.whenComplete(
        (r, e) -> {
          slot.completedNs = System.nanoTime();
          // An exception here can only be the dispatcher's "close the connection" (it turns every
          // other failure into an error response).
          slot.closeAfter = e != null;
          if (ctx.executor().inEventLoop()) {
            complete(slot, r);
          } else {
            ctx.executor().execute(() -> complete(slot, r));
          }
        });
    return true;
  }

  private boolean exchange(RequestHeader header, ApiKeys key, short version, AbstractRequest request, ByteBuf frame) {
    Slot slot = new Slot(header.correlationId(), key.responseHeaderVersion(version), version, frame);
    inFlight.addLast(slot);
    authenticator.exchange(key, version, request.data()).whenComplete((outcome, e) -> {
      if (e != null) log.warn("SASL exchange with {} failed", ctx.channel().remoteAddress(), e);
      slot.closeAfter = e != null || outcome.closeAfter();
      ApiMessage response = e == null ? outcome.response() : null;
      int delayMs = e == null && outcome.closeAfter() ? sasl.failedAuthenticationDelayMs() : 0;
      if (delayMs > 0) {
        // As Kafka: a refused exchange is answered, and its connection closed, only after
        // connection.failed.authentication.delay.ms, reading nothing more meanwhile.
        ctx.executor().execute(() -> {
          gate.close(ReadGate.AUTHENTICATION_FAILED);
          ctx.executor().schedule(() -> complete(slot, response), delayMs, java.util.concurrent.TimeUnit.MILLISECONDS);
        });
      } else if (ctx.executor().inEventLoop()) {
        complete(slot, response);
      } else {
        ctx.executor().execute(() -> complete(slot, response));
      }
    });
    return true;
  }

  private void complete(Slot slot, ApiMessage response) {
    long startNs = System.nanoTime();
    slot.response = response;
    slot.done = true;
    boolean wrote = false;
    while (!inFlight.isEmpty() && inFlight.peekFirst().done) {
      Slot s = inFlight.pollFirst();
      if (s.apiKey != null && !closed) throttle(s);
      if (s.response != null && !closed) {
        write(s);
        wrote = true;
      }
      if (s.key != null) metrics.record(s.key, s.readNs, s.dispatchedNs, s.handledNs, s.completedNs, System.nanoTime());
      // The request's memory (record batches are views of it) lives until its response is out.
      releaseFrame(s.frame);
      if (s.closeAfter && !closed) {
        log.debug("closing connection from {} as its request asked", ctx.channel().remoteAddress());
        ctx.flush();
        closeNow();
      }
    }
    if (wrote) ctx.flush();
    if (!closed && inFlight.size() < maxQueued) {
      gate.open(ReadGate.IN_FLIGHT);
    }
    if (!reading) metrics.busy(System.nanoTime() - startNs); // inside channelRead it is counted there
  }

  /** Meters an answered request against the client's quotas; over them, it waits (KIP-219). */
  private void throttle(Slot s) {
    long ms = throttler.record(session, s.clientId, s.apiKey, s.replicaFetch, s.frame.capacity(), s.response,
        s.handlerNanos);
    if (ms <= 0) return;
    if (s.response != null) RequestThrottler.setThrottle(s.response, (int) Math.min(Integer.MAX_VALUE, ms));
    if (!gate.isClosed(ReadGate.THROTTLED)) {
      gate.close(ReadGate.THROTTLED);
      ctx.executor().schedule(() -> gate.open(ReadGate.THROTTLED), ms, java.util.concurrent.TimeUnit.MILLISECONDS);
    }
  }

  /** Releases a frame and returns the request memory it reserved. */
  private void releaseFrame(ByteBuf frame) {
    if (frame == io.netty.buffer.Unpooled.EMPTY_BUFFER) return;
    FrameDecoder.release(pool, frame); // the request is done with, whoever else still holds its bytes
    ReferenceCountUtil.safeRelease(frame);
  }

  private void write(Slot s) {
    List<Object> parts;
    try {
      parts = ResponseSerializer.serialize(ctx.alloc(), s.correlationId, s.headerVersion, s.response, s.version, zeroCopy);
    } catch (RuntimeException e) {
      log.error("cannot serialize {} response (correlation {}); closing connection",
          s.response.getClass().getSimpleName(), s.correlationId, e);
      closeNow();
      return;
    }
    for (Object part : parts) {
      ctx.write(part, ctx.voidPromise());
    }
  }

  private void answerUnsupportedApiVersions(RequestHeader header) {
    ApiVersionsResponseData data =
        new ApiVersionsResponseData()
            .setErrorCode(Errors.UNSUPPORTED_VERSION.code())
            .setApiKeys(dispatcher.supportedApis());
    Slot slot = new Slot(header.correlationId(), (short) 0, (short) 0, io.netty.buffer.Unpooled.EMPTY_BUFFER);
    inFlight.addLast(slot);
    complete(slot, data);
  }

  private InetSocketAddress remote() {
    return ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a : null;
  }

  private void closeNow() {
    closed = true;
    ctx.close();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      log.debug("closing idle connection from {}", ctx.channel().remoteAddress());
      closeNow();
    } else {
      ctx.fireUserEventTriggered(evt);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closed = true;
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof java.io.IOException) {
      log.debug("connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
    } else {
      log.warn("closing connection from {}", ctx.channel().remoteAddress(), cause);
    }
    closeNow();
  }
}
