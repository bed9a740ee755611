package dev.brook.broker.api;

import java.net.InetSocketAddress;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * Who sent a request and how: its header, the connection, the listener and its security protocol,
 * and the principal the connection authenticated as. Immutable; handed to a handler together with
 * the decoded request body. Handlers answer with the endpoints of the listener the request came in
 * on (a client on an SSL listener is told SSL addresses), and authorize against the principal.
 *
 * @param connectionId unique per connection for the broker's lifetime
 */
public record RequestContext(
    RequestHeader header,
    long connectionId,
    InetSocketAddress clientAddress,
    String listenerName,
    SecurityProtocol securityProtocol,
    KafkaPrincipal principal) {

  /** A PLAINTEXT request from an anonymous client (tests, and single-listener callers). */
  public RequestContext(RequestHeader header, long connectionId, InetSocketAddress clientAddress, String listenerName) {
    this(header, connectionId, clientAddress, listenerName, SecurityProtocol.PLAINTEXT, KafkaPrincipal.ANONYMOUS);
  }

  public ApiKeys apiKey() {
    return header.apiKey();
  }

  public short apiVersion() {
    return header.apiVersion();
  }

  public String clientId() {
    return header.clientId();
  }

  public int correlationId() {
    return header.correlationId();
  }
}
