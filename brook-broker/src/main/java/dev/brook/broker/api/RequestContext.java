package dev.brook.broker.api;

import java.net.InetSocketAddress;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * Who sent a request and how: its header, the connection and the listener. Immutable; handed to a
 * handler together with the decoded request body.
 *
 * @param connectionId unique per connection for the broker's lifetime
 */
public record RequestContext(
    RequestHeader header, long connectionId, InetSocketAddress clientAddress, String listenerName) {

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
