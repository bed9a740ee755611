package dev.brook.broker.security;

import java.net.InetSocketAddress;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * Who is on the other end of one connection: the listener it came in on, that listener's security
 * protocol, the client's address and the principal it has proven to be. A PLAINTEXT connection is
 * {@code User:ANONYMOUS} from its first byte; TLS (the client certificate) and SASL (the
 * authentication exchange) set the principal once they have established it, before any other
 * request is served. Confined to the connection's event loop, except {@link #principal()}, which
 * handlers may read from other threads.
 */
public final class Session {
  private final String listenerName;
  private final SecurityProtocol protocol;
  private final InetSocketAddress clientAddress;
  private volatile KafkaPrincipal principal;
  private boolean authenticated;

  public Session(String listenerName, SecurityProtocol protocol, InetSocketAddress clientAddress) {
    this.listenerName = listenerName;
    this.protocol = protocol;
    this.clientAddress = clientAddress;
    this.principal = KafkaPrincipal.ANONYMOUS;
    // Only SASL makes a connection prove who it is before it is served; TLS has done so (or not,
    // without client auth) by the time the first request arrives.
    this.authenticated = protocol == SecurityProtocol.PLAINTEXT || protocol == SecurityProtocol.SSL;
  }

  public String listenerName() {
    return listenerName;
  }

  public SecurityProtocol protocol() {
    return protocol;
  }

  public InetSocketAddress clientAddress() {
    return clientAddress;
  }

  public KafkaPrincipal principal() {
    return principal;
  }

  /** Whether requests other than the authentication exchange may be served. */
  public boolean authenticated() {
    return authenticated;
  }

  /** The principal the transport or the SASL exchange established; from now on requests are served. */
  public void authenticatedAs(KafkaPrincipal p) {
    this.principal = p;
    this.authenticated = true;
  }
}
