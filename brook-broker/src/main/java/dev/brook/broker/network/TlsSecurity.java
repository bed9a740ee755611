package dev.brook.broker.network;

import dev.brook.broker.security.Session;
import dev.brook.broker.security.TlsContext;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS for SSL and SASL_SSL listeners: Netty's {@link SslHandler} over a JDK engine from the
 * listener's {@link TlsContext}, then, once the handshake completes, the principal of the client
 * certificate on an SSL listener (SASL_SSL takes the SASL principal instead, as Kafka does). Netty
 * delivers no decrypted byte before the handshake's completion event, so no request is served
 * under the wrong principal. A handshake that fails or times out closes the connection.
 */
public final class TlsSecurity implements ListenerSecurity {
  private static final Logger log = LoggerFactory.getLogger(TlsSecurity.class);
  private static final long HANDSHAKE_TIMEOUT_MS = 10_000;

  private final Supplier<TlsContext> current;

  /**
   * @param current the listener's context in force, read once per accepted connection: a context
   *     replaced at runtime (a new certificate) serves the connections accepted after, and those
   *     before keep their engine
   */
  public TlsSecurity(Supplier<TlsContext> current) {
    this.current = current;
  }

  @Override
  public void configure(SocketChannel channel, Session session) {
    TlsContext tls = current.get();
    SslHandler ssl = new SslHandler(tls.serverEngine(channel.alloc()));
    ssl.setHandshakeTimeout(HANDSHAKE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    channel.pipeline().addLast("tls", ssl);
    channel.pipeline().addLast("tls-principal", new PrincipalFromCertificate(tls, session));
  }

  @Override
  public boolean encrypts() {
    return true;
  }

  private static final class PrincipalFromCertificate extends ChannelInboundHandlerAdapter {
    private final TlsContext tls;
    private final Session session;

    PrincipalFromCertificate(TlsContext tls, Session session) {
      this.tls = tls;
      this.session = session;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (!(evt instanceof SslHandshakeCompletionEvent done)) {
        ctx.fireUserEventTriggered(evt);
        return;
      }
      ctx.pipeline().remove(this);
      if (!done.isSuccess()) {
        log.debug("TLS handshake with {} failed: {}", ctx.channel().remoteAddress(), done.cause().toString());
        ctx.close();
        return;
      }
      if (session.protocol() != SecurityProtocol.SSL) return;
      var principal = tls.principal(ctx.pipeline().get(SslHandler.class).engine().getSession());
      if (principal.isEmpty()) {
        log.warn("closing connection from {}: no ssl.principal.mapping.rules rule matches its certificate",
            ctx.channel().remoteAddress());
        ctx.close();
        return;
      }
      KafkaPrincipal p = principal.get();
      session.authenticatedAs(p);
    }
  }
}
